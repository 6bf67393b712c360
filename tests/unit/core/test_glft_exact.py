"""GLFT exact eigenvector table against the 3-level closed form and its symmetries."""

from __future__ import annotations

import math

import numpy as np
import pytest

from corp.core.glft import glft_exact_table
from corp.core.quote import glft_exact_nb


def test_three_level_table_matches_the_hand_solved_eigenvector() -> None:
    gamma, sigma, k, A = 0.1, 0.3, 1.5, 140.0
    a = 0.5 * k * gamma * sigma**2
    e = A * (1 + gamma / k) ** -(1 + k / gamma)
    # symmetric eigenvector (x, y, x): a x - e y = lam x, -2 e x = lam y
    lam = (a - math.sqrt(a * a + 8 * e * e)) / 2
    y_over_x = (a - lam) / e
    const = math.log1p(gamma / k) / gamma
    table = glft_exact_table(gamma=gamma, sigma=sigma, k=k, A=A, q_max_lots=1)
    assert table[1, 0] == pytest.approx(math.log(y_over_x) / k + const, rel=1e-9)  # bid at q=0
    assert table[0, 0] == pytest.approx(-math.log(y_over_x) / k + const, rel=1e-9)  # bid at q=-1


def test_table_is_symmetric_and_undefined_beyond_the_bound() -> None:
    table = glft_exact_table(gamma=0.05, sigma=0.5, k=2.0, A=50.0, q_max_lots=10)
    np.testing.assert_allclose(table[:-1, 0], table[1:, 1][::-1], rtol=1e-9)
    assert math.isnan(table[-1, 0])  # no bid at q = +Q
    assert math.isnan(table[0, 1])  # no ask at q = -Q


def test_bid_distance_grows_with_inventory() -> None:
    table = glft_exact_table(gamma=0.05, sigma=0.5, k=2.0, A=50.0, q_max_lots=10)
    assert np.all(np.diff(table[:-1, 0]) > 0)


def test_kernel_reads_the_row_of_the_inventory_in_lots() -> None:
    table = glft_exact_table(gamma=0.05, sigma=0.5, k=2.0, A=50.0, q_max_lots=3)
    assert glft_exact_nb(0.2, 0.1, table) == (table[5, 0], table[5, 1])  # q = 2 lots -> row 5
    bid, ask = glft_exact_nb(9.0, 0.1, table)  # clipped at +Q: no bid, the last ask
    assert math.isnan(bid)
    assert ask == table[6, 1]


def test_table_refuses_a_non_positive_parameter() -> None:
    with pytest.raises(ValueError, match="sigma must be a positive"):
        glft_exact_table(gamma=0.1, sigma=0.0, k=1.0, A=1.0, q_max_lots=2)
