"""Accounts of the simulator: balances (total and frozen), net positions, fees and rebates.

Money is :class:`~decimal.Decimal` quantized to ``MONEY_QUANTUM`` (1e-10) at every computed amount,
so every sum stays within the default 28 significant digits and is exact: frozen balances return to
exactly zero, conservation holds to the last digit. Sizes are integer lots. A negative fee is a
rebate; fees round toward zero, reserves round up, so a reserve always covers what is charged.
SPOT settles base and quote; SWAP is cross margin in the settle currency: an order freezes its
initial margin, a fill moves it into position margin, a reduction realises PnL into the balance.
Fees go to the venue's own fee account, so quote currency is conserved across all accounts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_UP, Decimal

from corp.venues.okx_sim.instruments import Instrument

__all__ = ["FEE_ACCOUNT", "MONEY_QUANTUM", "Account", "Balance", "FeeSchedule", "Position", "money"]

FEE_ACCOUNT = "__venue_fees__"
ZERO = Decimal(0)
MONEY_QUANTUM = Decimal("1e-10")


def money(amount: Decimal, rounding: str = ROUND_DOWN) -> Decimal:
    """``amount`` on the 1e-10 grid (toward zero unless told otherwise)."""
    return amount.quantize(MONEY_QUANTUM, rounding=rounding)


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """Fee rates as fractions of notional; a negative maker rate is a rebate."""

    maker_rate: Decimal = Decimal("-0.00005")
    taker_rate: Decimal = Decimal("0.0005")

    @property
    def reserve_rate(self) -> Decimal:
        """The rate an order freezes on top of its notional, so a fill can always pay its fee."""
        return max(self.maker_rate, self.taker_rate, ZERO)


@dataclass(slots=True)
class Balance:
    total: Decimal = ZERO
    frozen: Decimal = ZERO

    @property
    def available(self) -> Decimal:
        return self.total - self.frozen


@dataclass(slots=True)
class Position:
    """A net position in lots (contracts); ``margin`` is frozen settle currency backing it."""

    pos_lots: int = 0
    avg_px: Decimal = ZERO
    margin: Decimal = ZERO
    realized_pnl: Decimal = ZERO


@dataclass(slots=True)
class Account:
    name: str
    balances: dict[str, Balance] = field(default_factory=dict)
    positions: dict[str, Position] = field(default_factory=dict)
    leverage: Decimal = Decimal(10)

    def balance(self, ccy: str) -> Balance:
        bal = self.balances.get(ccy)
        if bal is None:
            bal = self.balances[ccy] = Balance()
        return bal

    def position(self, inst_id: str) -> Position:
        pos = self.positions.get(inst_id)
        if pos is None:
            pos = self.positions[inst_id] = Position()
        return pos

    # --- what an order needs -------------------------------------------------------------

    def funds_ccy(self, inst: Instrument, side: str) -> str:
        """The currency an order of ``side`` on ``inst`` consumes."""
        if inst.inst_type == "SPOT" and side == "sell":
            return inst.base_ccy
        return inst.quote_ccy

    def cost_per_lot(
        self, inst: Instrument, side: str, px_ticks: int, fees: FeeSchedule
    ) -> Decimal:
        """Funds one lot at ``px_ticks`` consumes (frozen while resting, spent when taken)."""
        if inst.inst_type == "SPOT":
            if side == "sell":
                return inst.lot_sz
            return money(inst.notional_quote(px_ticks, 1) * (1 + fees.reserve_rate), ROUND_UP)
        notional = inst.notional_quote(px_ticks, 1)
        return money(notional / self.leverage + notional * fees.reserve_rate, ROUND_UP)

    # --- settlement ----------------------------------------------------------------------

    def settle_fill(
        self,
        inst: Instrument,
        side: str,
        px_ticks: int,
        lots: int,
        fee_rate: Decimal,
        fee_account: Account,
    ) -> Decimal:
        """Book one fill on this account; returns the fee charged (negative = rebate)."""
        notional = inst.notional_quote(px_ticks, lots)
        fee = money(notional * fee_rate)
        quote = self.balance(inst.quote_ccy)
        quote.total -= fee
        fee_account.balance(inst.quote_ccy).total += fee
        if inst.inst_type == "SPOT":
            base = self.balance(inst.base_ccy)
            qty = inst.sz(lots)
            if side == "buy":
                base.total += qty
                quote.total -= notional
            else:
                base.total -= qty
                quote.total += notional
            return fee
        self._settle_swap(inst, side, px_ticks, lots)
        return fee

    def _settle_swap(self, inst: Instrument, side: str, px_ticks: int, lots: int) -> None:
        pos = self.position(inst.inst_id)
        quote = self.balance(inst.quote_ccy)
        signed = lots if side == "buy" else -lots
        px = inst.px(px_ticks)
        per_lot_base = inst.lot_sz * inst.ct_val_base
        if pos.pos_lots == 0 or (pos.pos_lots > 0) == (signed > 0):
            new_lots = pos.pos_lots + signed
            pos.avg_px = money((pos.avg_px * abs(pos.pos_lots) + px * lots) / abs(new_lots))
            added_margin = money(px * lots * per_lot_base / self.leverage, ROUND_UP)
            pos.margin += added_margin
            quote.frozen += added_margin
            pos.pos_lots = new_lots
            return
        closing = min(lots, abs(pos.pos_lots))
        direction = 1 if pos.pos_lots > 0 else -1
        pnl = money((px - pos.avg_px) * closing * per_lot_base * direction)
        released = money(pos.margin * closing / abs(pos.pos_lots))
        pos.margin -= released
        quote.frozen -= released
        quote.total += pnl
        pos.realized_pnl += pnl
        pos.pos_lots += signed if closing == lots else -pos.pos_lots
        if pos.pos_lots == 0:
            pos.avg_px = ZERO
            quote.frozen -= pos.margin
            pos.margin = ZERO
        opening = lots - closing
        if opening > 0:
            self._settle_swap(inst, side, px_ticks, opening)
