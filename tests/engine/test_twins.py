"""A learner's audits under the version in force and under a draft share the answers about
single outcomes that hold under both (``engine/twins.py``), and give exactly the decisions of
audits that share nothing: on random drafts of the Chinese sample pack that change every kind
of section, the pack itself, and the positions of rules."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from creditbank.domain import Outcome
from creditbank.engine.audit import compute_audit
from creditbank.engine.decision import Decision
from creditbank.engine.memo import LearnerMemo, recall
from creditbank.engine.twins import READ, SELECTING, UNREAD, RuleChanges, Twins
from creditbank.errors import CreditBankError
from creditbank.ruleset import schema
from creditbank.ruleset.loader import load_ruleset_from_sources, read_sources
from creditbank.ruleset.ruleset import RuleSet
from creditbank.service.rule_tests import Case, case_files, read_cases

PACK = Path(__file__).parents[2] / "rules" / "cn-open-university"
SOURCES = read_sources(PACK)
IN_FORCE = load_ruleset_from_sources(SOURCES)
PROGRAMMES = ("ouc-mechatronics-associate", "ouc-logistics-associate", "ouc-mech-bachelor")
DATES = (dt.date(2024, 3, 1), dt.date(2026, 9, 1))

LADDER_TABLE = SOURCES["recognition/skill-ladder.yaml"]
"""A file whose rules a draft may indent further: their columns move, their lines do not."""

MUTATIONS: tuple[tuple[str, str, str], ...] = (
    ("recognition/hours.yaml", "per_hours: {hours: 16,", "per_hours: {hours: 8,"),
    (
        "recognition/hours.yaml",
        "match: {kind: enterprise_training}",
        "match: {kind: enterprise_training, delivery: online}",
    ),
    ("recognition/hours.yaml", "# 学时折算学分", "# moved down a line\n# 学时折算学分"),
    (
        "recognition/placements.yaml",
        "match: {kind: enterprise_training}\n    level: 4",
        "match: {kind: enterprise_training}\n    level: 3",
    ),
    (
        "recognition/exclusions.yaml",
        "conditions: {obtained_before: 2005-12-31}",
        "conditions: {obtained_before: 2024-12-31}",
    ),
    ("sameness.yaml", "issuer: neea, code: NCRE-1}", "issuer: neea, code: NCRE-9}"),
    ("issuers.yaml", "{from: 2022-01-01, to: 2026-12-31}", "{from: 2022-01-01, to: 2023-12-31}"),
    ("pack.yaml", "    keep: best_grade", "    keep: first"),
    (
        "framework.yaml",
        "grades: [不及格, 及格, 中等, 良好, 优秀]",
        "grades: [不及格, 中等, 及格, 良好, 优秀]",
    ),
    ("limits/recency.yaml", "max_age_years: 3", "max_age_years: 1"),
    ("limits/recency.yaml", "scope: {kinds: [academic_course]}", "scope: {min_level: 4}"),
    ("limits/mechatronics-associate.yaml", "max_credits: 45", "max_credits: 30"),
    (
        "transfers/logistics-associate.yaml",
        "to: {category: elective, credits: 2}",
        "to: {category: elective, credits: 3}",
    ),
    ("recognition/skill-ladder.yaml", LADDER_TABLE, LADDER_TABLE.replace("\n  ", "\n    ")),
)
"""Changes a draft may make: (file, text, replacement), touching recognitions, a selector,
the lines or only the columns of a file's rules, placements, exclusions, subsumptions, issuers, the pack,
grade scales, and sections no shared answer reads (recency, one rule scoped by framework
level; a limit; a transfer)."""


def _pool() -> list[Outcome]:
    """Every outcome of the pack's worked cases (the vocabulary its rules speak of)."""
    cases = (case for path in case_files(PACK) for _, case in read_cases(path).cases)
    return [o for case in cases if isinstance(case, Case) for o in case.outcomes]


POOL = _pool()
QUALIFICATIONS = [o for o in POOL if o.kind == "vocational_qualification"]
"""Outcomes of which a learner is given two: the subsumption families' members."""


def _draft(chosen: set[int]) -> RuleSet:
    sources = dict(SOURCES)
    for index in sorted(chosen):
        name, old, new = MUTATIONS[index]
        assert old in sources[name], f"the mutation no longer applies to {name}: {old!r}"
        sources[name] = sources[name].replace(old, new, 1)
    return load_ruleset_from_sources(sources)


def _learner(rng: random.Random) -> list[Outcome]:
    picked = rng.sample(POOL, k=10) + rng.sample(QUALIFICATIONS, k=2)
    return [o.model_copy(update={"id": f"o{n}"}) for n, o in enumerate(picked)]


def _audit(
    ruleset: RuleSet, outcomes: list[Outcome], programme: str, on: dt.date, memo: Any
) -> Decision | str:
    try:
        return compute_audit(ruleset, outcomes, programme, on, memo=memo, sealed=False)
    except CreditBankError as exc:
        return str(exc)


@settings(max_examples=40, deadline=None)
@given(
    chosen=st.sets(st.integers(0, len(MUTATIONS) - 1), min_size=1, max_size=2),
    seed=st.integers(0, 2**32),
)
def test_shared_answers_give_the_decisions_of_audits_sharing_nothing(
    chosen: set[int], seed: int
) -> None:
    """Either audit may come first: an answer the draft's audit works out is kept for both
    only where it holds under both."""
    draft = _draft(chosen)
    changes = RuleChanges.between(IN_FORCE, draft)
    rng = random.Random(seed)
    for _ in range(8):
        outcomes, programme, on = _learner(rng), rng.choice(PROGRAMMES), rng.choice(DATES)
        first = IN_FORCE.at(on)
        memo = LearnerMemo(first, on, Twins(changes, first, draft.at(on)))
        order = [IN_FORCE, draft] if rng.random() < 0.5 else [draft, IN_FORCE]
        shared = {id(r): _audit(r, outcomes, programme, on, memo) for r in order}
        alone = {id(r): _audit(r, outcomes, programme, on, None) for r in order}
        assert shared == alone


def test_every_section_is_classified() -> None:
    assert sorted(READ + SELECTING + UNREAD) == sorted(schema.SECTIONS)


def _twins(*indexes: int) -> tuple[Twins, dt.date]:
    on = DATES[1]
    first = IN_FORCE.at(on)
    draft = _draft(set(indexes))
    return Twins(RuleChanges.between(IN_FORCE, draft), first, draft.at(on)), on


TRAINING = Outcome(
    id="t", kind="enterprise_training", issuer="zhongbu-logistics", date=dt.date(2024, 3, 10),
    hours=64, assessed=True,
)  # fmt: skip
SKILL = Outcome(
    id="s", kind="skill_certificate", issuer="hn-skill-centre", date=dt.date(2023, 6, 1),
    occupation="6-18-01-01", rung="senior",
)  # fmt: skip
NCRE = Outcome(
    id="n", kind="vocational_qualification", issuer="neea", date=dt.date(2023, 6, 1),
    code="NCRE-1",
)  # fmt: skip


QUESTIONS = ("screen", "recognition", "subsumed", "duplicates")


def test_a_change_in_sections_no_answer_reads_shares_everything() -> None:
    twins, _ = _twins(9, 10, 11, 12)  # recency rules, a limit and a transfer
    for question in QUESTIONS:
        assert twins.shares(question, [TRAINING, SKILL])


def test_a_changed_rule_keeps_apart_the_answers_about_the_outcomes_it_selects() -> None:
    rate, _ = _twins(0)  # the enterprise training rate: a recognition
    assert not rate.shares("recognition", [SKILL, TRAINING])
    assert rate.shares("recognition", [SKILL])
    for question in ("screen", "subsumed", "duplicates"):  # they read no recognition
        assert rate.shares(question, [TRAINING])
    placement, _ = _twins(3)
    assert not placement.shares("recognition", [TRAINING])
    assert placement.shares("screen", [TRAINING])
    exclusion, _ = _twins(4)  # skill certificates before a date
    assert not exclusion.shares("screen", [SKILL])
    assert exclusion.shares("screen", [TRAINING])
    assert exclusion.shares("recognition", [SKILL])
    family, _ = _twins(5)  # a level out of a subsumption family
    assert not family.shares("subsumed", [SKILL, NCRE])
    assert family.shares("subsumed", [SKILL, TRAINING])
    assert family.shares("screen", [NCRE])


def test_a_rule_moved_in_its_file_is_a_change() -> None:
    twins, _ = _twins(2)  # a comment line above the hours rules
    assert not twins.shares("recognition", [TRAINING])
    assert twins.shares("recognition", [SKILL])
    indented, _ = _twins(len(MUTATIONS) - 1)  # the ladder's table, two columns to the right
    assert not indented.shares("recognition", [SKILL])
    assert indented.shares("recognition", [TRAINING])


def test_a_change_of_the_pack_shares_no_answer() -> None:
    twins, _ = _twins(7)
    for question in (*QUESTIONS, "unknown"):
        assert not twins.shares(question, [SKILL])


def test_the_memo_gives_the_second_view_only_the_answers_that_hold_there() -> None:
    twins, on = _twins(0)
    memo = LearnerMemo(twins.first, on, twins)
    asked: list[str] = []

    def work(label: str) -> str:
        asked.append(label)
        return label

    for outcome in (TRAINING, SKILL):
        assert recall(memo, "recognition", outcome, twins.first, on, work, "first") == "first"
    assert recall(memo, "recognition", SKILL, twins.second, on, work, "second") == "first"
    assert recall(memo, "recognition", TRAINING, twins.second, on, work, "second") == "second"
    assert recall(memo, "recognition", TRAINING, twins.first, on, work, "again") == "first"
    assert asked == ["first", "first", "second"]
