"""A programme's plan: what an audit needs from the rules, resolved once per date.

Every audit of a programme on a date reads the same things from the rule set: the programme,
its catalogue, its caps with their scopes, bounds and fill. A :class:`ProgrammePlan` holds them,
compiled once and shared by every audit with the same (rule set, programme, date), so that an
audit spends its time on the learner's outcomes only. Plans live in the rule set's view of the
date (``RuleSetAt.plans``), and those views in a bounded cache of dates (``ruleset.DATES_KEPT``):
a plan is never used on another date, so never across an effective-date boundary, and memory
stays bounded whatever dates are asked for. Another date with the same rules in force (the same
epoch) reuses what a plan resolved, and the indexes its audits built (``RuleSetAt.memo``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from creditbank.engine.limits import CapTemplate, cap_templates, fills_in_date_order
from creditbank.errors import NotFound
from creditbank.ruleset import schema
from creditbank.ruleset.ruleset import RuleSet, RuleSetAt


@dataclass(frozen=True)
class ProgrammePlan:
    """The rules in force for one programme on one date, resolved for audits."""

    rules: RuleSetAt
    programme: schema.Programme
    catalogue: dict[str, schema.Course]
    templates: tuple[CapTemplate, ...]
    in_date_order: bool


def plan_for(ruleset: RuleSet, programme_id: str, on: dt.date) -> ProgrammePlan:
    """The plan of ``programme_id`` on ``on``, made on first use (NotFound if the programme
    is not in force then)."""
    rules = ruleset.at(on)
    plan = rules.plans.get(programme_id)
    if plan is None:
        plan = rules.plans[programme_id] = _plan_on(rules, programme_id)
    assert isinstance(plan, ProgrammePlan)
    return plan


def compile_plan(rules: RuleSetAt, programme_id: str) -> ProgrammePlan:
    """A fresh plan (:func:`plan_for` keeps one per date): the measured compile step."""
    programme = rules.programmes.get(programme_id)
    if programme is None:
        hint = "programmes in force then: " + (", ".join(sorted(rules.programmes)) or "none")
        raise NotFound("programme", programme_id, hint=hint)
    catalogue = rules.catalogue_of(programme)
    templates = cap_templates(rules, programme, catalogue)
    return ProgrammePlan(rules, programme, catalogue, templates, fills_in_date_order(templates))


def _plan_on(rules: RuleSetAt, programme_id: str) -> ProgrammePlan:
    """The plan on ``rules``' day: what another day of its epoch resolved, if one did, with
    this day's view; else compiled."""
    key = f"plan:{programme_id}"
    resolved = rules.memo.get(key)
    if resolved is None:
        plan = compile_plan(rules, programme_id)
        rules.memo[key] = (plan.programme, plan.catalogue, plan.templates, plan.in_date_order)
        return plan
    programme, catalogue, templates, in_date_order = resolved
    return ProgrammePlan(rules, programme, catalogue, templates, in_date_order)
