"""Task layer: what ``python -m corp`` does with a valid spec, a union on ``name``.

Adding a task (run, compare, calibrate, walk_forward) = one model here (its options), one
``conf/task/<name>.yaml`` and one entry in ``corp.tasks.TASKS``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from corp.spec.types import (
    SPEC_MODEL_CONFIG,
    Fraction,
    FractionOpen,
    NonNegFloat,
    PackName,
    PosFloat,
    PosInt,
)

__all__ = [
    "TASK_MODELS",
    "CalibrateTask",
    "DocsTask",
    "PackTask",
    "RunTask",
    "ShowTask",
    "TaskSpec",
    "ValidateTask",
]


class RunTask(BaseModel):
    """Run the engine on the spec (mode=offline: the backtest driver) and write
    ``results_dir/<run_id>/`` with the summary and a manifest."""

    model_config = SPEC_MODEL_CONFIG
    name: Literal["run"]
    results_dir: Annotated[str, Field(min_length=1)]


class ValidateTask(BaseModel):
    model_config = SPEC_MODEL_CONFIG
    name: Literal["validate"]


class ShowTask(BaseModel):
    model_config = SPEC_MODEL_CONFIG
    name: Literal["show"]


class PackTask(BaseModel):
    model_config = SPEC_MODEL_CONFIG
    name: Literal["pack"]
    against: PackName | None


class DocsTask(BaseModel):
    model_config = SPEC_MODEL_CONFIG
    name: Literal["docs"]
    output: Annotated[str, Field(min_length=1)]


class CalibrateTask(BaseModel):
    """Seed 2.2-2.6 calibration on the market layer's events or a recorded file (never edits a
    pack; writes a record and a proposed diff under ``results_dir/<run_id>/``)."""

    model_config = SPEC_MODEL_CONFIG
    name: Literal["calibrate"]
    events_path: Annotated[str, Field(min_length=1)] | None
    results_dir: Annotated[str, Field(min_length=1)]
    inventory_candidates_lots: Annotated[list[PosInt], Field(min_length=1)]
    skew_candidates: Annotated[list[NonNegFloat], Field(min_length=1)]
    # Seed 2.4's stress streams: the market layer's stream under each family, with this window.
    # In config because the proposed limit is only as strong as the stress it survived: a reviewer
    # of the record must see, and a pack owner must be able to harden, what was simulated.
    stress_scenarios: Annotated[
        list[Literal["volume_spike", "liquidity_drought", "inventory_stress", "flash_crash",
                     "hawkes_drift"]],
        Field(min_length=1),
    ]  # fmt: skip
    stress_start_fraction: FractionOpen
    stress_duration_secs: PosFloat
    stress_sell_share: Fraction
    stress_intensity_multiplier: PosFloat
    stress_spread_multiplier: PosFloat
    stress_depth_multiplier: PosFloat


TASK_MODELS = (RunTask, ValidateTask, ShowTask, PackTask, DocsTask, CalibrateTask)
"""Every task model; the union below and the catalogue coverage test are built from it."""

TaskSpec = Annotated[
    RunTask | ValidateTask | ShowTask | PackTask | DocsTask | CalibrateTask,
    Field(discriminator="name"),
]
