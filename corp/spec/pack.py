"""Pack metadata: identity (name, version), stage, owner, rollback target and named waivers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field

from corp.spec.types import SPEC_MODEL_CONFIG, PackName, PackVersion, RuleId, Stage

__all__ = ["PackMeta", "Waiver"]

NonEmpty = Annotated[str, Field(min_length=1)]


class Waiver(BaseModel):
    """A named, owned, expiring exception to one rule (optionally only at one dotted path)."""

    model_config = SPEC_MODEL_CONFIG

    rule: RuleId
    path: NonEmpty | None = None
    owner: NonEmpty
    reason: NonEmpty
    expires: dt.date


class PackMeta(BaseModel):
    model_config = SPEC_MODEL_CONFIG

    name: PackName
    version: PackVersion
    stage: Stage
    description: str
    owner: NonEmpty | None
    rollback_version: PackVersion | None
    waivers: tuple[Waiver, ...]
