"""Catalogue rows of the ``scenario`` market kind (``corp.spec.market.ScenarioMarket``).

Kept apart from ``catalogue.py`` so the scenario generator's knobs are documented next to each
other; ``catalogue.py`` turns each row into an ``Entry`` with kind ``scenario`` and scope offline.
The generator is ``corp.market.scenarios.generate``; its docstring says what every field does.
"""

from __future__ import annotations

__all__ = ["SCENARIO_CATALOGUE"]

# (field, unit, source, frequency, risk, meaning, recommended bounds)
SCENARIO_CATALOGUE: tuple[tuple[str, str, str, str, str, str, tuple[float, float] | None], ...] = (
    ("stress", "none|volume_spike|liquidity_drought|inventory_stress|flash_crash|hawkes_drift",
     "default", "per_release", "P2", "stress family applied in the event window", None),
    ("hawkes_alpha_per_sec", "1/s", "estimate", "daily", "P2",
     "self-excitation jump of each side's intensity (seed 2.6.1)", (0.0, 10.0)),
    ("hawkes_beta_per_sec", "1/s", "estimate", "daily", "P2",
     "decay rate of the excitation; branching = (alpha + cross) / beta < 1", (1e-3, 100.0)),
    ("cross_alpha_per_sec", "1/s", "estimate", "daily", "P2",
     "buy->sell and sell->buy excitation jump", (0.0, 10.0)),
    ("book_half_spread_bps", "bps of mid", "estimate", "daily", "P2",
     "half-spread of the simulated book's touch", (0.01, 500.0)),
    ("book_depth_base", "base units", "estimate", "daily", "P2",
     "size at each simulated book level", (1e-8, 1e6)),
    ("book_levels", "levels per side", "default", "per_release", "P2",
     "levels in each book snapshot, one tick apart", (1.0, 50.0)),
    ("book_interval_secs", "s", "default", "per_release", "P2",
     "book snapshot period between trades", (0.01, 3600.0)),
    ("trade_size_base", "base units", "estimate", "daily", "P2",
     "mean trade size (exponential, rounded to lots)", (1e-8, 1e6)),
    ("trade_reach_bps", "bps of mid", "estimate", "daily", "P2",
     "mean reach of a trade beyond the touch: 1/k of the fill intensity", (0.01, 500.0)),
    ("impact_bps", "bps of mid per mean-size trade", "estimate", "daily", "P2",
     "permanent price impact signed by the aggressor (adverse selection)", (0.0, 50.0)),
    ("feed_latency_ms", "ms", "estimate", "daily", "P2",
     "exchange-to-local feed delay (plus exponential jitter)", (0.0, 10_000.0)),
    ("event_start_secs", "s from start", "default", "per_release", "P2",
     "start of the stress window (or the drift change point)", (0.0, 1e8)),
    ("event_duration_secs", "s", "default", "per_release", "P2",
     "length of the stress window (flash crash: the fall)", (1e-3, 1e8)),
    ("intensity_multiplier", "x baseline flow", "default", "per_release", "P2",
     "trade flow multiplier inside the window (spike > 1, drought < 1)", (0.01, 100.0)),
    ("spread_multiplier", "x half-spread", "default", "per_release", "P2",
     "book half-spread multiplier inside the window (drought, crash)", (0.1, 100.0)),
    ("depth_multiplier", "x depth", "default", "per_release", "P2",
     "book depth multiplier inside the window (drought, crash)", (0.001, 10.0)),
    ("sell_share", "fraction", "default", "per_release", "P2",
     "share of sells in the window's flow (inventory stress, crash)", (0.0, 1.0)),
    ("crash_depth_pct", "fraction of base price", "default", "per_release", "P2",
     "flash-crash fall of the mid", (0.001, 0.9)),
    ("recovery_pct", "fraction of the fall", "default", "per_release", "P2",
     "part of the fall recovered after the crash", (0.0, 1.0)),
    ("recovery_secs", "s", "default", "per_release", "P2",
     "time the recovery takes", (1.0, 1e7)),
    ("drift_alpha_per_sec", "1/s", "default", "per_release", "P2",
     "alpha after the drift change point (drill F: 0.95)", (0.0, 10.0)),
    ("drift_beta_per_sec", "1/s", "default", "per_release", "P2",
     "beta after the drift change point (drill F: 1.0)", (1e-3, 100.0)),
    ("drift_mu_multiplier", "x mu", "default", "per_release", "P2",
     "baseline intensity multiplier after the change point (drill F: 1.5)", (0.01, 100.0)),
)  # fmt: skip
