"""``python -m chaos list | run <ids or files...> | report``.

Exit codes: 0 every drill passed or was skipped, 1 a drill failed, aborted or errored, 2 bad input
(an invalid drill file: each problem names the field and the line)::

    python -m chaos run runbooks/drills/redis-outage.yaml --backend local --out results/chaos
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from chaos.backends import BACKEND_ENV, BackendName, select_backend
from chaos.drill import DrillFileError, load_drill
from chaos.journal import Event, EventKind, Sample, Status
from chaos.report import load_journals, summary_rows, write_reports
from chaos.runner import DRILLS_DIR, resolve_drill_paths, run_drills
from corp.errors import ChaosError

__all__ = ["main"]

_COLOURS = {
    "pass": "green",
    "fail": "red",
    "aborted": "yellow",
    "error": "magenta",
    "skipped": "cyan",
}


def _console_observer(console: Console):
    def observe(record: Event | Sample) -> None:
        if isinstance(record, Sample) or record.kind is EventKind.NOTE:
            return
        mark = {True: "[green]ok[/]", False: "[red]FAILED[/]", None: ""}[record.ok]
        console.print(
            f"[dim]{record.t_s:7.2f}s[/] {record.kind.value:9} {record.name} {mark} "
            f"[dim]{record.detail}[/]",
            highlight=False,
        )

    return observe


def _table(rows: Sequence[tuple[str, str, str, str, str]], title: str) -> Table:
    table = Table(title=title)
    table.add_column("drill", no_wrap=True)
    for column in ("backend", "verdict", "seconds", "reason"):
        table.add_column(column, overflow="fold")
    for drill_id, backend, verdict, secs, reason in rows:
        colour = _COLOURS.get(verdict, "white")
        table.add_row(drill_id, backend, f"[{colour}]{verdict}[/]", secs, reason)
    return table


def cmd_list(args: argparse.Namespace, console: Console) -> int:
    table = Table(title=f"drills in {args.dir}")
    table.add_column("id", no_wrap=True)
    for column in ("title", "implements", "services", "links"):
        table.add_column(column, overflow="fold")
    bad = 0
    for path in sorted(Path(args.dir).glob("*.yaml")):
        try:
            drill = load_drill(path)
        except DrillFileError as exc:
            bad += 1
            table.add_row(path.stem, f"[red]invalid[/]: {'; '.join(exc.problems)}", "", "", "")
            continue
        links = ", ".join(f"{k.name}->{k.service}" for k in drill.topology.links)
        table.add_row(
            drill.id, drill.title, drill.implements, ", ".join(drill.topology.services), links
        )
    if not table.rows:
        console.print(f"no drill files (*.yaml) in {args.dir}")
        return 0
    console.print(table)
    return 2 if bad else 0


def cmd_run(args: argparse.Namespace, console: Console) -> int:
    paths = resolve_drill_paths(args.drills, Path(args.dir))
    backend = select_backend(args.backend)
    observers = [] if args.quiet else [_console_observer(console)]
    journals = run_drills(paths, backend=backend, out_dir=Path(args.out), observers=observers)
    written = write_reports(journals, Path(args.out))
    console.print(_table(summary_rows(journals), f"chaos drills on backend {backend.name}"))
    console.print(f"reports: {', '.join(str(p) for k, p in written.items() if ':' not in k)}")
    ok = {Status.PASSED, Status.SKIPPED}
    return 0 if all(j.status in ok for j in journals) else 1


def cmd_report(args: argparse.Namespace, console: Console) -> int:
    source = Path(args.out) / "report.json"
    if not source.is_file():
        raise ChaosError(f"no {source}: run `python -m chaos run ... --out {args.out}` first")
    journals = load_journals(source)
    write_reports(journals, Path(args.out))
    console.print(_table(summary_rows(journals), f"chaos drills ({source})"))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("list", "run", "report"):
        p = sub.add_parser(name)
        p.add_argument("--dir", default=str(DRILLS_DIR), help="drill directory (ids resolve here)")
        p.add_argument("--out", default="results/chaos", help="report directory")
        if name == "run":
            p.add_argument("drills", nargs="+", help="drill ids or YAML files")
            p.add_argument(
                "--backend",
                choices=[b.value for b in BackendName],
                default=None,
                help=f"service backend (default: ${BACKEND_ENV} or auto)",
            )
            p.add_argument("--quiet", action="store_true", help="no live timeline")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console = Console(stderr=False, soft_wrap=True)
    commands = {"list": cmd_list, "run": cmd_run, "report": cmd_report}
    try:
        return commands[args.command](args, console)
    except DrillFileError as exc:
        console.print("[red]invalid drill file[/]")
        console.print(str(exc), highlight=False, markup=False)
        return 2
    except ChaosError as exc:
        console.print(f"error: {exc}", highlight=False, markup=False)
        return 2


if __name__ == "__main__":
    sys.exit(main())
