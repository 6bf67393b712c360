"""``python -m corp.venues.okx_sim --port 8080 --seed 7``: run the simulator until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from corp.venues.okx_sim.server import SimConfig, running_sim


def parse_args(argv: list[str] | None = None) -> SimConfig:
    parser = argparse.ArgumentParser(prog="python -m corp.venues.okx_sim", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=8080, help="TCP port, 0 = any free (default 8080)"
    )
    parser.add_argument("--seed", type=int, default=0, help="RNG seed (default 0)")
    parser.add_argument(
        "--step-ms", type=float, default=100.0, help="background step period in ms; 0 = manual"
    )
    parser.add_argument(
        "--no-background", action="store_true", help="no house liquidity or taker flow"
    )
    args = parser.parse_args(argv)
    return SimConfig(
        host=args.host,
        port=args.port,
        seed=args.seed,
        step_ms=args.step_ms,
        background=not args.no_background,
    )


async def serve(config: SimConfig) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with running_sim(config) as sim:
        print(
            f"okx_sim listening rest={sim.rest_url} ws={sim.ws_url} admin={sim.admin_url}",
            flush=True,
        )
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
