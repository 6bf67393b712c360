"""Observability: every Prometheus metric CORP exports lives in :mod:`corp.obs.metrics`."""
