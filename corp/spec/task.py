"""Task layer: what ``python -m corp`` does with a valid spec, a union on ``name``.

Adding a task (run, compare, calibrate, walk_forward) = one model here (its options), one
``conf/task/<name>.yaml`` and one entry in ``corp.tasks.TASKS``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from corp.spec.types import SPEC_MODEL_CONFIG, PackName

__all__ = ["DocsTask", "PackTask", "ShowTask", "TaskSpec", "ValidateTask"]


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


TaskSpec = Annotated[
    ValidateTask | ShowTask | PackTask | DocsTask,
    Field(discriminator="name"),
]
