"""Run ``python -m corp.venues.okx_sim`` as a child process (benchmarks, drills, the CLI's test).

Usage::

    with standalone_sim("--seed", "1", "--step-ms", "0") as sim:
        requests.get(f"{sim.rest_url}/api/v5/public/instruments")
    assert sim.returncode == 0   # stopped with SIGTERM (or ``stop_signal``) and exited cleanly

The child binds port 0 and announces its URLs on its first stdout line; a child that does not
announce within ``start_timeout_secs`` is killed and reported with its stderr.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from corp.errors import VenueError

__all__ = ["StandaloneSim", "standalone_sim"]


@dataclass
class StandaloneSim:
    """A simulator child process and the URLs it announced."""

    proc: subprocess.Popen[str]
    rest_url: str
    ws_url: str
    admin_url: str
    returncode: int | None = None
    stderr: str = ""


def _parse_banner(line: str) -> dict[str, str]:
    fields = dict(part.split("=", 1) for part in line.split() if "=" in part)
    if not line.startswith("okx_sim listening") or not {"rest", "ws", "admin"} <= set(fields):
        raise VenueError(
            f"okx_sim banner must be 'okx_sim listening rest=.. ws=.. admin=..', was {line!r}"
        )
    return fields


@contextlib.contextmanager
def standalone_sim(
    *args: str,
    stop_signal: signal.Signals = signal.SIGTERM,
    start_timeout_secs: float = 30.0,
    stop_timeout_secs: float = 10.0,
) -> Iterator[StandaloneSim]:
    """Start the simulator on a free loopback port with ``args``; stop it with ``stop_signal``."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "corp.venues.okx_sim", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    banner: list[str] = []
    stdout = proc.stdout
    assert stdout is not None  # stdout=PIPE
    reader = threading.Thread(target=lambda: banner.append(stdout.readline()), daemon=True)
    reader.start()
    reader.join(start_timeout_secs)
    try:
        if not banner or not banner[0]:
            proc.kill()
            _, err = proc.communicate(timeout=stop_timeout_secs)
            raise VenueError(
                f"okx_sim must announce its URLs within {start_timeout_secs} s, "
                f"was silent (exit={proc.returncode}) stderr={err[-2000:]!r}"
            )
        urls = _parse_banner(banner[0].strip())
        sim = StandaloneSim(proc, urls["rest"], urls["ws"], urls["admin"])
        yield sim
    finally:
        if proc.poll() is None:
            proc.send_signal(stop_signal)
        try:
            _, err = proc.communicate(timeout=stop_timeout_secs)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
    sim.returncode, sim.stderr = proc.returncode, err
