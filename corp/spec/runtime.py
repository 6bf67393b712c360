"""Runtime layer: caches, timeouts, reconnects, alert thresholds and resource limits (seed 1.1)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from corp.spec.types import SPEC_MODEL_CONFIG, Fraction, LogLevel, PosFloat, PosInt

__all__ = ["RuntimeSpec"]


class RuntimeSpec(BaseModel):
    model_config = SPEC_MODEL_CONFIG

    greeks_cache_ttl_ms: PosFloat
    greeks_cache_max_entries: PosInt
    max_quote_latency_ms: PosFloat
    quote_latency_p95_slo_ms: PosFloat
    risk_check_latency_p95_slo_ms: PosFloat
    latency_breach_rollback_minutes: PosFloat
    availability_slo_pct: Annotated[float, Field(gt=0.0, lt=1.0)]
    halted_time_slo_pct: Annotated[float, Field(gt=0.0, lt=1.0)]
    rest_timeout_ms: PosFloat
    ws_stale_timeout_ms: PosFloat
    redis_timeout_ms: PosFloat
    postgres_timeout_ms: PosFloat
    reconnect_initial_backoff_ms: PosFloat
    reconnect_max_backoff_ms: PosFloat
    max_reconnects: PosInt
    max_orders_per_sec: PosFloat
    alert_for_secs: Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
    alert_branching_ratio: Annotated[float, Field(gt=0.0, lt=1.0)]
    alert_param_stability_min: Fraction
    alert_adverse_accuracy_min: Fraction
    alert_intensity_spread_corr_max: Annotated[float, Field(ge=-1.0, le=1.0)]
    cpu_limit_cores: PosFloat
    memory_limit_mb: PosInt
    health_port: Annotated[int, Field(ge=0, le=65535)]
    log_level: LogLevel
    metrics_sample_rate: Fraction
