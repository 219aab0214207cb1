"""Learner exceptions in the audit: waivers, substitutions, credit by petition, and how they
follow the learner to another programme or version, or are listed when they cannot."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from creditbank.domain import LearnerException, Outcome
from creditbank.engine.audit import compute_audit
from creditbank.engine.decision import Decision, ExceptionStatus
from creditbank.engine.explain import explain_exception, explain_unused
from creditbank.engine.match import match
from creditbank.engine.reasons import Reason
from creditbank.errors import InputInvalid
from creditbank.ruleset.loader import load_ruleset_from_sources
from creditbank.ruleset.ruleset import RuleSet
from tests.engine.small_rules import FRAME, small_ruleset

ON = dt.date(2024, 6, 1)

# A second programme at the polytechnic, and equivalences from the open university's courses.
POLY = """
programmes:
  - id: pmech
    name: {en: Polytechnic mechanics}
    institution: poly
    level: 5
    total_credits: 7
    effective: {from: 2020-01-01}
    categories:
      - {id: core, name: {en: Core}, min_credits: 4}
      - {id: elective, name: {en: Electives}}
    courses:
      - {code: P1, category: core}
      - {code: P2, category: elective}
    requirements:
      - {id: core_all, name: {en: Core}, courses: [P1]}
equivalences:
  - id: eq.m1_p1
    effective: {from: 2020-01-01}
    from: ou:M1
    to: poly:P1
    ratio: 0.5
"""
RULESET = small_ruleset(POLY)


def outcome(oid: str, **fields: Any) -> Outcome:
    base: dict[str, Any] = {"kind": "academic_course", "issuer": "poly", "date": "2023-06-01"}
    return Outcome.model_validate({"id": oid, **base, **fields})


def exception(eid: str, kind: str, target: str, **fields: Any) -> LearnerException:
    target_kind = fields.pop("target_kind", "course")
    if target_kind == "course":
        fields.setdefault("institution", "ou")
    return LearnerException.model_validate(
        {
            "id": eid,
            "kind": kind,
            "programme": fields.pop("programme", "mech"),
            "target_kind": target_kind,
            "target": target,
            "reason": f"reason of {eid}",
            **fields,
        }
    )


def audit(
    outcomes: list[Outcome], exceptions: list[LearnerException], programme: str = "mech"
) -> Decision:
    return compute_audit(RULESET, outcomes, programme, ON, exceptions)


def status(decision: Decision, eid: str) -> ExceptionStatus:
    return next(s for s in decision.exceptions if s.id == eid)


def requirement(decision: Decision, rid: str) -> Any:
    return next(r for r in decision.requirements if r.id == rid)


LATHE = outcome(
    "lathe", kind="skill_certificate", issuer="skills", occupation="lathe", rung="senior"
)
UNRULED = outcome("x9", code="X9", title="Welding", credits=3)


def test_a_waived_course_is_no_longer_missing_and_gives_no_credit() -> None:
    decision = audit([], [exception("X1", "waiver", "M3")])
    assert "M3" not in requirement(decision, "core_all").courses_missing
    assert set(requirement(decision, "core_all").courses_missing) == {"M1", "M2"}
    assert decision.totals.counted == 0 and decision.totals.by_exception == 0
    applied = status(decision, "X1")
    assert applied.applied and applied.target == "M3" and applied.credits == 0
    assert "M3 is waived by exception X1 (reason of X1)" in explain_exception(applied)


def test_a_waived_requirement_is_met_even_where_the_rules_never_exempt() -> None:
    decision = audit([], [exception("X1", "waiver", "thesis", target_kind="requirement")])
    thesis = requirement(decision, "thesis")
    assert thesis.met and thesis.courses_missing == () and thesis.missing_credits == 0
    assert not requirement(decision, "core_all").met


def test_a_substitution_grants_the_course_from_an_outcome_no_rule_recognises() -> None:
    before = audit([UNRULED], [])
    assert before.unused[0].reason is Reason.NO_RULE
    decision = audit([UNRULED], [exception("X1", "substitution", "M1", outcome="x9")])
    assert decision.unused == () and decision.grants == ()
    assert decision.totals.by_exception == Decimal(4)
    assert decision.totals.counted == decision.totals.transferred + 4
    assert decision.totals.remaining == before.totals.remaining - 4
    assert "M1" not in requirement(decision, "core_all").courses_missing
    core = next(c for c in decision.categories if c.id == "core")
    assert core.credits == 4
    text = explain_exception(status(decision, "X1"), "en")
    assert text == "x9 counts for course M1 (4 credits) by exception X1 (reason of X1)."


def test_the_course_a_substitution_takes_is_not_offered_to_the_rules() -> None:
    assert audit([LATHE], []).grants[0].target == "M2"
    decision = audit([LATHE, UNRULED], [exception("X1", "substitution", "M2", outcome="x9")])
    assert decision.grants == ()
    [unused] = decision.unused
    assert unused.outcome == "lathe" and unused.reason is Reason.USED_ELSEWHERE
    assert unused.params == {"target": "M2", "by": "exception X1"}
    assert "M2 is already granted through exception X1" in explain_unused(unused)


def test_credit_by_petition_in_a_category_counts_outside_the_rules_limits() -> None:
    training = outcome("t1", kind="enterprise_training", issuer="acme", hours=48)
    petition = exception("X1", "petition", "elective", target_kind="category", credits=2)
    decision = audit([training], [petition])
    elective = next(c for c in decision.categories if c.id == "elective")
    assert elective.credits == 3 + 2  # above the category maximum of 4: not the rules' credit
    assert decision.totals.transferred == 3 and decision.totals.by_exception == 2
    assert next(lim for lim in decision.limits if lim.id == "lim.enterprise").used == 3


def test_a_petition_for_a_course_takes_the_courses_credits() -> None:
    decision = audit([], [exception("X1", "petition", "G1")])
    assert status(decision, "X1").credits == 3 and decision.totals.counted == 3


def test_a_course_exception_follows_a_programme_change_through_an_equivalence() -> None:
    granted = [
        exception("X1", "substitution", "M1", outcome="x9"),
        exception("X2", "waiver", "M2"),
        exception("X3", "waiver", "thesis", target_kind="requirement"),
    ]
    decision = audit([UNRULED], granted, programme="pmech")
    followed = status(decision, "X1")
    assert followed.applied and followed.target == "P1"
    assert [r.id for r in followed.via] == ["eq.m1_p1"]
    assert followed.credits == 2  # the equivalence's ratio: it never creates credit
    assert "follows here through eq.m1_p1" in explain_exception(followed)
    no_route = status(decision, "X2")
    assert not no_route.applied and no_route.why_not == "no_equivalent"
    assert no_route.params == {"course": "ou:M2", "programme": "pmech"}
    assert "no equivalence leads from it" in explain_exception(no_route)
    stays = status(decision, "X3")
    assert stays.why_not == "programme_changed"
    assert "does not follow to pmech" in explain_exception(stays)
    assert "不随学习者转到pmech" in explain_exception(stays, "zh")


def test_an_exception_on_what_a_new_version_dropped_is_listed_not_dropped() -> None:
    gone = exception("X1", "petition", "workshop", target_kind="category", credits=1)
    decision = audit([], [gone, exception("X2", "waiver", "core_x", target_kind="requirement")])
    assert [s.why_not for s in decision.exceptions] == ["not_in_programme"] * 2
    assert decision.totals.counted == 0
    assert explain_exception(decision.exceptions[0]) == (
        "Exception X1 (petition for mech/workshop) does not apply: "
        "category workshop is no longer in programme mech."
    )


def test_an_exception_never_rests_on_an_outcome_that_is_not_live() -> None:
    revoked = outcome("x9", code="X9", credits=3, status="revoked")
    decision = audit([revoked], [exception("X1", "substitution", "M1", outcome="x9")])
    assert status(decision, "X1").why_not == "outcome_not_usable"
    assert status(decision, "X1").params == {"outcome": "x9", "status": "revoked"}
    missing = audit([], [exception("X1", "substitution", "M1", outcome="x9")])
    assert "not among the learner's outcomes" in explain_exception(missing.exceptions[0])


def test_two_exceptions_on_one_course_the_smaller_id_applies() -> None:
    other = outcome("x8", code="X8", credits=3)
    decision = audit(
        [UNRULED, other],
        [
            exception("X2", "substitution", "M1", outcome="x8"),
            exception("X1", "substitution", "M1", outcome="x9"),
        ],
    )
    assert status(decision, "X1").applied
    assert status(decision, "X2").why_not == "conflict"
    assert status(decision, "X2").params["other"] == "X1"
    assert [u.outcome for u in decision.unused] == ["x8"]  # released back to the rules


def test_a_course_completed_in_the_programme_needs_no_exception() -> None:
    done = outcome("m1", issuer="ou", code="M1", credits=4)
    decision = audit([done, UNRULED], [exception("X1", "substitution", "M1", outcome="x9")])
    assert status(decision, "X1").why_not == "already_completed"
    assert [u.outcome for u in decision.unused] == ["x9"]


def test_a_decision_without_exceptions_keeps_its_bytes_and_input_digest() -> None:
    decision = audit([LATHE], [])
    assert '"exceptions"' not in decision.canonical()
    with_one = audit([LATHE], [exception("X1", "waiver", "M3")])
    assert '"exceptions":[{"id":"X1"' in with_one.canonical()
    assert with_one.input_digest != decision.input_digest
    assert with_one.digest != decision.digest


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "substitution", "target_kind": "requirement"}, "granted on a course"),
        ({"kind": "substitution"}, "names the learner's 'outcome'"),
        ({"kind": "waiver", "outcome": "x9"}, "uses no outcome"),
        ({"kind": "petition", "target_kind": "category", "institution": None}, "how many"),
        ({"kind": "petition", "credits": 2}, "remove 'credits'"),
        ({"kind": "waiver", "institution": None}, "needs the 'institution'"),
        ({"kind": "waiver", "target_kind": "requirement", "institution": "ou"}, "no 'institution'"),
        ({"kind": "waiver", "reason": ""}, "at least 1 character"),
    ],
)
def test_an_exception_of_the_wrong_shape_is_refused_with_why(
    fields: dict[str, Any], message: str
) -> None:
    data: dict[str, Any] = {
        "id": "X1",
        "programme": "mech",
        "target_kind": "course",
        "target": "M1",
        "institution": "ou",
        "reason": "r",
    }
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    with pytest.raises(ValidationError, match=message):
        LearnerException.model_validate(data)


POOL = [
    exception("A", "waiver", "M3"),
    exception("B", "waiver", "thesis", target_kind="requirement"),
    exception("C", "substitution", "M1", outcome="x9"),
    exception("D", "substitution", "M1", outcome="x8"),
    exception("E", "substitution", "M2", outcome="x9"),
    exception("F", "petition", "G1"),
    exception("G", "petition", "elective", target_kind="category", credits=Decimal("1.5")),
    exception("H", "petition", "core", target_kind="category", credits=1, outcome="lathe"),
    exception("I", "waiver", "P2", institution="poly"),
    exception("J", "petition", "M2", outcome="gone"),
]
LEARNER = [
    LATHE,
    UNRULED,
    outcome("x8", code="X8", credits=3),
    outcome("p1", code="P1", credits=4, grade="B"),
    outcome("p2", code="P2", credits=3, grade="A"),
    outcome("t1", kind="enterprise_training", issuer="acme", hours=64),
]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(POOL), unique_by=lambda e: e.id),
    st.sampled_from(["mech", "pmech"]),
    st.randoms(use_true_random=False),
)
def test_every_exception_is_listed_once_and_the_totals_add_up(
    chosen: list[LearnerException], programme: str, rnd: random.Random
) -> None:
    decision = audit(LEARNER, chosen, programme)
    assert sorted(s.id for s in decision.exceptions) == sorted(e.id for e in chosen)
    applied = [s for s in decision.exceptions if s.applied]
    assert all(s.why_not == "" for s in applied)
    assert all(s.why_not for s in decision.exceptions if not s.applied)
    assert decision.totals.by_exception == sum((s.credits for s in applied), start=Decimal(0))
    totals = decision.totals
    assert totals.counted == totals.transferred + totals.earned_in_programme + totals.by_exception
    used = {s.outcome for s in applied if s.outcome}
    granted = {o for g in decision.grants for o in g.outcomes}
    assert not used & granted  # an outcome an exception rests on is not used by the rules
    assert not used & {u.outcome for u in decision.unused}
    shuffled = chosen[:]
    rnd.shuffle(shuffled)
    assert audit(list(reversed(LEARNER)), shuffled, programme).canonical() == decision.canonical()


def test_an_outcome_that_completes_a_course_cannot_also_carry_a_petition() -> None:
    done = outcome("m1", issuer="ou", code="M1", credits=4)
    petition = exception("X1", "petition", "core", target_kind="category", credits=2, outcome="m1")
    decision = audit([done], [petition])
    assert status(decision, "X1").why_not == "already_completed"
    assert status(decision, "X1").params == {"course": "M1"}
    assert decision.totals.counted == 4


def test_matching_carries_the_exceptions_to_every_programme() -> None:
    substitution = exception("X1", "substitution", "M1", outcome="x9")
    found = {
        m.programme: m for m in match(RULESET, [UNRULED], ON, exceptions=[substitution]).programmes
    }
    assert found["mech"].remaining == 20 - 4
    assert found["pmech"].remaining == 7 - 2  # through eq.m1_p1, at its ratio


def test_two_exceptions_sharing_an_id_are_refused() -> None:
    twice = [exception("X1", "waiver", "M3"), exception("X1", "waiver", "M2")]
    with pytest.raises(InputInvalid, match="two exceptions share this id"):
        audit([], twice)


def _versions_replacing_m1() -> RuleSet:
    """The small pack's programme in two versions: to 2024 as written; from 2025 with M4
    (a new course of the catalogue) in M1's place and without G1, and an equivalence from
    M1 to M4 from then on."""
    head, programme = FRAME.split("programmes:\n", 1)
    head = head.replace(
        "      - {code: T1, name: {en: Thesis}, credits: 6}",
        "      - {code: T1, name: {en: Thesis}, credits: 6}\n"
        "      - {code: M4, name: {en: Mechanics II}, credits: 4}",
    )
    old = programme.replace("{from: 2020-01-01}", "{from: 2020-01-01, to: 2024-12-31}", 1)
    new = programme.replace("{from: 2020-01-01}", "{from: 2025-01-01}", 1).replace("M1", "M4")
    new = new.replace("      - {code: G1, category: general}\n", "")
    new = new.replace(
        "{id: general, name: {en: General}, min_credits: 3}", "{id: general, name: {en: General}}"
    )
    equivalence = (
        "equivalences:\n"
        "  - {id: eq.m1_m4, effective: {from: 2025-01-01}, from: 'ou:M1', to: 'ou:M4'}\n"
    )
    return load_ruleset_from_sources(
        {"frame.yaml": head, "old.yaml": "programmes:\n" + old,
         "new.yaml": "programmes:\n" + new + equivalence}
    )  # fmt: skip


def test_a_course_exception_follows_a_new_version_through_an_equivalence() -> None:
    rules = _versions_replacing_m1()
    granted = [
        exception("X1", "substitution", "M1", outcome="x9"),
        exception("X2", "waiver", "G1"),
    ]
    before = compute_audit(rules, [UNRULED], "mech", dt.date(2024, 6, 1), granted)
    assert status(before, "X1").applied and status(before, "X1").target == "M1"
    assert status(before, "X2").applied and status(before, "X2").target == "G1"
    after = compute_audit(rules, [UNRULED], "mech", dt.date(2025, 6, 1), granted)
    followed = status(after, "X1")
    assert followed.applied and followed.target == "M4"
    assert [r.id for r in followed.via] == ["eq.m1_m4"]
    assert followed.credits == 4
    dropped = status(after, "X2")
    assert not dropped.applied and dropped.why_not == "no_equivalent"
    assert dropped.params == {"course": "ou:G1", "programme": "mech"}
    assert after.totals.by_exception == 4
