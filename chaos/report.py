"""Drill reports: JSON (the journals), JUnit XML (for CI), Markdown with a timeline plot per drill.

The Markdown follows the drill acceptance template of seed-004 §22 (date, drill, environment,
injection, observed trigger/recovery times, rollbacks, result, failed items, follow-up)::

    paths = write_reports(journals, Path("results/chaos"))
    paths["junit"]  # results/chaos/junit.xml
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from pydantic import TypeAdapter

from chaos.journal import EventKind, Journal, Status

__all__ = ["load_journals", "plot_timeline", "summary_rows", "write_reports"]

_JOURNALS = TypeAdapter(list[Journal])


def load_journals(path: Path) -> list[Journal]:
    """Read a ``report.json`` written by :func:`write_reports`."""
    return _JOURNALS.validate_json(path.read_bytes())


def _junit(journals: Sequence[Journal]) -> ET.ElementTree:
    counts = {s: sum(j.status is s for j in journals) for s in Status}
    suite = ET.Element(
        "testsuite",
        name="chaos-drills",
        tests=str(len(journals)),
        failures=str(counts[Status.FAILED] + counts[Status.ABORTED]),
        errors=str(counts[Status.ERROR]),
        skipped=str(counts[Status.SKIPPED]),
        time=f"{sum(j.duration_s for j in journals):.3f}",
    )
    for j in journals:
        case = ET.SubElement(
            suite, "testcase", classname=f"chaos.{j.backend}", name=j.drill_id,
            time=f"{j.duration_s:.3f}", file=j.drill_file,
        )  # fmt: skip
        body = "\n".join(f"[{c.type}] {'PASS' if c.passed else 'FAIL'}: {c.reason}"
                         for c in j.criteria)  # fmt: skip
        # JUnit has no "aborted": it is a failure (typed "aborted"); a pass has no child element
        outcome = {
            Status.FAILED: "failure",
            Status.ABORTED: "failure",
            Status.ERROR: "error",
            Status.SKIPPED: "skipped",
        }.get(j.status)
        if outcome is not None:
            el = ET.SubElement(case, outcome, message=j.reason, type=j.status.value)
            if outcome != "skipped":
                el.text = body
        out = ET.SubElement(case, "system-out")
        out.text = "\n".join(
            f"{e.t_s:8.3f}s {e.kind.value:9} {e.name} {'' if e.ok is None else e.ok} {e.detail}"
            for e in j.events
        )
    root = ET.Element("testsuites")
    root.append(suite)
    return ET.ElementTree(root)


def plot_timeline(journal: Journal, path: Path) -> Path | None:
    """PNG of every observed probe over time, with step ends marked; None if nothing to plot."""
    probes = sorted({s.probe for s in journal.samples})
    if not probes:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        len(probes), 1, figsize=(9, 2.2 * len(probes) + 0.6), sharex=True, squeeze=False
    )
    for ax, probe in zip(axes[:, 0], probes, strict=True):
        samples = [s for s in journal.samples if s.probe == probe]
        good = [(s.t_s, s.value) for s in samples if s.error is None and isinstance(s.value, float)]
        bad = [s.t_s for s in samples if s.error is not None]
        if good:
            ax.plot([t for t, _ in good], [v for _, v in good], ".-", lw=1, ms=3, label=probe)
        if bad:
            # errors sit on the floor of the plot (0 for non-negative readings) so they stand out
            base = min(0.0, min((v for _, v in good), default=0.0))
            ax.plot(bad, [base] * len(bad), "x", color="tab:red", ms=4, label="no answer")
        for label, t_s in journal.step_end_s.items():
            ax.axvline(t_s, color="grey", ls=":", lw=0.8)
            ax.annotate(label, (t_s, 1.0), xycoords=("data", "axes fraction"), fontsize=6,
                        rotation=90, va="top", ha="right", color="grey")  # fmt: skip
        ax.set_ylabel(probe, fontsize=8)
        ax.legend(loc="upper right", fontsize=6)
    axes[-1, 0].set_xlabel("seconds since drill start")
    fig.suptitle(f"{journal.drill_id}: {journal.status.value}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def _markdown(journals: Sequence[Journal], plots: dict[str, Path | None], root: Path) -> str:
    lines = ["# Chaos drill report", ""]
    lines += ["| drill | backend | verdict | duration (s) | reason |", "|---|---|---|---|---|"]
    for j in journals:
        reason = j.reason.replace("|", "\\|").replace("\n", " ")
        lines.append(
            f"| {j.drill_id} | {j.backend} | **{j.status.value}** | {j.duration_s:.2f} | {reason} |"
        )
    for j in journals:
        started = datetime.fromtimestamp(j.started_at_ns / 1e9, tz=UTC)
        injections = [
            e
            for e in j.events
            if e.kind is EventKind.STEP and not e.detail.startswith(("waited", "held after"))
        ]
        detect = [c for c in j.criteria if c.type == "detect_within_s" and c.measured is not None]
        recover = [c for c in j.criteria if c.type == "recover_within_s" and c.measured is not None]
        rollbacks = [e for e in j.events if e.kind is EventKind.ROLLBACK]
        failed = [c for c in j.criteria if not c.passed]
        lines += ["", f"## {j.drill_id}: {j.title}", ""]
        lines += [
            f"- Drill date (演练日期): {started:%Y-%m-%d %H:%M:%S} UTC",
            f"- Drill (演练剧本): {j.implements}",
            f"- Environment (环境): backend `{j.backend}`, drill file `{j.drill_file}`",
            "- Service start-up (s): "
            + (", ".join(f"{k} {v:.2f}" for k, v in j.service_start_s.items()) or "none"),
            "",
            "### Injection (注入方式)",
        ]
        lines += [f"- t={e.t_s:.2f} s `{e.name}`: {e.detail}" for e in injections] or ["- none"]
        lines += ["", "### Observed (观测指标)"]
        lines.append(
            "- Trigger time (触发时间): "
            + (", ".join(f"{c.measured:.2f} s" for c in detect) or "not measured")
        )
        lines.append(
            "- Recovery time (恢复时间): "
            + (", ".join(f"{c.measured:.2f} s" for c in recover) or "not measured")
        )
        lines.append(
            "- Rollbacks run (是否触发回滚): "
            + (", ".join(f"{e.name} ({'ok' if e.ok else 'FAILED'})" for e in rollbacks) or "none")
        )
        lines += [
            "",
            "### Result (验收结果)",
            f"- Verdict (是否达标): **{j.status.value}**: {j.reason}",
        ]
        lines += [f"- {'PASS' if c.passed else 'FAIL'} `{c.type}`: {c.reason}" for c in j.criteria]
        lines += ["", "### Follow-up (改进动作)"]
        if j.status is Status.PASSED:
            lines.append("- none: every criterion met")
        else:
            lines += [f"- investigate `{c.type}`: {c.reason}" for c in failed] or [
                f"- investigate: {j.reason}"
            ]
        plot = plots.get(j.drill_id)
        if plot is not None:
            lines += ["", f"![timeline of {j.drill_id}]({plot.relative_to(root)})"]
    return "\n".join(lines) + "\n"


def write_reports(journals: Sequence[Journal], out_dir: Path) -> dict[str, Path]:
    """Write report.json, junit.xml, report.md and <id>.png files; return their paths by kind."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": out_dir / "report.json",
        "junit": out_dir / "junit.xml",
        "markdown": out_dir / "report.md",
    }
    paths["json"].write_bytes(_JOURNALS.dump_json(list(journals), indent=2))
    tree = _junit(journals)
    ET.indent(tree)
    tree.write(paths["junit"], encoding="utf-8", xml_declaration=True)
    plots = {j.drill_id: plot_timeline(j, out_dir / f"{j.drill_id}.png") for j in journals}
    for drill_id, plot in plots.items():
        if plot is not None:
            paths[f"plot:{drill_id}"] = plot
    paths["markdown"].write_text(_markdown(journals, plots, out_dir), encoding="utf-8")
    return paths


def summary_rows(journals: Sequence[Journal]) -> list[tuple[str, str, str, str, str]]:
    """(id, backend, verdict, seconds, reason) rows for console tables."""
    return [
        (j.drill_id, j.backend, j.status.value, f"{j.duration_s:.2f}", j.reason) for j in journals
    ]
