"""Programme plans: one per (rule set, programme, date), never used on another date, and a
cached plan decides exactly as a fresh one."""

from __future__ import annotations

import dataclasses
import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from creditbank.domain import Outcome
from creditbank.engine.audit import compute_audit
from creditbank.engine.plan import compile_plan, plan_for
from creditbank.ruleset.ruleset import DATES_KEPT
from tests.engine.small_rules import small_ruleset

# From 2025-01-01 a second cap holds enterprise training to 1 credit (3 before): audits on
# either side of the boundary must not share a plan.
TIGHTER = """
limits:
  - id: lim.tight
    effective: {from: 2025-01-01}
    programme: mech
    scope: {kinds: [enterprise_training]}
    max_credits: 1
"""
BOUNDARY = dt.date(2025, 1, 1)
RULES = small_ruleset(TIGHTER)


def _training(ident: str, hours: int) -> Outcome:
    return Outcome(
        id=ident, kind="enterprise_training", issuer="acme", date="2023-06-01", hours=hours,
        assessed=True,
    )  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(st.integers(-3, 3), st.lists(st.integers(16, 64), min_size=1, max_size=4))
def test_a_plan_is_never_used_on_another_date(offset: int, hours: list[int]) -> None:
    on = BOUNDARY + dt.timedelta(days=offset)
    learner = [_training(f"t{i}", h) for i, h in enumerate(hours)]
    plan = plan_for(RULES, "mech", on)
    assert plan.rules.day == on
    assert [t.limit_id for t in plan.templates] == (
        ["lim.enterprise", "lim.tight"] if on >= BOUNDARY else ["lim.enterprise"]
    )
    decision = compute_audit(RULES, learner, "mech", on)
    assert decision.totals.transferred <= (1 if on >= BOUNDARY else 3)
    # the cached plan decides as a freshly compiled one on a new rule set, byte for byte
    assert (
        decision.canonical()
        == compute_audit(small_ruleset(TIGHTER), learner, "mech", on).canonical()
    )


def test_plans_are_shared_on_one_date_and_compiled_the_same() -> None:
    on = dt.date(2026, 9, 1)
    cached = plan_for(RULES, "mech", on)
    assert plan_for(RULES, "mech", on) is cached
    assert dataclasses.replace(compile_plan(RULES.at(on), "mech"), rules=cached.rules) == cached


def test_the_dates_kept_are_bounded() -> None:
    rules = small_ruleset()
    start = dt.date(2026, 1, 1)
    for day in range(DATES_KEPT + 10):
        plan_for(rules, "mech", start + dt.timedelta(days=day))
    assert len(rules._at_cache) == DATES_KEPT
    latest = start + dt.timedelta(days=DATES_KEPT + 9)
    assert plan_for(rules, "mech", latest) is plan_for(rules, "mech", latest)
    assert start not in rules._at_cache  # the least recently asked for went first
