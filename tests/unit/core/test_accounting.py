"""PnL accounting: cash, inventory, fees and rebates, mark to market."""

from __future__ import annotations

import pytest

from corp.core import types as t
from corp.core.accounting import apply_fill_nb, equity_nb, mark_nb, new_account


def test_round_trip_pnl_is_spread_plus_rebates_minus_fees() -> None:
    acct = new_account(1000.0)
    rebate = apply_fill_nb(acct, 1, 99.0, 2.0, -0.0001, True, 100.0)  # maker buy
    fee = apply_fill_nb(acct, -1, 101.0, 2.0, 0.0005, False, 100.0)  # taker sell
    assert rebate == pytest.approx(-0.0198)
    assert fee == pytest.approx(0.101)
    assert acct[t.A_POSITION] == pytest.approx(0.0)
    assert equity_nb(acct, 100.0) - 1000.0 == pytest.approx(4.0 + 0.0198 - 0.101)
    assert acct[t.A_MAKER_FILLS] == 1.0
    assert acct[t.A_TAKER_FILLS] == 1.0
    assert acct[t.A_REALISED_EDGE] == pytest.approx(4.0)


def test_mark_to_market_tracks_peak_and_drawdown() -> None:
    acct = new_account(1000.0)
    apply_fill_nb(acct, 1, 100.0, 1.0, 0.0, True, 100.0)
    equity, drawdown, day_loss = mark_nb(acct, 110.0)
    assert (equity, drawdown) == (pytest.approx(1010.0), pytest.approx(0.0))
    equity, drawdown, day_loss = mark_nb(acct, 95.0)
    assert drawdown == pytest.approx(15.0)
    assert day_loss == pytest.approx(5.0)
