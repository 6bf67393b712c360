"""Policy engine (``engine``) and the registered cross-layer rules (``rules``)."""

from corp.spec.policy import rules as rules
from corp.spec.policy.engine import RULES, PolicyReport, Rule, Violation, evaluate
from corp.spec.policy.rules import check_tuning_change

__all__ = ["RULES", "PolicyReport", "Rule", "Violation", "check_tuning_change", "evaluate"]
