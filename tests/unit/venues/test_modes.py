"""The shipped conf/mode files turn into venue configs, simulator configs and credentials."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from corp.errors import SpecError
from corp.spec.mode import ModeSpec
from corp.venues.modes import credentials_from_mode, sim_config_from_mode, venue_config_from_mode

CONF = Path(__file__).resolve().parents[3] / "conf" / "mode"


def mode(name: str) -> ModeSpec:
    return ModeSpec.model_validate(yaml.safe_load((CONF / f"{name}.yaml").read_text()))


def test_live_mode_points_rest_and_ws_at_okx_production() -> None:
    config = venue_config_from_mode(mode("okx_live"))
    assert config.rest_url == "https://www.okx.com"
    assert config.ws_url == "wss://ws.okx.com:8443/ws/v5"


def test_demo_api_mode_uses_the_demo_websocket_host() -> None:
    assert venue_config_from_mode(mode("okx_demo_api")).ws_url == "wss://wspap.okx.com:8443/ws/v5"


def test_sim_mode_takes_the_running_simulators_urls() -> None:
    config = venue_config_from_mode(
        mode("okx_demo_sim"), sim_rest_url="http://127.0.0.1:5", sim_ws_url="ws://127.0.0.1:5/ws/v5"
    )
    assert (config.mode, config.rest_url) == ("okx_demo_sim", "http://127.0.0.1:5")


def test_sim_mode_without_a_running_simulator_is_refused() -> None:
    with pytest.raises(ValueError, match=r"rest_url and venue\.ws_url must be set"):
        venue_config_from_mode(mode("okx_demo_sim"))


def test_offline_mode_has_no_venue_config() -> None:
    with pytest.raises(SpecError, match="must be a venue mode"):
        venue_config_from_mode(mode("offline"))


def test_simulator_charges_the_modes_fees() -> None:
    sim = sim_config_from_mode(mode("okx_demo_sim"), seed=3)
    assert sim.maker_fee_rate == Decimal("0.0002")
    assert sim.taker_fee_rate == Decimal("0.0005")


def test_live_keys_come_from_the_variables_the_mode_names() -> None:
    env = {"OKX_API_KEY": "k1", "OKX_API_SECRET": "s1", "OKX_API_PASSPHRASE": "p1"}
    creds = credentials_from_mode(mode("okx_live"), env)
    assert creds.api_key.get_secret_value() == "k1"
    assert "k1" not in repr(creds)


def test_missing_live_key_names_the_modes_variable() -> None:
    with pytest.raises(SpecError, match="OKX_API_PASSPHRASE"):
        credentials_from_mode(mode("okx_live"), {"OKX_API_KEY": "k", "OKX_API_SECRET": "s"})


def test_a_run_spec_gives_the_venue_its_runtime_timeouts_throttle_and_reconnect_limits() -> None:
    from corp.spec.check import check_container
    from corp.spec.compose import compose_config, to_container
    from corp.venues.modes import venue_config_from_spec

    overrides = [
        "mode=okx_demo_sim", "runtime.rest_timeout_ms=2500", "runtime.ws_stale_timeout_ms=12000",
        "runtime.reconnect_initial_backoff_ms=400", "runtime.reconnect_max_backoff_ms=8000",
        "runtime.max_reconnects=7", "runtime.max_orders_per_sec=6.5",
    ]  # fmt: skip
    checked = check_container(to_container(compose_config(overrides)))
    assert checked.spec is not None, checked.field_problems
    cfg = venue_config_from_spec(
        checked.spec, sim_rest_url="http://127.0.0.1:1", sim_ws_url="ws://127.0.0.1:1/ws/v5"
    )
    assert cfg.timeout_ms == 2500
    assert (cfg.throttle.rate_per_sec, cfg.throttle.burst) == (6.5, 7)
    assert cfg.feed.data_idle_timeout_ms == 12000
    assert cfg.feed.dead_peer_timeout_ms == 18000  # 1.5 x idle: stale first, dead only later
    backoff = cfg.feed.backoff
    assert (backoff.initial_ms, backoff.max_ms, backoff.max_attempts) == (400, 8000, 7)
