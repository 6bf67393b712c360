"""Offline run from a composed, validated RunSpec: packing, events, results directory."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from corp.backtest.offline import run_offline_spec
from corp.core import types as t
from corp.core.params import pack_run_spec, param_vector
from corp.errors import SpecError
from corp.spec.check import check_container
from corp.spec.compose import compose_config, to_container
from corp.spec.identity import pack_identity


def _spec(*overrides: str):
    checked = check_container(
        to_container(compose_config(["market.duration_secs=120", *overrides]))
    )
    assert checked.spec is not None, checked.field_problems
    return checked.spec


def test_packing_converts_spec_units_into_engine_units() -> None:
    spec = _spec("mode.maker_fee_bps=-1.0", "strategy.requote_interval_ms=250")
    values = pack_run_spec(spec)
    params = param_vector(**values)
    lot = spec.market.lot_size_base
    assert params[t.P_KIND] == t.KIND_AS
    assert params[t.P_MAKER_FEE_FRAC] == pytest.approx(-0.0001)
    assert params[t.P_REQUOTE_INTERVAL_NS] == 250_000_000
    assert params[t.P_INVENTORY_LIMIT] == pytest.approx(spec.strategy.inventory_limit * lot)
    assert params[t.P_INVENTORY_UNIT] == pytest.approx(lot)
    assert params[t.P_GAMMA] == pytest.approx(spec.strategy.gamma)
    expected_sigma = spec.market.base_price_quote * spec.market.volatility_daily_pct / 86_400**0.5
    assert params[t.P_SIGMA] == pytest.approx(expected_sigma)


def test_hawkes_thresholds_are_packed_as_multiples_of_the_long_run_mean_intensity() -> None:
    spec = _spec("strategy=hawkes")
    st = spec.strategy
    mean_per_sec = st.mu_per_sec / (1.0 - st.alpha_per_sec / st.beta_per_sec)
    params = param_vector(**pack_run_spec(spec))
    assert params[t.P_HIGH_INTENSITY] == pytest.approx(st.high_intensity_threshold * mean_per_sec)
    assert params[t.P_LOW_INTENSITY] == pytest.approx(st.low_intensity_threshold * mean_per_sec)
    assert params[t.P_LOW_INTENSITY] < mean_per_sec < params[t.P_HIGH_INTENSITY]


@pytest.mark.parametrize("strategy", ["naive", "glft", "hawkes", "fast_integrated"])
def test_every_strategy_kind_packs_into_a_valid_vector(strategy: str) -> None:
    params = param_vector(**pack_run_spec(_spec(f"strategy={strategy}")))
    assert params.shape == (t.N_PARAMS,)


def test_offline_run_writes_results_with_a_manifest_of_sha256(tmp_path: Path) -> None:
    spec = _spec("strategy=naive", "strategy.base_spread_bps=2.0")
    out = io.StringIO()
    run = run_offline_spec(
        spec, results_dir=tmp_path, run_id="t1", console=Console(file=out, width=120),
        identity=pack_identity(spec),
    )  # fmt: skip
    manifest = json.loads((tmp_path / "t1" / "manifest.json").read_text())
    names = {f["name"] for f in manifest["files"]}
    assert names == {"spec.json", "summary.json", "identity.json", "fills.npy", "records.npy"}
    for entry in manifest["files"]:
        data = (tmp_path / "t1" / entry["name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    summary = json.loads((tmp_path / "t1" / "summary.json").read_text())
    assert summary["n_events"] == run.summary.n_events > 0
    identity = json.loads((tmp_path / "t1" / "identity.json").read_text())
    assert identity["pack_sha256"] == pack_identity(spec).sha256
    assert "total PnL (quote)" in out.getvalue()


def test_run_task_refuses_a_live_mode_instead_of_backtesting_it() -> None:
    from corp.tasks import TaskInput, run_task_offline

    spec = _spec("mode=okx_demo_sim")
    with pytest.raises(SpecError, match=r"task=run: mode 'okx_demo_sim' runs in corp\.live"):
        run_task_offline(TaskInput(spec, report=None))  # type: ignore[arg-type]


def test_the_warm_up_changes_no_result_and_is_reported_apart_from_compute(tmp_path: Path) -> None:
    """The warm-up only compiles: the timed run's fills and PnL equal a direct engine run's."""
    from corp.backtest.engine import run_backtest
    from corp.backtest.offline import events_for_spec

    spec = _spec("strategy=naive", "strategy.base_spread_bps=2.0")
    run = run_offline_spec(
        spec, results_dir=tmp_path, run_id="w", console=Console(file=io.StringIO(), width=120)
    )
    direct = run_backtest(events_for_spec(spec), param_vector(**pack_run_spec(spec)))
    assert run.summary.fills_maker + run.summary.fills_taker == direct.n_fills > 0
    final_mid = direct.extra["final_mid"]
    pnl = direct.acct[t.A_CASH] + direct.acct[t.A_POSITION] * final_mid
    assert run.summary.total_pnl_quote == pytest.approx(pnl - direct.params[t.P_INITIAL_CAPITAL])
    manifest = json.loads((tmp_path / "w" / "manifest.json").read_text())
    assert manifest["startup_secs"] == run.summary.startup_secs > 0.0
    assert manifest["compute_secs"] == run.summary.compute_secs > 0.0
