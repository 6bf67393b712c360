"""Map every ccxt failure onto CORP's tree: transient (retry after backoff) or fatal (never retry).

ccxt's own hierarchy is close but not enough: it reads an HTML or empty HTTP 200 as an empty result
(so "no open orders" could be a Cloudflare page), and an async body cut mid-way surfaces as a bare
ExchangeError. :class:`EnvelopeGuard` closes the first hole inside ccxt's per-response
``handle_errors`` hook (race-free, unlike ``last_http_response``); :func:`classify` the second.

``ambiguous`` marks failures after which a write may or may not have reached the venue (timeouts,
resets, 5xx): the caller must look the order up by its clientOrderId before trying again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import aiohttp
import ccxt

from corp.errors import FatalVenueError, TransientVenueError, VenueError
from corp.venues.base import OrderSnapshot

__all__ = [
    "CancelNotConfirmed",
    "EnvelopeGuard",
    "ErrorKind",
    "FatalCallError",
    "MalformedResponse",
    "SubmitNotConfirmed",
    "TransientCallError",
    "classify",
    "to_venue_error",
]

ErrorKind = Literal[
    "rate_limit",
    "timeout",
    "unavailable",
    "malformed",
    "network",
    "sequence",
    "auth",
    "insufficient_funds",
    "invalid_order",
    "duplicate_client_id",
    "not_found",
    "bad_request",
    "exchange",
]
DUPLICATE_CLIENT_ID_CODE = "51016"


class MalformedResponse(ccxt.ExchangeNotAvailable):
    """HTTP 2xx whose body is not an OKX envelope (HTML page, empty body, non-object JSON)."""


class EnvelopeGuard:
    """Mixin for ccxt's okx classes: a 2xx /api/v5 answer must be ``{"code": .., "data": [..]}``."""

    def handle_errors(
        self,
        code: int | None,
        reason: str,
        url: str,
        method: str,
        headers: dict[str, Any],
        body: str,
        response: Any,
        request_headers: Any,
        request_body: Any,
    ) -> Any:
        if code is not None and 200 <= code < 300 and "/api/v5/" in url:
            ok = (
                isinstance(response, dict)
                and isinstance(response.get("code"), str)
                and isinstance(response.get("data", []), list)
            )
            if not ok:
                snippet = (body or "")[:80]
                raise MalformedResponse(
                    f"okx {method} {url}: HTTP {code} body is not an OKX envelope "
                    f"(expected JSON object with code/data), got {snippet!r}"
                )
        return super().handle_errors(  # type: ignore[misc]
            code, reason, url, method, headers, body, response, request_headers, request_body
        )


@dataclass(frozen=True, slots=True)
class Classification:
    kind: ErrorKind
    transient: bool
    ambiguous: bool


class TransientCallError(TransientVenueError):
    """A venue call failed in a way a retry may cure; ``kind`` says how."""

    def __init__(self, message: str, *, kind: ErrorKind, ambiguous: bool) -> None:
        super().__init__(message)
        self.kind = kind
        self.ambiguous = ambiguous


class CancelNotConfirmed(TransientCallError):
    """A cancel whose outcome could not be confirmed: ``order`` is the order's last known state
    (open or partially filled: it is still live, cancel again or reconcile), or None when even
    that is unknown (reconcile before acting). Never read as "cancelled"."""

    def __init__(
        self, message: str, *, kind: ErrorKind, ambiguous: bool, order: OrderSnapshot | None
    ) -> None:
        super().__init__(message, kind=kind, ambiguous=ambiguous)
        self.order = order


class SubmitNotConfirmed(TransientCallError):
    """A submission that may have reached the venue, whose fate could not be read back. It is
    not resent: OKX refuses a duplicate client id only while that order is pending, so a resend
    after the original was filled or cancelled would be a second order. Reconcile first."""


class FatalCallError(FatalVenueError):
    """A venue call failed in a way no retry cures; ``kind`` says how."""

    def __init__(self, message: str, *, kind: ErrorKind) -> None:
        super().__init__(message)
        self.kind = kind
        self.ambiguous = False


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def classify(exc: BaseException) -> Classification:
    """Decide transient/fatal and ambiguity for an exception raised by a ccxt call."""
    # order matters: ccxt's tree nests (RateLimitExceeded < DDoSProtection < NetworkError, ...)
    if isinstance(exc, MalformedResponse):
        return Classification("malformed", transient=True, ambiguous=True)
    if isinstance(exc, ccxt.RateLimitExceeded | ccxt.DDoSProtection):
        return Classification("rate_limit", transient=True, ambiguous=False)
    if isinstance(exc, ccxt.RequestTimeout):
        return Classification("timeout", transient=True, ambiguous=True)
    if isinstance(exc, ccxt.InvalidNonce):
        return Classification("sequence", transient=True, ambiguous=False)
    if isinstance(exc, ccxt.ExchangeNotAvailable):  # incl. OnMaintenance, 5xx
        return Classification("unavailable", transient=True, ambiguous=True)
    if isinstance(exc, ccxt.NetworkError):
        return Classification("network", transient=True, ambiguous=True)
    if isinstance(exc, ccxt.AuthenticationError | ccxt.PermissionDenied | ccxt.AccountSuspended):
        return Classification("auth", transient=False, ambiguous=False)
    if isinstance(exc, ccxt.InsufficientFunds):
        return Classification("insufficient_funds", transient=False, ambiguous=False)
    if isinstance(exc, ccxt.OrderNotFound):
        return Classification("not_found", transient=False, ambiguous=False)
    if isinstance(exc, ccxt.InvalidOrder):
        if DUPLICATE_CLIENT_ID_CODE in str(exc):
            return Classification("duplicate_client_id", transient=False, ambiguous=False)
        return Classification("invalid_order", transient=False, ambiguous=False)
    if isinstance(exc, ccxt.BadRequest | ccxt.BadSymbol | ccxt.ArgumentsRequired):
        return Classification("bad_request", transient=False, ambiguous=False)
    if _caused_by(exc, aiohttp.ClientPayloadError | aiohttp.ClientConnectionError):
        return Classification("network", transient=True, ambiguous=True)
    if isinstance(exc, ConnectionError | TimeoutError):
        return Classification("network", transient=True, ambiguous=True)
    return Classification("exchange", transient=False, ambiguous=False)


def to_venue_error(exc: BaseException, *, venue: str, op: str) -> VenueError:
    """The CORP error to raise (``from exc``) for a failed call, naming venue, op and kind."""
    c = classify(exc)
    message = f"{venue} {op} failed: {type(exc).__name__}: {str(exc)[:300]} <kind={c.kind}>"
    if c.transient:
        return TransientCallError(message, kind=c.kind, ambiguous=c.ambiguous)
    return FatalCallError(message, kind=c.kind)
