"""The rule registry: every rule the checker knows, in catalogue order."""
from __future__ import annotations

import re
from typing import Callable

from .rule import Rule, RuleFunc

_RULES: dict[str, Rule] = {}


def register(rule: Rule, replace: bool = False) -> Rule:
    """Add a rule; an ID may be registered once unless ``replace``."""
    if rule.id in _RULES and not replace:
        raise ValueError(f"rule {rule.id} is already registered")
    _RULES[rule.id] = rule
    return rule


def rule(id: str, severity: str, title_zh: str, formula_zh: str, *, needs_prior: bool = False,
         source_tag: str = "INFERRED", same_as: str | None = None,
         also: tuple[tuple[str, str], ...] = (), applies: str = "") -> Callable[[RuleFunc], RuleFunc]:
    """Decorator form of ``register`` for a rule function (``also``/``applies``: see ``Rule``)."""
    def wrap(func: RuleFunc) -> RuleFunc:
        register(Rule(id, severity, title_zh, formula_zh, func, needs_prior, source_tag, same_as,
                      tuple(also), applies))
        return func
    return wrap


def _order(rule_id: str) -> tuple[str, int]:
    m = re.fullmatch(r"([A-Z]+)(\d+)", rule_id)
    return (m.group(1), int(m.group(2))) if m else (rule_id, 0)


def all_rules() -> list[Rule]:
    from . import rules  # noqa: F401  (registers the built-in rules on first use)
    return sorted(_RULES.values(), key=lambda r: _order(r.id))


def get_rule(rule_id: str) -> Rule:
    all_rules()
    return _RULES[rule_id]
