"""Keep numba's reference counting out of the kernels the event loop calls per decision.

numba increfs every array argument when a kernel starts and decrefs it after its last use; an
LLVM pass then deletes the pairs it can prove redundant. It fails when the last use of an array
sits in one branch only, and whenever a path can raise (a call to another kernel, or a float
division under the default error model, which raises ZeroDivisionError). What is left are two
atomic operations per array per call: on the quote kernels that was most of their cost (about
130 ns a call, against some 35 ns without).

The kernels the loop calls per decision therefore compile with ``error_model="numpy"`` (their
divisors are parameters `corp.core.params.param_vector` refuses unless positive, so no division
by zero is reachable and no result changes), and end with `hold_nb` on their read-only array
arguments, which moves every last use to the final block where the pass removes the pair.
"""

from __future__ import annotations

from numba import njit

__all__ = ["hold_nb"]


@njit(cache=True, error_model="numpy")
def hold_nb(*arrays) -> None:
    """Use ``arrays`` here and nowhere later: the caller's last use of each is this call."""
