"""Test-only workload: write rows numbered 1..N into Postgres, retrying through outages.

Each row is written at most once even when a commit's acknowledgement is lost (the retry first
checks whether that number already landed), so a correct run leaves every number exactly once::

    python -m tests.chaos.workloads.writer --dsn "host=127.0.0.1 port=5432" --count 200

Exit code 0 when all rows are written, 2 when ``--deadline-s`` passed first, 1 when
``--no-retry`` (a deliberately broken writer, for drills that must fail) met an error.
"""

from __future__ import annotations

import argparse
import sys
import time

import psycopg

TABLE_DDL = "create table if not exists {table} (seq integer not null, written_ns bigint not null)"


def write_one(conn: psycopg.Connection, table: str, seq: int) -> None:
    """Insert ``seq`` unless a previous attempt already committed it (one transaction)."""
    with conn.transaction():
        exists = conn.execute(f"select 1 from {table} where seq = %s", (seq,)).fetchone()
        if exists is None:
            conn.execute(
                f"insert into {table} (seq, written_ns) values (%s, %s)", (seq, time.time_ns())
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--table", default="rows")
    parser.add_argument("--interval-ms", type=float, default=5.0)
    parser.add_argument("--deadline-s", type=float, default=60.0)
    parser.add_argument(
        "--no-retry", action="store_true", help="give up at the first error (a broken writer)"
    )
    args = parser.parse_args(argv)

    deadline = time.monotonic() + args.deadline_s
    conn: psycopg.Connection | None = None
    retries = 0
    seq = 0  # the schema is step 0, then rows 1..count
    while seq <= args.count:
        if time.monotonic() > deadline:
            print(f"writer: deadline passed at seq={seq} retries={retries}", flush=True)
            return 2
        try:
            if conn is None or conn.closed:
                conn = psycopg.connect(args.dsn, connect_timeout=1, autocommit=True)
            if seq == 0:
                conn.execute(TABLE_DDL.format(table=args.table))
            else:
                write_one(conn, args.table, seq)
            seq += 1
            time.sleep(args.interval_ms / 1000.0)
        except psycopg.Error as exc:
            if args.no_retry:
                print(f"writer: seq={seq} failed, not retrying: {type(exc).__name__}", flush=True)
                return 1
            retries += 1
            print(f"writer: seq={seq} retry {retries}: {type(exc).__name__}", flush=True)
            if conn is not None:
                conn.close()
            conn = None
            time.sleep(min(0.5, 0.05 * retries))
    print(f"writer: wrote {args.count} rows, {retries} retries", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
