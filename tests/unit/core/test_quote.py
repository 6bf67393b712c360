"""Quote kernels against hand-computed values from the formulas, and their properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corp.core import types as t
from corp.core.params import param_vector
from corp.core.quote import as_quote_nb, glft_approx_nb, log_term_nb, quote_nb, size_nb


def _features(mid: float, best_bid: float, best_ask: float) -> np.ndarray:
    feat = np.zeros(t.N_FEATURES)
    feat[t.F_MID] = mid
    feat[t.F_BEST_BID] = best_bid
    feat[t.F_BEST_ASK] = best_ask
    feat[t.F_BUY_INTENSITY] = 1.0
    feat[t.F_SELL_INTENSITY] = 1.0
    feat[t.F_REGIME] = t.REGIME_NORMAL
    feat[t.F_TAU_SECS] = 1.0
    return feat


def _quote(params: np.ndarray, feat: np.ndarray, q: float, state: int = t.CB_NORMAL) -> np.ndarray:
    out = np.zeros(t.N_QUOTE_OUT)
    table = np.zeros((3, 2))
    quote_nb(params, table, np.zeros(t.N_CACHE), feat, q, 0.0, state, False, out)
    return out


def test_as_reservation_and_spread_match_hand_computed_values() -> None:
    # s=100, q=2, gamma=0.1, sigma=2, k=1.5, tau=1: r = 100 - 2*0.1*4 = 99.2
    # half = (0.1*4 + (2/0.1) ln(1 + 0.1/1.5)) / 2 = 0.2 + 10 ln(16/15)
    reservation, half = as_quote_nb(100.0, 2.0, 0.1, 2.0, 1.5, 1.0)
    assert reservation == pytest.approx(99.2, abs=1e-12)
    assert half == pytest.approx(0.2 + 10.0 * math.log(16.0 / 15.0), rel=1e-12)


def test_as_log_term_uses_the_series_for_tiny_gamma() -> None:
    # (1/gamma) ln(1+gamma/k) -> 1/k as gamma -> 0; the naive form loses all digits at 1e-12
    assert log_term_nb(1e-12, 2.0) == pytest.approx(0.5, rel=1e-12)


def test_glft_approximation_matches_hand_computed_values() -> None:
    # gamma=xi=0.1, sigma=0.3, k=1.5, A=140, Delta=1, q=3
    x = 0.1 / 1.5
    c1 = math.log(1 + x) / 0.1
    c2 = math.sqrt(0.1 / (2 * 140 * 1.5) * (1 + x) ** (1.5 / 0.1 + 1))
    half, skew = c1 + 0.5 * 0.3 * c2, 0.3 * c2
    d_bid, d_ask = glft_approx_nb(3.0, 0.1, 0.1, 0.3, 1.5, 140.0, 1.0)
    assert d_bid == pytest.approx(half + 3 * skew, rel=1e-12)
    assert d_ask == pytest.approx(half - 3 * skew, rel=1e-12)


@pytest.mark.parametrize("kind", [t.KIND_AS, t.KIND_GLFT, t.KIND_HAWKES, t.KIND_INTEGRATED])
def test_long_inventory_skews_both_quotes_down(kind: int) -> None:
    params = param_vector(kind=kind, sigma=0.05, gamma=0.5, k=10.0, inventory_limit=10.0)
    feat = _features(100.0, 99.0, 101.0)
    flat, long = _quote(params, feat, 0.0), _quote(params, feat, 0.5)
    assert long[t.Q_RESERVATION_PX] < flat[t.Q_RESERVATION_PX]
    assert long[t.Q_BID_PX] <= flat[t.Q_BID_PX]
    assert long[t.Q_ASK_PX] <= flat[t.Q_ASK_PX]


@given(
    sigma=st.floats(0.001, 1.0),
    factor=st.floats(1.01, 10.0),
    gamma=st.floats(0.001, 10.0),
    k=st.floats(1.0, 100.0),
)
@settings(max_examples=60, deadline=None)
def test_as_spread_grows_with_sigma(sigma: float, factor: float, gamma: float, k: float) -> None:
    _, half_lo = as_quote_nb(100.0, 0.0, gamma, sigma, k, 1.0)
    _, half_hi = as_quote_nb(100.0, 0.0, gamma, sigma * factor, k, 1.0)
    assert half_hi > half_lo


@given(gamma=st.floats(0.001, 10.0), factor=st.floats(1.01, 10.0), k=st.floats(1.0, 100.0))
@settings(max_examples=60, deadline=None)
def test_as_spread_grows_with_gamma_once_volatility_dominates(
    gamma: float, factor: float, k: float
) -> None:
    # d/dgamma (2/gamma) ln(1+gamma/k) >= -1/k^2, so the spread increases when sigma^2 tau k^2 >= 1;
    # below that the liquidity term (which shrinks with gamma) can dominate, as the formula says.
    sigma = 1.0 / k
    _, half_lo = as_quote_nb(100.0, 0.0, gamma, sigma, k, 1.0)
    _, half_hi = as_quote_nb(100.0, 0.0, gamma * factor, sigma, k, 1.0)
    assert half_hi > half_lo


@given(gamma=st.floats(0.001, 10.0), factor=st.floats(1.01, 10.0), q=st.floats(0.1, 5.0))
@settings(max_examples=40, deadline=None)
def test_glft_spread_and_skew_grow_with_gamma(gamma: float, factor: float, q: float) -> None:
    bid_lo, ask_lo = glft_approx_nb(q, gamma, gamma, 0.3, 1.5, 140.0, 1.0)
    bid_hi, ask_hi = glft_approx_nb(q, gamma * factor, gamma * factor, 0.3, 1.5, 140.0, 1.0)
    assert bid_hi - ask_hi > bid_lo - ask_lo  # skew term sigma c2 q grows


@given(
    kind=st.sampled_from(range(t.N_KINDS)),
    q=st.floats(-3.0, 3.0),
    half_book=st.integers(1, 50),
    gamma=st.floats(0.01, 5.0),
    state=st.sampled_from([t.CB_NORMAL, t.CB_WARNING, t.CB_REDUCING]),
    policy=st.sampled_from([t.CROSS_CLAMP, t.CROSS_DROP]),
)
@settings(max_examples=150, deadline=None)
def test_quotes_never_cross_the_book_at_any_inventory(
    kind: int, q: float, half_book: int, gamma: float, state: int, policy: int
) -> None:
    params = param_vector(kind=kind, gamma=gamma, sigma=0.5, cross_policy=policy)
    best_bid, best_ask = 100.0 - 0.01 * half_book, 100.0 + 0.01 * half_book
    out = _quote(params, _features(100.0, best_bid, best_ask), q, state)
    if out[t.Q_BID_QTY] > 0:
        assert out[t.Q_BID_PX] < best_ask - 1e-9
    if out[t.Q_ASK_QTY] > 0:
        assert out[t.Q_ASK_PX] > best_bid + 1e-9
    if out[t.Q_BID_QTY] > 0 and out[t.Q_ASK_QTY] > 0:
        assert out[t.Q_BID_PX] < out[t.Q_ASK_PX]


def test_quotes_are_rounded_to_tick_and_lot() -> None:
    params = param_vector(
        kind=t.KIND_NAIVE, base_spread_frac=0.00123, base_size=0.123, tick_size=0.05, lot_size=0.01
    )
    out = _quote(params, _features(100.0, 99.0, 101.0), 0.0)
    assert out[t.Q_BID_PX] / 0.05 == pytest.approx(round(out[t.Q_BID_PX] / 0.05), abs=1e-9)
    assert out[t.Q_ASK_PX] / 0.05 == pytest.approx(round(out[t.Q_ASK_PX] / 0.05), abs=1e-9)
    assert out[t.Q_BID_PX] <= 100.0 - 0.0615 + 1e-9  # rounded away from the mid
    assert out[t.Q_BID_QTY] == pytest.approx(0.12)


def test_crossing_quote_is_clamped_to_inside_the_touch() -> None:
    params = param_vector(kind=t.KIND_AS, gamma=1.0, sigma=1.0, k=10.0, inventory_limit=100.0)
    out = _quote(params, _features(100.0, 99.98, 100.02), -20.0)  # short: quotes shift far up
    assert out[t.Q_BID_PX] == pytest.approx(100.01)


def test_crossing_quote_is_dropped_under_the_drop_policy() -> None:
    params = param_vector(
        kind=t.KIND_AS,
        gamma=1.0,
        sigma=1.0,
        k=10.0,
        inventory_limit=100.0,
        cross_policy=t.CROSS_DROP,
    )
    out = _quote(params, _features(100.0, 99.98, 100.02), -20.0)
    assert math.isnan(out[t.Q_BID_PX])
    assert out[t.Q_BID_QTY] == 0.0


def test_size_shrinks_the_side_adding_inventory_and_stops_at_the_limit() -> None:
    params = param_vector(base_size=0.5, inventory_limit=1.0, size_shape=2.0, lot_size=0.01)
    assert size_nb(params, 0.0) == (0.5, 0.5)
    bid, ask = size_nb(params, 0.5)
    assert bid == pytest.approx(0.37)  # 0.5 * (1 - 0.25), floored to the lot
    assert ask == pytest.approx(0.5)
    assert size_nb(params, 1.0)[0] == 0.0


def test_hawkes_spread_narrows_above_high_and_widens_below_low_intensity() -> None:
    params = param_vector(
        kind=t.KIND_HAWKES,
        base_spread_frac=0.002,
        high_intensity=2.0,
        low_intensity=0.5,
        aggressive_factor=0.5,
        defensive_factor=2.0,
    )
    feat = _features(100.0, 99.0, 101.0)
    feat[t.F_SELL_INTENSITY] = 3.0  # hits our bid often: bid side aggressive
    feat[t.F_BUY_INTENSITY] = 0.1  # ask side defensive
    out = _quote(params, feat, 0.0)
    assert 100.0 - out[t.Q_BID_PX] == pytest.approx(0.05, abs=0.01)
    assert out[t.Q_ASK_PX] - 100.0 == pytest.approx(0.2, abs=0.01)


def test_hawkes_with_gamma_adds_the_as_reservation_and_without_it_skews_only() -> None:
    # q = 0.4 base = 40 lots of 0.01; gamma 0.1 per quote per lot, sigma 0.5, tau 2 s:
    # AS shift = 40 * 0.1 * 0.25 * 2 = 2.0; skew = 0.5 * (0.4 / 1.0) * h0 with h0 = 0.1
    common = dict(kind=t.KIND_HAWKES, base_spread_frac=0.002, inventory_skew_factor=0.5,
                  inventory_limit=1.0, inventory_unit=0.01, sigma=0.5, lot_size=0.01)  # fmt: skip
    feat = _features(100.0, 99.0, 101.0)
    feat[t.F_TAU_SECS] = 2.0
    skew_only = _quote(param_vector(**common, gamma=0.0), feat, 0.4)
    with_as = _quote(param_vector(**common, gamma=0.1), feat, 0.4)
    assert skew_only[t.Q_RESERVATION_PX] == pytest.approx(100.0 - 0.02, abs=1e-12)
    assert with_as[t.Q_RESERVATION_PX] == pytest.approx(100.0 - 0.02 - 2.0, abs=1e-12)


def test_a_hawkes_spec_without_gamma_packs_gamma_zero_and_with_it_packs_its_value() -> None:
    from corp.core.params import pack_run_spec
    from corp.spec.check import check_container
    from corp.spec.compose import compose_config, to_container

    def packed(*overrides: str) -> float:
        checked = check_container(to_container(compose_config(["strategy=hawkes", *overrides])))
        assert checked.spec is not None, checked.field_problems
        return pack_run_spec(checked.spec)["gamma"]

    assert packed() == 0.0
    assert packed("strategy.gamma=0.05", "strategy.inventory_skew_factor=0") == 0.05


def test_adverse_selection_flag_widens_the_hawkes_spread() -> None:
    params = param_vector(kind=t.KIND_HAWKES, base_spread_frac=0.002, adverse_widen_factor=2.0)
    feat = _features(100.0, 99.0, 101.0)
    calm = _quote(params, feat, 0.0)
    feat[t.F_ADVERSE] = 1.0
    toxic = _quote(params, feat, 0.0)
    assert toxic[t.Q_ASK_PX] - toxic[t.Q_BID_PX] > calm[t.Q_ASK_PX] - calm[t.Q_BID_PX]


def test_high_volatility_regime_widens_the_integrated_spread() -> None:
    params = param_vector(kind=t.KIND_INTEGRATED, regime_mult_high=2.0, sigma=0.1, k=5.0)
    feat = _features(100.0, 99.0, 101.0)
    normal = _quote(params, feat, 0.0)
    feat[t.F_REGIME] = t.REGIME_HIGH_VOL
    high = _quote(params, feat, 0.0)
    assert high[t.Q_HALF_SPREAD] == pytest.approx(2.0 * normal[t.Q_HALF_SPREAD])


def test_fast_integrated_reuses_greeks_within_ttl_and_recomputes_after() -> None:
    params = param_vector(kind=t.KIND_FAST_INTEGRATED, greeks_ttl_ns=100.0, horizon_secs=10.0)
    cache, out, table = np.zeros(t.N_CACHE), np.zeros(t.N_QUOTE_OUT), np.zeros((3, 2))
    feat = _features(100.0, 99.0, 101.0)
    feat[t.F_TAU_SECS] = 10.0
    quote_nb(params, table, cache, feat, 0.5, 0.0, t.CB_NORMAL, False, out)
    first = out[t.Q_RESERVATION_PX]
    feat[t.F_TAU_SECS] = 5.0
    quote_nb(params, table, cache, feat, 0.5, 50.0, t.CB_NORMAL, False, out)
    assert out[t.Q_RESERVATION_PX] == first  # cached slope, stale tau on purpose
    quote_nb(params, table, cache, feat, 0.5, 150.0, t.CB_NORMAL, False, out)
    assert out[t.Q_RESERVATION_PX] > first  # recomputed with the shorter tau
    assert (cache[t.C_HITS], cache[t.C_MISSES]) == (1.0, 2.0)


def test_reducing_state_quotes_only_the_side_that_reduces_inventory() -> None:
    params = param_vector(kind=t.KIND_NAIVE)
    out = _quote(params, _features(100.0, 99.0, 101.0), 0.5, t.CB_REDUCING)
    assert out[t.Q_BID_QTY] == 0.0
    assert out[t.Q_ASK_QTY] > 0.0


def test_halted_state_quotes_nothing() -> None:
    params = param_vector(kind=t.KIND_NAIVE)
    out = _quote(params, _features(100.0, 99.0, 101.0), 0.0, t.CB_HALTED)
    assert out[t.Q_BID_QTY] == 0.0
    assert out[t.Q_ASK_QTY] == 0.0


def test_base_spread_is_a_floor_on_the_as_width() -> None:
    params = param_vector(kind=t.KIND_AS, base_spread_frac=0.002, gamma=0.1, sigma=0.01, k=200.0)
    out = _quote(params, _features(100.0, 99.0, 101.0), 0.0)
    assert out[t.Q_ASK_PX] - out[t.Q_BID_PX] >= 0.2 - 1e-9  # model width ~0.01 < 20 bps floor


@pytest.mark.parametrize(
    "name",
    ["tick_size", "lot_size", "k", "a", "glft_xi", "glft_delta", "inventory_limit"],
)
def test_param_vector_refuses_a_divisor_that_is_not_positive(name: str) -> None:
    # the kernels divide by these without a zero check (error_model="numpy", corp.core.refs)
    with pytest.raises(ValueError, match=f"engine parameter {name} must be > 0"):
        param_vector(**{name: 0.0})
