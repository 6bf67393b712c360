"""Test-only exporter: ``pg_up`` (1 when ``select 1`` answers, else 0) on a /metrics endpoint.

It plays the part of postgres_exporter so a drill can check a real Prometheus alert rule::

    python -m tests.chaos.workloads.pg_exporter --dsn "host=127.0.0.1 port=5432" --port 9187
"""

from __future__ import annotations

import argparse
import sys
import time

import psycopg
from prometheus_client import CollectorRegistry, Gauge, start_http_server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--interval-ms", type=float, default=200.0)
    args = parser.parse_args(argv)

    registry = CollectorRegistry()
    pg_up = Gauge("pg_up", "1 when Postgres answered select 1", registry=registry)
    start_http_server(args.port, addr="127.0.0.1", registry=registry)
    while True:
        try:
            with psycopg.connect(args.dsn, connect_timeout=1) as conn:
                conn.execute("select 1")
            pg_up.set(1)
        except psycopg.Error:
            pg_up.set(0)
        time.sleep(args.interval_ms / 1000.0)


if __name__ == "__main__":
    sys.exit(main())
