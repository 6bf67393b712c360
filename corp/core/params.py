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
    "hedge_deadband": 0.0,
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
    "inventory_unit": 1.0,
    "manual_resume": 0,
    "hedge_enabled": 0,
    "hedge_move_frac": 0.0,
    "hedge_freq_mult": 1.0,
    "hedge_gamma_threshold": 0.0,
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
    for name in (  # the kernels divide by these (corp.core.refs: no zero division reachable)
        "tick_size",
        "lot_size",
        "k",
        "a",
        "glft_xi",
        "glft_delta",
        "inventory_limit",
        "initial_capital",
        "inventory_unit",
        "hedge_freq_mult",
    ):
        if vec[PARAM_NAMES[name]] <= 0.0:
            raise ValueError(f"engine parameter {name} must be > 0, was {vec[PARAM_NAMES[name]]}")
    if not 0 <= vec[t.P_KIND] < t.N_KINDS:
        raise ValueError(f"engine parameter kind must be in [0, {t.N_KINDS}), was {vec[t.P_KIND]}")
    return vec


KIND_BY_NAME: Mapping[str, int] = {
    "naive": t.KIND_NAIVE,
    "avellaneda_stoikov": t.KIND_AS,
    "glft": t.KIND_GLFT,
    "hawkes": t.KIND_HAWKES,
    "hawkes_adaptive": t.KIND_HAWKES_ADAPTIVE,
    "integrated": t.KIND_INTEGRATED,
    "fast_integrated": t.KIND_FAST_INTEGRATED,
}
SECS_PER_DAY = 86_400.0
HEDGE_DEADBAND_OF_LIMIT = 0.5
"""The hedge deadband as a share of the inventory limit (no spec field: see pack_run_spec)."""
MS_NS = 1_000_000
SEC_NS = 1_000_000_000


def _get(obj: object, name: str, default: object = None) -> object:
    return getattr(obj, name, default)


def pack_run_spec(spec: object) -> dict[str, float]:
    """The engine parameters of a validated RunSpec, as ``param_vector`` keyword values.

    Duck-typed on the RunSpec's attributes so ``corp.core`` imports nothing from ``corp.spec``
    (DESIGN.md contracts). Unit conversions happen here and only here: bps -> fractions, lots ->
    base units (``inventory_unit`` = one lot, so gamma stays per lot as the spec defines it),
    ms/s -> ns, daily volatility fraction -> quote currency per sqrt(second).

    Mapping decisions the spec leaves open (documented, not silent):
    * warning ratio = the smaller of daily-loss and drawdown warning/limit ratios (stricter);
    * RESTRICTED (our REDUCING) comes from position concentration only: a position notional of
      ``position_concentration_limit`` x capital; losses go WARNING -> HALTED (reducing ratio 1);
    * the kill switch is manual (``kill_loss_frac`` 0): the spec has no automatic kill threshold;
    * regime thresholds: realised vol below 0.5 sigma is calm, above 2 sigma volatile (the
      ``vol_quantile`` fallback); the HMM detector lives in corp.quant and is not in the loop;
    * hedging (`corp.core.hedge`) runs only for the integrated kinds with ``use_hedge_signal``
      and ``hedge.enabled`` (``hedge_enabled``); its deadband is half the inventory limit: a
      hedge decision with ``|q|`` at or below it sends nothing (the reasons are in
      `corp.core.hedge.hedge_decision_nb`); ``gamma_threshold`` is packed, but the loop's book is
      one linear swap whose option gamma is 0, so that trigger cannot fire offline.
    """
    st, risk, hedge, regime = spec.strategy, spec.risk, spec.hedge, spec.regime  # type: ignore[attr-defined]
    runtime, mode, market = spec.runtime, spec.mode, spec.market  # type: ignore[attr-defined]
    kind_name = str(st.kind)
    if kind_name not in KIND_BY_NAME:
        raise ValueError(
            f"strategy.kind: expected one of {sorted(KIND_BY_NAME)}, got {kind_name!r}"
        )
    lot = float(market.lot_size_base)
    price = float(market.base_price_quote)
    sigma = price * float(market.volatility_daily_pct) / math.sqrt(SECS_PER_DAY)
    limit_base = float(st.inventory_limit) * lot
    size_base = float(st.order_size_lots) * lot
    gamma = _get(st, "gamma")
    values: dict[str, float] = {
        "kind": KIND_BY_NAME[kind_name],
        "tick_size": float(market.tick_size_quote),
        "lot_size": lot,
        "inventory_unit": lot,
        "base_spread_frac": float(st.base_spread_bps) / 1e4,
        "base_size": size_base,
        "inventory_limit": limit_base,
        "requote_interval_ns": float(st.requote_interval_ms) * MS_NS,
        "sigma": sigma,
        "horizon_secs": float(_get(st, "horizon_secs") or 0.0),
        "greeks_ttl_ns": float(runtime.greeks_cache_ttl_ms) * MS_NS,
        "maker_fee_frac": float(mode.maker_fee_bps) / 1e4,
        "taker_fee_frac": float(mode.taker_fee_bps) / 1e4,
        "entry_latency_ns": float(mode.order_entry_latency_ms) * MS_NS,
        "response_latency_ns": float(mode.order_response_latency_ms) * MS_NS,
        "regime_vol_low": 0.5 * sigma,
        "regime_vol_high": 2.0 * sigma,
    }
    if gamma is not None:
        values["gamma"] = float(gamma)  # type: ignore[arg-type]
        values["glft_xi"] = float(gamma)  # type: ignore[arg-type]
    elif kind_name in ("hawkes", "hawkes_adaptive"):
        values["gamma"] = 0.0  # gamma: null = quote around mid + skew, no AS reservation
    for src, dst in (("fill_decay_k_per_quote", "k"), ("fill_rate_a_per_sec", "a")):
        if _get(st, src) is not None:
            values[dst] = float(_get(st, src))  # type: ignore[arg-type]
    if _get(st, "inventory_skew_factor") is not None:
        values["inventory_skew_factor"] = float(st.inventory_skew_factor)
    if kind_name == "glft":
        values["glft_mode"] = t.GLFT_EXACT if st.solution == "exact" else t.GLFT_APPROX
        values["glft_delta"] = size_base
    if kind_name in ("hawkes", "hawkes_adaptive"):
        mu, alpha, beta = float(st.mu_per_sec), float(st.alpha_per_sec), float(st.beta_per_sec)
        if not alpha < beta:
            raise ValueError(
                f"strategy.alpha_per_sec: must be < strategy.beta_per_sec (branching ratio < 1) "
                f"to have a long-run mean intensity, got alpha={alpha}, beta={beta}"
            )
        # The spec's thresholds are multiples of the long-run mean per-side intensity
        # mu / (1 - alpha/beta) (seed 2.6.2: lambda* x 1.5, lambda* x 0.5); the kernel compares
        # absolute intensities in 1/second.
        mean_intensity_per_sec = mu / (1.0 - alpha / beta)
        values.update(
            hawkes_mu=mu,
            hawkes_alpha=alpha,
            hawkes_beta=beta,
            high_intensity=float(st.high_intensity_threshold) * mean_intensity_per_sec,
            low_intensity=float(st.low_intensity_threshold) * mean_intensity_per_sec,
            aggressive_factor=float(st.aggressive_factor),
            defensive_factor=float(st.defensive_factor),
            adverse_threshold=float(st.adverse_selection_threshold),
            adverse_window=float(st.estimation_window),
        )
    mults = tuple(float(m) for m in regime.spread_multipliers)
    use_regime = bool(regime.enabled) and bool(_get(st, "use_regime_multipliers", True))
    if not use_regime:
        mults = (1.0, 1.0, 1.0)
    elif len(mults) == 2:
        mults = (mults[0], mults[0], mults[1])
    values.update(regime_mult_low=mults[0], regime_mult_normal=mults[1], regime_mult_high=mults[2])
    hedging = bool(hedge.enabled) and bool(_get(st, "use_hedge_signal", False))
    values["hedge_enabled"] = 1 if hedging else 0
    values["hedge_deadband"] = HEDGE_DEADBAND_OF_LIMIT * limit_base
    values["max_hedge_frac"] = float(hedge.max_hedge_size_pct)
    values["hedge_interval_ns"] = float(hedge.base_hedge_interval_minutes) * 60 * SEC_NS
    values["hedge_move_frac"] = float(hedge.price_drop_threshold_pct)
    values["hedge_freq_mult"] = float(hedge.hedge_frequency_multiplier)
    values["hedge_gamma_threshold"] = float(hedge.gamma_threshold)
    capital = float(risk.capital_quote)
    values["initial_capital"] = capital
    if risk.enabled:
        values.update(
            daily_loss_limit_frac=float(risk.daily_loss_limit_pct),
            max_drawdown_frac=float(risk.max_drawdown_pct),
            warning_ratio=min(
                float(risk.daily_loss_warning_pct) / float(risk.daily_loss_limit_pct),
                float(risk.max_drawdown_warning_pct) / float(risk.max_drawdown_pct),
            ),
            reducing_ratio=1.0,
            concentration_limit_frac=float(risk.position_concentration_limit)
            * capital
            / price
            / limit_base,
            cooldown_ns=float(risk.cooldown_period_seconds) * SEC_NS,
            recovery_quiet_ns=float(risk.recovery_quiet_period_seconds) * SEC_NS,
            kill_loss_frac=0.0,
            manual_resume=1 if risk.manual_confirmation_from_halted else 0,
        )
    else:
        values.update(
            daily_loss_limit_frac=0.0, max_drawdown_frac=0.0, concentration_limit_frac=0.0
        )
    return values
