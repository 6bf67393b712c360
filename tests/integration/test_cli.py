"""`python -m corp` as a user runs it: exit codes, messages, sweep preflight (subprocesses)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def corp(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI in ``tmp_path`` (Hydra writes its outputs/ there)."""
    return subprocess.run(
        [sys.executable, "-m", "corp", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_default_run_backtests_offline_and_writes_a_manifest_as_make_run_does(
    tmp_path: Path,
) -> None:
    results = tmp_path / "results"
    out = corp(tmp_path, f"task.results_dir={results}", "market.duration_secs=120")
    assert out.returncode == 0, out.stderr
    assert "\npack default 2026-01-01.0 sha256=" in out.stdout
    assert "events, PnL" in out.stdout
    (run_dir,) = results.iterdir()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    listed = {f["name"] for f in manifest["files"]}
    assert {"spec.json", "summary.json"} <= listed


def test_production_pack_validates_and_prints_its_identity(tmp_path: Path) -> None:
    out = corp(tmp_path, "+profile=production", "task=validate")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("pack production 2026-02-09.1 sha256=")
    assert len(lines[0].split("sha256=")[1]) == 64
    assert lines[1].startswith("policy: ok (stage production")


def test_gamma_above_its_bound_exits_2_naming_the_rule_and_numbers(tmp_path: Path) -> None:
    out = corp(tmp_path, "+profile=production", "strategy.gamma=5")
    assert out.returncode == 2
    assert (
        "ERROR   strategy.gamma: 5 > eta*S/(Q*sigma^2*tau) = 0.005*50000/(10*3.40207^2*1) = 2.16 "
        "(rule as.gamma_bound)"
    ) in out.stderr.splitlines()


def test_several_bad_values_are_all_reported_in_one_run(tmp_path: Path) -> None:
    out = corp(tmp_path, "strategy.gamma=-1", "pack.version=v2", "risk.daily_loss_limit_pct=3")
    assert out.returncode == 2
    problems = out.stderr.splitlines()[1:]
    assert len(problems) == 3
    assert "strategy.gamma: Input should be greater than 0 (got -1)" in problems


def test_hydra_struct_error_for_a_typo_reaches_the_user_unchanged(tmp_path: Path) -> None:
    out = corp(tmp_path, "strategy.gama=0.1")
    assert out.returncode == 2
    assert "Key 'gama' is not in struct" in out.stderr
    assert "full_key: strategy.gama" in out.stderr


def test_sweep_with_an_invalid_point_starts_no_job(tmp_path: Path) -> None:
    out = corp(tmp_path, "-m", "+profile=production", "strategy.gamma=0.1,5")
    assert out.returncode == 2
    assert "sweep preflight: 1 of 2 points invalid; no job was started" in out.stderr
    assert "point #1 [+profile=production strategy.gamma=5]" in out.stderr
    assert not (tmp_path / "outputs").exists()


def test_valid_sweep_runs_every_point_and_ends_with_a_ranking(tmp_path: Path) -> None:
    out = corp(
        tmp_path,
        "-m",
        "strategy.gamma=0.1,0.2",
        f"task.results_dir={tmp_path / 'results'}",
        "market.duration_secs=60",
    )
    assert out.returncode == 0, out.stderr
    runs = (tmp_path / "outputs" / "multirun").glob("*/*/*")
    subdirs = sorted(p.name for p in runs if p.is_dir())
    assert len(subdirs) == 2
    assert subdirs == [
        "0_market.duration_secs=60,strategy.gamma=0.1",
        "1_market.duration_secs=60,strategy.gamma=0.2",
    ]
    assert "sweep ranking (2 points, best first)" in out.stdout
    (ranking,) = (tmp_path / "outputs" / "multirun").glob("*/*/ranking.json")
    rows = json.loads(ranking.read_text())
    assert [r["rank"] for r in rows] == [1, 2]
    assert sorted(r["job"] for r in rows) == [0, 1]


def test_a_missing_event_file_exits_2_with_one_line_naming_the_field(tmp_path: Path) -> None:
    missing = tmp_path / "missing.npy"
    out = corp(tmp_path, "task=calibrate", f"task.events_path={missing}")
    assert out.returncode == 2
    lines = out.stderr.splitlines()
    assert lines[0] == "corp: invalid input data (1 problem)"
    assert lines[1].startswith(f"task.events_path: cannot read '{missing}'")
    assert len(lines) == 2


def test_a_profile_with_broken_yaml_exits_2_with_file_line_and_column_not_a_traceback(
    tmp_path: Path,
) -> None:
    extra = tmp_path / "extra" / "profile"
    extra.mkdir(parents=True)
    (extra / "bad.yaml").write_text(
        "pack:\n  name: bad\n  version: [1, 2\nstrategy:\n  gamma: 0.1\n"
    )
    (extra / "dup.yaml").write_text("pack:\n  name: a\n  name: b\n")
    out = corp(tmp_path, f"hydra.searchpath=[file://{tmp_path / 'extra'}]", "+profile=bad")
    assert out.returncode == 2
    assert out.stderr.splitlines() == [
        "corp: invalid config (2 problems)",
        "extra/profile/bad.yaml: line 4, column 9: expected ',' or ']', but got ':' "
        "(while parsing a flow sequence at line 3, column 12)",
        "extra/profile/dup.yaml: line 3, column 3: found duplicate key name "
        "(while constructing a mapping at line 2, column 3)",
    ]
    assert not (tmp_path / "outputs").exists()


def test_a_research_run_records_the_policy_warnings_it_ran_under_in_its_results(
    tmp_path: Path,
) -> None:
    results = tmp_path / "results"
    out = corp(
        tmp_path, "strategy.gamma=5", "market.duration_secs=60", f"task.results_dir={results}"
    )
    assert out.returncode == 0, out.stderr
    (run_dir,) = results.iterdir()
    policy = json.loads((run_dir / "policy.json").read_text())
    assert policy["stage"] == "research"
    assert policy["overrides"][0] == "strategy.gamma=5"
    (warning,) = policy["warnings"]
    assert (warning["rule"], warning["path"], warning["enforced"]) == (
        "as.gamma_bound",
        "strategy.gamma",
        False,
    )
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert "policy.json" in {f["name"] for f in manifest["files"]}


def test_a_halted_run_under_the_manual_gate_stays_halted_and_says_it_waits_for_a_person(
    tmp_path: Path,
) -> None:
    """risk=strict has the seed 3.3 manual gate; a crash through a small account halts it and,
    offline, nobody confirms: the rest of the run is HALTED, where without the gate it recovers."""
    common = (
        "market=flash_crash",
        "risk.capital_quote=2000",
        "risk.position_concentration_limit=0.9",
    )
    gated = corp(tmp_path, "risk=strict", *common, f"task.results_dir={tmp_path / 'g'}")
    assert gated.returncode == 0, gated.stderr
    assert "breaker halted, awaiting manual confirmation" in gated.stdout
    (run_dir,) = (tmp_path / "g").iterdir()
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["breaker_final_state"] == "halted"
    assert summary["awaiting_manual_resume"] is True
    ungated = corp(
        tmp_path, "risk=strict", "risk.manual_confirmation_from_halted=false", *common,
        f"task.results_dir={tmp_path / 'u'}",
    )  # fmt: skip
    assert ungated.returncode == 0, ungated.stderr
    (run_dir,) = (tmp_path / "u").iterdir()
    summary_u = json.loads((run_dir / "summary.json").read_text())
    assert summary_u["time_in_state_secs"]["halted"] < summary["time_in_state_secs"]["halted"]
    assert summary_u["awaiting_manual_resume"] is False
