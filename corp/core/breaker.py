"""The circuit breaker: NORMAL -> WARNING -> REDUCING -> HALTED, stepwise recovery only.

Seed 3.1–3.3: a violation escalates at once to its severity; recovery steps down one state at a
time and only when the cooldown since entering the state has elapsed AND the last violation of that
severity is older than the quiet threshold. HALTED never jumps to NORMAL. With ``P_MANUAL_RESUME``
(seed 3.3's manual gate, on in production packs) the step out of HALTED also needs a person's
confirmation (`confirm_resume_nb`, consumed by that step): offline nobody confirms, so a halted
backtest stays halted, which is what production would do until someone looked. The kill switch
pins the breaker in HALTED for good; STOP stops new orders without changing the state.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from corp.core.types import (
    B_CONFIRMED,
    B_ENTERED_NS,
    B_KILL,
    B_LAST_VIOL_1_NS,
    B_STATE,
    B_STOP,
    B_TRANSITIONS,
    CB_HALTED,
    CB_NORMAL,
    CB_REDUCING,
    CB_WARNING,
    N_BREAKER,
    NEVER_NS,
    P_CONCENTRATION_LIMIT_FRAC,
    P_COOLDOWN_NS,
    P_DAILY_LOSS_LIMIT_FRAC,
    P_INITIAL_CAPITAL,
    P_INVENTORY_LIMIT,
    P_KILL_LOSS_FRAC,
    P_MANUAL_RESUME,
    P_MAX_DRAWDOWN_FRAC,
    P_RECOVERY_QUIET_NS,
    P_REDUCING_RATIO,
    P_WARNING_RATIO,
)

__all__ = [
    "breaker_step_nb",
    "confirm_resume_nb",
    "new_breaker_state",
    "normal_holds_nb",
    "request_stop_nb",
    "severity_nb",
    "severity_values_nb",
    "trip_kill_nb",
]


def new_breaker_state() -> np.ndarray:
    """A fresh breaker: NORMAL, no violation seen, no kill, no STOP."""
    state = np.zeros(N_BREAKER, dtype=np.int64)
    state[B_STATE] = CB_NORMAL
    state[B_ENTERED_NS] = NEVER_NS
    state[B_LAST_VIOL_1_NS : B_LAST_VIOL_1_NS + 3] = NEVER_NS
    return state


@njit(cache=True)
def _level(value: float, limit: float, warning_ratio: float, reducing_ratio: float) -> int:
    if limit <= 0.0:
        return CB_NORMAL
    if value >= limit:
        return CB_HALTED
    if value >= reducing_ratio * limit:
        return CB_REDUCING
    if value >= warning_ratio * limit:
        return CB_WARNING
    return CB_NORMAL


@njit(cache=True)
def severity_values_nb(
    daily_loss: float,
    drawdown: float,
    abs_inventory: float,
    capital: float,
    warn: float,
    red: float,
    daily_loss_limit_frac: float,
    max_drawdown_frac: float,
    concentration_limit_frac: float,
    inventory_limit: float,
) -> int:
    """`severity_nb` on the parameter values themselves (scalars only, for the event loop)."""
    level = _level(daily_loss / capital, daily_loss_limit_frac, warn, red)
    dd = _level(drawdown / capital, max_drawdown_frac, warn, red)
    if dd > level:
        level = dd
    if concentration_limit_frac > 0.0:
        conc = abs_inventory / inventory_limit
        if conc >= concentration_limit_frac:
            c = CB_REDUCING
        elif conc >= warn * concentration_limit_frac:
            c = CB_WARNING
        else:
            c = CB_NORMAL
        if c > level:
            level = c
    return level


@njit(cache=True)
def severity_nb(
    params: np.ndarray, daily_loss: float, drawdown: float, abs_inventory: float
) -> int:
    """Severity of the current risk figures (quote currency losses, base-unit inventory)."""
    return severity_values_nb(
        daily_loss,
        drawdown,
        abs_inventory,
        params[P_INITIAL_CAPITAL],
        params[P_WARNING_RATIO],
        params[P_REDUCING_RATIO],
        params[P_DAILY_LOSS_LIMIT_FRAC],
        params[P_MAX_DRAWDOWN_FRAC],
        params[P_CONCENTRATION_LIMIT_FRAC],
        params[P_INVENTORY_LIMIT],
    )


@njit(cache=True)
def trip_kill_nb(state: np.ndarray, t_ns: int) -> None:
    """Kill switch: HALTED for good."""
    state[B_KILL] = 1
    if state[B_STATE] != CB_HALTED:
        state[B_STATE] = CB_HALTED
        state[B_ENTERED_NS] = t_ns
        state[B_TRANSITIONS] += 1


@njit(cache=True)
def confirm_resume_nb(state: np.ndarray) -> None:
    """A person confirms that the breaker may step out of HALTED (when its conditions hold)."""
    state[B_CONFIRMED] = 1


@njit(cache=True)
def request_stop_nb(state: np.ndarray) -> None:
    """STOP: no new orders from now on; live orders are cancelled by the driver."""
    state[B_STOP] = 1


@njit(cache=True)
def breaker_step_nb(
    params: np.ndarray,
    state: np.ndarray,
    t_ns: int,
    daily_loss: float,
    drawdown: float,
    abs_inventory: float,
) -> int:
    """Advance the state machine at ``t_ns`` with the current figures; return the new state."""
    kill_frac = params[P_KILL_LOSS_FRAC]
    if kill_frac > 0.0 and daily_loss / params[P_INITIAL_CAPITAL] >= kill_frac:
        trip_kill_nb(state, t_ns)
    if state[B_KILL] != 0:
        return CB_HALTED
    level = severity_nb(params, daily_loss, drawdown, abs_inventory)
    for s in range(1, level + 1):
        state[B_LAST_VIOL_1_NS + s - 1] = t_ns
    if level == CB_HALTED:
        state[B_CONFIRMED] = 0  # a go-ahead given before this halt-level breach does not cover it
    current = state[B_STATE]
    if level > current:
        state[B_STATE] = level
        state[B_ENTERED_NS] = t_ns
        state[B_TRANSITIONS] += 1
        return level
    if level < current:
        cooled = t_ns - state[B_ENTERED_NS] >= int(params[P_COOLDOWN_NS])
        last_viol = state[B_LAST_VIOL_1_NS + current - 1]
        quiet = t_ns - last_viol >= int(params[P_RECOVERY_QUIET_NS])
        gated = current == CB_HALTED and params[P_MANUAL_RESUME] != 0.0
        if cooled and quiet and gated and state[B_CONFIRMED] == 0:
            return int(current)  # waits for a person (seed 3.3)
        if cooled and quiet:
            if current == CB_HALTED:
                state[B_CONFIRMED] = 0
            state[B_STATE] = current - 1
            state[B_ENTERED_NS] = t_ns
            state[B_TRANSITIONS] += 1
    return int(state[B_STATE])


@njit(cache=True)
def normal_holds_nb(
    kill: bool,
    current: int,
    daily_loss: float,
    capital: float,
    kill_loss_frac: float,
    severity: int,
) -> bool:
    """True when `breaker_step_nb` would change nothing and return NORMAL.

    That is a NORMAL breaker without the kill switch whose figures neither trip the kill switch
    nor reach any severity: the step records no violation and moves no state. The event loop
    evaluates the breaker at every book-top change but only calls the step (which takes the
    breaker array, hence reference counting per call) when this is False.
    """
    if kill or current != CB_NORMAL or severity != CB_NORMAL:
        return False
    return not (kill_loss_frac > 0.0 and daily_loss / capital >= kill_loss_frac)
