"""Hawkes MLE speed and estimates: CORP vs an in-process baseline and the peers tick and hawkeslib.

Run by hand (never part of CI's verdict)::

    .venv/bin/python benchmarks/bench_hawkes.py [--events 100000] [--repeats 5] [--skip-peers]

Data: one univariate exponential Hawkes path (mu=0.5, alpha=0.4, beta=0.8, n=0.5) simulated by
``corp.quant.hawkes.simulate`` until ~``--events`` events, in a temp .npy that every tool reads.

- corp: ``fit(times, T, gof=False)`` (L-BFGS-B on log-parameters, analytic gradient, analytic
  Hessian for the standard errors) and ``fit`` with the KS + Ljung-Box goodness of fit.
- baseline (same process): the same numba likelihood, L-BFGS-B with finite-difference gradients.
- peers, each in its own venv ``benchmarks/.venv-peers`` (created here, never a CORP dependency):
  hawkeslib (EM and gradient descent, learns mu, n, beta) and tick (``HawkesExpKern``: the decay
  beta is FIXED, only mu and n are learned; we give it the true beta, which flatters tick).
  Install quirks handled below: hawkeslib needs Cython and numpy present and
  ``--no-build-isolation``; tick 0.8 discovers its settable attributes by parsing docstrings with
  numpydoc and needs ``six``, neither declared (without them every learner fails with
  "object has no settable attribute").

All estimates are printed in the jump-size convention (alpha = n * beta) with our log-likelihood at
each tool's estimate, so equal estimates show as equal likelihoods.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

import numpy as np
from scipy import optimize

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from corp.quant import hawkes  # noqa: E402  (after the path fix so the script runs from anywhere)

PEER_VENV = ROOT / ".venv-peers"
TRUE = {"mu": 0.5, "alpha": 0.4, "beta": 0.8}

PEER_SCRIPT = r"""
import json, sys, time, warnings
import numpy as np
warnings.filterwarnings("ignore")
path, T, repeats, beta_true = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
x = np.load(path)
out = []

def timed(fn):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter(); res = fn(); times.append(time.perf_counter() - t0)
    return float(np.median(times)), res

try:
    from hawkeslib import UnivariateExpHawkesProcess as UV
    for method in ("em", "gd"):
        def run():
            uv = UV(); uv.fit(x, T=T, method=method); return uv.get_params()
        secs, (mu, n, theta) = timed(run)
        out.append({"tool": "hawkeslib", "method": method, "secs": secs, "mu": float(mu),
                    "alpha": float(n) * float(theta), "beta": float(theta), "learns_beta": True})
except Exception as exc:  # report, do not hide
    out.append({"tool": "hawkeslib", "error": repr(exc)})
try:
    from tick.hawkes import HawkesExpKern
    def run():
        lr = HawkesExpKern(decays=beta_true, gofit="likelihood", solver="bfgs", C=1e12,
                           verbose=False)
        lr.fit([x]); return lr.baseline[0], lr.adjacency[0, 0]
    secs, (mu, n) = timed(run)
    out.append({"tool": "tick", "method": "likelihood/bfgs, beta fixed, C=1e12", "secs": secs,
                "mu": float(mu), "alpha": float(n) * beta_true, "beta": beta_true,
                "learns_beta": False})
    def run_ls():
        lr = HawkesExpKern(decays=beta_true, gofit="least-squares", verbose=False)
        lr.fit([x]); return lr.baseline[0], lr.adjacency[0, 0]
    secs, (mu, n) = timed(run_ls)
    out.append({"tool": "tick", "method": "least-squares/agd, beta fixed", "secs": secs,
                "mu": float(mu), "alpha": float(n) * beta_true, "beta": beta_true,
                "learns_beta": False})
except Exception as exc:
    out.append({"tool": "tick", "error": repr(exc)})
print(json.dumps(out))
"""


def ensure_peer_venv() -> tuple[Path | None, list[str]]:
    """Create the peers' venv once; return its python and the install notes."""
    notes: list[str] = []
    py = PEER_VENV / "bin" / "python"
    stamp = PEER_VENV / ".installed"
    if stamp.exists():
        return py, notes
    if not py.exists():
        venv.create(PEER_VENV, with_pip=True)
    steps = [
        ["-m", "pip", "install", "-q", "--upgrade", "pip"],
        ["-m", "pip", "install", "-q", "numpy", "cython", "setuptools", "wheel", "numpydoc", "six"],
        ["-m", "pip", "install", "-q", "tick"],
        ["-m", "pip", "install", "-q", "--no-build-isolation", "hawkeslib"],
    ]
    for step in steps:
        res = subprocess.run([str(py), *step], capture_output=True, text=True, check=False)
        if res.returncode != 0:
            notes.append(f"'{' '.join(step[2:])}' failed: {res.stderr.strip().splitlines()[-1:]}")
    if not notes:
        stamp.touch()  # retry the installs next time if any failed
    return py, notes


def time_median(fn, repeats: int) -> tuple[float, object]:
    times, res = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        res = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), res


def baseline_fit(times: np.ndarray, T: float) -> tuple[float, float, float]:
    """Same likelihood kernel, no analytic gradient: L-BFGS-B with finite differences."""
    g = np.empty(3)

    def f(x: np.ndarray) -> float:
        p = np.exp(x)
        return -hawkes._loglik_grad_nb(times, T, p[0], p[1], p[2], g)

    rate = times.size / T
    x0 = np.log([rate * 0.5, 0.5 * rate, rate])
    res = optimize.minimize(f, x0, method="L-BFGS-B", bounds=[(-30, 30)] * 3)
    mu, a, b = np.exp(res.x)
    return float(mu), float(a), float(b)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--skip-peers", action="store_true")
    args = ap.parse_args()

    mean_rate = TRUE["mu"] / (1 - TRUE["alpha"] / TRUE["beta"])
    T = args.events / mean_rate
    t0 = time.perf_counter()
    times = hawkes.simulate(TRUE["mu"], TRUE["alpha"], TRUE["beta"], T, seed=1)
    sim_first = time.perf_counter() - t0
    sim_secs, _ = time_median(
        lambda: hawkes.simulate(TRUE["mu"], TRUE["alpha"], TRUE["beta"], T, seed=1), args.repeats
    )
    print(
        f"data: {times.size} events on T={T:.0f}s; simulate {sim_secs * 1e3:.1f} ms "
        f"(first call incl. compile {sim_first:.2f} s)"
    )

    hawkes.fit(times, T)  # compile outside the timing
    rows = []
    secs, est = time_median(lambda: hawkes.fit(times, T, gof=False), args.repeats)
    rows.append(
        {
            "tool": "corp",
            "method": "L-BFGS-B analytic grad + Hessian SE",
            "secs": secs,
            "mu": est.mu,
            "alpha": est.alpha,
            "beta": est.beta,
            "learns_beta": True,
        }
    )
    secs_gof, est_gof = time_median(lambda: hawkes.fit(times, T, gof=True), args.repeats)
    rows.append(
        {
            "tool": "corp",
            "method": "... + KS/Ljung-Box GOF",
            "secs": secs_gof,
            "mu": est_gof.mu,
            "alpha": est_gof.alpha,
            "beta": est_gof.beta,
            "learns_beta": True,
        }
    )
    b_secs, (bmu, ba, bb) = time_median(lambda: baseline_fit(times, T), args.repeats)
    rows.append(
        {
            "tool": "baseline",
            "method": "L-BFGS-B finite-diff grad",
            "secs": b_secs,
            "mu": bmu,
            "alpha": ba,
            "beta": bb,
            "learns_beta": True,
        }
    )

    notes: list[str] = []
    if not args.skip_peers:
        py, notes = ensure_peer_venv()
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "times.npy")
            np.save(path, times)
            res = subprocess.run(
                [str(py), "-c", PEER_SCRIPT, path, repr(T), str(args.repeats), repr(TRUE["beta"])],
                capture_output=True,
                text=True,
                check=False,
            )
        if res.returncode != 0:
            notes.append(f"peer run failed: {res.stderr.strip()[-500:]}")
        else:
            for row in json.loads(res.stdout.strip().splitlines()[-1]):
                if "error" in row:
                    notes.append(f"{row['tool']}: {row['error']}")
                else:
                    rows.append(row)

    ours = rows[0]["secs"]
    print(
        f"\nestimates (jump-size convention, alpha = n * beta); truth mu={TRUE['mu']} "
        f"alpha={TRUE['alpha']} beta={TRUE['beta']}; SE(corp): mu {est.se_mu:.4f} "
        f"alpha {est.se_alpha:.4f} beta {est.se_beta:.4f}"
    )
    header = f"{'tool':10} {'method':38} {'secs':>8} {'x corp':>7} {'mu':>8} {'alpha':>8} "
    print(header + f"{'beta':>8} {'n':>7} {'loglik(ours)':>14}")
    for r in rows:
        ll = hawkes.log_likelihood(times, T, r["mu"], r["alpha"], r["beta"])
        print(
            f"{r['tool']:10} {r['method']:38} {r['secs']:8.4f} {r['secs'] / ours:7.1f} "
            f"{r['mu']:8.4f} {r['alpha']:8.4f} {r['beta']:8.4f} {r['alpha'] / r['beta']:7.4f} "
            f"{ll:14.3f}"
        )
    for n in notes:
        print(f"note: {n}")


if __name__ == "__main__":
    main()
