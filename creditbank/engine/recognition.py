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


def _recognition_index(
    rules: RuleSetAt,
) -> tuple[list[schema.Recognition], list[RuleRef], SelectorIndex]:
    """The recognition rules in precedence order, their references and an index of their
    selectors, built once per date."""
    cached = rules.memo.get("recognitions")
    if cached is None:
        ordered = ranked(list(rules.sections["recognitions"]))
        refs = [RuleRef.of(rules, rule) for rule in ordered]
        cached = rules.memo["recognitions"] = (
            ordered,
            refs,
            SelectorIndex([r.match for r in ordered]),
        )
    return cached


def recognise(outcome: OutcomeFields, rules: RuleSetAt, on: dt.date) -> BankCredit | Failure | None:
    """The bank credits of one outcome, a refusal, or None when no rule speaks of it."""
    ordered, refs, index = _recognition_index(rules)
    candidates = [i for i in index.positions(outcome) if index.selects(i, outcome, rules)]
    first_failure: Failure | None = None
    for position in candidates:
        rule = ordered[position]
        failure = check_condition(rule.conditions, outcome, rules, on)
        if failure is not None:
            first_failure = first_failure or failure
            continue
        credits = _amount(rule, outcome, rules)
        if credits is None or credits <= 0:
            continue
        level = rule.level or _level(outcome, rules)
        return BankCredit(outcome.id, credits, level, rule.field or outcome.field, refs[position])
    return first_failure


def _amount(rule: schema.Recognition, outcome: OutcomeFields, rules: RuleSetAt) -> Decimal | None:
    if rule.credits is not None:
        return rule.credits
    if rule.by_rung is not None:
        ladder = rules.occupation_ladder(outcome.occupation)
        held = ladder.ranks.get(outcome.rung) if ladder and outcome.rung else None
        if ladder is None or held is None:
            return None
        return _by_rank(rules, rule, ladder).get(held)
    if rule.by_grade is not None:
        return rule.by_grade.get(outcome.grade or "")
    if rule.per_hours is not None:
        if outcome.hours is None:
            return None
        rate = rule.per_hours
        hours_n, hours_d = outcome.hours.as_integer_ratio()
        credits_n, credits_d = rate.credits.as_integer_ratio()
        per_n, per_d = rate.hours.as_integer_ratio()
        credits = round_ratio(  # hours x credits / rate hours, exactly
            hours_n * credits_n * per_d, hours_d * credits_d * per_n, rate.step, rate.rounding
        )
        return min(credits, rate.max) if rate.max is not None else credits
    if rule.ratio is not None and outcome.credits is not None:
        credits_n, credits_d = outcome.credits.as_integer_ratio()
        factor_n, factor_d = fraction_ratio(rule.ratio.factor)
        return round_ratio(  # credits x factor, exactly
            credits_n * factor_n, credits_d * factor_d, rule.ratio.step, rule.ratio.rounding
        )
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
