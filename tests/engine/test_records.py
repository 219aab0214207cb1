"""The records the audit reads outcomes through carry every field as the outcome holds it."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings

from creditbank.domain import Outcome
from creditbank.engine.memo import LearnerMemo, record_of
from creditbank.engine.records import OutcomeRecord
from tests.engine.small_rules import small_ruleset
from tests.engine.test_canonical import any_outcome


@settings(max_examples=200)
@given(any_outcome())
def test_a_record_carries_every_field_of_its_outcome(outcome: Outcome) -> None:
    record = OutcomeRecord(outcome)
    for name in Outcome.model_fields:  # a field the record forgot raises AttributeError
        assert getattr(record, name) == getattr(outcome, name), name


def test_a_memo_keeps_one_record_per_outcome_object() -> None:
    on = dt.date(2026, 9, 1)
    rules = small_ruleset().at(on)
    memo = LearnerMemo(rules, on)
    first = Outcome(id="c1", kind="academic_course", issuer="u", date=on, code="M1")
    changed = first.model_copy(update={"code": "M2"})  # the same id, another outcome
    kept = record_of(memo, first)
    assert record_of(memo, first) is kept
    fresh = record_of(memo, changed)
    assert fresh is not kept and fresh.code == "M2"
    assert record_of(None, first) is not kept


def test_a_kept_record_is_never_handed_to_a_new_outcome_in_a_freed_ones_place() -> None:
    on = dt.date(2026, 9, 1)
    memo = LearnerMemo(small_ruleset().at(on), on)
    for code in ("M1", "M2", "M3"):  # each outcome dropped after use, its memory reusable
        outcome = Outcome(id="c1", kind="academic_course", issuer="u", date=on, code=code)
        assert record_of(memo, outcome).code == code
