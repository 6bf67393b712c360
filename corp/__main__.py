"""``python -m corp``: a thin Hydra adapter — compose, then ``corp.app.execute``, then print.

Exit codes: 0 valid (and the task ran), 2 invalid config or denied policy (one line per problem,
on stderr). Hydra's own errors (unknown group option, typo'd key in struct mode) are printed by
Hydra unchanged; when they stop the run before our task starts, the exit code is 2 as well. A
config file that is not valid YAML is reported as ``path: line L, column C: problem`` before
Hydra composes (``corp.spec.config_files``).
In a multirun (``-m``) the preflight sweeper (``hydra/sweeper: corp_preflight``) validates every
point before any job starts; inside a job, problems are raised (never ``sys.exit``) so Hydra
reports the job and the sweep continues.
"""

from __future__ import annotations

import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from corp.app import Outcome, execute
from corp.errors import DataError, PolicyDenied, SpecError
from corp.spec.compose import to_container
from corp.spec.config_files import config_dirs, yaml_problems
from corp.spec.preflight import jobs_started, mark_jobs_started


@hydra.main(config_path="../conf", config_name="config", version_base="1.3")
def main(cfg: DictConfig) -> Outcome:
    mark_jobs_started()
    hc = HydraConfig.get()
    try:
        outcome = execute(to_container(cfg), list(hc.overrides.task))
    except (SpecError, PolicyDenied) as exc:
        if hc.mode == RunMode.MULTIRUN:
            raise
        if isinstance(exc, DataError):
            header = "invalid input data"
        else:
            header = "invalid config" if isinstance(exc, SpecError) else "policy denied"
        problems = getattr(exc, "problems", None) or str(exc).splitlines()
        noun = "problem" if len(problems) == 1 else "problems"
        sys.stderr.write(f"corp: {header} ({len(problems)} {noun})\n")
        sys.stderr.write("".join(f"{p}\n" for p in problems))
        sys.stderr.flush()
        raise SystemExit(2) from None
    sys.stdout.write("".join(f"{line}\n" for line in outcome.lines()))
    sys.stdout.flush()
    return outcome


_CONF_DIR = Path(__file__).resolve().parent.parent / "conf"


def run() -> None:
    """Entry point: Hydra's composition failures (exit 1, before our task) become exit 2.

    Config files with broken YAML are reported first, one line each, instead of Hydra's traceback.
    """
    problems = yaml_problems(config_dirs(_CONF_DIR, sys.argv[1:]))
    if problems:
        noun = "problem" if len(problems) == 1 else "problems"
        sys.stderr.write(f"corp: invalid config ({len(problems)} {noun})\n")
        sys.stderr.write("".join(f"{p}\n" for p in problems))
        raise SystemExit(2)
    try:
        main()
    except SystemExit as exc:
        if exc.code == 1 and not jobs_started():
            raise SystemExit(2) from None
        raise


if __name__ == "__main__":
    run()
