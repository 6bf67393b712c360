"""Build the flat parameter vector the kernels read (layout in `corp.core.types`).

``param_vector(**values)`` takes lower-case names of the ``P_*`` constants (``gamma=0.1``,
``entry_latency_ns=1_000_000``) over documented defaults and refuses unknown names and non-finite
values. Packing a validated RunSpec goes through the same function, so there is one place that
knows the layout.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from corp.core import types as t

__all__ = ["DEFAULTS", "PARAM_NAMES", "param_vector"]

PARAM_NAMES: dict[str, int] = {
    name[2:].lower(): getattr(t, name)
    for name in dir(t)
    if name.startswith("P_") and isinstance(getattr(t, name), int)
}

DEFAULTS: Mapping[str, float] = {
    "kind": t.KIND_AS,
    "tick_size": 0.01,
    "lot_size": 0.01,
    "base_spread_frac": 0.001,
    "gamma": 0.1,
    "sigma": 0.01,
    "k": 40.0,
    "a": 1.0,
    "horizon_secs": 0.0,
    "glft_mode": t.GLFT_APPROX,
    "glft_xi": 0.1,
    "glft_delta": 0.1,
    "inventory_skew_factor": 0.5,
    "high_intensity": 2.0,
    "low_intensity": 0.5,
    "aggressive_factor": 0.5,
    "defensive_factor": 2.0,
    "adverse_threshold": 2.5,
    "adverse_widen_factor": 1.5,
    "adverse_window": 100.0,
    "regime_mult_low": 0.8,
    "regime_mult_normal": 1.0,
    "regime_mult_high": 1.5,
    "regime_vol_low": 0.005,
    "regime_vol_high": 0.02,
    "hedge_threshold_base": 0.0,
    "max_hedge_frac": 0.5,
    "hedge_interval_ns": 1_000_000_000,
    "greeks_ttl_ns": 100_000_000,
    "base_size": 0.1,
    "inventory_limit": 1.0,
    "size_shape": 2.0,
    "cross_policy": t.CROSS_CLAMP,
    "initial_capital": 10_000.0,
    "daily_loss_limit_frac": 0.02,
    "max_drawdown_frac": 0.05,
    "concentration_limit_frac": 0.9,
    "warning_ratio": 0.6,
    "reducing_ratio": 0.85,
    "cooldown_ns": 60_000_000_000,
    "recovery_quiet_ns": 30_000_000_000,
    "kill_loss_frac": 0.0,
    "warning_size_mult": 0.5,
    "warning_spread_mult": 1.5,
    "maker_fee_frac": -0.0001,
    "taker_fee_frac": 0.0005,
    "taker_slippage_frac": 0.0002,
    "entry_latency_ns": 1_000_000,
    "response_latency_ns": 1_000_000,
    "queue_model": t.QUEUE_RISK_AVERSE,
    "queue_power_n": 2.0,
    "requote_interval_ns": 0,
    "partial_fills": 1,
    "record_interval_ns": 1_000_000_000,
    "hawkes_mu": 1.0,
    "hawkes_alpha": 0.5,
    "hawkes_beta": 1.0,
    "vol_ewma_halflife_ns": 60_000_000_000,
    "markout_ns": 1_000_000_000,
}

if set(DEFAULTS) != set(PARAM_NAMES) or len(PARAM_NAMES) != t.N_PARAMS:
    raise RuntimeError("corp.core.params.DEFAULTS does not cover corp.core.types.P_* exactly")


def param_vector(**values: float) -> np.ndarray:
    """The float64 parameter vector: defaults overridden by ``values`` (names as in DEFAULTS)."""
    unknown = sorted(set(values) - set(PARAM_NAMES))
    if unknown:
        raise ValueError(
            f"unknown engine parameter(s) {unknown}; expected names from {sorted(PARAM_NAMES)}"
        )
    vec = np.empty(t.N_PARAMS, dtype=np.float64)
    for name, index in PARAM_NAMES.items():
        value = float(values.get(name, DEFAULTS[name]))
        if not math.isfinite(value):
            raise ValueError(f"engine parameter {name} must be finite, was {value}")
        vec[index] = value
    for name in ("tick_size", "lot_size", "k", "inventory_limit", "initial_capital"):
        if vec[PARAM_NAMES[name]] <= 0.0:
            raise ValueError(f"engine parameter {name} must be > 0, was {vec[PARAM_NAMES[name]]}")
    if not 0 <= vec[t.P_KIND] < t.N_KINDS:
        raise ValueError(f"engine parameter kind must be in [0, {t.N_KINDS}), was {vec[t.P_KIND]}")
    return vec
