"""Exchanges: the Venue interface, the ccxt OKX adapter, the market-data feed, the simulator.

* :mod:`corp.venues.base` — the :class:`~corp.venues.base.Venue` protocol and its records
  (sizes in base units, timestamps in ns, our own client order ids).
* :mod:`corp.venues.okx` — :class:`~corp.venues.okx.OkxVenue` over ccxt: idempotent submission,
  reconciliation, throttle, error classification (:mod:`corp.venues.classify`), metrics
  (:mod:`corp.obs.metrics`).
* :mod:`corp.venues.feed` — :class:`~corp.venues.feed.MarketDataFeed` over ccxt.pro: reconnect with
  backoff (:mod:`corp.venues.backoff`), staleness, re-sync, malformed-data rejection.
* :mod:`corp.venues.config` / :mod:`corp.venues.modes` — frozen configs, credentials from the
  environment only, and the mapping from the mode layer.
* :mod:`corp.venues.okx_sim` — the local OKX-v5-compatible simulator (REST + WS + /admin).
"""
