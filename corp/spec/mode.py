"""Mode layer: where orders go (offline, local OKX simulator, OKX demo, OKX live), the venue's fees
and latencies (offline backtests use the same figures) and the *names* of the key variables.
Secrets are never config values: only environment variable names appear here.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from corp.spec.types import SPEC_MODEL_CONFIG, ModeName, NonNegFloat, Venue

__all__ = ["ModeSpec"]

EnvVarName = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]*$")]
Bps = Annotated[float, Field(ge=-100.0, le=1000.0, allow_inf_nan=False)]


class ModeSpec(BaseModel):
    model_config = SPEC_MODEL_CONFIG

    name: ModeName
    venue: Venue
    rest_url: Annotated[str, Field(pattern=r"^https?://")] | None
    ws_public_url: Annotated[str, Field(pattern=r"^wss?://")] | None
    ws_private_url: Annotated[str, Field(pattern=r"^wss?://")] | None
    simulated_trading: bool
    maker_fee_bps: Bps
    taker_fee_bps: Bps
    feed_latency_ms: NonNegFloat
    order_entry_latency_ms: NonNegFloat
    order_response_latency_ms: NonNegFloat
    api_key_env: EnvVarName | None
    api_secret_env: EnvVarName | None
    api_passphrase_env: EnvVarName | None
    live_confirmed: bool
