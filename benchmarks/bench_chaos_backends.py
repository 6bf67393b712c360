"""Start-up figures of the chaos harness's local backend (run by hand: ``make bench``).

Prints the seconds each real service takes to become ready, and the ratio of a cold PostgreSQL
start (initdb inside) to a warm one (a copy of the per-process initdb template), which is why the
harness runs initdb once per process.
"""

from __future__ import annotations

import statistics
import time

from chaos.backends import LocalBackend, ServiceKind


def _time_start(start) -> float:
    began = time.perf_counter()
    with start():
        ready = time.perf_counter() - began
    return ready


def main(repeats: int = 3) -> None:
    backend = LocalBackend()
    figures: dict[str, list[float]] = {}
    cold_pg = _time_start(backend.postgres)  # includes the one initdb of this process
    for _ in range(repeats):
        figures.setdefault("redis", []).append(_time_start(backend.redis))
        figures.setdefault("postgres (template copy)", []).append(_time_start(backend.postgres))
        if backend.unavailable([ServiceKind.TOXIPROXY]) is None:
            figures.setdefault("toxiproxy", []).append(
                _time_start(lambda: backend.toxiproxy(seed=1))
            )
        if backend.unavailable([ServiceKind.PROMETHEUS]) is None:
            figures.setdefault("prometheus", []).append(_time_start(backend.prometheus))
    print(f"local backend start-up (until ready), median of {repeats}:")
    print(f"  {'postgres (cold, initdb)':28s} {cold_pg:6.2f} s")
    for name, values in figures.items():
        print(f"  {name:28s} {statistics.median(values):6.2f} s")
    warm = statistics.median(figures["postgres (template copy)"])
    print(f"  ratio cold/warm postgres     {cold_pg / warm:6.1f}x")


if __name__ == "__main__":
    main()
