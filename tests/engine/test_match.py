"""Programme matching: every programme in force, closest to a degree first, decided exactly as
an audit decides each one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creditbank.domain import Outcome
from creditbank.engine.audit import compute_audit
from creditbank.engine.match import match
from creditbank.engine.memo import LearnerMemo
from creditbank.errors import InputInvalid
from tests.engine.small_rules import small_ruleset

ON = dt.date(2026, 9, 1)


def _programme(pid: str, total: int, requirement: str = "", until: str = "") -> str:
    """A two-course programme of the small pack (M2, M3), optionally requiring M3."""
    required = (
        f"\n    requirements: [{{id: {requirement}, name: {{en: Drawing}}, courses: [M3]}}]"
        if requirement
        else ""
    )
    to = f", to: {until}" if until else ""
    return f"""
  - id: {pid}
    name: {{en: Programme {pid}}}
    institution: ou
    level: 5
    total_credits: {total}
    effective: {{from: 2020-01-01{to}}}
    categories: [{{id: core, name: {{en: Core}}}}]
    courses: [{{code: M2, category: core}}, {{code: M3, category: core}}]{required}"""


EXTRA = f"""
programmes:{_programme("shop", 6)}{_programme("drafting", 6)}{_programme("b_twin", 6)}{
    _programme("a_tie", 6, requirement="drawing")
}{_programme("retired", 1, until="2021-12-31")}
transfers:
  - id: tr.shop_lathe
    effective: {{from: 2020-01-01}}
    programme: shop
    from: {{outcome: {{kind: skill_certificate, occupation: lathe, min_rung: intermediate}}}}
    to: {{courses: [M2]}}
"""

RULES = small_ruleset(EXTRA)

LATHE = Outcome(
    id="lathe",
    kind="skill_certificate",
    issuer="skills",
    date=dt.date(2024, 1, 1),
    occupation="lathe",
    rung="senior",
)
LEARNER = [
    LATHE,
    Outcome(id="p1", kind="academic_course", issuer="poly", code="P1", grade="B", credits=4,
            date=dt.date(2023, 6, 1)),
    Outcome(id="p2", kind="academic_course", issuer="poly", code="P2", grade="A", credits=3,
            date=dt.date(2023, 6, 1)),
    Outcome(id="t1", kind="enterprise_training", issuer="acme", programme="cnc", hours=32,
            date=dt.date(2023, 3, 1)),
    Outcome(id="t2", kind="enterprise_training", issuer="acme", programme="plc", hours=16,
            date=dt.date(2022, 3, 1)),
]  # fmt: skip


def test_ranks_by_credits_remaining_then_groups_unmet_then_id() -> None:
    found = match(RULES, [LATHE], ON)
    order = [(m.programme, m.remaining, m.groups_unmet) for m in found.programmes]
    assert order == [
        ("shop", Decimal(3), 0),  # the lathe certificate exempts M2 here
        ("b_twin", Decimal(6), 0),  # same as drafting: the id decides
        ("drafting", Decimal(6), 0),
        ("a_tie", Decimal(6), 1),  # its drawing requirement is open: after, despite its id
        ("mech", Decimal(17), 5),
    ]  # "retired" is not in force on the date
    assert [m.rank for m in found.programmes] == [1, 2, 3, 4, 5]


def test_each_entry_is_the_programmes_own_audit() -> None:
    for entry in match(RULES, LEARNER, ON).programmes:
        decision = compute_audit(RULES, LEARNER, entry.programme, ON)
        assert entry.decision_digest == decision.digest
        assert (entry.remaining, entry.counted, entry.required) == (
            decision.totals.remaining,
            decision.totals.counted,
            decision.totals.required,
        )


@pytest.mark.parametrize("top", [0, 1, 2, 3, 10])
def test_top_grants_are_the_largest_in_the_decisions_order(top: int) -> None:
    mech = next(m for m in match(RULES, LEARNER, ON, top=top).programmes if m.programme == "mech")
    grants = compute_audit(RULES, LEARNER, "mech", ON).grants
    assert len(grants) >= 3
    credits = sorted((g.credits for g in grants), reverse=True)
    assert [g.credits for g in mech.top_grants] == credits[:top]
    for first, second in zip(mech.top_grants, mech.top_grants[1:], strict=False):
        assert first.credits > second.credits or grants.index(first) < grants.index(second)


@settings(max_examples=25, deadline=None)
@given(st.permutations(LEARNER))
def test_the_same_bytes_whatever_the_order_of_outcomes(outcomes: list[Outcome]) -> None:
    assert match(RULES, outcomes, ON).canonical() == match(RULES, LEARNER, ON).canonical()


def test_refuses_what_an_audit_refuses() -> None:
    with pytest.raises(InputInvalid, match="two outcomes share this id"):
        match(RULES, [LATHE, LATHE], ON)


def test_no_programme_in_force_gives_an_empty_ranking() -> None:
    found = match(RULES, LEARNER, dt.date(2019, 1, 1))
    assert found.programmes == ()
    assert found.ruleset_digest == RULES.digest


def test_a_memo_writes_the_input_of_other_outcome_objects_afresh() -> None:
    memo = LearnerMemo(RULES.at(ON), ON)
    first = compute_audit(RULES, LEARNER, "mech", ON, memo=memo)
    assert compute_audit(RULES, LEARNER, "mech", ON, memo=memo).digest == first.digest
    changed = [LEARNER[0].model_copy(update={"title": "another"}), *LEARNER[1:]]
    again = compute_audit(RULES, changed, "mech", ON, memo=memo)
    assert again.input_digest == compute_audit(RULES, changed, "mech", ON).input_digest
    assert again.input_digest != first.input_digest


def test_a_memo_answers_for_outcomes_together_only_for_the_same_objects() -> None:
    # Which certificate a higher rung subsumes and which courses repeat are kept for the
    # outcomes together; the same ids holding other outcomes are screened afresh.
    junior = LATHE.model_copy(update={"id": "lathe2", "rung": "junior"})
    again = LEARNER[1].model_copy(update={"id": "p1b"})
    first = [*LEARNER, junior, again]
    memo = LearnerMemo(RULES.at(ON), ON)
    before = compute_audit(RULES, first, "mech", ON, memo=memo)
    assert {u.outcome: u.reason for u in before.unused}.get("lathe2") == "subsumed"
    changed = [
        *LEARNER,
        junior.model_copy(update={"rung": "senior", "date": dt.date(2023, 1, 1)}),  # earlier
        again.model_copy(update={"code": "P2", "credits": 3}),
    ]
    after = compute_audit(RULES, changed, "mech", ON, memo=memo)
    assert after == compute_audit(RULES, changed, "mech", ON)
    assert {u.outcome: u.reason for u in after.unused}.get("lathe") == "subsumed"
