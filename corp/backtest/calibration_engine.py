"""The offline engine as the calibration's :data:`~corp.backtest.calibration.Backtester`.

``engine_backtester(base_params)`` returns a function that applies the sweep's overrides to a copy
of an engine parameter vector (``corp.core.params.param_vector`` layout), runs
``corp.backtest.engine.run_backtest`` and hands back the recorded equity and position paths.
Overrides it understands (dotted spec paths, spec units):

- ``strategy.inventory_limit`` (lots) -> ``P_INVENTORY_LIMIT`` in base units (lots x lot size);
- ``strategy.inventory_skew_factor`` -> ``P_INVENTORY_SKEW_FACTOR``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from corp.backtest.calibration import Backtester, BacktestOutcome
from corp.backtest.engine import run_backtest
from corp.core import types as ct
from corp.errors import SpecError

__all__ = ["SWEEPABLE", "engine_backtester"]

SWEEPABLE = ("strategy.inventory_limit", "strategy.inventory_skew_factor")


def engine_backtester(base_params: np.ndarray) -> Backtester:
    """A Backtester over the real engine, starting from ``base_params`` (never modified)."""
    base = np.asarray(base_params, dtype=np.float64)
    if base.shape != (ct.N_PARAMS,):
        raise ValueError(f"base_params must have shape ({ct.N_PARAMS},), had {base.shape}")

    def run(overrides: Mapping[str, float], events: np.ndarray) -> BacktestOutcome:
        vec = base.copy()
        for path, value in overrides.items():
            if path == "strategy.inventory_limit":
                vec[ct.P_INVENTORY_LIMIT] = float(value) * vec[ct.P_LOT_SIZE]
            elif path == "strategy.inventory_skew_factor":
                vec[ct.P_INVENTORY_SKEW_FACTOR] = float(value)
            else:
                raise SpecError(f"calibration sweep path must be one of {SWEEPABLE}, was {path!r}")
        res = run_backtest(events, vec, keep_fills=False)
        rec = res.records
        if rec.size == 0:
            t = np.zeros(1)
            capital = float(vec[ct.P_INITIAL_CAPITAL])
            return BacktestOutcome(t, np.full(1, capital), np.zeros(1), capital)
        t = (rec["ts_ns"] - rec["ts_ns"][0]).astype(np.float64) / 1e9
        return BacktestOutcome(
            t, rec["equity"].copy(), rec["position"].copy(), float(vec[ct.P_INITIAL_CAPITAL])
        )

    return run
