"""An embedded, Toxiproxy-compatible TCP proxy with Toxiproxy v2.12's HTTP API and toxics.

The chaos harness uses it when no ``toxiproxy-server`` binary (or Docker engine) is available; the
unchanged ``toxiproxy-python`` client and any existing Toxiproxy tooling drive it as they drive the
real server. Our one extension is a seed (``--seed``) that makes toxicity draws and jitter replay.

Modules: ``api`` (HTTP routes), ``proxy`` (proxies and toxic collections), ``link`` (connections and
live toxic chains), ``toxics`` (each toxic's behaviour), ``metrics``, ``server`` (start/stop).
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
