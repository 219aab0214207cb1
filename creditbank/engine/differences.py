"""Which rules act differently in two decisions about one learner: what a draft's impact
attributes each change to (``service/impact.py``). Compiled with the engine: an impact
compares the decisions of every learner whose figures change."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from creditbank.engine.decision import Decision
from creditbank.engine.trace import RuleRef

Part = tuple[Any, ...]
"""A rule's part in a decision: a grant, a refusal or a cap's use, with its results."""


def differing_rules(before: Decision | None, after: Decision | None) -> list[tuple[str, str, str]]:
    """``(rule id, file:line, change)`` for each rule whose part in the two decisions differs,
    in rule id order: one appearing in only one decision's grants, refusals or caps
    (``change`` "before" or "after"), or in both with other results there ("changed")."""
    was, now = _rule_parts(before), _rule_parts(after)
    found = []
    for rule_id in sorted(was.keys() | now.keys()):
        at_was, parts_was = was.get(rule_id, ("", frozenset()))
        at_now, parts_now = now.get(rule_id, ("", frozenset()))
        if parts_was == parts_now:
            continue
        change = "changed" if parts_was and parts_now else ("before" if parts_was else "after")
        found.append((rule_id, at_now or at_was, change))
    return found


def _rule_parts(decision: Decision | None) -> dict[str, tuple[str, frozenset[Part]]]:
    """Each rule's position and its parts in ``decision``: grants, refusals, caps."""
    if decision is None:
        return {}
    parts: dict[str, set[Part]] = {}
    where: dict[str, str] = {}
    for g in decision.grants:
        _note(parts, where, g.rules, ("grant", g.target, g.credits, g.outcomes))
    for u in decision.unused:
        _note(parts, where, u.rules, ("refusal", u.outcome, u.reason))
        for also in u.also:
            _note(parts, where, also.rules, ("refusal", u.outcome, also.reason))
    for limit in decision.limits:
        _note(parts, where, (limit.rule,), ("cap", limit.instance, limit.used, limit.binding))
    return {k: (where[k], frozenset(v)) for k, v in parts.items()}


def _note(
    parts: dict[str, set[Part]], where: dict[str, str], refs: Iterable[RuleRef], part: Part
) -> None:
    for ref in refs:
        rule_id = ref.id
        if rule_id not in where:
            where[rule_id] = ref.at
            parts[rule_id] = set()
        parts[rule_id].add(part)
