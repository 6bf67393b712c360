"""An embedded, Toxiproxy-compatible TCP proxy with Toxiproxy v2.12's HTTP API and toxics.

The chaos harness uses it when no ``toxiproxy-server`` binary (or Docker engine) is available; the
unchanged ``toxiproxy-python`` client and any existing Toxiproxy tooling drive it as they drive the
real server. Our one extension is a seed (``--seed``) that makes toxicity draws and jitter replay.

Modules: ``api`` (HTTP routes), ``proxy`` (proxies and toxic collections), ``link`` (connections
and live toxic chains), ``stage`` (one toxic on one link), ``toxics`` (each toxic's behaviour),
``metrics``, ``decode`` (Go-style lenient JSON), ``errors`` (API errors), ``server`` (start/stop).

Where we knowingly differ from Toxiproxy v2.12 (each a fix or a safety choice, never an API change):

* ``--seed`` / ``seed=``: toxicity draws, latency jitter and slicer sizes come from per-connection
  RNGs derived from (seed, proxy, connection number, direction), so a drill replays exactly.
  Toxicity is drawn when a toxic starts on a connection (connection opened, toxic added or
  updated); Go also redraws the toxic *before* one that is added or removed.
* ``/metrics`` is on by default and counts bytes as they flow (Go: only with ``-proxy-metrics``,
  and a link's bytes are added when the connection ends).
* A request without ``listen`` binds ``127.0.0.1:0`` (Go binds every interface).
* ``reset_peer`` sends an RST also when it was added to an already open connection (Go sets
  SO_LINGER 0 only on connections opened while the toxic exists, so those get a FIN).
* ``slow_close`` interrupted while holding the close (toxic updated or removed) keeps the EOF for
  the chain (Go loses it and the connection never closes).
* ``bandwidth`` with ``rate <= 0`` holds the data until the toxic changes (Go sends empty chunks
  forever at 0 and crashes on a negative rate); ``slicer`` never emits empty pieces and treats a
  negative ``size_variation`` as 0 (Go panics).
* ``slicer`` with ``average_size <= 0`` is refused with 400 as the reference requires (v2.12
  accepts it and then recurses without end on the first chunk; later releases validate it).
"""

from chaos.toxiproxy.api import TOXIPROXY_VERSION, ToxiproxyApi
from chaos.toxiproxy.server import ThreadedToxiproxyServer, ToxiproxyServer
from chaos.toxiproxy.toxics import TOXIC_TYPES

__all__ = [
    "TOXIC_TYPES",
    "TOXIPROXY_VERSION",
    "ThreadedToxiproxyServer",
    "ToxiproxyApi",
    "ToxiproxyServer",
]
