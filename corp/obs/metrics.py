"""Every Prometheus metric of CORP, defined once, registered on an injected registry.

Nothing registers on prometheus_client's global REGISTRY at import: a service builds one
:class:`~prometheus_client.CollectorRegistry`, passes it to each metrics group and exports it on
/metrics; tests build a fresh registry each, so they never collide::

    registry = CollectorRegistry()
    venue = VenueMetrics(registry)
    venue.rate_limits.labels(venue="okx", op="create_order").inc()

The venue group carries the incident runbook's degradation signals (section 1.2): API errors, rate
limits, rejects and partial fills, plus the market-data feed's reconnects, resyncs and staleness.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

__all__ = ["VenueMetrics"]

LATENCY_BUCKETS_SECS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class VenueMetrics:
    """Counters and gauges of one process's venue adapters and market-data feeds."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.api_errors = Counter(
            "corp_venue_api_errors_total",
            "Venue API calls that failed, by operation and error kind",
            ["venue", "op", "kind"],
            registry=r,
        )
        self.rate_limits = Counter(
            "corp_venue_rate_limits_total",
            "Venue answers that said 'too many requests' (OKX 50011 / HTTP 429)",
            ["venue", "op"],
            registry=r,
        )
        self.order_rejects = Counter(
            "corp_venue_order_rejects_total",
            "Orders the venue refused or cancelled on arrival (e.g. post-only would take)",
            ["venue", "reason"],
            registry=r,
        )
        self.partial_fills = Counter(
            "corp_venue_partial_fills_total",
            "Order observations that were partially filled",
            ["venue"],
            registry=r,
        )
        self.api_latency = Histogram(
            "corp_venue_api_latency_seconds",
            "Round-trip time of venue API calls",
            ["venue", "op"],
            buckets=LATENCY_BUCKETS_SECS,
            registry=r,
        )
        self.throttle_waits = Counter(
            "corp_venue_throttle_wait_seconds_total",
            "Time calls spent waiting for the client-side token bucket",
            ["venue"],
            registry=r,
        )
        self.order_retries = Counter(
            "corp_venue_order_retries_total",
            "Order submissions retried after a transient failure",
            ["venue"],
            registry=r,
        )
        self.reconciled_orders = Counter(
            "corp_venue_reconciled_orders_total",
            "Orders whose state a reconciliation found different from what the engine believed",
            ["venue", "outcome"],
            registry=r,
        )
        self.feed_reconnects = Counter(
            "corp_feed_reconnects_total",
            "Market-data stream reconnect attempts",
            ["venue", "stream"],
            registry=r,
        )
        self.feed_resyncs = Counter(
            "corp_feed_resyncs_total",
            "Fresh book snapshots requested, by reason (reconnect, sequence_gap, malformed)",
            ["venue", "stream", "reason"],
            registry=r,
        )
        self.feed_rejected = Counter(
            "corp_feed_messages_rejected_total",
            "Market-data messages rejected as malformed (unparseable, NaN, crossed, non-positive)",
            ["venue", "stream", "reason"],
            registry=r,
        )
        self.feed_stale = Gauge(
            "corp_feed_stale",
            "1 while the stream's data is stale (engine must not quote), else 0",
            ["venue", "stream"],
            registry=r,
        )
        self.feed_backoff_secs = Gauge(
            "corp_feed_backoff_seconds",
            "Delay before the stream's next reconnect attempt",
            ["venue", "stream"],
            registry=r,
        )
