"""Drill files: valid ones load; every problem in a bad one names the field and the line."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest

from chaos.__main__ import main
from chaos.drill import DrillFileError, load_drill, parse_drill

DRILLS = Path(__file__).parent / "drills"
RUNBOOK_DRILLS = Path(__file__).resolve().parents[2] / "runbooks" / "drills"

GOOD = """\
id: good
title: a valid drill
implements: seed-004 §11.3
topology:
  services: [redis]
  links:
    - {name: cache, service: redis}
observe:
  probes:
    - name: ping
      probe: {type: redis, link: cache, op: ping_ms}
method:
  - action: toxic
    link: cache
    toxic: latency
    attributes: {latency: 50}
    label: slow
  - action: wait
    duration_s: 0.5
criteria:
  - type: detect_within_s
    probe: ping
    tolerance: {type: range, min: 40}
    after: slow
    within_s: 1
"""


def _problems(text: str) -> list[str]:
    with pytest.raises(DrillFileError) as info:
        parse_drill(text)
    return info.value.problems


def test_a_valid_drill_parses_into_typed_steps() -> None:
    drill = parse_drill(GOOD)
    assert drill.method[0].action == "toxic"
    assert drill.step_labels() == ["slow", "wait-1"]


def test_a_misspelt_field_is_named_with_its_line() -> None:
    problems = _problems(GOOD.replace("    duration_s: 0.5", "    duraton_s: 0.5"))
    assert "method[1].duraton_s (line 19): Extra inputs are not permitted (got 0.5)" in problems
    assert "method[1].duration_s (line 18): Field required" in problems


def test_an_unknown_toxic_attribute_points_at_the_attributes_line() -> None:
    problems = _problems(GOOD.replace("{latency: 50}", "{latency: 50, jiter: 5}"))
    assert problems == [
        "method[0].attributes (line 16): toxic 'latency' takes attributes jitter, latency; "
        "got unknown jiter"
    ]


def test_an_unknown_step_action_lists_the_allowed_ones() -> None:
    problems = _problems(GOOD.replace("action: wait", "action: sleep"))
    assert len(problems) == 1
    assert problems[0].startswith("method[1].action (line 18):")
    assert "'wait_until'" in problems[0]


def test_a_reference_to_an_unknown_link_is_named_with_its_line() -> None:
    problems = _problems(GOOD.replace("    link: cache\n", "    link: cahce\n"))
    assert problems == ["method[0].link (line 14): unknown link 'cahce'; known: ['cache']"]


def test_a_criterion_after_an_unknown_step_label_is_rejected() -> None:
    problems = _problems(GOOD.replace("after: slow", "after: slower"))
    assert problems == [
        "criteria[0].after (line 24): unknown step label 'slower'; known: ['slow', 'wait-1']"
    ]


def test_a_range_with_min_above_max_is_rejected() -> None:
    problems = _problems(GOOD.replace("{type: range, min: 40}", "{type: range, min: 40, max: 1}"))
    assert problems == ["criteria[0].tolerance (line 23): min must be <= max, got min=40.0 max=1.0"]


def test_a_yaml_syntax_error_names_the_line() -> None:
    problems = _problems(GOOD.replace("  services: [redis]", "  services: [redis"))
    assert problems[0].startswith("<yaml> (line ")


def test_the_drill_id_must_match_its_file_name(tmp_path: Path) -> None:
    path = tmp_path / "other.yaml"
    path.write_text(GOOD)
    with pytest.raises(DrillFileError, match=r"id \(line 1\): must equal the file name 'other'"):
        load_drill(path)


def test_drills_are_frozen() -> None:
    drill = parse_drill(GOOD)
    with pytest.raises(pydantic.ValidationError):
        drill.title = "changed"  # type: ignore[misc]


@pytest.mark.parametrize(
    "path",
    sorted(DRILLS.glob("*.yaml")) + sorted(RUNBOOK_DRILLS.glob("*.yaml")),
    ids=lambda p: p.stem,
)
def test_every_shipped_drill_file_is_valid(path: Path) -> None:
    assert load_drill(path).id == path.stem


def test_cli_run_on_a_drill_with_a_typo_names_field_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "good.yaml"
    path.write_text(GOOD.replace("    duration_s: 0.5", "    duraton_s: 0.5"))
    code = main(["run", str(path), "--out", str(tmp_path / "out"), "--quiet"])
    out = capsys.readouterr().out
    assert code == 2
    assert "method[1].duraton_s (line 19): Extra inputs are not permitted" in out
    assert not (tmp_path / "out").exists()


def test_cli_run_of_an_unknown_drill_id_lists_the_known_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "good.yaml").write_text(GOOD)
    code = main(["run", "goood", "--dir", str(tmp_path), "--quiet"])
    assert code == 2
    assert "no drill 'goood'" in capsys.readouterr().out
