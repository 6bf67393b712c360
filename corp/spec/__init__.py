"""WHAT to run: layer models, the RunSpec, cross-layer policy, catalogue, packs.

Typical use from another package::

    from corp.spec import check_overrides, derived
    checked = check_overrides(["+profile=production"])   # compose conf/ + validate + policy
    spec = checked.spec                                   # a frozen RunSpec (None if invalid)
    sigma = derived.sigma_quote_per_sqrt_sec(spec.market)

Modules: ``types`` (constrained types), one model module per layer (``strategy``, ``risk``,
``hedge``, ``regime``, ``runtime``, ``mode``, ``market``, ``task``, ``pack``), ``run``
(``RunSpec``, phase-1 validation), ``policy`` (phase 2), ``catalogue``, ``identity`` (hash,
diff), ``records`` (approvals, change history), ``provenance``, ``preflight``, ``docs``.
"""

from corp.spec import derived as derived
from corp.spec.catalogue import CATALOGUE, Entry, lookup, p0_paths
from corp.spec.check import Checked, check_container, check_overrides
from corp.spec.compose import CONF_DIR, compose_config, to_container
from corp.spec.identity import Change, PackIdentity, diff_specs, pack_identity
from corp.spec.policy import RULES, PolicyReport, Violation, evaluate
from corp.spec.run import LAYERS, RunSpec, SpecInvalid, build_spec

__all__ = [
    "CATALOGUE",
    "CONF_DIR",
    "LAYERS",
    "RULES",
    "Change",
    "Checked",
    "Entry",
    "PackIdentity",
    "PolicyReport",
    "RunSpec",
    "SpecInvalid",
    "Violation",
    "build_spec",
    "check_container",
    "check_overrides",
    "compose_config",
    "derived",
    "diff_specs",
    "evaluate",
    "lookup",
    "p0_paths",
    "pack_identity",
    "to_container",
]
