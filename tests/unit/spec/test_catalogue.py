"""The catalogue and the models cover each other exactly, and its metadata is usable."""

from __future__ import annotations

from pydantic import BaseModel

from corp.spec.catalogue import CATALOGUE, lookup, p0_paths
from corp.spec.market import MARKET_MODELS
from corp.spec.pack import PackMeta
from corp.spec.run import RunSpec
from corp.spec.strategy import STRATEGY_MODELS
from corp.spec.task import TASK_MODELS


def _kind(model: type[BaseModel], tag: str = "kind") -> str:
    return model.model_fields[tag].annotation.__args__[0]  # type: ignore[union-attr]


def _model_fields() -> set[tuple[str, str | None]]:
    """(dotted path, kind) of every field of every layer model."""
    out: set[tuple[str, str | None]] = set()
    for model in STRATEGY_MODELS:
        out |= {(f"strategy.{f}", _kind(model)) for f in model.model_fields}
    for model in MARKET_MODELS:
        out |= {(f"market.{f}", _kind(model)) for f in model.model_fields}
    for task in TASK_MODELS:
        out |= {(f"task.{f}", None) for f in task.model_fields}
    out |= {(f"pack.{f}", None) for f in PackMeta.model_fields}
    for layer in ("risk", "hedge", "regime", "runtime", "mode"):
        model = RunSpec.model_fields[layer].annotation
        out |= {(f"{layer}.{f}", None) for f in model.model_fields}  # type: ignore[union-attr]
    return out


def _catalogue_fields() -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for e in CATALOGUE:
        if e.kinds is None:
            out.append((e.path, None))
        else:
            out += [(e.path, k) for k in e.kinds]
    return out


def test_every_model_field_has_a_catalogue_entry() -> None:
    missing = _model_fields() - set(_catalogue_fields())
    assert not missing, f"fields without a catalogue entry: {sorted(missing, key=str)}"


def test_every_catalogue_entry_is_a_model_field() -> None:
    extra = set(_catalogue_fields()) - _model_fields()
    assert not extra, f"catalogue entries without a model field: {sorted(extra, key=str)}"


def test_no_field_is_catalogued_twice_for_the_same_kind() -> None:
    fields = _catalogue_fields()
    duplicates = {f for f in fields if fields.count(f) > 1}
    assert not duplicates


def test_the_seed_p0_parameters_are_p0() -> None:
    assert {
        "risk.daily_loss_limit_pct",
        "risk.max_drawdown_pct",
        "strategy.inventory_limit",
    } <= set(p0_paths())


def test_the_seed_p1_parameters_are_p1() -> None:
    for path in ("strategy.base_spread_bps", "strategy.gamma", "hedge.gamma_threshold",
                 "hedge.price_drop_threshold_pct"):  # fmt: skip
        entry = lookup(path, "avellaneda_stoikov")
        assert entry is not None
        assert entry.risk == "P1", path


def test_logging_and_observability_are_p2() -> None:
    assert lookup("runtime.log_level") is not None
    assert lookup("runtime.log_level").risk == "P2"  # type: ignore[union-attr]
    assert lookup("runtime.metrics_sample_rate").risk == "P2"  # type: ignore[union-attr]


def test_every_entry_states_unit_and_meaning_and_ordered_bounds() -> None:
    for e in CATALOGUE:
        assert e.unit.strip(), e.path
        assert e.meaning.strip(), e.path
        if e.bounds is not None:
            assert e.bounds[0] <= e.bounds[1], e.path


def test_hawkes_seed_ranges_are_the_catalogue_bounds() -> None:
    expected = {
        "aggressive_factor": (0.3, 0.7),
        "defensive_factor": (1.5, 3.0),
        "adverse_selection_threshold": (2.0, 3.0),
        "estimation_window": (50, 200),
        "inventory_skew_factor": (0.1, 1.0),
    }
    for name, bounds in expected.items():
        entry = lookup(f"strategy.{name}", "hawkes")
        assert entry is not None
        assert entry.bounds == bounds, name
