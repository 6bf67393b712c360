"""Every ccxt failure maps to transient or fatal, with the kind the runbook counts."""

from __future__ import annotations

import aiohttp
import ccxt
import pytest

from corp.errors import FatalVenueError, TransientVenueError
from corp.venues.classify import MalformedResponse, classify, to_venue_error


@pytest.mark.parametrize(
    ("exc", "kind", "ambiguous"),
    [
        (ccxt.RateLimitExceeded("okx 50011"), "rate_limit", False),
        (ccxt.RequestTimeout("okx GET"), "timeout", True),
        (ccxt.OnMaintenance("okx 50001"), "unavailable", True),
        (ccxt.ExchangeNotAvailable("okx 503"), "unavailable", True),
        (MalformedResponse("html"), "malformed", True),
        (ccxt.InvalidNonce("gap"), "sequence", False),
        (ccxt.NetworkError("reset"), "network", True),
    ],
)
def test_transient_failures_are_retryable(exc: Exception, kind: str, ambiguous: bool) -> None:
    c = classify(exc)
    assert (c.kind, c.transient, c.ambiguous) == (kind, True, ambiguous)
    assert isinstance(to_venue_error(exc, venue="okx", op="x"), TransientVenueError)


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (ccxt.AuthenticationError("50113"), "auth"),
        (ccxt.InsufficientFunds("51008"), "insufficient_funds"),
        (ccxt.InvalidOrder("okx 51121"), "invalid_order"),
        (ccxt.InvalidOrder('okx {"sCode":"51016"}'), "duplicate_client_id"),
        (ccxt.OrderNotFound("51603"), "not_found"),
        (ccxt.BadSymbol("nope"), "bad_request"),
        (ccxt.ExchangeError("unknown"), "exchange"),
    ],
)
def test_fatal_failures_are_never_retried(exc: Exception, kind: str) -> None:
    c = classify(exc)
    assert (c.kind, c.transient) == (kind, False)
    assert isinstance(to_venue_error(exc, venue="okx", op="x"), FatalVenueError)


def test_async_body_cut_midway_is_a_transient_network_error_not_a_fatal_exchange_error() -> None:
    try:
        try:
            raise aiohttp.ClientPayloadError("Response payload is not completed")
        except aiohttp.ClientPayloadError as inner:
            raise ccxt.ExchangeError("okx GET") from inner
    except ccxt.ExchangeError as exc:
        c = classify(exc)
    assert (c.kind, c.transient) == ("network", True)


def test_error_message_names_venue_operation_and_kind() -> None:
    err = to_venue_error(ccxt.RateLimitExceeded("too many"), venue="okx", op="create_order")
    assert "okx create_order failed" in str(err)
    assert "<kind=rate_limit>" in str(err)
