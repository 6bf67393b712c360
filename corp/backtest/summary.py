"""The run summary: the figures a user reads after a backtest, computed once from a result.

``summarize(result)`` turns a `BacktestResult` into a frozen `Summary`; ``run_offline`` runs the
engine end to end on (params, events) and returns both. ``summary_table`` renders the rich table
the CLI prints. Sharpe is annualised from the recorder's equity increments over 365 days (crypto
trades every day) and is NaN when the increments do not vary. On a run of hours a steady maker's
1 s increments annualise to Sharpes in the hundreds: compare points of one sweep with it (seed
5.2 ranks by it), not with a fund's daily-return Sharpe.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import numpy as np
from rich.table import Table

from corp.backtest import types as bt
from corp.backtest.engine import BacktestResult, run_backtest
from corp.core import types as ct
from corp.errors import DataError
from corp.quant.half_life import half_life

__all__ = ["Summary", "inventory_half_life", "run_offline", "summarize", "summary_table"]

SECS_PER_YEAR = 365.0 * 86_400.0
STATE_NAMES = ("normal", "warning", "reducing", "halted")


@dataclass(frozen=True, kw_only=True)
class Summary:
    """Run figures; money in quote currency, sizes in base units, times in seconds."""

    total_pnl_quote: float
    sharpe_annualised: float
    max_drawdown_quote: float
    worst_daily_loss_quote: float
    turnover_quote: float
    fees_quote: float
    spread_capture_quote: float
    adverse_selection_cost_quote: float
    fills_maker: int
    fills_taker: int
    quote_count: int
    cancel_count: int
    reject_count: int
    hedge_count: int
    inventory_mean_base: float
    inventory_abs_mean_base: float
    inventory_max_abs_base: float
    inventory_half_life_secs: float
    final_position_base: float
    time_in_state_secs: dict[str, float]
    breaker_final_state: str
    awaiting_manual_resume: bool
    """Ended HALTED with the manual gate on (risk.manual_confirmation_from_halted) and no kill
    switch: offline nobody confirms, so the run stayed halted however calm the market became."""
    n_events: int
    duration_secs: float
    compute_secs: float
    startup_secs: float
    """JIT compile (first run) or numba cache load before the loop; kept out of ``compute_secs`` so
    ns/event measures the engine, not the compiler."""
    ns_per_event: float
    events_per_sec: float

    def to_dict(self) -> dict[str, object]:
        """JSON-ready mapping (inf/NaN become strings so the JSON stays standard)."""

        def clean(value: object) -> object:
            if isinstance(value, float) and not math.isfinite(value):
                return str(value)
            if isinstance(value, dict):
                return {k: clean(v) for k, v in value.items()}
            return value

        return {k: clean(v) for k, v in asdict(self).items()}


def inventory_half_life(positions: np.ndarray, dt_secs: float) -> float:
    """Inventory half-life (s) by `corp.quant.half_life` (OLS AR(1): inf if phi >= 1, NaN if
    phi <= 0); NaN too when the recorded inventory is too short or constant to fit."""
    try:
        return half_life(np.asarray(positions, dtype=np.float64), dt_secs)
    except DataError:
        return math.nan


def summarize(result: BacktestResult, *, startup_secs: float = 0.0) -> Summary:
    """Figures of one run (``startup_secs``: the warm-up the driver timed before it)."""
    acct, agg, rec = result.acct, result.agg, result.records
    capital = float(result.params[ct.P_INITIAL_CAPITAL])
    final_mid = result.extra["final_mid"]
    final_equity = acct[ct.A_CASH] + acct[ct.A_POSITION] * final_mid
    record_secs = float(result.params[ct.P_RECORD_INTERVAL_NS]) / 1e9
    equity = rec["equity"]
    increments = np.diff(equity)
    if increments.size > 1 and increments.std() > 0:
        sharpe = increments.mean() / increments.std() * math.sqrt(SECS_PER_YEAR / record_secs)
    else:
        sharpe = math.nan
    positions = rec["position"]
    duration = (result.last_ts_ns - result.first_ts_ns) / 1e9
    return Summary(
        total_pnl_quote=float(final_equity - capital),
        sharpe_annualised=float(sharpe),
        max_drawdown_quote=float(agg[bt.AG_MAX_DRAWDOWN]),
        worst_daily_loss_quote=float(max(agg[bt.AG_WORST_DAY_LOSS], 0.0)),
        turnover_quote=float(acct[ct.A_NOTIONAL]),
        fees_quote=float(acct[ct.A_FEES]),
        spread_capture_quote=float(acct[ct.A_REALISED_EDGE]),
        adverse_selection_cost_quote=float(-agg[bt.AG_MARKOUT_QUOTE]),
        fills_maker=int(acct[ct.A_MAKER_FILLS]),
        fills_taker=int(acct[ct.A_TAKER_FILLS]),
        quote_count=int(agg[bt.AG_ORDERS_SENT]),
        cancel_count=int(agg[bt.AG_CANCELS_SENT]),
        reject_count=int(agg[bt.AG_REJECTS]),
        hedge_count=int(agg[bt.AG_HEDGES]),
        inventory_mean_base=float(positions.mean()) if positions.size else 0.0,
        inventory_abs_mean_base=float(np.abs(positions).mean()) if positions.size else 0.0,
        inventory_max_abs_base=float(agg[bt.AG_MAX_ABS_POSITION]),
        inventory_half_life_secs=inventory_half_life(positions, record_secs),
        final_position_base=float(acct[ct.A_POSITION]),
        time_in_state_secs={
            name: float(agg[bt.AG_TIME_IN_STATE_NS + i]) / 1e9 for i, name in enumerate(STATE_NAMES)
        },
        breaker_final_state=STATE_NAMES[int(result.breaker[ct.B_STATE])],
        awaiting_manual_resume=bool(
            result.breaker[ct.B_STATE] == ct.CB_HALTED
            and result.breaker[ct.B_KILL] == 0
            and result.params[ct.P_MANUAL_RESUME] != 0.0
        ),
        n_events=result.n_events,
        duration_secs=duration,
        compute_secs=result.elapsed_secs,
        startup_secs=startup_secs,
        ns_per_event=result.elapsed_secs * 1e9 / max(result.n_events, 1),
        events_per_sec=result.n_events / result.elapsed_secs
        if result.elapsed_secs > 0
        else math.nan,
    )


def run_offline(
    params: np.ndarray,
    events: np.ndarray | Iterable[np.ndarray],
    **kwargs: object,
) -> tuple[Summary, BacktestResult]:
    """Run the engine on ``events`` with ``params`` (kwargs go to `run_backtest`) and summarise."""
    result = run_backtest(events, params, **kwargs)  # type: ignore[arg-type]
    return summarize(result), result


def summary_table(summary: Summary, title: str = "CORP offline run") -> Table:
    """The rich table the CLI prints."""
    table = Table(title=title)
    table.add_column("figure")
    table.add_column("value", justify="right")
    rows = [
        ("total PnL (quote)", f"{summary.total_pnl_quote:,.4f}"),
        ("Sharpe (annualised)", f"{summary.sharpe_annualised:.2f}"),
        ("max drawdown (quote)", f"{summary.max_drawdown_quote:,.4f}"),
        ("worst daily loss (quote)", f"{summary.worst_daily_loss_quote:,.4f}"),
        ("turnover (quote)", f"{summary.turnover_quote:,.2f}"),
        ("fees (quote, rebates < 0)", f"{summary.fees_quote:,.4f}"),
        ("spread capture (quote)", f"{summary.spread_capture_quote:,.4f}"),
        ("adverse selection cost (quote)", f"{summary.adverse_selection_cost_quote:,.4f}"),
        ("fills maker / taker", f"{summary.fills_maker} / {summary.fills_taker}"),
        (
            "orders / cancels / rejects",
            f"{summary.quote_count} / {summary.cancel_count} / {summary.reject_count}",
        ),
        (
            "inventory mean / max |q| (base)",
            f"{summary.inventory_mean_base:.4f} / {summary.inventory_max_abs_base:.4f}",
        ),
        ("inventory half-life (s)", f"{summary.inventory_half_life_secs:.2f}"),
        (
            "breaker final state",
            summary.breaker_final_state
            + (" (manual gate)" if summary.awaiting_manual_resume else ""),
        ),
        *(
            (f"time {name} (s)", f"{secs:,.1f}")
            for name, secs in summary.time_in_state_secs.items()
        ),
        ("events", f"{summary.n_events:,}"),
        ("compute (ns/event)", f"{summary.ns_per_event:.1f}"),
        ("start-up: JIT compile or cache load (s)", f"{summary.startup_secs:.2f}"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    return table
