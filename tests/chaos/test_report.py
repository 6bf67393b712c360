"""Report formats from journals: JUnit outcome per verdict, Markdown without samples."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from chaos.journal import Journal, Status
from chaos.report import write_reports


def _journal(drill_id: str, status: Status, reason: str) -> Journal:
    return Journal(
        drill_id=drill_id, title=drill_id, implements="seed-004 §22", drill_file=f"{drill_id}.yaml",
        backend="local", status=status, reason=reason, started_at_ns=1_700_000_000_000_000_000,
        duration_s=1.0,
    )  # fmt: skip


def _cases(tmp_path: Path) -> dict[str, ET.Element]:
    journals = [
        _journal("passes", Status.PASSED, "all 1 criteria met"),
        _journal("aborts", Status.ABORTED, "deadline of 1 s passed"),
        _journal("errors", Status.ERROR, "ChaosError: toxiproxy unreachable"),
        _journal("skips", Status.SKIPPED, "local backend: binaries not found on PATH: prometheus"),
    ]
    paths = write_reports(journals, tmp_path)
    root = ET.parse(paths["junit"]).getroot()
    return {case.get("name", ""): case for case in root.iter("testcase")}


def test_junit_marks_an_aborted_drill_as_a_failure_typed_aborted(tmp_path: Path) -> None:
    failure = _cases(tmp_path)["aborts"].find("failure")
    assert failure is not None
    assert failure.get("type") == "aborted"
    assert failure.get("message") == "deadline of 1 s passed"


def test_junit_reports_errors_skips_and_passes_distinctly(tmp_path: Path) -> None:
    cases = _cases(tmp_path)
    assert cases["errors"].find("error") is not None
    skipped = cases["skips"].find("skipped")
    assert skipped is not None
    assert "prometheus" in skipped.get("message", "")
    assert [child.tag for child in cases["passes"]] == ["system-out"]


def test_markdown_without_samples_has_no_plot_link(tmp_path: Path) -> None:
    write_reports([_journal("passes", Status.PASSED, "all 1 criteria met")], tmp_path)
    text = (tmp_path / "report.md").read_text()
    assert "| passes | local | **pass** |" in text
    assert "![timeline" not in text
    assert not list(tmp_path.glob("*.png"))
