"""The offline driver: an njit event loop over the core with latency, queue and fee models."""
