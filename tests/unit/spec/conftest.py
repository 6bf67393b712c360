"""Spec tests compose the real ``conf/`` tree through Hydra's compose API."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence

import pytest

from corp.spec.compose import CONF_DIR, compose_config, to_container
from corp.spec.policy import PolicyReport, evaluate
from corp.spec.records import ChangeRecord, PolicyContext, load_approvals
from corp.spec.run import RunSpec, build_spec

TODAY = dt.date(2026, 6, 1)
"""A fixed 'today' inside the shipped approval's validity, so results never depend on the clock."""


def spec_of(overrides: Sequence[str] = ()) -> RunSpec:
    """The validated spec of ``overrides`` (cached: specs are frozen, composing costs ~0.1 s)."""
    return _spec_of(tuple(overrides))


@functools.cache
def _spec_of(overrides: tuple[str, ...]) -> RunSpec:
    return build_spec(to_container(compose_config(overrides)))


def context(changes: Sequence[ChangeRecord] = (), today: dt.date = TODAY) -> PolicyContext:
    return PolicyContext(today=today, approvals=load_approvals(CONF_DIR), changes=tuple(changes))


@pytest.fixture
def check() -> Callable[..., PolicyReport]:
    """Compose ``overrides``, validate, and run every policy rule."""

    def run(overrides: Sequence[str] = (), changes: Sequence[ChangeRecord] = ()) -> PolicyReport:
        return evaluate(spec_of(overrides), context(changes))

    return run
