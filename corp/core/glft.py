"""GLFT exact solution for a bounded inventory, precomputed once per parameter set (numpy/scipy).

The kernel `corp.core.quote.glft_exact_nb` only reads the table this module builds: rows are the
inventory levels q = -Q..Q (in lots of ``delta``), column 0 the bid distance from the mid, column 1
the ask distance (NaN where the side would leave the bound).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.linalg import eigh_tridiagonal

__all__ = ["glft_exact_table"]


def glft_exact_table(
    *, gamma: float, sigma: float, k: float, A: float, q_max_lots: int
) -> np.ndarray:
    """(2Q+1, 2) table of (delta_bid, delta_ask) from the eigenvector of M's smallest eigenvalue.

    M is tridiagonal with alpha q^2 on the diagonal and -eta off it, alpha = (k/2) gamma sigma^2,
    eta = A (1 + gamma/k)^-(1 + k/gamma) (Guéant–Lehalle–Fernandez-Tapia 2013, infinite horizon).
    """
    if q_max_lots < 1:
        raise ValueError(f"q_max_lots must be >= 1, was {q_max_lots}")
    for name, value in (("gamma", gamma), ("sigma", sigma), ("k", k), ("A", A)):
        if not (value > 0.0 and math.isfinite(value)):
            raise ValueError(f"GLFT parameter {name} must be a positive finite number, was {value}")
    q = np.arange(-q_max_lots, q_max_lots + 1, dtype=np.float64)
    alpha = 0.5 * k * gamma * sigma * sigma
    x = gamma / k
    eta = A * math.exp(-(1.0 + 1.0 / x) * math.log1p(x))
    diag = alpha * q * q
    off = np.full(q.size - 1, -eta)
    _, vec = eigh_tridiagonal(diag, off, select="i", select_range=(0, 0))
    v = np.abs(vec[:, 0])
    log_v = np.log(np.maximum(v, np.finfo(np.float64).tiny))
    const = math.log1p(x) / gamma
    table = np.full((q.size, 2), np.nan)
    table[:-1, 0] = (log_v[:-1] - log_v[1:]) / k + const  # bid: q -> q+1, undefined at q = Q
    table[1:, 1] = (log_v[1:] - log_v[:-1]) / k + const  # ask: q -> q-1, undefined at q = -Q
    return table
