"""The adaptive delta hedge of seed 4.1 (conf/hedge): one pure njit decision, no I/O.

`hedge_decision_nb` says when to hedge and how much; the caller keeps the schedule state (time of
the last decision, mid at that decision, end of the accelerated period) and sends the order. The
offline loop keeps that state in its ``istate``/``fstate`` arrays (`corp.backtest.types`); the
plain-Python twin is `corp.core.reference.hedge_decision`.

Two duties stay with the caller, because only it sees the orders (the kernel stays pure):

* the inventory ``q`` it passes is the position **net of the hedges already sent** and not yet
  in the position (sent, not filled or refused as far as the caller knows). The position moves
  only when a hedge's fill comes back, one order-entry plus one response latency after it was
  sent; a decision due inside that round trip, sized from the position alone, would send the
  same hedge again and overshoot through zero (a short -0.07 bought back twice ends long
  +0.07). Netting the in-flight orders is what an order manager's "position + open orders"
  does, and it keeps a fast schedule useful where "no decision while a hedge is out" would
  stall the schedule for a round trip and hold back the next slice of a book larger than the
  per-order cap;
* it commits the returned schedule state only when it acts on the decision: when the quantity
  is 0 (the book was looked at) or the order was placed. A hedge that finds no free order slot
  leaves the old state, so the decision is still due, and is retried at the next update instead
  of being lost for an interval.

What the fields of conf/hedge mean here (P_* in `corp.core.types`):

* ``base_hedge_interval_minutes`` (``P_HEDGE_INTERVAL_NS``): a decision is due when this long
  has passed since the last one, so the book is looked at at least this often;
* ``price_drop_threshold_pct`` (``P_HEDGE_MOVE_FRAC``): a mid move of this fraction of the mid
  at the last decision, **against the inventory**, makes a decision due at once: a drop for a
  long book (the seed's "drop"), a rise for a short one. The book is one linear swap, so a move
  does not change its delta; what it changes is the loss on the inventory held, and that loss
  comes from a drop only when long. A flat book (q = 0) is never triggered;
* ``hedge_frequency_multiplier`` (``P_HEDGE_FREQ_MULT``): after a move trigger, for one base
  interval, the schedule runs at interval / multiplier;
* ``gamma_threshold`` (``P_HEDGE_GAMMA_THRESHOLD``): ``|option gamma|`` of the book above it
  makes a decision due at once. The caller passes the book's option gamma; the offline loop
  trades one linear swap and passes 0, so there this trigger cannot fire;
* ``max_hedge_size_pct`` (``P_MAX_HEDGE_FRAC``): one hedge is at most this fraction of the
  inventory limit.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from corp.core.refs import hold_nb
from corp.core.types import (
    P_HEDGE_DEADBAND,
    P_HEDGE_FREQ_MULT,
    P_HEDGE_GAMMA_THRESHOLD,
    P_HEDGE_INTERVAL_NS,
    P_HEDGE_MOVE_FRAC,
    P_INVENTORY_LIMIT,
    P_LOT_SIZE,
    P_MAX_HEDGE_FRAC,
)

__all__ = ["hedge_decision_nb"]

_ROUND_EPS = 1e-9


@njit(cache=True, error_model="numpy")
def hedge_decision_nb(
    params: np.ndarray,
    t_ns: int,
    q: float,
    mid: float,
    option_gamma: float,
    last_ns: int,
    ref_mid: float,
    fast_until_ns: int,
) -> tuple[float, int, float, int]:
    """(signed taker quantity, new last_ns, new ref_mid, new fast_until_ns) at time ``t_ns``.

    ``last_ns`` is the time of the last decision and ``ref_mid`` the mid then (NaN before the
    first: no move trigger), ``fast_until_ns`` the end of the accelerated schedule. A decision is
    due on the schedule (``t_ns - last_ns >= interval``, the interval divided by the multiplier
    while ``t_ns < fast_until_ns``), on a move against the inventory of at least
    ``P_HEDGE_MOVE_FRAC`` since ``ref_mid`` (off when <= 0), or on ``|option_gamma|`` above
    ``P_HEDGE_GAMMA_THRESHOLD`` (off when <= 0). When none is due nothing changes and the
    quantity is 0. ``q`` is the inventory net of the caller's hedges in flight (module
    docstring).

    A due decision restarts the schedule and the move reference at ``t_ns``/``mid``, whether or
    not it trades (the caller keeps the old state instead when it cannot send the order), and a
    move trigger accelerates the schedule for the next base interval (from ``t_ns``). It trades
    only when ``|q|`` exceeds the deadband ``P_HEDGE_DEADBAND`` and then sends the inventory back
    toward zero: ``min(|q|, max_hedge_frac x inventory_limit)`` rounded down to lots, with the
    opposite sign of ``q``.

    Why a deadband, and why half the inventory limit in `corp.core.params.pack_run_spec`: a flat
    book must send nothing, and inside the band the quote's inventory skew (the AS reservation of
    the integrated kinds) already steers the inventory back through maker fills, which earn the
    spread, where a hedge pays the taker fee, the slippage and the half spread. The seed's
    objective min E|Delta| + lambda E[HedgeCost] trades the two off; half the limit is the
    threshold the integrated strategy used before this schedule existed, kept as a packed
    parameter (``hedge_deadband``) rather than a constant so it can be calibrated. A decision
    that finds the book inside the band still restarts the schedule: the book was looked at.
    """
    base_ns = int(params[P_HEDGE_INTERVAL_NS])
    interval_ns = base_ns
    if t_ns < fast_until_ns:
        interval_ns = int(params[P_HEDGE_INTERVAL_NS] / params[P_HEDGE_FREQ_MULT])
    due = t_ns - last_ns >= interval_ns
    moved = False
    move_frac = params[P_HEDGE_MOVE_FRAC]
    if move_frac > 0.0 and ref_mid > 0.0 and q != 0.0:
        change = (mid - ref_mid) / ref_mid  # > 0: a rise
        against = -change if q > 0.0 else change
        moved = against >= move_frac
    gamma_threshold = params[P_HEDGE_GAMMA_THRESHOLD]
    gamma_hit = gamma_threshold > 0.0 and abs(option_gamma) > gamma_threshold
    qty = 0.0
    if due or moved or gamma_hit:
        if abs(q) > params[P_HEDGE_DEADBAND]:
            cap = params[P_MAX_HEDGE_FRAC] * params[P_INVENTORY_LIMIT]
            lot = params[P_LOT_SIZE]
            size = math.floor(min(abs(q), cap) / lot + _ROUND_EPS) * lot
            qty = -size if q > 0.0 else size
        last_ns = t_ns
        ref_mid = mid
        if moved:
            fast_until_ns = t_ns + base_ns
    hold_nb(params)
    return qty, last_ns, ref_mid, fast_until_ns
