"""Background market: a fair-price path, a house liquidity ladder around it, and taker flow.

The house account re-quotes a ladder around the fair price on every step; takers from the flow
source hit the book with market orders. A drill's price move (``/admin/price``) bends the fair path
linearly over its duration; the house's new quotes then trade through stale resting orders, which
is how a market maker experiences a crash.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from corp.errors import SpecError
from corp.venues.okx_sim.exchange import SimExchange, fmt
from corp.venues.okx_sim.flow import FlowSource

__all__ = ["HOUSE", "TAKER", "BackgroundMarket", "PriceMove"]

HOUSE = "__house__"
TAKER = "__flow__"
HOUSE_FUNDS = {"USDT": Decimal(10) ** 12, "BTC": Decimal(10) ** 7}


@dataclass(frozen=True, slots=True)
class PriceMove:
    """Move the fair price by ``move_pct`` percent, linearly in log-price over the window."""

    start_secs: float
    over_secs: float
    move_pct: float

    def log_return_between(self, t0_secs: float, t1_secs: float) -> float:
        total = math.log1p(self.move_pct / 100.0)
        if self.over_secs <= 0:
            return total if t0_secs <= self.start_secs < t1_secs or t0_secs == t1_secs else 0.0
        end = self.start_secs + self.over_secs
        lo, hi = max(t0_secs, self.start_secs), min(t1_secs, end)
        return total * (hi - lo) / self.over_secs if hi > lo else 0.0


class BackgroundMarket:
    """Drives house liquidity and taker flow on a :class:`SimExchange`."""

    def __init__(
        self,
        exchange: SimExchange,
        flow: FlowSource,
        *,
        seed: int,
        initial_px: dict[str, float],
        levels: int = 5,
        half_spread_bps: float = 2.0,
        level_step_bps: float = 1.0,
        level_base: tuple[float, float] = (0.02, 0.2),
        taker_base: tuple[float, float] = (0.005, 0.05),
        vol_per_sqrt_sec: float = 0.0002,
    ) -> None:
        if levels < 1:
            raise SpecError(f"levels must be >= 1, was {levels}")
        self.exchange = exchange
        self.flow = flow
        self.rng = np.random.default_rng(seed)
        self.fair = {inst_id: float(px) for inst_id, px in initial_px.items()}
        unknown = set(self.fair) - set(exchange.instruments)
        if unknown:
            raise SpecError(f"initial_px instruments must be listed, unknown {sorted(unknown)}")
        self.levels = levels
        self.half_spread_bps = half_spread_bps
        self.level_step_bps = level_step_bps
        self.level_base = level_base
        self.taker_base = taker_base
        self.vol_per_sqrt_sec = vol_per_sqrt_sec
        self.moves: list[PriceMove] = []
        self.t_secs = 0.0
        for name in (HOUSE, TAKER):
            for ccy, amount in HOUSE_FUNDS.items():
                exchange.account(name).balance(ccy).total = amount
        self.requote()

    def move(self, move_pct: float, over_secs: float) -> PriceMove:
        """Schedule a fair-price move of ``move_pct`` % over ``over_secs`` from now."""
        if not math.isfinite(move_pct) or move_pct <= -100:
            raise SpecError(f"move_pct must be finite and > -100, was {move_pct}")
        if not math.isfinite(over_secs) or over_secs < 0:
            raise SpecError(f"over_secs must be finite and >= 0, was {over_secs}")
        move = PriceMove(self.t_secs, over_secs, move_pct)
        self.moves.append(move)
        return move

    def step(self, dt_secs: float) -> int:
        """Advance by ``dt_secs``: move prices, re-quote, send takers. Returns taker count."""
        t0, t1 = self.t_secs, self.t_secs + dt_secs
        drift = sum(m.log_return_between(t0, t1) for m in self.moves)
        self.moves = [m for m in self.moves if m.start_secs + m.over_secs > t1]
        for inst_id in self.fair:
            shock = self.vol_per_sqrt_sec * math.sqrt(dt_secs) * float(self.rng.standard_normal())
            self.fair[inst_id] *= math.exp(drift + shock)
        self.t_secs = t1
        self.requote()
        arrivals = self.flow.arrivals(t0, t1)
        for _ in arrivals:
            self._send_taker()
        return len(arrivals)

    def requote(self) -> None:
        """Replace house orders that are off the desired ladder; keep the ones still wanted."""
        for inst_id, fair in self.fair.items():
            inst = self.exchange.instruments[inst_id]
            tick = float(inst.tick_sz)
            wanted: dict[tuple[str, int], None] = {}
            for i in range(self.levels):
                off = fair * (self.half_spread_bps + i * self.level_step_bps) / 1e4
                off = max(off, tick * (i + 1))
                wanted[("buy", math.floor((fair - off) / tick))] = None
                wanted[("sell", math.ceil((fair + off) / tick))] = None
            for order in self.exchange.open_orders(HOUSE, inst_id):
                if (order.side, order.px_ticks) not in wanted:
                    self.exchange.cancel(HOUSE, inst_id, str(order.ord_id), None)
                else:
                    del wanted[(order.side, order.px_ticks)]
            for side, px_ticks in wanted:
                lots = self._lots(inst_id, self.level_base)
                self.exchange.place(
                    HOUSE,
                    {
                        "instId": inst_id,
                        "side": side,
                        "ordType": "limit",
                        "px": fmt(inst.px(px_ticks)),
                        "sz": fmt(inst.sz(lots)),
                    },
                )

    def _lots(self, inst_id: str, base_range: tuple[float, float]) -> int:
        """A uniform random size in base units, as whole lots (at least one)."""
        inst = self.exchange.instruments[inst_id]
        base = float(self.rng.uniform(base_range[0], base_range[1]))
        return max(1, int(base / float(inst.lot_sz * inst.ct_val_base)))

    def _send_taker(self) -> None:
        inst_ids = list(self.fair)
        inst_id = inst_ids[int(self.rng.integers(0, len(inst_ids)))]
        inst = self.exchange.instruments[inst_id]
        side = "buy" if self.rng.random() < 0.5 else "sell"
        lots = self._lots(inst_id, self.taker_base)
        self.exchange.place(
            TAKER,
            {"instId": inst_id, "side": side, "ordType": "market", "sz": fmt(inst.sz(lots))},
        )
