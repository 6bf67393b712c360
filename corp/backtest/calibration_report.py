"""Write a calibration record: JSON (machine), Markdown (people) and PNG evidence plots.

Everything goes under ``<results_dir>/<run_id>/``: ``calibration.json``, ``calibration.md``,
``plots/*.png`` and ``manifest.json`` (every file with its sha256). The proposed pack diff is part
of the record, grouped by risk level; no pack file is touched.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from scipy import stats

from corp.backtest.calibration_run import CalibrationResult, ProposedChange
from corp.quant import hawkes

__all__ = ["record_dict", "write_calibration_record"]


def _clean(x: Any) -> Any:
    """JSON-safe: arrays to lists, NaN/inf to None, dataclasses to dicts."""
    if is_dataclass(x) and not isinstance(x, type):
        return _clean(asdict(x))
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if isinstance(x, np.ndarray):
        return _clean(x.tolist())
    if isinstance(x, np.generic):
        return _clean(x.item())
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def record_dict(
    result: CalibrationResult, changes: list[ProposedChange], pack_line: str
) -> dict[str, Any]:
    h = result.hawkes
    return _clean(
        {
            "pack": pack_line,
            "source": result.source,
            "sample": {
                "duration_secs": result.sample.duration_secs,
                "n_snapshots": int(result.sample.mid_quote.size),
                "n_trades": int(result.sample.trade_times_secs.size),
            },
            "gamma_bound_2_2": result.gamma,
            "spread_2_3": {
                "base_spread_bps": result.spread.base_spread_bps,
                "horizon_secs": result.spread.horizon_secs,
                "buckets": result.spread.table.rows(),
                "fill_intensity": result.spread.fill,
            },
            "inventory_limit_2_4": result.inventory,
            "skew_factor_2_5": result.skew,
            "hawkes_2_6": {
                "bivariate": {
                    "mu": h.fit.mu,
                    "alpha": h.fit.alpha,
                    "beta": h.fit.beta,
                    "se_mu": h.fit.se_mu,
                    "se_alpha": h.fit.se_alpha,
                    "se_beta": h.fit.se_beta,
                    "spectral_radius": h.fit.spectral_radius,
                    "stationary": h.fit.stationary,
                    "converged": h.fit.converged,
                    "gof_per_side": h.fit.gof,
                },
                "pooled": h.pooled,
                "moment_mu_per_sec": h.moment_mu_per_sec,
                "mu_per_side_per_sec": h.mu_per_side_per_sec,
                "high_intensity_threshold": h.high_intensity_threshold,
                "low_intensity_threshold": h.low_intensity_threshold,
                "high_intensity_per_sec": h.high_intensity_per_sec,
                "low_intensity_per_sec": h.low_intensity_per_sec,
                "notes": h.notes,
            },
            "proposed_changes": changes,
            "pack_edited": False,
        }
    )


def _plots(result: CalibrationResult, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    tab = result.spread.table
    centres = 0.5 * (tab.lower_bps + tab.upper_bps)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(centres, tab.net_bps_per_quote, "o-", label="net bps / quote")
    ax.plot(centres, tab.smoothed_net_bps, "--", label="3-bucket mean")
    ax2 = ax.twinx()
    ax2.plot(centres, tab.fill_rate, "s:", color="grey", label="fill rate")
    ax.set_xlabel("half-spread (bps)")
    ax.set_ylabel("net return (bps per quote)")
    ax2.set_ylabel("fill rate")
    ax.set_title("2.3 spread buckets")
    ax.legend(loc="upper right")
    fig.tight_layout()
    paths.append(out / "spread_buckets.png")
    fig.savefig(paths[-1], dpi=90)
    plt.close(fig)

    s = result.sample
    p = result.hawkes.pooled
    incr = hawkes.compensator_increments(
        s.trade_times_secs,
        max(s.duration_secs, float(s.trade_times_secs[-1])),
        p.mu,
        p.alpha,
        p.beta,
    )
    q = np.sort(incr)
    theo = stats.expon.ppf((np.arange(1, q.size + 1) - 0.5) / q.size)
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot(theo, q, ".", ms=2)
    lim = float(max(theo[-1], q[-1]))
    ax.plot([0, lim], [0, lim], "k--", lw=1)
    ax.set_xlabel("Exp(1) quantile")
    ax.set_ylabel("compensator increment")
    ks = f"{p.gof.ks_pvalue:.3g}" if p.gof else "n/a"
    ax.set_title(f"2.6 Hawkes QQ (pooled, n={p.branching_ratio:.3f}, KS p={ks})")
    fig.tight_layout()
    paths.append(out / "hawkes_qq.png")
    fig.savefig(paths[-1], dpi=90)
    plt.close(fig)

    for name, rows, xlabel in (
        ("inventory_sweep", result.inventory.rows, "inventory limit (lots)"),
        ("skew_sweep", result.skew.rows, "inventory skew factor"),
    ):
        if not rows:
            continue
        fig, ax = plt.subplots(figsize=(6, 4))
        x = [r.value for r in rows]
        ax.plot(x, [r.max_drawdown_pct for r in rows], "o-", label="max drawdown")
        ax.plot(x, [r.worst_daily_loss_pct for r in rows], "s-", label="worst daily loss")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("fraction of capital")
        ax.legend()
        fig.tight_layout()
        paths.append(out / f"{name}.png")
        fig.savefig(paths[-1], dpi=90)
        plt.close(fig)
    return paths


def _fmt(x: Any) -> str:
    if isinstance(x, float):
        return "n/a" if not math.isfinite(x) else f"{x:.6g}"
    return str(x)


def _markdown(rec: dict[str, Any], result: CalibrationResult, plots: list[Path]) -> str:
    lines = [
        "# Calibration record",
        "",
        f"- pack: `{rec['pack']}`",
        f"- source: {rec['source']}",
        f"- sample: {rec['sample']['n_trades']} trades, {rec['sample']['n_snapshots']} book "
        f"snapshots over {rec['sample']['duration_secs']:.0f} s",
        "- this record never edits a pack; apply the proposal through the normal release path",
        "",
        "## Proposed pack diff (by risk level)",
        "",
        "| risk | parameter | current | proposed | change % | evidence |",
        "|---|---|---|---|---|---|",
    ]
    for c in rec["proposed_changes"]:
        lines.append(
            f"| {c['risk']} | `{c['path']}` | {_fmt(c['current'])} | {_fmt(c['proposed'])} | "
            f"{_fmt(c['change_pct'])} | {c['evidence']} |"
        )
    g = result.gamma
    lines += ["", "## 2.2 gamma upper bound", ""]
    lines.append(
        "not applicable (strategy has no reservation price)"
        if g is None
        else f"gamma <= eta S / (Q sigma^2 tau) = {g.eta:g} x {g.price_quote:.6g} / "
        f"({g.inventory_limit_lots:g} lots x {g.sigma_quote_per_sqrt_sec:.6g}^2 x "
        f"{g.tau_secs:g}) = "
        f"**{g.bound:.6g}** "
        "(sigma measured on the sample, quote/sqrt(s))"
    )
    sp = result.spread
    lines += [
        "",
        "## 2.3 base spread (spread buckets) and fill intensity",
        "",
        f"proposed base spread: **{_fmt(sp.base_spread_bps)} bps** (horizon {sp.horizon_secs:g} s)",
        "",
        "| half-spread bps | quotes | fill rate | adverse bps | net bps/quote | smoothed |",
        "|---|---|---|---|---|---|",
    ]
    for r in sp.table.rows():
        lines.append(
            f"| {r['lower_bps']:g}-{r['upper_bps']:g} | {r['n_quotes']} | {_fmt(r['fill_rate'])} "
            f"| {_fmt(r['adverse_bps'])} | {_fmt(r['net_bps_per_quote'])} | "
            f"{_fmt(r['smoothed_net_bps'])} |"
        )
    f = sp.fill
    lines += [
        "",
        "fill intensity lambda(delta) = A exp(-k delta): "
        + (
            f"A = {f.A:.6g} /s, k = {f.k:.6g} /quote (deviance {f.deviance:.3g}, "
            f"{f.n_buckets} buckets)"
            if f.ok
            else f"**fit failed**: {f.reason}"
        ),
    ]
    for title, block in (
        ("2.4 inventory limit", result.inventory),
        ("2.5 skew factor", result.skew),
    ):
        lines += ["", f"## {title}", "", f"status: **{block.status}** {block.reason}"]
        if title.startswith("2.4"):
            inv = result.inventory
            lines.append(
                f"analytic bound Q S d <= daily loss budget: {inv.analytic_max_lots} lots; "
                f"concentration limit: {inv.concentration_max_lots} lots "
                "(a feasible value is within both)"
            )
        if block.rows:
            lines += [
                "",
                "| value | max DD | worst daily loss | mean abs q | half-life s | feasible |",
                "|---|---|---|---|---|---|",
            ]
            for r in block.rows:
                lines.append(
                    f"| {r.value:g} | {_fmt(r.max_drawdown_pct)} | "
                    f"{_fmt(r.worst_daily_loss_pct)} | {_fmt(r.mean_abs_inventory_base)} | "
                    f"{_fmt(r.half_life_secs)} | {r.feasible} |"
                )
    h = result.hawkes
    lines += [
        "",
        "## 2.6 Hawkes (buy = 0, sell = 1)",
        "",
        f"bivariate: mu = {np.round(h.fit.mu, 4).tolist()}, alpha = "
        f"{np.round(h.fit.alpha, 4).tolist()}, beta = {np.round(h.fit.beta, 4).tolist()}, "
        f"spectral radius {h.fit.spectral_radius:.4f} (stationary {h.fit.stationary})",
        f"pooled: mu {h.pooled.mu:.4g} ± {h.pooled.se_mu:.2g}, alpha {h.pooled.alpha:.4g} ± "
        f"{h.pooled.se_alpha:.2g}, beta {h.pooled.beta:.4g} ± {h.pooled.se_beta:.2g}, "
        f"branching {h.pooled.branching_ratio:.4f}; seed moment mu {h.moment_mu_per_sec:.4g}",
        f"mu per side {h.mu_per_side_per_sec:.4g} /s (pooled mu / 2, as strategy.mu_per_sec)",
        f"intensity thresholds (25 %/75 %): low {h.low_intensity_per_sec:.4g}, high "
        f"{h.high_intensity_per_sec:.4g} /s = {h.low_intensity_threshold:.4g} x and "
        f"{h.high_intensity_threshold:.4g} x the long-run mean {h.pooled.mean_intensity:.4g} /s",
    ]
    if h.pooled.gof is not None:
        gf = h.pooled.gof
        lines.append(
            f"goodness of fit (pooled): KS {gf.ks_stat:.4f} p={gf.ks_pvalue:.3g}; "
            f"Ljung-Box Q={gf.ljung_box_stat:.3g} p={gf.ljung_box_pvalue:.3g}"
        )
    for note in h.notes:
        lines.append(f"- note: {note}")
    lines += ["", "## Plots", ""] + [f"![{p.stem}](plots/{p.name})" for p in plots]
    return "\n".join(lines) + "\n"


def write_calibration_record(
    run_dir: Path, result: CalibrationResult, changes: list[ProposedChange], pack_line: str
) -> list[Path]:
    """Write the record files and a manifest with their sha256; returns the written paths."""
    run_dir.mkdir(parents=True, exist_ok=True)
    rec = record_dict(result, changes, pack_line)
    plots = _plots(result, run_dir / "plots")
    js = run_dir / "calibration.json"
    js.write_text(json.dumps(rec, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    md = run_dir / "calibration.md"
    md.write_text(_markdown(rec, result, plots), encoding="utf-8")
    files = [js, md, *plots]
    manifest = {
        str(p.relative_to(run_dir)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files
    }
    mf = run_dir / "manifest.json"
    mf.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return [*files, mf]
