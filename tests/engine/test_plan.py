"""Programme plans: one per (rule set, programme, date), never used on another date, and a
cached plan decides exactly as a fresh one; dates with the same rules in force share indexes,
and only they do; and the allocation problem an audit builds from its plan is solved as a
brute force solves it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import random
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creditbank.domain import Outcome
from creditbank.engine import audit
from creditbank.engine.allocation import Problem
from creditbank.engine.audit import compute_audit
from creditbank.engine.plan import compile_plan, plan_for
from creditbank.ruleset.ruleset import DATES_KEPT, RuleSet, RuleSetAt
from tests.engine.small_rules import small_ruleset
from tests.engine.test_allocation import brute_force

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


# Rules that come and go: caps, a transfer and an equivalence with periods drawn at random
# around a few days, so that audits meet dates on, just before and just after their changes.
DAYS = [dt.date(2024, 1, 1) + dt.timedelta(days=d) for d in (0, 1, 30, 31, 200, 365)]


def sorted_period(pair: tuple[dt.date, dt.date | None]) -> str:
    start, end = pair
    if end is None:
        return f"{{from: {start}}}"
    return f"{{from: {min(start, end)}, to: {max(start, end)}}}"


periods = st.tuples(st.sampled_from(DAYS), st.none() | st.sampled_from(DAYS)).map(sorted_period)


def _coming_and_going(caps: list[tuple[str, int]], transfer: str, equivalence: str) -> str:
    lines = ["limits:"]
    for i, (period, credits) in enumerate(caps):
        lines += [
            f"  - {{id: lim.c{i}, effective: {period}, programme: mech,",
            f"     scope: {{kinds: [enterprise_training]}}, max_credits: {credits}}}",
        ]
    lines += [
        "transfers:",
        f"  - {{id: tr.drawing, effective: {transfer}, programme: mech,",
        "     from: {outcome: {kind: academic_course, issuer: poly, code: P2}},",
        "     to: {courses: [M3]}}",
        "equivalences:",
        f"  - {{id: eq.p1_m1, effective: {equivalence}, from: 'poly:P1', to: 'ou:M1'}}",
    ]
    return "\n".join(lines) + "\n"


LEARNER = [
    _training("t1", 40),
    _training("t2", 24),
    Outcome(id="c1", kind="academic_course", issuer="poly", code="P1", credits=4, grade="B",
            date="2023-01-10"),
    Outcome(id="c2", kind="academic_course", issuer="poly", code="P2", credits=3, grade="C",
            date="2023-02-10"),
]  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(periods, st.integers(1, 3)), min_size=1, max_size=3),
    periods,
    periods,
    st.lists(
        st.sampled_from(DAYS).flatmap(
            lambda day: st.sampled_from(
                [day - dt.timedelta(days=1), day, day + dt.timedelta(days=1)]
            )
        ),
        min_size=2,
        max_size=8,
    ),
)
def test_dates_share_indexes_only_with_the_same_rules_in_force(
    caps: list[tuple[str, int]], transfer: str, equivalence: str, dates: list[dt.date]
) -> None:
    extra = _coming_and_going(caps, transfer, equivalence)
    warm = small_ruleset(extra)
    for on in dates:  # one rule set, its views of the dates before kept and lent
        decision = compute_audit(warm, LEARNER, "mech", on)
        fresh = small_ruleset(extra)
        assert decision.canonical() == compute_audit(fresh, LEARNER, "mech", on).canonical()
    for first in dates:
        for second in dates:
            if warm.epoch(first) == warm.epoch(second):
                # the same rules in force, as two views made apart find them
                assert RuleSetAt(warm, first).sections == RuleSetAt(warm, second).sections
                assert warm.at(first).memo is warm.at(second).memo
            else:
                assert warm.at(first).memo is not warm.at(second).memo
            assert warm.at(first).day == first and plan_for(warm, "mech", first).rules.day == first


def test_a_change_of_the_rules_starts_an_epoch() -> None:
    rules = small_ruleset(TIGHTER)
    before, on = BOUNDARY - dt.timedelta(days=1), BOUNDARY
    assert rules.epoch(before) != rules.epoch(on)
    assert rules.epoch(on) == rules.epoch(on + dt.timedelta(days=400))
    assert RuleSetAt(rules, before).sections["limits"] != RuleSetAt(rules, on).sections["limits"]


def _learners() -> st.SearchStrategy[list[Outcome]]:
    """A few outcomes competing for the small pack's courses and capped elective: training
    (some after the employer's accreditation ended), lathe certificates, polytechnic courses."""
    day = st.dates(dt.date(2021, 1, 1), dt.date(2025, 3, 1)).map(str)
    training = st.fixed_dictionaries(
        {"kind": st.just("enterprise_training"), "issuer": st.just("acme"),
         "hours": st.integers(8, 64), "assessed": st.just(True), "date": day}
    )  # fmt: skip
    lathe = st.fixed_dictionaries(
        {"kind": st.just("skill_certificate"), "issuer": st.just("skills"),
         "occupation": st.just("lathe"), "date": day,
         "rung": st.sampled_from(["junior", "intermediate", "senior"])}
    )  # fmt: skip
    poly = st.fixed_dictionaries(
        {"kind": st.just("academic_course"), "issuer": st.just("poly"), "date": day,
         "grade": st.sampled_from(["B", "B", "D"]),
         "code": st.sampled_from(["P1", "P2"]), "credits": st.sampled_from([3, 4])}
    )  # fmt: skip
    return st.lists(training | lathe | poly, min_size=3, max_size=9).map(
        lambda found: [Outcome(id=f"o{i}", **fields) for i, fields in enumerate(found)]
    )


@settings(max_examples=60, deadline=None)
@given(_learners(), st.sampled_from([dt.date(2024, 6, 1), dt.date(2025, 3, 1)]))
def test_an_audits_allocation_through_its_plan_equals_brute_force(
    learner: list[Outcome], on: dt.date
) -> None:
    seen: list[tuple[Problem, frozenset[int]]] = []
    solve = audit.solve

    def recorded(problem: Problem) -> frozenset[int]:
        chosen = solve(problem)
        seen.append((problem, chosen))
        return chosen

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(audit, "solve", recorded)
        compute_audit(RULES, learner, "mech", on)
    if not seen:
        pytest.skip("compiled engine: the audit calls its solver directly")
    ((problem, chosen),) = seen
    assert chosen == brute_force(problem)


def _audit_together(
    rules: RuleSet, together: threading.Barrier, days: list[dt.date]
) -> list[tuple[dt.date, str]]:
    """``LEARNER``'s decision on each of ``days``, once every thread is ready to start."""
    together.wait()
    return [(day, compute_audit(rules, LEARNER, "mech", day).canonical()) for day in days]


def test_audits_on_many_days_from_many_threads_decide_as_alone() -> None:
    """The API audits from several threads: views of days made, lent and dropped side by side
    (more days than are kept, the rules changing among them) decide as one thread does, from
    the first audits on a rule set, which work out its changes, on."""
    extra = _coming_and_going(
        [("{from: 2024-01-31}", 1)], "{from: 2024-02-01}", "{from: 2024-04-19}"
    )
    days = [dt.date(2023, 12, 1) + dt.timedelta(days=d) for d in range(0, 3 * DATES_KEPT, 2)]
    alone = small_ruleset(extra)
    expected = {day: compute_audit(alone, LEARNER, "mech", day).canonical() for day in days}
    threads = 8
    switching = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns as often as they can
    try:
        for round_ in range(30):
            shared, together = small_ruleset(extra), threading.Barrier(threads)
            order = random.Random(round_).sample(days, len(days))
            shares = [(shared, together, order[i::threads]) for i in range(threads)]
            with ThreadPoolExecutor(threads) as pool:
                decided = pool.map(_audit_together, *zip(*shares, strict=True))
                assert dict(itertools.chain.from_iterable(decided)) == expected
    finally:
        sys.setswitchinterval(switching)
