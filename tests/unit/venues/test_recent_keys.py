"""The venue counts each rejected / partially filled order once, in bounded memory."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from corp.obs.metrics import VenueMetrics
from corp.venues.config import OkxCredentials, VenueConfig
from corp.venues.okx import OkxVenue, RecentKeys


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 6), st.lists(st.sampled_from("abcdefghij"), max_size=60))
def test_recent_keys_agree_with_a_plain_list_of_the_newest_keys(cap: int, keys: list[str]) -> None:
    recent = RecentKeys(cap)
    reference: list[str] = []  # insertion order of distinct keys, newest last, at most cap
    for key in keys:
        new = key not in reference
        assert recent.add(key) is new
        if new:
            reference.append(key)
            del reference[:-cap]
        assert len(recent) == len(reference) <= cap


class MarketsOnly:
    """Just enough of a ccxt exchange for parsing: one spot market, no network."""

    def market(self, symbol: str) -> dict[str, Any]:
        return {"symbol": symbol, "contract": False}


def rejected(order_id: int) -> dict[str, Any]:
    info = {"state": "canceled", "cancelSource": "31", "clOrdId": f"c{order_id}"}
    return {"symbol": "BTC/USDT", "id": str(order_id), "side": "buy", "info": info}


def test_a_long_run_of_rejects_is_counted_once_each_with_bounded_memory() -> None:
    config = VenueConfig(mode="okx_live")
    creds = OkxCredentials.from_env(
        {"CORP_OKX_API_KEY": "k", "CORP_OKX_SECRET": "s", "CORP_OKX_PASSPHRASE": "p"}
    )
    metrics = VenueMetrics(CollectorRegistry())
    venue = OkxVenue(config, creds, metrics=metrics, exchange=MarketsOnly())
    for order_id in range(25_000):
        venue._snapshot(rejected(order_id))
        venue._snapshot(rejected(order_id))  # the same order seen again: not counted again
    labels = {"venue": "okx", "reason": "post_only"}
    assert metrics.registry.get_sample_value("corp_venue_order_rejects_total", labels) == 25_000
    assert len(venue._counted_rejects) == venue._counted_rejects.cap
