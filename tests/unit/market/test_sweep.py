"""Sweeps against a depth profile: the reach law, and what each print takes."""

from __future__ import annotations

import numpy as np
import pytest

from corp.market.sweep import depth_profile, pareto_sizes_base, sweep

PROFILE_ARGS = dict(
    n_levels=12, gap_quote=0.5, k_per_quote=0.5, size_min_base=2.0, tail_alpha=1.5, lot_base=0.01
)


def test_pareto_sizes_have_the_configured_tail() -> None:
    sizes = pareto_sizes_base(np.random.default_rng(0), 200_000, size_min_base=2.0, tail_alpha=1.5)
    assert sizes.min() >= 2.0
    assert np.mean(sizes > 8.0) == pytest.approx((2.0 / 8.0) ** 1.5, rel=0.05)


def test_profile_depth_in_front_of_a_level_gives_an_exponential_reach() -> None:
    profile = depth_profile(**PROFILE_ARGS)
    j = np.arange(1, PROFILE_ARGS["n_levels"])
    reach = (2.0 / profile.cum_qty_base[j - 1]) ** 1.5  # Pareto survival at the depth in front
    np.testing.assert_allclose(reach, np.exp(-0.5 * 0.5 * j), rtol=0.02)


def test_a_sweep_empties_every_level_but_its_last_and_trades_the_whole_order() -> None:
    profile = depth_profile(**PROFILE_ARGS)
    cum = profile.cum_qty_base
    sizes = np.array([0.5, cum[0] + 0.3, cum[2] + 0.02])
    n_reached, level, qty = sweep(sizes, profile, 0.01)
    assert n_reached.tolist() == [1, 2, 4]
    assert level.tolist() == [0, 0, 1, 0, 1, 2, 3]
    np.testing.assert_allclose(qty[3:6], profile.level_qty_base[:3])
    np.testing.assert_allclose(qty[[0, 2, 6]], [0.5, 0.3, 0.02])


def test_an_order_bigger_than_the_book_stops_at_the_last_level() -> None:
    profile = depth_profile(**PROFILE_ARGS)
    n_reached, _, qty = sweep(np.array([profile.cum_qty_base[-1] * 10]), profile, 0.01)
    assert n_reached.tolist() == [PROFILE_ARGS["n_levels"]]
    assert qty.sum() == pytest.approx(profile.cum_qty_base[-1] * 10)


def test_a_profile_with_a_non_positive_reach_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"k_per_quote must be a finite positive number, was 0\.0"):
        depth_profile(**{**PROFILE_ARGS, "k_per_quote": 0.0})
