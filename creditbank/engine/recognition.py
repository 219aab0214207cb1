"""Recognition (认定): a verified outcome becomes bank credits, or is refused with a reason.

Of the recognition rules in force whose ``match`` selects the outcome, the highest-ranked
(``priority``, then specificity, then id) whose conditions hold decides the amount, the
framework level and the field. If rules match but every one's conditions fail, the top rule's
failure is the refusal.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from creditbank.engine.decision_parts import Recognised as BankCredit
from creditbank.engine.matching import (
    Failure,
    SelectorIndex,
    check_condition,
    indexed_in_force,
)
from creditbank.engine.members import ROUND_DOWN, ROUND_UP
from creditbank.engine.memo import LearnerMemo, recall
from creditbank.engine.records import OutcomeFields
from creditbank.engine.trace import RuleRef
from creditbank.ruleset import schema
from creditbank.ruleset.ruleset import RuleSetAt


def round_ratio(
    numerator: int, denominator: int, step: Decimal, rounding: schema.Rounding
) -> Decimal:
    """``numerator / denominator`` rounded to a multiple of ``step`` the way the rule says, in
    exact integers (the fraction need not be reduced: building a ``Fraction`` costs more than
    the rest of a recognition).

    >>> round_ratio(40, 16, Decimal("0.5"), schema.Rounding.DOWN)
    Decimal('2.5')
    >>> round_ratio(8, 3, Decimal(1), schema.Rounding.HALF_UP)
    Decimal('3')
    >>> round_ratio(7, 3, Decimal("0.5"), schema.Rounding.UP)
    Decimal('2.5')
    """
    step_n, step_d = step.as_integer_ratio()
    n, d = numerator * step_d, denominator * step_n  # value / step, exactly
    if rounding == ROUND_DOWN:
        steps = n // d
    elif rounding == ROUND_UP:
        steps = -(-n // d)
    else:  # half up (values are never negative)
        steps = (2 * n + d) // (2 * d)
    return (steps * step).normalize()


def ranked(rules: list[schema.Recognition]) -> list[schema.Recognition]:
    """Rules in precedence order: priority, then specificity, then id."""
    return sorted(rules, key=lambda r: (-r.priority, -len(r.match.constrained()), r.id))


class RecognitionRow:
    """A recognition rule as :func:`recognise` reads it for every outcome it selects: its
    fields copied once per date, the rates as exact integer ratios, since a read of a rule
    model's field costs more than the arithmetic it feeds."""

    rule: schema.Recognition
    ref: RuleRef
    conditions: schema.Condition | None
    level: int | None
    field: str | None
    credits: Decimal | None
    by_rung: dict[str, Decimal] | None
    by_grade: dict[str, Decimal] | None
    per_hours: tuple[int, int, Decimal, schema.Rounding, Decimal | None] | None
    """Credits per hour (numerator, denominator), step, rounding, most credits."""
    ratio: tuple[int, int, Decimal, schema.Rounding] | None
    """The factor (numerator, denominator), step, rounding."""

    def __init__(self, rule: schema.Recognition, ref: RuleRef) -> None:
        self.rule = rule
        self.ref = ref
        self.conditions = rule.conditions
        self.level = rule.level
        self.field = rule.field
        self.credits = rule.credits
        self.by_rung = rule.by_rung
        self.by_grade = rule.by_grade
        self.per_hours = None
        rate = rule.per_hours
        if rate is not None:
            credits_n, credits_d = rate.credits.as_integer_ratio()
            hours_n, hours_d = rate.hours.as_integer_ratio()
            numerator, denominator = credits_n * hours_d, credits_d * hours_n
            self.per_hours = (numerator, denominator, rate.step, rate.rounding, rate.max)
        self.ratio = None
        if rule.ratio is not None:
            factor_n, factor_d = fraction_ratio(rule.ratio.factor)
            self.ratio = (factor_n, factor_d, rule.ratio.step, rule.ratio.rounding)


def _recognition_index(rules: RuleSetAt) -> tuple[list[RecognitionRow], SelectorIndex]:
    """The recognition rules in precedence order, as rows, and an index of their selectors,
    built once per date."""
    cached = rules.memo.get("recognitions")
    if cached is None:
        ordered = ranked(list(rules.sections["recognitions"]))
        cached = rules.memo["recognitions"] = (
            [RecognitionRow(rule, RuleRef.of(rules, rule)) for rule in ordered],
            SelectorIndex([r.match for r in ordered]),
        )
    return cached


def recognise(outcome: OutcomeFields, rules: RuleSetAt, on: dt.date) -> BankCredit | Failure | None:
    """The bank credits of one outcome, a refusal, or None when no rule speaks of it."""
    ordered, index = _recognition_index(rules)
    candidates = [i for i in index.positions(outcome) if index.selects(i, outcome, rules)]
    first_failure: Failure | None = None
    for position in candidates:
        row = ordered[position]
        failure = check_condition(row.conditions, outcome, rules, on)
        if failure is not None:
            first_failure = first_failure or failure
            continue
        credits = _amount(row, outcome, rules)
        if credits is None or credits <= 0:
            continue
        level = row.level or _level(outcome, rules)
        return BankCredit(outcome.id, credits, level, row.field or outcome.field, row.ref)
    return first_failure


def _amount(row: RecognitionRow, outcome: OutcomeFields, rules: RuleSetAt) -> Decimal | None:
    if row.credits is not None:
        return row.credits
    if row.by_rung is not None:
        ladder = rules.occupation_ladder(outcome.occupation)
        held = ladder.ranks.get(outcome.rung) if ladder and outcome.rung else None
        if ladder is None or held is None:
            return None
        return _by_rank(rules, row.rule, ladder).get(held)
    if row.by_grade is not None:
        return row.by_grade.get(outcome.grade or "")
    if row.per_hours is not None:
        if outcome.hours is None:
            return None
        rate_n, rate_d, step, rounding, most = row.per_hours
        hours_n, hours_d = outcome.hours.as_integer_ratio()
        credits = round_ratio(hours_n * rate_n, hours_d * rate_d, step, rounding)  # exactly
        return min(credits, most) if most is not None else credits
    if row.ratio is not None and outcome.credits is not None:
        credits_n, credits_d = outcome.credits.as_integer_ratio()
        factor_n, factor_d, step, rounding = row.ratio
        return round_ratio(credits_n * factor_n, credits_d * factor_d, step, rounding)  # exactly
    return None


def _by_rank(
    rules: RuleSetAt, rule: schema.Recognition, ladder: schema.Ladder
) -> dict[int, Decimal]:
    """``rule.by_rung`` keyed by each rung's position on ``ladder`` (the first entry naming a
    position wins), worked out once per date: a certificate's credits are then one lookup,
    not a ``rank`` per entry."""
    tables = rules.memo.get("by_rank")
    if tables is None:
        tables = rules.memo["by_rank"] = {}
    key = (id(rule), id(ladder))
    table: dict[int, Decimal] | None = tables.get(key)
    if table is None:
        table = {}
        for rung, credits in (rule.by_rung or {}).items():
            rank = ladder.ranks.get(rung)
            if rank is not None:
                table.setdefault(rank, credits)
        tables[key] = table
    return table


@lru_cache(maxsize=1024)
def fraction_ratio(text: str) -> tuple[int, int]:
    """A rule's factor ("2/3", "1.5") as (numerator, denominator), parsed once per text (the
    texts are a rule set's few)."""
    return Fraction(text).as_integer_ratio()


def framework_level(outcome: OutcomeFields, rules: RuleSetAt) -> int | None:
    """The framework level ``outcome`` is recognised at on ``rules.day`` (the rule's ``level``,
    else its rung's, a placement's or its own); for an outcome no rule recognises, the latter.
    """
    found = recognise(outcome, rules, rules.day)
    return found.level if isinstance(found, BankCredit) else _level(outcome, rules)


def _level(outcome: OutcomeFields, rules: RuleSetAt) -> int | None:
    """Framework level: the rung's, else a placement's, else what the outcome states."""
    if outcome.rung is not None:
        ladder = rules.occupation_ladder(outcome.occupation)
        held = ladder.ranks.get(outcome.rung) if ladder else None
        if ladder is not None and held is not None:
            return ladder.rungs[held].framework_level
    placements, index = indexed_in_force(rules, "placements")
    for position in index.positions(outcome):
        if index.selects(position, outcome, rules):
            return placements[position].level
    return outcome.level


def compute_recognitions(
    rules: RuleSetAt, outcomes: list[OutcomeFields], on: dt.date, memo: LearnerMemo | None = None
) -> dict[str, BankCredit | Failure]:
    """Bank credits (or refusal) of each outcome a rule speaks of, keyed by outcome id (each
    kept in ``memo`` when given)."""
    result: dict[str, BankCredit | Failure] = {}
    for outcome in outcomes:
        found = recall(memo, "recognition", outcome, rules, on, recognise, outcome, rules, on)
        if found is not None:
            result[outcome.id] = found
    return result
