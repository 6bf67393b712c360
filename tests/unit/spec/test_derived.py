"""Derived figures against hand calculations."""

from __future__ import annotations

import math

import pytest

from corp.spec.derived import (
    gamma_upper_bound,
    inventory_limit_base,
    sigma_quote_per_sqrt_sec,
    tau_secs,
)
from tests.unit.spec.conftest import spec_of


def test_sigma_converts_a_daily_fraction_to_quote_per_root_second() -> None:
    market = spec_of().market
    assert sigma_quote_per_sqrt_sec(market) == pytest.approx(50_000 * 0.02 / math.sqrt(86_400))


def test_infinite_horizon_uses_one_second() -> None:
    assert tau_secs(None) == 1.0
    assert tau_secs(3600.0) == 3600.0


def test_gamma_bound_is_eta_s_over_q_sigma_squared_tau() -> None:
    bound = gamma_upper_bound(eta=0.01, price=100.0, inventory_limit=2, sigma=0.5, tau=4.0)
    assert bound == pytest.approx(0.01 * 100.0 / (2 * 0.25 * 4.0))


def test_inventory_limit_in_base_units_is_lots_times_lot_size() -> None:
    assert inventory_limit_base(10, spec_of().market) == pytest.approx(0.1)
