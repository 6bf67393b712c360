"""Which config directories the CLI checks for YAML errors, and what it says about them."""

from __future__ import annotations

from pathlib import Path

from corp.spec.config_files import config_dirs, yaml_problems

REPO_CONF = Path(__file__).resolve().parents[3] / "conf"


def test_every_shipped_config_file_is_valid_yaml() -> None:
    assert yaml_problems([REPO_CONF]) == []


def test_config_dir_flags_and_file_searchpaths_are_checked_pkg_ones_are_not(tmp_path: Path) -> None:
    a, b, c = (tmp_path / n for n in "abc")
    for d in (a, b, c):
        d.mkdir()
    argv = [
        "--config-dir",
        str(a),
        f"--config-dir={b}",
        f"hydra.searchpath=[file://{c},pkg://corp.conf]",
        "strategy.gamma=0.1",
    ]
    assert config_dirs(REPO_CONF, argv) == [REPO_CONF, a, b, c]


def test_a_searchpath_override_hydra_cannot_parse_is_left_to_hydra(tmp_path: Path) -> None:
    assert config_dirs(REPO_CONF, ["hydra.searchpath=[file://x,"]) == [REPO_CONF]


def test_a_tab_indented_file_is_named_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "risk").mkdir()
    (tmp_path / "risk" / "tabs.yaml").write_text("risk:\n\tdaily_loss_limit_pct: 2\n")
    (problem,) = yaml_problems([tmp_path])
    path = (tmp_path / "risk" / "tabs.yaml").resolve()
    assert problem == f"{path}: line 2, column 1: found character '\\t' that cannot start any token"
