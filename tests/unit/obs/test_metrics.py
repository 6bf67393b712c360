"""Metrics live on an injected registry, so two instances never collide."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest

from corp.obs.metrics import VenueMetrics


def test_two_metric_groups_on_separate_registries_do_not_collide() -> None:
    a, b = VenueMetrics(CollectorRegistry()), VenueMetrics(CollectorRegistry())
    a.rate_limits.labels(venue="okx", op="create_order").inc()
    assert (
        b.registry.get_sample_value(
            "corp_venue_rate_limits_total", {"venue": "okx", "op": "create_order"}
        )
        is None
    )
    assert (
        a.registry.get_sample_value(
            "corp_venue_rate_limits_total", {"venue": "okx", "op": "create_order"}
        )
        == 1.0
    )


def test_runbook_degradation_signals_are_exported() -> None:
    metrics = VenueMetrics()
    metrics.api_errors.labels(venue="okx", op="x", kind="timeout").inc()
    metrics.order_rejects.labels(venue="okx", reason="post_only").inc()
    metrics.partial_fills.labels(venue="okx").inc()
    text = generate_latest(metrics.registry).decode()
    for name in (
        "corp_venue_api_errors_total",
        "corp_venue_rate_limits_total",
        "corp_venue_order_rejects_total",
        "corp_venue_partial_fills_total",
    ):
        assert name in text
