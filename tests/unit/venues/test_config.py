"""Venue config and credentials: keys only from the environment, redacted everywhere."""

from __future__ import annotations

import pytest

from corp.errors import SpecError
from corp.venues.config import OkxCredentials, VenueConfig
from corp.venues.okx import OkxVenue

ENV = {"CORP_OKX_API_KEY": "key-123", "CORP_OKX_SECRET": "sec-456", "CORP_OKX_PASSPHRASE": "pp-789"}


def test_credentials_never_appear_in_repr_str_or_json() -> None:
    creds = OkxCredentials.from_env(ENV)
    rendered = repr(creds) + str(creds) + creds.model_dump_json() + str(creds.model_dump())
    for secret in ENV.values():
        assert secret not in rendered


def test_missing_key_for_live_names_the_environment_variable() -> None:
    env = dict(ENV)
    del env["CORP_OKX_SECRET"]
    with pytest.raises(SpecError, match="CORP_OKX_SECRET"):
        OkxCredentials.from_env(env, mode="okx_live")


def test_simulator_mode_accepts_an_empty_environment() -> None:
    creds = OkxCredentials.from_env({}, mode="okx_demo_sim")
    assert creds.api_key.get_secret_value()


def test_simulator_mode_requires_both_urls() -> None:
    with pytest.raises(ValueError, match="ws_url must be set for mode=okx_demo_sim"):
        VenueConfig(mode="okx_demo_sim", rest_url="http://127.0.0.1:1")


def test_config_has_no_field_for_keys() -> None:
    with pytest.raises(ValueError, match="api_key"):
        VenueConfig(mode="okx_live", api_key="x")  # type: ignore[call-arg]


def test_venue_repr_hides_the_ccxt_client_and_its_keys() -> None:
    config = VenueConfig(mode="okx_live")
    venue = OkxVenue(config, OkxCredentials.from_env(ENV))
    assert "key-123" not in repr(venue)
    assert "sec-456" not in repr(venue)


def test_demo_modes_send_the_simulated_trading_header_and_live_does_not() -> None:
    creds = OkxCredentials.from_env(ENV)
    sim = OkxVenue(
        VenueConfig(
            mode="okx_demo_sim", rest_url="http://127.0.0.1:9", ws_url="ws://127.0.0.1:9/ws/v5"
        ),
        creds,
    )
    demo = OkxVenue(VenueConfig(mode="okx_demo_api"), creds)
    live = OkxVenue(VenueConfig(mode="okx_live"), creds)
    assert sim.exchange.headers.get("x-simulated-trading") == "1"
    assert demo.exchange.headers.get("x-simulated-trading") == "1"
    assert "x-simulated-trading" not in (live.exchange.headers or {})
    assert sim.exchange.urls["api"]["rest"] == "http://127.0.0.1:9"
