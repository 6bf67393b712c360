"""Task layer: what ``python -m corp`` does with a valid spec, a union on ``name``.

Adding a task (run, compare, calibrate, walk_forward) = one model here (its options), one
``conf/task/<name>.yaml`` and one entry in ``corp.tasks.TASKS``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from corp.spec.types import SPEC_MODEL_CONFIG, NonNegFloat, PackName, PosInt

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


TASK_MODELS = (RunTask, ValidateTask, ShowTask, PackTask, DocsTask, CalibrateTask)
"""Every task model; the union below and the catalogue coverage test are built from it."""

TaskSpec = Annotated[
    RunTask | ValidateTask | ShowTask | PackTask | DocsTask | CalibrateTask,
    Field(discriminator="name"),
]
