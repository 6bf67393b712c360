"""PnL accounting: cash, inventory, fees and rebates, mark-to-market (pure njit, no I/O)."""

from __future__ import annotations

import numpy as np
from numba import njit

from corp.core.types import (
    A_CASH,
    A_DAY_START_EQUITY,
    A_FEES,
    A_MAKER_FILLS,
    A_MAKER_VOLUME,
    A_NOTIONAL,
    A_PEAK_EQUITY,
    A_POSITION,
    A_REALISED_EDGE,
    A_TAKER_FILLS,
    A_TAKER_VOLUME,
    N_ACCOUNT,
)

__all__ = ["apply_fill_nb", "equity_nb", "mark_nb", "new_account"]


def new_account(initial_capital: float) -> np.ndarray:
    """A flat account holding ``initial_capital`` in quote currency."""
    acct = np.zeros(N_ACCOUNT, dtype=np.float64)
    acct[A_CASH] = initial_capital
    acct[A_PEAK_EQUITY] = initial_capital
    acct[A_DAY_START_EQUITY] = initial_capital
    return acct


@njit(cache=True)
def apply_fill_nb(
    acct: np.ndarray, side: int, price: float, qty: float, fee_frac: float, maker: bool, mid: float
) -> float:
    """Book one fill (side +1 buy, -1 sell); return the fee paid (negative for a rebate)."""
    notional = price * qty
    fee = notional * fee_frac
    acct[A_CASH] -= side * notional + fee
    acct[A_POSITION] += side * qty
    acct[A_FEES] += fee
    acct[A_NOTIONAL] += notional
    if maker:
        acct[A_MAKER_VOLUME] += qty
        acct[A_MAKER_FILLS] += 1.0
    else:
        acct[A_TAKER_VOLUME] += qty
        acct[A_TAKER_FILLS] += 1.0
    acct[A_REALISED_EDGE] += side * (mid - price) * qty
    return fee


@njit(cache=True)
def equity_nb(acct: np.ndarray, mark: float) -> float:
    """Cash plus inventory marked at ``mark``."""
    return acct[A_CASH] + acct[A_POSITION] * mark


@njit(cache=True)
def mark_nb(acct: np.ndarray, mark: float) -> tuple[float, float, float]:
    """Mark to market, update the peak; (equity, drawdown from peak, loss since day start).

    The array is read and written unconditionally (only the scalar choice branches): numba then
    drops the reference counting of ``acct`` around the inlined body, which the event loop runs at
    every book-top change.
    """
    equity = equity_nb(acct, mark)
    peak = acct[A_PEAK_EQUITY]
    if equity > peak:
        peak = equity
    acct[A_PEAK_EQUITY] = peak
    return equity, peak - equity, acct[A_DAY_START_EQUITY] - equity
