"""Summary figures: half-life by OLS AR(1), and consistency of a run's figures."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pytest
from rich.console import Console

from corp.backtest.summary import inventory_half_life, run_offline, summary_table
from corp.core import types as t
from corp.core.params import param_vector
from corp.market.synthetic import compose_stream


def test_half_life_of_an_ar1_with_phi_one_half_is_one_step() -> None:
    rng = np.random.default_rng(0)
    x = np.zeros(20_000)
    for i in range(1, x.size):
        x[i] = 0.5 * x[i - 1] + rng.standard_normal()
    assert inventory_half_life(x, dt_secs=2.0) == pytest.approx(2.0, rel=0.05)


def test_half_life_is_infinite_when_inventory_does_not_revert() -> None:
    assert inventory_half_life(1.1 ** np.arange(50), dt_secs=1.0) == math.inf


def test_half_life_is_nan_when_phi_is_not_positive() -> None:
    assert math.isnan(inventory_half_life(np.array([1.0, -1.0] * 20), dt_secs=1.0))


def test_run_summary_is_consistent_with_the_fills_and_the_clock() -> None:
    events = compose_stream(duration_secs=120, seed=2)
    params = param_vector(kind=t.KIND_HAWKES, base_spread_frac=0.0001, lot_size=0.001)
    summary, result = run_offline(params, events)
    assert summary.fills_maker == int((result.fills["maker"] == 1).sum()) > 0
    assert summary.turnover_quote == pytest.approx(
        float((result.fills["price"] * result.fills["qty"]).sum())
    )
    assert summary.fees_quote == pytest.approx(float(result.fills["fee_quote"].sum()))
    in_states = sum(summary.time_in_state_secs.values())
    assert in_states == pytest.approx(summary.duration_secs, rel=1e-3)
    assert summary.n_events == events.size
    assert json.loads(json.dumps(summary.to_dict()))["fills_maker"] == summary.fills_maker


def test_summary_table_shows_pnl_and_fills() -> None:
    events = compose_stream(duration_secs=30, seed=2)
    summary, _ = run_offline(param_vector(kind=t.KIND_NAIVE, base_spread_frac=0.0001), events)
    out = io.StringIO()
    Console(file=out, width=120).print(summary_table(summary))
    assert "total PnL (quote)" in out.getvalue()
    assert f"{summary.fills_maker} / {summary.fills_taker}" in out.getvalue()
