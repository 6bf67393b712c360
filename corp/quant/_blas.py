"""One BLAS thread around small optimisations.

scipy's L-BFGS-B calls LAPACK/BLAS on 3x3 problems; with OpenBLAS's default thread pool on a busy
2-core machine each call spins for milliseconds (measured: a 300-event Hawkes fit takes 49-140 ms
with the pool, 3 ms with one thread). The limit is scoped to the call, so callers' own numpy work
keeps its threads.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from functools import lru_cache

from threadpoolctl import ThreadpoolController

__all__ = ["single_threaded_blas"]


@lru_cache(maxsize=1)
def _controller() -> ThreadpoolController:
    return ThreadpoolController()


def single_threaded_blas() -> AbstractContextManager[object]:
    """Context manager limiting BLAS to one thread (about 60 us to enter)."""
    return _controller().limit(limits=1, user_api="blas")
