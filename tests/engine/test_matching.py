"""Selectors, scopes and conditions read once from the rule's model: every key of the format is still
tested."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from creditbank.domain import Outcome
from creditbank.engine.matching import check_condition
from creditbank.engine.records import OutcomeRecord
from creditbank.ruleset import schema
from tests.engine.small_rules import small_ruleset

ON = dt.date(2026, 9, 1)

FAILING: dict[str, Any] = {
    "min_grade": "A",
    "min_score": 50,
    "min_overlap": "0.5",
    "issuer_accredited": True,
    "max_age_years": 1,
    "obtained_after": "2026-01-01",
    "obtained_before": "2019-01-01",
    "min_hours": 10,
    "min_years": 5,
    "min_rung": "senior",
    "assessed": True,
}
"""A value of each leaf key that the outcome below falls short of."""


def test_every_selector_key_is_tested() -> None:
    plain, others = schema._PLAIN_KEYS, schema._OTHER_KEYS
    assert sorted(plain + others) == sorted(schema.OutcomeMatch.model_fields)


def test_every_scope_key_is_tested() -> None:
    scope = schema.OutcomeScope(kinds=["skill_certificate"], issuers=["x"], min_level=3)
    assert len(scope.tests) == len(schema.OutcomeScope.model_fields)
    assert [v for v in scope.tests if v not in ((), None)] == [
        ("skill_certificate",),
        ("x",),
        3,
    ]


@pytest.mark.parametrize("key", [k for k in schema.Condition.model_fields if k not in FAILING])
def test_every_condition_key_has_a_value_the_outcome_fails(key: str) -> None:
    assert key in ("all", "any", "not_")  # a new leaf key needs a failing value above


@pytest.mark.parametrize("key", sorted(FAILING))
def test_every_leaf_key_is_checked_alone_and_inside_all_any_and_not(key: str) -> None:
    rules = small_ruleset().at(ON)
    outcome = OutcomeRecord(
        Outcome(id="o", kind="training_certificate", issuer="nobody", date=dt.date(2020, 1, 1))
    )
    leaf = schema.Condition.model_validate({key: FAILING[key]})

    def check(cond: schema.Condition) -> object:
        return check_condition(cond, outcome, rules, ON, Decimal("0.1"))

    assert check(leaf) is not None
    assert check(schema.Condition.model_validate({"all": [{key: FAILING[key]}]})) is not None
    assert check(schema.Condition.model_validate({"any": [{key: FAILING[key]}]})) is not None
    assert check(schema.Condition.model_validate({"not": {key: FAILING[key]}})) is None
