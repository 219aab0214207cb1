"""Rule semantics a registrar signs: fill order, academic years, windows, which copy of a
repeated course counts, divisible grants, minimums inside the optimum, residency.

Each case is a few outcomes against a small programme written for it (on the small pack's
frame), with the answer worked out by hand in the comment above it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from creditbank.domain import Outcome
from creditbank.engine.audit import compute_audit
from creditbank.engine.decision import Decision
from creditbank.engine.explain import explain_unused
from creditbank.ruleset.ruleset import RuleSet
from creditbank.ruleset.schema import Fill, Keep
from tests.engine.small_rules import small_ruleset

ON = dt.date(2026, 9, 1)

PROGRAMME = """
programmes:
  - id: sem
    name: {{en: Semantics}}
    institution: ou
    level: 5
    total_credits: 40
    effective: {{from: 2020-01-01}}
    categories:
      - {{id: {major}, name: {{en: Major}}, min_credits: 3}}
      - {{id: {general}, name: {{en: General}}, min_credits: 3}}
      - {{id: free, name: {{en: Free electives}}}}
    courses:
      - {{code: M1, category: {major}}}
      - {{code: M2, category: {major}{m2}}}
      - {{code: G1, category: {general}}}
    {residency}
transfers:
  - id: tr.c3
    effective: {{from: 2020-01-01}}
    programme: sem
    from: {{outcome: {{kind: training_certificate, code: [C3a, C3b]}}}}
    to: {{category: free, credits: 3}}
  - id: tr.c4
    effective: {{from: 2020-01-01}}
    programme: sem
    from: {{outcome: {{kind: training_certificate, code: C4}}}}
    to: {{category: free, credits: 4}}
  - id: tr.either
    effective: {{from: 2020-01-01}}
    programme: sem
    from: {{outcome: {{kind: training_certificate, code: X}}}}
    to: {{category: [{major}, {general}], credits: 3}}
  - id: tr.major
    effective: {{from: 2020-01-01}}
    programme: sem
    from: {{outcome: {{kind: training_certificate, code: Y}}}}
    to: {{category: {major}, credits: 3}}
  - id: tr.both
    effective: {{from: 2020-01-01}}
    programme: sem
    from: {{outcome: {{kind: training_certificate, code: W}}}}
    to: {{courses: [M1, M2]}}
    {grant}
  - id: tr.poly_mechanics
    effective: {{from: 2020-01-01}}
    programme: sem
    from: {{outcome: {{kind: academic_course, issuer: poly, code: P1}}}}
    to: {{courses: M1}}
"""


def ruleset(
    limits: str = "",
    *,
    major: str = "major",
    general: str = "general",
    grant: str = "",
    residency: str = "",
    m2: str = "",
) -> RuleSet:
    """The small pack with the programme above and ``limits`` added."""
    text = PROGRAMME.format(major=major, general=general, grant=grant, residency=residency, m2=m2)
    return small_ruleset(text + (f"limits:\n{limits}" if limits else ""))


def with_pack(rules: RuleSet, **keys: Any) -> RuleSet:
    """``rules`` with ``pack:`` keys changed."""
    return RuleSet(rules.pack.model_copy(update=keys), rules.sections, rules.locations)


def cert(ident: str, code: str, date: str) -> Outcome:
    return Outcome(id=ident, kind="training_certificate", issuer="poly", code=code, date=date)


def audit(rules: RuleSet, *outcomes: Outcome) -> Decision:
    return compute_audit(rules, list(outcomes), "sem", ON)


def granted(decision: Decision) -> dict[str, str]:
    """Outcome -> what it was granted (course code or category id)."""
    return {o: g.target for g in decision.grants for o in g.outcomes}


def unused(decision: Decision) -> dict[str, str]:
    return {u.outcome: u.reason.value for u in decision.unused}


YEARLY = """
  - id: lim.yearly
    effective: {{from: 2020-01-01}}
    programme: sem
    scope: {{kinds: [training_certificate]}}
    max_credits: {bound}
    period: {period}
    {fill}
"""


def yearly(bound: int = 6, period: str = "{unit: year}", fill: str = "") -> str:
    return YEARLY.format(bound=bound, period=period, fill=fill)


DATED = (cert("c4", "C4", "2024-01-10"), cert("c3a", "C3a", "2024-05-01"))
LATER = cert("c3b", "C3b", "2024-09-01")


def test_an_optimal_limit_takes_the_subset_with_most_credits() -> None:
    # 6 a year: 4 (Jan), 3 (May), 3 (Sep). Optimal: 3 + 3 = 6, the January 4 left out.
    decision = audit(ruleset(yearly()), *DATED, LATER)
    assert decision.totals.transferred == 6
    assert unused(decision) == {"c4": "cap_reached"}


def test_a_chronological_limit_keeps_what_was_recognised_first() -> None:
    # In date order: January's 4 fits; May's 3 would make 7 > 6; September's 3 too: 4 in all.
    decision = audit(ruleset(yearly(fill="fill: chronological")), *DATED, LATER)
    assert decision.totals.transferred == 4
    assert granted(decision) == {"c4": "free"}
    assert unused(decision) == {"c3a": "cap_reached", "c3b": "cap_reached"}


def test_the_pack_sets_the_default_fill_and_a_limit_overrides_it() -> None:
    chronological = with_pack(ruleset(yearly()), fill=Fill.CHRONOLOGICAL)
    assert audit(chronological, *DATED, LATER).totals.transferred == 4
    overridden = with_pack(ruleset(yearly(fill="fill: optimal")), fill=Fill.CHRONOLOGICAL)
    assert audit(overridden, *DATED, LATER).totals.transferred == 6


def test_an_academic_year_starts_on_its_own_day() -> None:
    # 4 a year: 31 August and 1 September are two academic years (from 09-01), one calendar year.
    outcomes = (cert("c4", "C4", "2024-08-31"), cert("c3a", "C3a", "2024-09-01"))
    academic = audit(ruleset(yearly(4, "{unit: year, year_starts: '09-01'}")), *outcomes)
    assert academic.totals.transferred == 7
    assert {lim.instance for lim in academic.limits} == {
        "year from 2023-09-01",
        "year from 2024-09-01",
    }
    calendar = audit(ruleset(yearly(4)), *outcomes)
    assert calendar.totals.transferred == 4
    assert [lim.instance for lim in calendar.limits] == ["year 2024"]


def test_an_outcome_in_no_window_is_refused_by_the_limit_and_says_so() -> None:
    period = "{windows: [{name: {en: 2023-24}, from: 2023-09-01, to: 2024-08-31}]}"
    decision = audit(ruleset(yearly(10, period)), *DATED, LATER)
    assert granted(decision) == {"c4": "free", "c3a": "free"}
    (refusal,) = decision.unused
    assert (refusal.outcome, refusal.reason.value) == ("c3b", "cap_reached")
    assert refusal.params["instance"] == "outside every window"
    assert "outside every window" in explain_unused(refusal)
    instances = {lim.instance: (lim.bound, lim.binding) for lim in decision.limits}
    assert instances["outside every window"] == (0, True)
    assert instances["2023-24"][1] is False


def test_a_grant_each_rule_lets_a_cap_take_part_of_it() -> None:
    # W exempts M1 (4) and M2 (3); at most 5 transferred: whole, none; each, M1 alone.
    cap = """
  - id: lim.five
    effective: {from: 2020-01-01}
    programme: sem
    max_credits: 5
"""
    w = cert("w", "W", "2024-01-01")
    whole = audit(ruleset(cap), w)
    assert whole.totals.transferred == 0
    each = audit(ruleset(cap, grant="grant: each"), w)
    assert each.totals.transferred == 4
    assert [g.target for g in each.grants] == ["M1"]


def test_grant_each_without_a_cap_grants_every_course() -> None:
    decision = audit(ruleset(grant="grant: each"), cert("w", "W", "2024-01-01"))
    assert [g.target for g in decision.grants] == ["M1", "M2"]


def test_grant_each_grants_the_exemptable_courses_of_a_rule_that_names_one_that_is_not() -> None:
    w = cert("w", "W", "2024-01-01")
    each = audit(ruleset(grant="grant: each", m2=", exemptable: false"), w)
    assert [g.target for g in each.grants] == ["M1"]
    whole = audit(ruleset(m2=", exemptable: false"), w)
    assert unused(whole) == {"w": "not_exemptable"}


def test_among_equal_credits_the_allocation_meets_more_minimums() -> None:
    # X may count in major or general (3 each), Y only in major: major first in the programme
    # would take X, leaving general short; putting X in general meets both minimums.
    decision = audit(ruleset(), cert("x", "X", "2024-01-01"), cert("y", "Y", "2024-01-01"))
    assert granted(decision) == {"x": "general", "y": "major"}
    assert all(c.met for c in decision.categories)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.sampled_from(["X", "Y", "C3a", "C4"]), min_size=1, max_size=6),
    st.sampled_from([("major", "general"), ("zz", "aa"), ("general", "major"), ("b", "a")]),
    st.integers(3, 9),
)
def test_renaming_categories_changes_no_total_and_no_minimum_met(
    codes: list[str], names: tuple[str, str], bound: int
) -> None:
    cap = yearly(bound)
    outcomes = [cert(f"o{i}", code, f"2024-0{i % 9 + 1}-01") for i, code in enumerate(codes)]
    before = audit(ruleset(cap), *outcomes)
    after = audit(ruleset(cap, major=names[0], general=names[1]), *outcomes)
    assert after.totals == before.totals
    assert [c.met for c in after.categories] == [c.met for c in before.categories]
    assert [c.credits for c in after.categories] == [c.credits for c in before.categories]


def _copies(*grades_and_dates: tuple[str, str]) -> list[Outcome]:
    return [
        Outcome(id=f"p{i}", kind="academic_course", issuer="poly", code="P1", grade=g, date=d)
        for i, (g, d) in enumerate(grades_and_dates)
    ]


def _with_keep(keep: str) -> RuleSet:
    rules = ruleset()
    return with_pack(
        rules, duplicates=rules.pack.duplicates.model_copy(update={"keep": Keep(keep)})
    )


def test_keep_first_best_grade_and_optimal_name_the_copy_that_counts() -> None:
    copies = _copies(("C", "2022-01-10"), ("A", "2023-01-10"), ("B", "2021-06-01"))
    first = audit(_with_keep("first"), *copies)
    assert granted(first) == {"p2": "M1"}
    assert unused(first) == {"p0": "duplicate", "p1": "duplicate"}
    assert {u.params["of"] for u in first.unused} == {"p2"}
    best = audit(_with_keep("best_grade"), *copies)
    assert granted(best) == {"p1": "M1"}
    assert {u.params["of"] for u in best.unused} == {"p1"}
    optimal = audit(_with_keep("optimal"), *copies)
    assert optimal.totals.transferred == 4


def test_residency_is_a_requirement_shown_with_what_is_missing() -> None:
    earned = Outcome(id="e1", kind="academic_course", issuer="ou", code="G1", date="2025-01-10")
    transfer = cert("c4", "C4", "2024-03-01")
    plain = audit(ruleset(residency="residency: {min_credits: 5}"), earned, transfer)
    assert plain.residency is not None
    assert (plain.residency.met, plain.residency.credits, plain.residency.missing_credits) == (
        False,
        3,
        2,
    )
    # With last: only credits earned after the last transfer count (G1 in 2025 after March 2024).
    late = cert("c3a", "C3a", "2025-06-01")
    last = audit(ruleset(residency="residency: {min_credits: 3, last: true}"), earned, transfer)
    assert last.residency is not None and last.residency.met
    after = audit(
        ruleset(residency="residency: {min_credits: 3, last: true}"), earned, transfer, late
    )
    assert after.residency is not None
    assert (after.residency.met, after.residency.credits) == (False, 0)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.sampled_from(["W", "X", "Y", "C3a", "C4"]), min_size=1, max_size=5),
    st.integers(0, 12),
)
def test_a_divisible_rule_never_gives_less_than_the_whole_one(codes: list[str], bound: int) -> None:
    cap = f"""
  - id: lim.total
    effective: {{from: 2020-01-01}}
    programme: sem
    max_credits: {bound}
"""
    outcomes = [cert(f"o{i}", code, f"2024-0{i % 9 + 1}-01") for i, code in enumerate(codes)]
    whole = audit(ruleset(cap), *outcomes)
    each = audit(ruleset(cap, grant="grant: each"), *outcomes)
    assert each.totals.transferred >= whole.totals.transferred
    if not any(lim.binding for lim in whole.limits):
        assert each.totals == whole.totals
