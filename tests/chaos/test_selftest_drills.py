"""The harness proves itself: self-test drills against real services, with real verdicts.

All self-test drills run once per module (a few seconds each); every test then checks one
promise about their verdicts or their reports.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from chaos.__main__ import main
from chaos.backends import LocalBackend
from chaos.journal import Journal, Status
from chaos.processes import live_pids
from chaos.report import load_journals, write_reports
from chaos.runner import run_drills
from tests.conftest import REQUIRE_SERVICES, require_binary

DRILLS = Path(__file__).parent / "drills"
SELFTESTS = sorted(DRILLS.glob("selftest-*.yaml"))
Outcome = tuple[dict[str, Journal], dict[str, Path]]
"""Journals by drill id, and the written report paths by kind."""


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    for binary in ("redis-server", "initdb", "postgres"):
        require_binary(binary)  # prometheus only matters to the alert drill (it skips alone)
    out = tmp_path_factory.mktemp("chaos-report")
    journals = run_drills(SELFTESTS, backend=LocalBackend(), out_dir=out)
    paths = write_reports(journals, out)
    return {j.drill_id: j for j in journals}, paths


def _ran(journal: Journal) -> Journal:
    """The journal; a skip with its reason when the drill could not run here (a failure in CI)."""
    if journal.status is Status.SKIPPED:
        message = f"{journal.drill_id} skipped: {journal.reason}"
        if REQUIRE_SERVICES:
            pytest.fail(f"{message} (CORP_REQUIRE_SERVICES=1 makes this a failure)")
        pytest.skip(message)
    return journal


def test_a_postgres_stop_under_a_retrying_writer_passes_with_no_row_lost(outcome: Outcome) -> None:
    journal = _ran(outcome[0]["selftest-pg-stop"])
    assert journal.status is Status.PASSED, journal.reason
    no_loss = next(c for c in journal.criteria if c.type == "no_loss")
    assert no_loss.reason == "all 300 sequence numbers present exactly once in rows"


def test_a_postgres_link_outage_under_a_retrying_writer_loses_no_row(outcome: Outcome) -> None:
    journal = _ran(outcome[0]["selftest-pg-link-outage"])
    assert journal.status is Status.PASSED, journal.reason
    detect = next(c for c in journal.criteria if c.type == "detect_within_s")
    assert detect.measured is not None
    assert detect.measured <= 0.5


def test_a_latency_toxic_shows_in_the_redis_ping_round_trip(outcome: Outcome) -> None:
    journal = _ran(outcome[0]["selftest-redis-latency"])
    assert journal.status is Status.PASSED, journal.reason
    slow = [s.value for s in journal.samples if isinstance(s.value, float) and s.value >= 95.0]
    fast = [s.value for s in journal.samples if isinstance(s.value, float) and s.value < 30.0]
    assert slow, "no PING round trip showed the 100 ms toxic"
    assert fast, "no PING round trip was fast before or after the toxic"


def test_a_paused_redis_is_detected_and_its_recovery_seen(outcome: Outcome) -> None:
    journal = _ran(outcome[0]["selftest-redis-pause"])
    assert journal.status is Status.PASSED, journal.reason
    assert [c.passed for c in journal.criteria] == [True, True]


def test_the_must_fail_drill_fails_naming_the_missing_rows(outcome: Outcome) -> None:
    journal = _ran(outcome[0]["selftest-must-fail"])
    assert journal.status is Status.FAILED
    assert journal.reason.startswith("criterion 0 (no_loss): rows.seq vs 1..300: ")
    assert " missing (" in journal.reason


def test_an_alert_rule_fires_in_a_real_prometheus_within_its_limit(outcome: Outcome) -> None:
    journal = _ran(outcome[0]["selftest-alert"])
    assert journal.status is Status.PASSED, journal.reason
    alert = next(c for c in journal.criteria if c.type == "alert_fired_within_s")
    assert alert.measured is not None
    assert 0.0 < alert.measured <= 6.0


def test_rollbacks_ran_for_every_drill_that_reached_its_method(outcome: Outcome) -> None:
    for journal in outcome[0].values():
        if journal.status is Status.SKIPPED:
            continue
        assert any(e.kind == "rollback" for e in journal.events), journal.drill_id


def test_no_service_process_outlives_the_drills(outcome: Outcome) -> None:
    assert live_pids() == []


def test_the_junit_report_parses_and_counts_the_failure(outcome: Outcome) -> None:
    _ran(outcome[0]["selftest-must-fail"])
    suite = ET.parse(outcome[1]["junit"]).getroot().find("testsuite")
    assert suite is not None
    assert int(suite.get("tests", "0")) == len(SELFTESTS)
    failed = [c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None]
    assert "selftest-must-fail" in failed


def test_the_json_report_round_trips_into_journals(outcome: Outcome) -> None:
    journals = load_journals(outcome[1]["json"])
    assert {j.drill_id for j in journals} == set(outcome[0])
    assert json.loads(outcome[1]["json"].read_text())[0]["status"] in {s.value for s in Status}


def test_the_markdown_report_follows_the_drill_template_and_embeds_plots(outcome: Outcome) -> None:
    _ran(outcome[0]["selftest-pg-stop"])
    text = outcome[1]["markdown"].read_text()
    for heading in ("### Injection (注入方式)", "### Observed (观测指标)", "### Result (验收结果)"):
        assert heading in text
    assert "![timeline of selftest-pg-stop](selftest-pg-stop.png)" in text
    png = outcome[1]["plot:selftest-pg-stop"]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_report_command_rewrites_the_reports_from_report_json(
    outcome: Outcome, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = outcome[1]["json"].parent
    outcome[1]["junit"].unlink()
    assert main(["report", "--out", str(out_dir)]) == 0
    assert ET.parse(outcome[1]["junit"]).getroot().tag == "testsuites"
    assert "selftest-pg-stop" in capsys.readouterr().out


def test_the_list_command_shows_every_self_test_drill(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--dir", str(DRILLS)]) == 0
    shown = capsys.readouterr().out
    assert all(path.stem in shown for path in SELFTESTS)
