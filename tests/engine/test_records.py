"""The records the audit reads outcomes through carry every field as the outcome holds it."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings

from creditbank.domain import Outcome
from creditbank.engine.memo import LearnerMemo, recall
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

    def record(outcome: Outcome) -> OutcomeRecord:
        return recall(memo, "record", outcome, rules, on, OutcomeRecord, outcome)

    kept = record(first)
    assert record(first) is kept
    fresh = record(changed)
    assert fresh is not kept and fresh.code == "M2"
    assert recall(None, "record", first, rules, on, OutcomeRecord, first) is not kept
