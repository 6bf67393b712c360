"""From the mode layer (:class:`corp.spec.mode.ModeSpec`) to venue and simulator configs.

The mode layer names *where* orders go and *which environment variables* hold the keys; this module
turns that into a :class:`VenueConfig` (plus credentials read from those variables) and, for
okx_demo_sim, the simulator's :class:`SimConfig` with the mode's fees. Usage::

    sim_config = sim_config_from_mode(spec.mode, seed=spec.seed)
    async with running_sim(sim_config) as sim:
        cfg = venue_config_from_spec(spec, sim_rest_url=sim.rest_url, sim_ws_url=sim.ws_url)
        venue = OkxVenue(cfg, credentials_from_mode(spec.mode))
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from corp.errors import SpecError
from corp.spec.mode import ModeSpec
from corp.venues.config import (
    ENV_API_KEY,
    ENV_PASSPHRASE,
    ENV_SECRET,
    BackoffConfig,
    FeedConfig,
    OkxCredentials,
    ThrottleConfig,
    VenueConfig,
)
from corp.venues.okx_sim.server import SimConfig

__all__ = [
    "credentials_from_mode",
    "sim_config_from_mode",
    "venue_config_from_mode",
    "venue_config_from_spec",
]

DEAD_PEER_OVER_IDLE = 1.5
"""A silent socket is declared dead after 1.5x the stale-data timeout (at least FeedConfig's
15 s): the feed first reports stale and stops quoting, and only redials if even pongs stop."""


def _ws_base(mode: ModeSpec) -> str | None:
    """ccxt wants the .../ws/v5 base; the mode layer gives the public and private endpoints."""
    public, private = mode.ws_public_url, mode.ws_private_url
    if public is None:
        return None
    if not public.endswith("/public"):
        raise SpecError(f"mode.ws_public_url must end with '/public', was {public!r}")
    base = public.removesuffix("/public")
    if private is not None and private.split("?")[0] != f"{base}/private":
        raise SpecError(
            f"mode.ws_private_url must be {base + '/private'!r} (same host as ws_public_url), "
            f"was {private!r}"
        )
    return base


def venue_config_from_mode(
    mode: ModeSpec,
    *,
    sim_rest_url: str | None = None,
    sim_ws_url: str | None = None,
    **overrides: Any,
) -> VenueConfig:
    """The venue config of a venue mode; okx_demo_sim takes the running simulator's URLs."""
    if mode.name == "offline":
        raise SpecError("mode.name must be a venue mode for a venue config, was 'offline'")
    if mode.name == "okx_demo_sim":
        rest_url = mode.rest_url or sim_rest_url
        ws_url = _ws_base(mode) or sim_ws_url
    else:
        rest_url, ws_url = mode.rest_url, _ws_base(mode)
    if mode.simulated_trading != (mode.name != "okx_live"):
        raise SpecError(
            f"mode.simulated_trading must be {mode.name != 'okx_live'} for mode={mode.name}, "
            f"was {mode.simulated_trading}"
        )
    return VenueConfig(mode=mode.name, rest_url=rest_url, ws_url=ws_url, **overrides)


def venue_config_from_spec(
    spec: Any, *, sim_rest_url: str | None = None, sim_ws_url: str | None = None
) -> VenueConfig:
    """The venue config a run uses: where from the mode layer, and every timeout, throttle and
    reconnect limit from the runtime layer, so the validated pack is what the venue runs with
    (VenueConfig's own defaults are for library use and tests, never for a run)."""
    rt = spec.runtime
    idle_ms = float(rt.ws_stale_timeout_ms)
    rate = float(rt.max_orders_per_sec)
    return venue_config_from_mode(
        spec.mode,
        sim_rest_url=sim_rest_url,
        sim_ws_url=sim_ws_url,
        timeout_ms=max(1, round(float(rt.rest_timeout_ms))),
        throttle=ThrottleConfig(rate_per_sec=rate, burst=max(1, math.ceil(rate))),
        feed=FeedConfig(
            data_idle_timeout_ms=idle_ms,
            dead_peer_timeout_ms=max(
                FeedConfig.model_fields["dead_peer_timeout_ms"].default,
                DEAD_PEER_OVER_IDLE * idle_ms,
            ),
            backoff=BackoffConfig(
                initial_ms=float(rt.reconnect_initial_backoff_ms),
                max_ms=float(rt.reconnect_max_backoff_ms),
                max_attempts=int(rt.max_reconnects),
            ),
        ),
    )


def credentials_from_mode(mode: ModeSpec, env: Mapping[str, str] | None = None) -> OkxCredentials:
    """Keys from the environment variables the mode names (CORP_OKX_* when it names none)."""
    env = os.environ if env is None else env
    names = (
        mode.api_key_env or ENV_API_KEY,
        mode.api_secret_env or ENV_SECRET,
        mode.api_passphrase_env or ENV_PASSPHRASE,
    )
    remapped = {
        ENV_API_KEY: env.get(names[0], ""),
        ENV_SECRET: env.get(names[1], ""),
        ENV_PASSPHRASE: env.get(names[2], ""),
    }
    if mode.name == "offline":
        raise SpecError("mode.name must be a venue mode to read keys, was 'offline'")
    try:
        return OkxCredentials.from_env(remapped, mode=mode.name)
    except SpecError as exc:
        missing = [n for n in names if not env.get(n)]
        raise SpecError(
            f"environment variables {missing} must be set and non-empty for mode={mode.name}"
        ) from exc


def sim_config_from_mode(mode: ModeSpec, *, seed: int = 0, **overrides: Any) -> SimConfig:
    """The simulator config for okx_demo_sim, charging the mode's maker/taker fees."""
    if mode.name != "okx_demo_sim":
        raise SpecError(f"mode.name must be 'okx_demo_sim' to run the simulator, was {mode.name!r}")
    return SimConfig(
        seed=seed,
        maker_fee_rate=Decimal(str(mode.maker_fee_bps)) / Decimal(10_000),
        taker_fee_rate=Decimal(str(mode.taker_fee_bps)) / Decimal(10_000),
        **overrides,
    )
