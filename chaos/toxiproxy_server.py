"""Command line for the embedded Toxiproxy-compatible server.

Usage::

    python -m chaos.toxiproxy_server --host 127.0.0.1 --port 8474 --seed 7

``--seed`` is our extension (real Toxiproxy cannot be seeded): with it, toxicity decisions, latency
jitter and slicer sizes replay exactly for the same sequence of connections and API calls.
``--port 0`` binds an ephemeral port; the bound address is printed as ``listening on host:port``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from chaos.toxiproxy import ThreadedToxiproxyServer, ToxiproxyServer
from chaos.toxiproxy.api import TOXIPROXY_VERSION

__all__ = ["ThreadedToxiproxyServer", "ToxiproxyServer", "main"]


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m chaos.toxiproxy_server",
        description=f"Toxiproxy {TOXIPROXY_VERSION}-compatible TCP proxy with an HTTP API.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="API host (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=8474, help="API port, 0 = ephemeral (default 8474)"
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=None,
        help="seed toxicity draws and jitter so a run replays exactly (our extension)",
    )
    parser.add_argument(
        "--no-metrics", action="store_true", help="do not serve /metrics (it is on by default)"
    )
    parser.add_argument(
        "--log-level",
        default="WARNING",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="log level on stderr (default WARNING)",
    )
    return parser.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    server = ToxiproxyServer(
        args.host, args.port, seed=args.seed, metrics_enabled=not args.no_metrics
    )
    await server.start()
    print(f"listening on {server.host}:{server.port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await server.stop()


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        asyncio.run(_serve(args))
    except OSError as exc:
        print(f"toxiproxy_server: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
