"""Audits on the small pack: worked cases per rule type and reason, and the contract's properties."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creditbank.domain import Outcome
from creditbank.engine.audit import compute_audit
from creditbank.engine.decision import Decision, Unused
from creditbank.engine.explain import explain_grant, explain_unused
from creditbank.engine.matching import GRADES_AT_MOST, grade_failure
from creditbank.engine.reasons import Reason
from creditbank.errors import InputInvalid, NotFound
from creditbank.ruleset.loader import load_ruleset_from_sources
from tests.engine.small_rules import FRAME, RULES, small_ruleset

ON = dt.date(2026, 9, 1)
RULESET = small_ruleset()


def out(ident: str, kind: str, **attrs: Any) -> Outcome:
    attrs.setdefault("date", "2023-06-01")
    attrs.setdefault(
        "issuer", {"skill_certificate": "skills", "enterprise_training": "acme"}.get(kind, "poly")
    )
    return Outcome(id=ident, kind=kind, **attrs)


def lathe(ident: str, rung: str, date: str = "2023-01-01") -> Outcome:
    return out(ident, "skill_certificate", occupation="lathe", rung=rung, date=date)


def audit(*outcomes: Outcome, ruleset: Any = RULESET, on: dt.date = ON) -> Decision:
    return compute_audit(ruleset, list(outcomes), "mech", on)


def reasons(decision: Decision) -> dict[str, str]:
    return {u.outcome: u.reason.value for u in decision.unused}


def grants(decision: Decision) -> dict[str, tuple[str, ...]]:
    return {g.target: g.outcomes for g in decision.grants}


def test_the_highest_rung_counts_and_lower_ones_are_subsumed() -> None:
    d = audit(lathe("low", "junior"), lathe("high", "三级"))
    assert grants(d) == {"M2": ("high",)}
    assert reasons(d) == {"low": "subsumed"}
    assert d.unused[0].params == {"by": "high"}
    assert {r.outcome: r.credits for r in d.recognised} == {"high": Decimal(6)}


def test_a_rung_below_the_minimum_gets_no_course() -> None:
    d = audit(lathe("c", "junior"))
    assert d.grants == ()
    assert reasons(d) == {"c": "no_rule"}


def test_a_bundle_needs_all_its_parts_and_grants_both_courses_whole() -> None:
    p1 = out("p1", "academic_course", code="P1", grade="B", credits=4)
    p2 = out("p2", "academic_course", code="P2", grade="A", credits=3)
    assert grants(audit(p1, p2)) == {"M1": ("p1", "p2"), "M3": ("p1", "p2")}
    alone = audit(p1)
    assert reasons(alone) == {"p1": "bundle_incomplete"}


def test_articulation_alone_grants_the_target_course_at_most_its_credits() -> None:
    p2 = out("p2", "academic_course", code="P2", grade="A", credits=3)
    d = audit(p2)
    assert [(g.target, g.credits, [r.id for r in g.rules]) for g in d.grants] == [
        ("M3", Decimal(2), ["eq.p2_m3"])
    ]


def test_below_grade_is_refused_with_the_grade_in_the_explanation() -> None:
    p1 = out("p1", "academic_course", code="P1", grade="D", credits=4)
    p2 = out("p2", "academic_course", code="P2", grade="A", credits=3)
    d = audit(p1, p2)
    assert reasons(d)["p1"] == "below_grade"
    sentence = explain_unused(next(u for u in d.unused if u.outcome == "p1"), "en")
    assert "grade D" in sentence and "C" in sentence


def test_a_grade_on_no_scale_of_the_minimum_is_not_called_below_it() -> None:
    # The pack's only scale is letters (F to A); "良好" (good, on the five-level scale) cannot
    # be compared with the rule's C: the learner is told so, not that it is below C.
    p1 = out("p1", "academic_course", code="P1", grade="良好", credits=4)
    p2 = out("p2", "academic_course", code="P2", grade="A", credits=3)
    d = audit(p1, p2)
    assert reasons(d)["p1"] == "grade_not_on_scale"
    unused = next(u for u in d.unused if u.outcome == "p1")
    assert unused.params["have"] == "良好" and unused.params["need"] == "C"
    assert explain_unused(unused, "en") == (
        "p1 has grade 良好, which is not on the scale of the C the rule requires "
        "(Letters (F, D, C, B, A)), so the two cannot be compared."
    )
    assert explain_unused(unused, "zh") == (
        "p1的成绩良好不在规则要求的C所属的成绩等级中（Letters (F, D, C, B, A)），无法比较。"
    )
    assert "below" not in explain_unused(unused, "en")
    # A grade on the scale but lower is still "below"; a missing grade too.
    d = audit(p2, out("p1", "academic_course", code="P1", credits=4))
    assert reasons(d)["p1"] == "below_grade"


def test_a_decision_changed_by_its_reader_changes_no_later_decision() -> None:
    # A refusal's reason is worked out once per rule-set view and shared by later audits;
    # each decision carries its own copy of what it says.
    p1 = out("p1", "academic_course", code="P1", grade="良好", credits=4)
    first = audit(p1)
    next(u for u in first.unused if u.outcome == "p1").params["need"] = "changed"
    again = next(u for u in audit(p1).unused if u.outcome == "p1")
    assert again.params["need"] == "C"


def test_reasons_with_sentences_in_both_languages_are_explained() -> None:
    # Parameters such as "why.en" are whole keys, not attributes (they used to crash).
    rejected = Unused(
        outcome="x1", reason=Reason.REJECTED, params={"why.en": "a licence", "why.zh": "许可证"}
    )
    assert explain_unused(rejected, "en") == "x1 is not accepted by this programme: a licence."
    assert explain_unused(rejected, "zh") == "x1不被本专业接受：许可证。"


def test_an_issuer_outside_its_accreditation_is_refused() -> None:
    d = audit(out("t", "enterprise_training", hours=32, date="2025-03-01"))
    assert reasons(d) == {"t": "issuer_not_accredited"}


def test_caps_choose_the_best_subset_and_say_which_cap_bound() -> None:
    # 40 h = 2.5 credits, 48 h = 3; the enterprise cap is 3 credits.
    d = audit(out("a", "enterprise_training", hours=40), out("b", "enterprise_training", hours=48))
    assert grants(d) == {"elective": ("b",)}
    assert reasons(d) == {"a": "cap_reached"}
    assert any(lim.id == "lim.enterprise" and lim.binding for lim in d.limits)


def test_residency_keeps_transfers_below_total_minus_residency() -> None:
    extra = """
transfers:
  - id: tr.big
    effective: {from: 2020-01-01}
    programme: mech
    from: {outcome: {kind: competition_award}}
    to: {courses: [M1, M2, M3, G1]}
"""
    ruleset = small_ruleset(extra)
    d = audit(
        out("w", "competition_award", issuer="skills", tier="national", rank=1), ruleset=ruleset
    )
    # The whole option is 12 credits = 20 total - 8 residency: it fits exactly.
    assert d.totals.transferred == Decimal(12)
    assert d.totals.remaining == Decimal(8)


def test_non_exemptable_thesis_stays_missing() -> None:
    d = audit(lathe("c", "senior"))
    thesis = next(r for r in d.requirements if r.id == "thesis")
    assert not thesis.met and thesis.courses_missing == ("T1",)


def test_a_course_earned_in_the_programme_is_not_a_transfer() -> None:
    d = audit(out("g", "academic_course", issuer="ou", code="G1", credits=3, grade="B"))
    assert d.grants == () and [e.course for e in d.earned] == ["G1"]
    assert d.totals.earned_in_programme == Decimal(3)


def test_the_same_course_twice_counts_once() -> None:
    a = out("a", "enterprise_training", hours=48, title="CAD Basics I")
    b = out("b", "enterprise_training", hours=32, title="Computer Aided Design basics 1")
    d = audit(a, b)
    assert grants(d) == {"elective": ("a",)}
    assert reasons(d) == {"b": "duplicate"}


def test_unverified_and_unknown_issuer_are_refused() -> None:
    d = audit(
        out("s", "skill_certificate", occupation="lathe", rung="senior", status="submitted"),
        out("u", "academic_course", issuer="nowhere", code="X"),
    )
    assert reasons(d) == {"s": "not_verified", "u": "unknown_issuer"}


def test_an_unknown_programme_or_repeated_outcome_id_is_a_clear_error() -> None:
    with pytest.raises(NotFound, match="programmes in force then: mech"):
        compute_audit(RULESET, [], "nope", ON)
    with pytest.raises(InputInvalid, match="share this id"):
        audit(lathe("x", "senior"), lathe("x", "junior"))


def test_every_grant_and_refusal_reads_as_a_sentence_in_both_languages() -> None:
    d = audit(
        lathe("low", "junior"), lathe("high", "senior"), out("t", "enterprise_training", hours=48)
    )
    for lang in ("zh", "en"):
        for grant in d.grants:
            text = explain_grant(grant, lang)
            assert grant.target in text and "rules.yaml:" in text and "?" not in text
        for item in d.unused:
            assert "?" not in explain_unused(item, lang)


# --- properties ---------------------------------------------------------------------------

RUNGS = ["junior", "intermediate", "senior"]


@st.composite
def learners(draw: st.DrawFn) -> list[Outcome]:
    result = []
    for i in range(draw(st.integers(0, 7))):
        kind = draw(st.sampled_from(["skill", "training", "p1", "p2", "g1"]))
        year = draw(st.integers(2019, 2026))
        date = f"{year}-0{draw(st.integers(1, 9))}-15"
        ident = f"o{i}"
        if kind == "skill":
            result.append(lathe(ident, draw(st.sampled_from(RUNGS)), date))
        elif kind == "training":
            result.append(
                out(
                    ident,
                    "enterprise_training",
                    hours=draw(st.sampled_from([8, 16, 40, 48, 64])),
                    date=date,
                    title=draw(st.sampled_from(["A", "B", None])),
                )
            )
        elif kind == "g1":
            result.append(
                out(ident, "academic_course", issuer="ou", code="G1", credits=3, date=date)
            )
        else:
            code = kind.upper()
            result.append(
                out(
                    ident,
                    "academic_course",
                    code=code,
                    date=date,
                    credits=3,
                    grade=draw(st.sampled_from(["A", "C", "D"])),
                )
            )
    return result


@settings(max_examples=60, deadline=None)
@given(learners(), st.randoms(use_true_random=False))
def test_same_input_in_any_order_gives_identical_bytes(
    outcomes: list[Outcome], rnd: random.Random
) -> None:
    first = audit(*outcomes).canonical()
    shuffled = list(outcomes)
    rnd.shuffle(shuffled)
    # The rules split differently across files must not matter either.
    sources = {"z.yaml": RULES, "a/frame.yaml": FRAME}
    resplit = load_ruleset_from_sources(sources)
    assert audit(*shuffled, ruleset=resplit).canonical() == first


def test_canonical_json_writes_mappings_in_key_order() -> None:
    decision = audit(lathe("l1", "senior"))
    below = Unused(outcome="l1", reason=Reason.BELOW_GRADE, params={"need": "C", "have": "D"})
    flipped = dataclasses.replace(below, params={"have": "D", "need": "C"})
    one, two = (dataclasses.replace(decision, unused=(u,)).canonical() for u in (below, flipped))
    assert one == two and '"params":{"have":"D","need":"C"}' in one


@settings(max_examples=60, deadline=None)
@given(learners(), learners())
def test_adding_an_outcome_never_lowers_the_credits(
    base: list[Outcome], more: list[Outcome]
) -> None:
    extra = [o.model_copy(update={"id": f"x{o.id}"}) for o in more]
    before = audit(*base).totals.counted
    assert audit(*base, *extra).totals.counted >= before


@settings(max_examples=60, deadline=None)
@given(learners())
def test_no_inflation_no_course_over_its_credits_no_cap_exceeded_no_outcome_twice(
    outcomes: list[Outcome],
) -> None:
    d = audit(*outcomes)
    catalogue = RULESET.at(ON).courses
    for g in d.grants:
        if g.target_kind == "course":
            assert g.credits <= catalogue[("ou", g.target)].credits
    assert all(lim.used <= lim.bound for lim in d.limits)
    used = [o for g in {(g.outcomes, tuple(r.id for r in g.rules)) for g in d.grants} for o in g[0]]
    assert len(used) == len(set(used))
    assert not {u.outcome for u in d.unused} & set(used)
    assert len({g.target for g in d.grants if g.target_kind == "course"}) == len(
        [g for g in d.grants if g.target_kind == "course"]
    )


def test_equivalence_cycles_give_nothing_extra() -> None:
    cycle = """
equivalences:
  - {id: eq.m3_p2, effective: {from: 2020-01-01}, from: "ou:M3", to: "poly:P2"}
  - {id: eq.p1_p2, effective: {from: 2020-01-01}, from: "poly:P1", to: "poly:P2", both_ways: true}
"""
    d = audit(
        out("p2", "academic_course", code="P2", grade="A", credits=3), ruleset=small_ruleset(cycle)
    )
    assert [(g.target, g.credits) for g in d.grants] == [("M3", Decimal(2))]


def test_what_if_is_the_same_call_with_another_date() -> None:
    p = out("t", "enterprise_training", hours=48, date="2024-06-01")
    assert audit(p).totals.transferred == Decimal(3)
    assert audit(p, on=dt.date(2024, 3, 1)).grants == ()


def test_more_outcomes_than_an_audit_takes_are_refused_with_the_limit() -> None:
    from creditbank.engine.audit import MAX_OUTCOMES

    outcomes = [lathe(f"c{i:04d}", "junior") for i in range(MAX_OUTCOMES + 1)]
    with pytest.raises(InputInvalid, match=f"at most {MAX_OUTCOMES}"):
        audit(*outcomes)
    assert audit(*outcomes[:MAX_OUTCOMES]).totals.transferred >= 0


def test_grade_answers_are_remembered_within_a_bound_and_stay_right() -> None:
    """Grades come from learners' files: the view remembers each (grade, minimum) answer, but
    never more than GRADES_AT_MOST of them, and a remembered answer is the one worked out."""
    rules = load_ruleset_from_sources(
        {
            "s.yaml": "pack: {id: p, name: {en: P}, framework: f}\n"
            "frameworks: [{id: f, name: {en: F}, levels: [{level: 1, name: {en: one}}]}]\n"
            "grade_scales: [{id: l, name: {en: L}, grades: [F, D, C, B, A]}]\n"
        }
    ).at(dt.date(2025, 1, 1))
    for _ in range(2):  # worked out, then remembered
        assert grade_failure("B", "C", rules) is None
        below = grade_failure("D", "C", rules)
        assert below is not None and below.reason == Reason.BELOW_GRADE
        off = grade_failure("pass", "C", rules)
        assert off is not None and off.reason == Reason.GRADE_NOT_ON_SCALE
    for n in range(GRADES_AT_MOST + 10):
        grade_failure(f"g{n}", "C", rules)
    assert len(rules.memo["grades"]) <= GRADES_AT_MOST
