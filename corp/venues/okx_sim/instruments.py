"""The instruments the simulator lists, with exact integer tick/lot conversion at the edge.

Prices travel as decimal strings on the wire (as OKX sends them); inside the simulator every price
is an integer number of ticks and every size an integer number of lots, so matching and conservation
checks never compare floats.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from corp.errors import DataError

__all__ = ["DEFAULT_INSTRUMENTS", "InstType", "Instrument"]

InstType = Literal["SPOT", "SWAP"]


@dataclass(frozen=True, slots=True)
class Instrument:
    """One listed instrument; SWAP sizes are contracts of ``ct_val_base`` base units each."""

    inst_id: str
    inst_type: InstType
    base_ccy: str
    quote_ccy: str
    tick_sz: Decimal
    lot_sz: Decimal
    min_sz: Decimal
    ct_val_base: Decimal = Decimal(1)

    def px_to_ticks(self, px: str, *, field: str = "px") -> int:
        """Parse a wire price into ticks; reject non-numbers, non-positive and off-tick prices."""
        value = _parse_decimal(px, field)
        if value <= 0:
            raise DataError(f"{field} must be > 0, was {px!r} <instId={self.inst_id}>")
        ticks, rem = divmod(value, self.tick_sz)
        if rem != 0:
            raise DataError(f"{field} must be a multiple of tickSz={self.tick_sz}, was {px!r}")
        return int(ticks)

    def sz_to_lots(self, sz: str, *, field: str = "sz") -> int:
        """Parse a wire size into lots; reject non-numbers, sizes below minSz and off-lot sizes."""
        value = _parse_decimal(sz, field)
        if value < self.min_sz:
            raise DataError(f"{field} must be >= minSz={self.min_sz}, was {sz!r}")
        lots, rem = divmod(value, self.lot_sz)
        if rem != 0:
            raise DataError(f"{field} must be a multiple of lotSz={self.lot_sz}, was {sz!r}")
        return int(lots)

    def px(self, ticks: int) -> Decimal:
        """Ticks back to a decimal price."""
        return self.tick_sz * ticks

    def sz(self, lots: int) -> Decimal:
        """Lots back to a decimal size (contracts for SWAP, base units for SPOT)."""
        return self.lot_sz * lots

    def notional_quote(self, ticks: int, lots: int) -> Decimal:
        """Quote-currency value of ``lots`` at ``ticks`` (contracts converted with ctVal)."""
        return self.px(ticks) * self.sz(lots) * self.ct_val_base

    def to_okx(self) -> dict[str, str]:
        """The public/instruments row ccxt parses."""
        row = {
            "instId": self.inst_id,
            "instType": self.inst_type,
            "tickSz": str(self.tick_sz),
            "lotSz": str(self.lot_sz),
            "minSz": str(self.min_sz),
            "state": "live",
        }
        if self.inst_type == "SPOT":
            row |= {"baseCcy": self.base_ccy, "quoteCcy": self.quote_ccy}
        else:
            row |= {
                "uly": f"{self.base_ccy}-{self.quote_ccy}",
                "instFamily": f"{self.base_ccy}-{self.quote_ccy}",
                "settleCcy": self.quote_ccy,
                "ctVal": str(self.ct_val_base),
                "ctValCcy": self.base_ccy,
                "ctType": "linear",
                "lever": "100",
            }
        return row


def _parse_decimal(text: str, field: str) -> Decimal:
    try:
        value = Decimal(str(text))
    except (ArithmeticError, ValueError) as exc:
        raise DataError(f"{field} must be a decimal string, was {text!r}") from exc
    if not value.is_finite():
        raise DataError(f"{field} must be finite, was {text!r}")
    return value


DEFAULT_INSTRUMENTS: tuple[Instrument, ...] = (
    Instrument(
        "BTC-USDT", "SPOT", "BTC", "USDT", Decimal("0.1"), Decimal("0.0001"), Decimal("0.0001")
    ),
    Instrument(
        "BTC-USDT-SWAP",
        "SWAP",
        "BTC",
        "USDT",
        Decimal("0.1"),
        Decimal("1"),
        Decimal("1"),
        ct_val_base=Decimal("0.01"),
    ),
)
