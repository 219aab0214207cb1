"""Re-auditing only the learners a change can touch gives exactly the report of re-auditing
everyone (issue 16), on random drafts: a few small changes to the test pack's rules,
programmes, limits, equivalences and issuers."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from creditbank.service import exceptions, impact, rulesets
from creditbank.store.session import session_scope
from creditbank.store.tables import Enrolment, OutcomeRow
from tests.store import population

M1_AS_M3 = "  - {id: eq.m1_m3, effective: {from: 2020-01-01}, from: ou:M1, to: ou:M3}\n"
"""An equivalence that lets an exception on mech's M1 follow a learner to draw's M3."""
MUTATIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("rules", "by_rung: {junior: 2,", ("by_rung: {junior: 4,", "by_rung: {junior: 1,")),
    ("rules", "per_hours: {hours: 16,", ("per_hours: {hours: 8,", "per_hours: {hours: 32,")),
    ("rules", "min_rung: intermediate", ("min_rung: junior", "min_rung: senior")),
    ("rules", "{min_grade: C}", ("{min_grade: A}", "{min_grade: D}")),
    ("rules", "max_credits: 3", ("max_credits: 1", "max_credits: 6")),
    ("rules", "to: {category: elective}", ("to: {category: general}",)),
    ("rules", "to: ou:M3", ("to: ou:M1",)),
    ("draw", "max_credits: 4", ("max_credits: 2", "max_credits: 8")),
    ("draw", "at_credits: 2", ("at_credits: 1", "at_credits: 4")),
    ("draw", "code: P2}}", ("code: P1}}",)),
    ("draw", "{outcome: {kind: enterprise_training}}", ("{outcome: {kind: skill_certificate}}",)),
    ("frame", "total_credits: 20", ("total_credits: 16",)),
    ("frame", "to: 2024-12-31}}]", ("to: 2025-12-31}}]",)),
    ("rules", "equivalences:\n", (f"equivalences:\n{M1_AS_M3}",)),
)

drafts = st.dictionaries(
    st.integers(0, len(MUTATIONS) - 1), st.integers(0, 1), min_size=1, max_size=3
)


EXCEPTIONS = {
    "L001": exceptions.Grant("waiver", "mech", "requirement", "thesis", "r", population.DATES[0]),
    "L002": exceptions.Grant(
        "petition", "mech", "category", "elective", "r", population.DATES[0], credits=Decimal(2)
    ),
    "L003": exceptions.Grant("waiver", "mech", "course", "M3", "r", population.DATES[0]),
}
"""Learners with exceptions (always audited: a change can move where one applies)."""


@pytest.fixture
def bank(engine: Engine, db_url: str, tmp_path: Path) -> tuple[Engine, str, int, Path]:
    version_id = population.build(engine, tmp_path / "pack")
    granted = {**EXCEPTIONS, _without_courses_in_draw(engine): M1_WAIVER}
    for learner, grant in granted.items():
        exceptions.record_exception(
            engine, learner_id=learner, grant=grant, actor="r", now=population.NOW
        )
    return engine, db_url, version_id, tmp_path


M1_WAIVER = exceptions.Grant("waiver", "mech", "course", "M1", "r", population.DATES[0])


def _without_courses_in_draw(engine: Engine) -> str:
    """A learner enrolled in draw holding no academic course: only its exception (M1_WAIVER)
    lets a change of equivalences touch it."""
    with session_scope(engine, read_only=True) as session:
        holders = set(
            session.scalars(
                select(OutcomeRow.learner_id).where(OutcomeRow.kind == "academic_course")
            )
        )
        in_draw = session.scalars(
            select(Enrolment.learner_id).where(Enrolment.programme == "draw").order_by(Enrolment.id)
        )
        return next(learner for learner in in_draw if learner not in holders)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(chosen=drafts)
def test_the_selection_gives_the_full_report(
    bank: tuple[Engine, str, int, Path], chosen: dict[int, int]
) -> None:
    engine, url, version_id, tmp = bank
    sources = dict(population.SOURCES)
    for index, option in sorted(chosen.items()):
        file, old, new = MUTATIONS[index]
        name = f"{file}.yaml"
        sources[name] = sources[name].replace(old, new[option % len(new)], 1)
    root = population.write_pack(tmp / ("draft-" + "-".join(map(str, sorted(chosen)))), sources)
    draft = rulesets.load_draft(engine, root=root, actor="p", now=population.NOW)
    full = impact.run_impact(url, draft_id=draft.id, against_id=version_id, full=True)
    only = impact.run_impact(url, draft_id=draft.id, against_id=version_id)
    assert only.changes == full.changes
    assert only.audited <= full.audited
    for programme, figures in only.summary["by_programme"].items():
        expected = full.summary["by_programme"][programme]
        assert {**figures, "audited": expected["audited"]} == expected
