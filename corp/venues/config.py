"""Venue configuration (URLs, timeouts, throttle, backoff) and credentials from the environment.

:class:`VenueConfig` is what the mode layer (``conf/mode``) populates; it never holds keys. Keys
come only from environment variables through :meth:`OkxCredentials.from_env` and are
:class:`~pydantic.SecretStr`, so every repr, log line and model dump shows ``'**********'``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from corp.errors import SpecError

__all__ = [
    "ENV_API_KEY",
    "ENV_PASSPHRASE",
    "ENV_SECRET",
    "BackoffConfig",
    "FeedConfig",
    "OkxCredentials",
    "ThrottleConfig",
    "VenueConfig",
    "VenueMode",
]

VenueMode = Literal["okx_demo_sim", "okx_demo_api", "okx_live"]
ENV_API_KEY = "CORP_OKX_API_KEY"
ENV_SECRET = "CORP_OKX_SECRET"
ENV_PASSPHRASE = "CORP_OKX_PASSPHRASE"

PositiveMs = Annotated[float, Field(gt=0)]


class ThrottleConfig(BaseModel):
    """Client-side token bucket in front of every REST call."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rate_per_sec: Annotated[float, Field(gt=0)] = 20.0
    """Sustained calls per second (default 20; OKX allows 60 orders / 2 s per instrument)."""
    burst: Annotated[int, Field(ge=1)] = 20
    """Bucket capacity: calls allowed back to back after a quiet period (default 20)."""


class BackoffConfig(BaseModel):
    """Exponential backoff with jitter and a cap, reset after a stable period."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    initial_ms: PositiveMs = 250.0
    """First delay before jitter (default 250 ms)."""
    multiplier: Annotated[float, Field(ge=1.0)] = 2.0
    """Growth per consecutive failure (default 2)."""
    max_ms: PositiveMs = 30_000.0
    """Cap on the delay before jitter (default 30 s)."""
    jitter_pct: Annotated[float, Field(ge=0.0, le=100.0)] = 20.0
    """Delay is drawn uniformly in [d·(1-j), d·(1+j)], j = jitter_pct/100 (default 20 %)."""
    reset_after_stable_ms: PositiveMs = 60_000.0
    """A connection that stayed healthy this long resets the attempt count (default 60 s)."""
    max_attempts: Annotated[int, Field(ge=1)] | None = None
    """Give up after this many consecutive failed attempts (None = never give up)."""

    @model_validator(mode="after")
    def _cap_above_initial(self) -> BackoffConfig:
        if self.max_ms < self.initial_ms:
            raise SpecError(
                f"backoff.max_ms must be >= initial_ms={self.initial_ms}, was {self.max_ms}"
            )
        return self


class FeedConfig(BaseModel):
    """Market-data stream timeouts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    data_idle_timeout_ms: PositiveMs = 5_000.0
    """No book/trade data for this long → stale (quoting stops), connection kept (default 5 s)."""
    dead_peer_timeout_ms: PositiveMs = 15_000.0
    """No frame at all (not even pong) for this long → the connection is dead, redial (15 s)."""
    keepalive_ms: PositiveMs = 5_000.0
    """ccxt.pro text-ping period; ccxt itself fails the socket after 2× without pong (5 s)."""
    book_depth: Literal[1, 5, 400] = 400
    """1 → bbo-tbt, 5 → books5, 400 → books with seqId/prevSeqId (default 400)."""
    backoff: BackoffConfig = BackoffConfig()
    """Reconnect policy."""


class VenueConfig(BaseModel):
    """How to reach a venue; the mode layer fills it, the environment supplies the keys."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: VenueMode
    """okx_demo_sim (local simulator), okx_demo_api (OKX demo), okx_live."""
    rest_url: str | None = None
    """REST base (scheme://host:port), required for okx_demo_sim; None = ccxt's OKX default."""
    ws_url: str | None = None
    """WebSocket base ending in /ws/v5, required for okx_demo_sim; None = ccxt's OKX default."""
    timeout_ms: Annotated[int, Field(ge=1)] = 5_000
    """Per-request timeout of REST calls (default 5 s)."""
    order_attempts: Annotated[int, Field(ge=1, le=10)] = 3
    """Tries per order submission (same clientOrderId each time) before giving up (default 3)."""
    throttle: ThrottleConfig = ThrottleConfig()
    """Client-side REST rate limit."""
    backoff: BackoffConfig = BackoffConfig(initial_ms=100.0, max_ms=2_000.0)
    """Delays between REST retries (default 100 ms doubling to 2 s)."""
    feed: FeedConfig = FeedConfig()
    """Market-data stream policy."""

    @model_validator(mode="after")
    def _sim_needs_urls(self) -> VenueConfig:
        if self.mode == "okx_demo_sim" and (not self.rest_url or not self.ws_url):
            raise SpecError(
                "venue.rest_url and venue.ws_url must be set for mode=okx_demo_sim, "
                f"was rest_url={self.rest_url!r} ws_url={self.ws_url!r}"
            )
        for name in ("rest_url", "ws_url"):
            url = getattr(self, name)
            if url is not None and not url.startswith(("http://", "https://", "ws://", "wss://")):
                raise SpecError(f"venue.{name} must start with a URL scheme, was {url!r}")
        return self


class OkxCredentials(BaseModel):
    """API key, secret and passphrase; only ever built from environment variables."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    api_key: SecretStr
    secret: SecretStr
    passphrase: SecretStr

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, mode: VenueMode = "okx_live"
    ) -> OkxCredentials:
        """Read CORP_OKX_API_KEY / _SECRET / _PASSPHRASE.

        For okx_demo_sim a missing variable falls back to a fixed local identity (the simulator
        accepts any non-empty key); for demo and live a missing one is an error naming it.
        """
        env = os.environ if env is None else env
        names = (ENV_API_KEY, ENV_SECRET, ENV_PASSPHRASE)
        values = [env.get(name, "") for name in names]
        if mode == "okx_demo_sim":
            values = [v or f"corp-sim-{i}" for i, v in enumerate(values)]
        missing = [name for name, value in zip(names, values, strict=True) if not value]
        if missing:
            raise SpecError(
                f"environment variables {missing} must be set and non-empty for mode={mode}, "
                "were missing or empty"
            )
        return cls(
            api_key=SecretStr(values[0]),
            secret=SecretStr(values[1]),
            passphrase=SecretStr(values[2]),
        )
