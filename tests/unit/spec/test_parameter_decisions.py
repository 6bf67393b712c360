"""docs/parameter-decisions.md cannot rot silently: its names exist, it covers the catalogue, and
what it says the engine ignores, the engine really ignores.

Section 3.1 lists spec fields ``pack_run_spec`` never reads: changing one must leave the engine's
parameters unchanged. Section 3.2 lists fields that are packed but ignored by some strategy
kinds' quote: changing one must change the parameter vector and leave every quote of the
plain-Python reference (``corp.core.reference``, which tests/unit/core holds equal to the njit
kernel) identical. Section 1.9 lists engine constants no pack can set. Each check
also runs on a field the engine does read, so a harness that cannot see a change fails.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest

from corp.core import reference as ref
from corp.core import types as t
from corp.core.params import DEFAULTS, pack_run_spec, param_vector
from corp.spec.catalogue import ALL_KINDS, CATALOGUE, entries_for
from corp.spec.compose import REPO_ROOT
from corp.spec.policy import RULES
from corp.spec.run import RunSpec
from tests.unit.spec.conftest import spec_of

DOC = REPO_ROOT / "docs" / "parameter-decisions.md"
DOTTED = re.compile(r"`([a-z_]+\.[a-z0-9_]+)`")
FIRST_CELL = re.compile(r"^`([a-z_]+(?:\.[a-z0-9_]+)?)`(?: \(([a-z_, ]+)\))?$")


@cache
def _text() -> str:
    return DOC.read_text(encoding="utf-8")


def _section(number: str) -> str:
    """The body of ``### <number> ...`` up to the next heading of level 2 or 3."""
    match = re.search(rf"^### {re.escape(number)} .*?$(.*?)(?=^##)", _text() + "\n##", re.M | re.S)
    assert match is not None, f"docs/parameter-decisions.md has no section {number}"
    return match.group(1)


def _rows(number: str) -> list[tuple[str, tuple[str, ...] | None, list[str]]]:
    """(name, kinds in brackets or None, remaining cells) of each table row of a section."""
    out = []
    for line in _section(number).splitlines():
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        match = FIRST_CELL.match(cells[0])
        assert match is not None, f"section {number}: first cell must be one name: {cells[0]!r}"
        kinds = tuple(k.strip() for k in match.group(2).split(",")) if match.group(2) else None
        out.append((match.group(1), kinds, cells[1:]))
    assert out, f"section {number} has no table rows"
    return out


MARKET_OPTIONS = {"synthetic": "synthetic", "scenario": "hawkes_medium"}
"""A ``conf/market`` option of each market kind."""


def _kinds_of(path: str, kinds: tuple[str, ...] | None) -> tuple[str, ...]:
    """The kinds a row applies to: its brackets, else every kind that has the field (market
    kinds for ``market.*``, strategy kinds otherwise)."""
    if kinds is not None:
        return kinds
    if path.startswith(("strategy.", "market.")):
        return tuple(sorted({k for e in entries_for(path) for k in e.kinds or ()}))
    return ALL_KINDS


def _spec(path: str, kind: str) -> RunSpec:
    if path.startswith("market."):
        return spec_of([f"market={MARKET_OPTIONS[kind]}"])
    return spec_of([f"strategy={kind}"])


def _changed(model: Any, field: str) -> Any:
    """A different value of the same shape (models are frozen; ``model_copy`` skips validation,
    which is fine: the engine packing validates nothing and only the difference matters)."""
    value = getattr(model, field)
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value * 2.0 + 1.0
    if isinstance(value, str):
        return value + "_changed"
    if isinstance(value, tuple):
        flipped = tuple(reversed(value))
        return flipped if flipped != value else (*value, value[-1])
    assert value is None, f"{field}: no rule to change a {type(value).__name__}"
    annotation = repr(type(model).model_fields[field].annotation)
    return "changed" if "str" in annotation else 0.5


def _with(spec: RunSpec, path: str, value: Any = None) -> RunSpec:
    layer, field = path.split(".", 1)
    model = getattr(spec, layer)
    new = _changed(model, field) if value is None else value
    changed = model.model_copy(update={field: new})
    assert getattr(changed, field) != getattr(model, field), f"{path}: value did not change"
    return spec.model_copy(update={layer: changed})


def _cases(number: str) -> list[Any]:
    return [
        pytest.param(path, kind, id=f"{path}[{kind}]")
        for path, kinds, _ in _rows(number)
        for kind in _kinds_of(path, kinds)
    ]


# ---- names --------------------------------------------------------------------------------------


def test_every_catalogued_parameter_is_named() -> None:
    named = set(DOTTED.findall(_text()))
    missing = sorted({e.path for e in CATALOGUE} - named)
    assert not missing, f"parameters without a decision in docs/parameter-decisions.md: {missing}"


def test_every_dotted_name_is_a_parameter_or_a_rule() -> None:
    known = {e.path for e in CATALOGUE} | set(RULES)
    unknown = sorted(set(DOTTED.findall(_text())) - known)
    assert not unknown, f"names in docs/parameter-decisions.md that do not exist: {unknown}"


@pytest.mark.parametrize("number", ["3.1", "3.2"])
def test_bracketed_kinds_have_the_field(number: str) -> None:
    for path, kinds, _ in _rows(number):
        entries = entries_for(path)
        assert entries, f"{path} is not in the catalogue"
        catalogued = {k for e in entries for k in e.kinds or ALL_KINDS}
        assert set(_kinds_of(path, kinds)) <= catalogued, f"{path}: kinds {kinds} lack the field"


# ---- 3.1: never read by pack_run_spec -----------------------------------------------------------


@pytest.mark.parametrize(("path", "kind"), _cases("3.1"))
def test_section_3_1_field_does_not_reach_the_engine(path: str, kind: str) -> None:
    spec = _spec(path, kind)
    assert pack_run_spec(_with(spec, path)) == pack_run_spec(spec)


@pytest.mark.parametrize(
    "path",
    ["strategy.base_spread_bps", "risk.capital_quote", "hedge.max_hedge_size_pct",
     "runtime.greeks_cache_ttl_ms", "mode.order_entry_latency_ms"],
)  # fmt: skip
def test_the_3_1_harness_sees_a_field_the_engine_reads(path: str) -> None:
    spec = _spec(path, "integrated")
    assert pack_run_spec(_with(spec, path)) != pack_run_spec(spec)


# ---- 3.2: packed, but the kind's quote ignores it -----------------------------------------------


def _quotes(p: Any) -> Iterator[tuple[float, ...]]:
    """Reference quotes over inventories, intensities, flags, regimes, breaker states, times and
    a wide and a one-tick book. The tau feature follows each vector's own horizon, as in a run."""
    cache_row = [0.0] * t.N_CACHE  # one cache per vector, visited in the same order
    limit, mid = p[t.P_INVENTORY_LIMIT], 50_000.0
    low, high = p[t.P_LOW_INTENSITY], p[t.P_HIGH_INTENSITY]
    grid = itertools.product(
        (0.0, 3.3, 1234.5),  # seconds since the start
        (200.0, 0.05),  # half the book's spread
        ((0.5 * low, 2.0 * high), (0.5 * (low + high),) * 2, (2.0 * high, 0.5 * low)),
        (0.0, 1.0),  # adverse-selection flag
        (t.REGIME_LOW_VOL, t.REGIME_NORMAL, t.REGIME_HIGH_VOL),
        (-limit, -0.5 * limit, 0.0, limit / 3.0, limit),
        (t.CB_NORMAL, t.CB_WARNING, t.CB_REDUCING),
    )
    for elapsed, half_book, (buy, sell), adverse, regime, q, state in grid:
        feat = [0.0] * t.N_FEATURES
        feat[t.F_MID] = mid
        feat[t.F_BEST_BID], feat[t.F_BEST_ASK] = mid - half_book, mid + half_book
        feat[t.F_BUY_INTENSITY], feat[t.F_SELL_INTENSITY] = buy, sell
        feat[t.F_ADVERSE], feat[t.F_REGIME] = adverse, float(regime)
        feat[t.F_TAU_SECS] = ref.tau_secs(p[t.P_HORIZON_SECS], elapsed)
        out = ref.quote(p, [], cache_row, feat, q, elapsed * 1e9, state, False)
        yield tuple(out[k] for k in sorted(out))


def _same_quotes(a: Any, b: Any) -> bool:
    for x, y in zip(_quotes(a), _quotes(b), strict=True):
        for u, v in zip(x, y, strict=True):
            if not (u == v or (math.isnan(u) and math.isnan(v))):
                return False
    return True


@pytest.mark.parametrize(("path", "kind"), _cases("3.2"))
def test_section_3_2_field_is_packed_but_ignored_by_the_quote(path: str, kind: str) -> None:
    spec = _spec(path, kind)
    before = param_vector(**pack_run_spec(spec))
    after = param_vector(**pack_run_spec(_with(spec, path)))
    assert list(before) != list(after), f"{path} is not packed for {kind}: it belongs in 3.1"
    assert _same_quotes(before, after)


@pytest.mark.parametrize(
    ("path", "kind"),
    [("strategy.base_spread_bps", "hawkes"), ("strategy.inventory_skew_factor", "hawkes"),
     ("strategy.gamma", "integrated"), ("strategy.fill_rate_a_per_sec", "glft")],
)  # fmt: skip
def test_the_3_2_harness_sees_a_field_the_quote_reads(path: str, kind: str) -> None:
    spec = _spec(path, kind)
    before = param_vector(**pack_run_spec(spec))
    assert not _same_quotes(before, param_vector(**pack_run_spec(_with(spec, path))))


# ---- 1.9: engine constants ----------------------------------------------------------------------


def test_engine_constants_match_the_code_and_no_pack_sets_them() -> None:
    for name, kinds, cells in _rows("1.9"):
        assert name in DEFAULTS, f"{name} is not an engine parameter"
        assert float(cells[0]) == DEFAULTS[name], f"{name}: doc {cells[0]}, code {DEFAULTS[name]}"
        for kind in kinds or ALL_KINDS:
            packed = pack_run_spec(_spec("strategy.kind", kind))
            assert name not in packed, f"{name} is set from the {kind} spec"
