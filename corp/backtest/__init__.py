"""The offline driver: an njit event loop over the core with latency, queue and fee models."""

from corp.backtest._njit_cache import invalidate_stale_caches

invalidate_stale_caches()
