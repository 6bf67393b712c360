"""The runner's verdicts other than pass: aborted (gate, guard, deadline) and fail (wait_until).

Each drill here runs against a real Redis from the local backend; rollbacks must run every time.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chaos.backends import LocalBackend
from chaos.drill import parse_drill
from chaos.journal import EventKind, Journal, Status
from chaos.runner import run_drill
from tests.conftest import require_binary

HEAD = """
id: verdicts
title: runner verdict self-test
implements: harness self-test
topology:
  services: [redis]
  processes:
    - name: short-lived
      argv: ["{python}", "-c", "import time; time.sleep(0.4)"]
observe:
  interval_s: 0.05
  probes:
    - {name: size, probe: {type: redis, service: redis, op: dbsize}}
rollbacks:
  - {action: wait, duration_s: 0, label: cleanup}
criteria:
  - {type: max, probe: size, max: 0}
"""


def _run(tmp_path: Path, body: str) -> Journal:
    require_binary("redis-server")
    drill = parse_drill(HEAD + body)
    return run_drill(
        tmp_path / "verdicts.yaml", backend=LocalBackend(), out_dir=tmp_path, drill=drill
    )


def _rolled_back(journal: Journal) -> bool:
    return any(e.kind is EventKind.ROLLBACK and e.name == "cleanup" for e in journal.events)


def test_a_steady_state_that_never_holds_aborts_before_any_injection(tmp_path: Path) -> None:
    journal = _run(tmp_path, """
steady_state_within_s: 0.3
steady_state:
  - name: has-data
    probe: {type: redis, service: redis, op: dbsize}
    tolerance: {type: equals, value: 5}
method:
  - {action: wait, duration_s: 0, label: never}
""")  # fmt: skip
    assert journal.status is Status.ABORTED
    assert journal.reason == (
        "steady state did not hold before injection: has-data: expected == 5.0, got 0.0"
    )
    assert "never" not in journal.step_end_s
    assert _rolled_back(journal)


def test_a_broken_guard_aborts_the_method_and_says_which(tmp_path: Path) -> None:
    journal = _run(tmp_path, """
abort:
  guards:
    - name: workload-alive
      probe: {type: process, process: short-lived}
      tolerance: {type: equals, value: 1}
method:
  - {action: wait, duration_s: 10, label: long-wait}
""")  # fmt: skip
    assert journal.status is Status.ABORTED
    assert journal.reason == "guard 'workload-alive' broke: expected == 1.0, got 0.0"
    assert journal.duration_s < 5.0
    assert _rolled_back(journal)


def test_the_deadline_aborts_a_long_wait_promptly(tmp_path: Path) -> None:
    journal = _run(tmp_path, """
abort:
  deadline_s: 0.5
method:
  - {action: wait, duration_s: 10, label: long-wait}
""")  # fmt: skip
    assert journal.status is Status.ABORTED
    assert journal.reason == "deadline of 0.5 s passed"
    assert journal.duration_s < 5.0
    assert _rolled_back(journal)


def test_a_wait_until_that_times_out_fails_the_drill_with_the_last_reading(
    tmp_path: Path,
) -> None:
    journal = _run(tmp_path, """
method:
  - action: wait_until
    label: never-filled
    probe: {type: redis, service: redis, op: dbsize}
    tolerance: {type: range, min: 1}
    timeout_s: 0.3
""")  # fmt: skip
    assert journal.status is Status.FAILED
    assert journal.reason == "wait_until never-filled: expected in [1, +inf] within 0.3 s, last 0.0"
    assert _rolled_back(journal)


def test_criteria_are_still_judged_and_recorded_after_an_abort(tmp_path: Path) -> None:
    journal = _run(tmp_path, """
abort:
  deadline_s: 0.5
method:
  - {action: wait, duration_s: 10}
""")  # fmt: skip
    assert [c.type for c in journal.criteria] == ["max"]
    assert journal.criteria[0].passed


@pytest.mark.parametrize("fault", ["pause", "kill"])
def test_process_faults_reach_a_workload_process(tmp_path: Path, fault: str) -> None:
    journal = _run(tmp_path, f"""
method:
  - {{action: process_fault, target: short-lived, fault: {fault}, label: hit}}
  - {{action: process_fault, target: short-lived, fault: resume}}
""")  # fmt: skip
    assert journal.status is Status.PASSED, journal.reason
    assert "hit" in journal.step_end_s
