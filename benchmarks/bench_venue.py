"""Venue speed: simulator order throughput and loopback round-trip latency through ccxt.

Baselines run in the same process: the matching engine called directly (no network) for
throughput, and a raw aiohttp request for latency, so the ratios show what HTTP and ccxt add.
The simulator runs as its own process (``python -m corp.venues.okx_sim``) on loopback.

    .venv/bin/python benchmarks/bench_venue.py [--orders 400] [--clients 4]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from statistics import quantiles

import aiohttp

from corp.venues.config import OkxCredentials, VenueConfig
from corp.venues.okx import make_exchange
from corp.venues.okx_sim.exchange import SimExchange
from corp.venues.okx_sim.process import standalone_sim

SPOT = "BTC/USDT"


def pct(samples_secs: list[float]) -> tuple[float, float]:
    """(p50, p95) in milliseconds."""
    q = quantiles(samples_secs, n=100, method="inclusive")
    return q[49] * 1e3, q[94] * 1e3


def engine_throughput(n: int) -> float:
    """Orders per second through SimExchange.place + cancel, no network (the baseline)."""
    ex = SimExchange(clock_ms=lambda: 0)
    start = time.perf_counter()
    for i in range(n):
        side = "buy" if i % 2 else "sell"
        px = f"{29_990 + (i % 20) if side == 'buy' else 30_010 + (i % 20)}"
        result = ex.place(
            "bench",
            {
                "instId": "BTC-USDT",
                "side": side,
                "ordType": "post_only",
                "px": px,
                "sz": "0.001",
                "clOrdId": f"e{i}",
            },
        )
        ex.cancel("bench", "BTC-USDT", str(result.order.ord_id), None)
    return 2 * n / (time.perf_counter() - start)


def order_body(i: int, prefix: str) -> dict[str, str]:
    return {
        "instId": "BTC-USDT",
        "side": "buy",
        "ordType": "post_only",
        "px": "29000",
        "sz": "0.001",
        "tdMode": "cash",
        "clOrdId": f"{prefix}{i}",
    }


HEADERS = {
    "OK-ACCESS-KEY": "bench",
    "OK-ACCESS-PASSPHRASE": "p",
    "Content-Type": "application/json",
}


async def raw_throughput(rest: str, n: int, clients: int) -> float:
    async with aiohttp.ClientSession(headers=HEADERS) as session:

        async def worker(w: int) -> None:
            for i in range(w, n, clients):
                async with session.post(
                    f"{rest}/api/v5/trade/order", data=json.dumps(order_body(i, f"raw{w}x"))
                ) as r:
                    assert (await r.json())["code"] == "0"

        start = time.perf_counter()
        await asyncio.gather(*(worker(w) for w in range(clients)))
        return n / (time.perf_counter() - start)


async def ccxt_throughput(config: VenueConfig, n: int, clients: int) -> float:
    exchanges = [
        make_exchange(
            config, OkxCredentials.from_env({"CORP_OKX_API_KEY": f"bench{w}"}, mode="okx_demo_sim")
        )
        for w in range(clients)
    ]
    try:
        for ex in exchanges:
            await ex.load_markets()

        async def worker(w: int) -> None:
            for i in range(w, n, clients):
                await exchanges[w].create_order(
                    SPOT,
                    "limit",
                    "buy",
                    0.001,
                    29_000.0,
                    {"postOnly": True, "clientOrderId": f"cx{w}x{i}"},
                )

        start = time.perf_counter()
        await asyncio.gather(*(worker(w) for w in range(clients)))
        return n / (time.perf_counter() - start)
    finally:
        for ex in exchanges:
            await ex.close()


async def latencies(rest: str, config: VenueConfig, n: int) -> dict[str, tuple[float, float]]:
    out: dict[str, tuple[float, float]] = {}
    async with aiohttp.ClientSession(headers=HEADERS) as session:
        samples = []
        for _ in range(n):
            t = time.perf_counter()
            async with session.get(f"{rest}/api/v5/market/ticker?instId=BTC-USDT") as r:
                await r.json()
            samples.append(time.perf_counter() - t)
        out["raw aiohttp GET ticker"] = pct(samples)
        samples = []
        for i in range(n):
            t = time.perf_counter()
            async with session.post(
                f"{rest}/api/v5/trade/order", data=json.dumps(order_body(i, "lat"))
            ) as r:
                await r.json()
            samples.append(time.perf_counter() - t)
        out["raw aiohttp POST order"] = pct(samples)
    ex = make_exchange(
        config, OkxCredentials.from_env({"CORP_OKX_API_KEY": "lat"}, mode="okx_demo_sim")
    )
    try:
        await ex.load_markets()
        samples = []
        for _ in range(n):
            t = time.perf_counter()
            await ex.fetch_ticker(SPOT)
            samples.append(time.perf_counter() - t)
        out["ccxt fetch_ticker"] = pct(samples)
        samples = []
        for i in range(n):
            t = time.perf_counter()
            await ex.create_order(
                SPOT, "limit", "buy", 0.001, 29_000.0, {"postOnly": True, "clientOrderId": f"cl{i}"}
            )
            samples.append(time.perf_counter() - t)
        out["ccxt create_order"] = pct(samples)
    finally:
        await ex.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    with standalone_sim("--step-ms", "0", "--seed", "1") as sim:
        config = VenueConfig(
            mode="okx_demo_sim", rest_url=sim.rest_url, ws_url=sim.ws_url, timeout_ms=5_000
        )
        engine = engine_throughput(args.orders * 5)
        raw = asyncio.run(raw_throughput(sim.rest_url, args.orders, args.clients))
        via_ccxt = asyncio.run(ccxt_throughput(config, args.orders, args.clients))
        lat = asyncio.run(latencies(sim.rest_url, config, args.orders // 2))
    print(f"simulator order throughput ({args.orders} orders, {args.clients} concurrent clients)")
    print(
        f"  matching engine direct (baseline)   {engine:10.0f} ops/s   (place+cancel, no network)"
    )
    print(
        f"  raw aiohttp POST trade/order        {raw:10.0f} orders/s  "
        f"({raw / engine:.3f}x baseline)"
    )
    print(
        f"  ccxt async create_order             {via_ccxt:10.0f} orders/s  "
        f"({via_ccxt / raw:.2f}x raw aiohttp)"
    )
    print(f"loopback round-trip latency ({args.orders // 2} sequential calls each)")
    base_get = lat["raw aiohttp GET ticker"]
    base_post = lat["raw aiohttp POST order"]
    for name, (p50, p95) in lat.items():
        base = base_get if "ticker" in name else base_post
        print(f"  {name:34s} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  (p50 {p50 / base[0]:.2f}x raw)")


if __name__ == "__main__":
    main()
