"""The policy engine: run every rule, collect every violation, then apply the pack's stage and
its waivers.

A rule is a pure function ``(spec, context) -> iterable of Violation``; it never raises for a bad
value and never stops at the first problem, so the user sees all problems of a config at once.
Enforcement is decided here, not in the rules:

* a waiver (pack.waivers: rule, optional path, owner, reason, expiry) that matches and has not
  expired moves the violation to the ``waived`` list; an expired waiver, one naming an unknown
  rule, or one naming an ``always`` rule does not apply and is itself reported;
* severity ``error`` denies in stages staging and production; in stage research it is reported
  as a warning, except for rules marked ``always`` (mathematical validity and venue gates: an
  explosive Hawkes process or an unapproved live run is never only a warning);
* severity ``warning`` never denies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Literal

from corp.errors import PolicyDenied
from corp.spec.pack import Waiver
from corp.spec.records import PolicyContext
from corp.spec.run import RunSpec

__all__ = [
    "RULES",
    "PolicyReport",
    "Rule",
    "Severity",
    "Violation",
    "evaluate",
    "rule",
]

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    path: str
    severity: Severity
    message: str
    enforced: bool = True
    """False when the pack's stage (research) downgraded an error to a report."""

    def to_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "path": self.path,
            "severity": self.severity,
            "enforced": self.enforced,
            "message": self.message,
        }

    def line(self) -> str:
        note = "" if self.enforced or self.severity == "warning" else ", not enforced in research"
        return f"{self.path}: {self.message} (rule {self.rule}{note})"


RuleCheck = Callable[[RunSpec, PolicyContext], Iterable[Violation]]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    summary: str
    check: RuleCheck
    always: bool = False
    """Enforced at every stage, research included."""


RULES: dict[str, Rule] = {}


def rule(rule_id: str, summary: str, *, always: bool = False) -> Callable[[RuleCheck], RuleCheck]:
    """Register a rule under a stable id (ids are part of the interface: waivers name them)."""

    def register(check: RuleCheck) -> RuleCheck:
        if rule_id in RULES:
            raise ValueError(f"rule id {rule_id!r} registered twice")
        RULES[rule_id] = Rule(rule_id, summary, check, always)
        return check

    return register


@dataclass(frozen=True)
class PolicyReport:
    stage: str
    denied: tuple[Violation, ...] = ()
    warnings: tuple[Violation, ...] = ()
    waived: tuple[tuple[Violation, Waiver], ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.denied

    def lines(self) -> list[str]:
        """One line per problem: denied first, then warnings, then waived (with who and why)."""
        out = [f"ERROR   {v.line()}" for v in self.denied]
        out += [f"WARNING {v.line()}" for v in self.warnings]
        out += [
            f"WAIVED  {v.line()} [waiver: owner={w.owner}, expires={w.expires}, reason={w.reason}]"
            for v, w in self.waived
        ]
        return out

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: what a run directory records of the policy check that let it run."""
        return {
            "stage": self.stage,
            "ok": self.ok,
            "denied": [v.to_dict() for v in self.denied],
            "warnings": [v.to_dict() for v in self.warnings],
            "waived": [v.to_dict() | {"waiver": w.model_dump(mode="json")} for v, w in self.waived],
        }

    def raise_if_denied(self) -> None:
        if self.denied:
            raise PolicyDenied("\n".join(v.line() for v in self.denied))


def _matching_waiver(v: Violation, waivers: Iterable[Waiver]) -> Waiver | None:
    for waiver in waivers:
        if waiver.rule == v.rule and (waiver.path is None or waiver.path == v.path):
            return waiver
    return None


def _waiver_problems(spec: RunSpec, context: PolicyContext) -> list[Violation]:
    """Waivers that do not apply, each reported: expired, unknown rule, or a rule that guards
    validity or venue access and therefore cannot be waived."""
    out = []
    for i, waiver in enumerate(spec.pack.waivers):
        path = f"pack.waivers.{i}"
        if waiver.rule not in RULES:
            reason = f"names no rule ({waiver.rule}); known: {', '.join(sorted(RULES))}"
            out.append(Violation("policy.waiver_unknown_rule", path, "warning", reason))
        elif RULES[waiver.rule].always:
            reason = f"rule {waiver.rule} is enforced at every stage and cannot be waived"
            out.append(Violation("policy.waiver_not_allowed", path, "warning", reason))
        elif waiver.expires < context.today:
            reason = (
                f"waiver of {waiver.rule} (owner {waiver.owner}) expired on {waiver.expires}; "
                "it no longer applies"
            )
            out.append(Violation("policy.waiver_expired", path, "warning", reason))
    return out


def evaluate(
    spec: RunSpec, context: PolicyContext, rules: Iterable[Rule] | None = None
) -> PolicyReport:
    """Run every rule on ``spec``; return all violations sorted into denied/warnings/waived."""
    stage = spec.pack.stage
    active_rules = list(rules) if rules is not None else list(RULES.values())
    denied: list[Violation] = []
    warnings = _waiver_problems(spec, context)
    waived: list[tuple[Violation, Waiver]] = []
    usable = [
        w
        for w in spec.pack.waivers
        if w.expires >= context.today and w.rule in RULES and not RULES[w.rule].always
    ]
    for r in active_rules:
        for v in r.check(spec, context):
            waiver = _matching_waiver(v, usable)
            if waiver is not None:
                waived.append((v, waiver))
            elif v.severity == "warning":
                warnings.append(v)
            elif stage == "research" and not r.always:
                warnings.append(replace(v, enforced=False))
            else:
                denied.append(v)
    return PolicyReport(stage, tuple(denied), tuple(warnings), tuple(waived))
