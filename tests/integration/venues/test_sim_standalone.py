"""``python -m corp.venues.okx_sim`` runs as its own process and answers on loopback."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request


def test_standalone_simulator_serves_instruments_and_admin_state() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "corp.venues.okx_sim",
            "--port",
            "0",
            "--seed",
            "3",
            "--step-ms",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("okx_sim listening"), line + proc.stderr.read()
        rest = line.split("rest=")[1].split()[0]
        with urllib.request.urlopen(
            f"{rest}/api/v5/public/instruments?instType=SWAP", timeout=5
        ) as r:
            instruments = json.load(r)
        with urllib.request.urlopen(f"{rest}/admin/state", timeout=5) as r:
            state = json.load(r)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()
    assert instruments["code"] == "0"
    assert [row["instId"] for row in instruments["data"]] == ["BTC-USDT-SWAP"]
    assert state["problems"] == []
    assert proc.returncode == 0
