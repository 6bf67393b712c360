"""``python -m corp.venues.okx_sim`` runs as its own process, answers on loopback, stops cleanly."""

from __future__ import annotations

import json
import signal
import urllib.request

import pytest

from corp.venues.okx_sim.process import standalone_sim


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as answer:
        return json.load(answer)


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_standalone_simulator_serves_and_exits_cleanly_on_signal(
    stop_signal: signal.Signals,
) -> None:
    with standalone_sim("--seed", "1", stop_signal=stop_signal) as sim:  # background flow on
        instruments = get_json(f"{sim.rest_url}/api/v5/public/instruments?instType=SWAP")
        ticker = get_json(f"{sim.rest_url}/api/v5/market/ticker?instId=BTC-USDT")
        state = get_json(f"{sim.admin_url}/state")
    assert [row["instId"] for row in instruments["data"]] == ["BTC-USDT-SWAP"]
    assert float(ticker["data"][0]["bidPx"]) < float(ticker["data"][0]["askPx"])
    assert state["problems"] == []
    assert (sim.returncode, sim.stderr) == (0, "")  # no traceback on the way out
