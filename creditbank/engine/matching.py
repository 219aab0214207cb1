"""Whether an outcome belongs to a rule's outcome class, and whether a rule's conditions hold.

Selectors (``match``) say what a rule is about; a miss means the rule is silent. Conditions
say what the outcome must satisfy; a failure is a refusal with a reason the learner reads.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from creditbank.domain import OutcomeKind
from creditbank.engine.members import AT_APPLICATION_DATE, BELOW_GRADE, EXPIRED, GRADE_NOT_ON_SCALE
from creditbank.engine.normalise import normalise_title, normalised_titles
from creditbank.engine.reasons import Reason
from creditbank.engine.records import OutcomeFields
from creditbank.ruleset import schema
from creditbank.ruleset.ruleset import RuleSetAt


@dataclass(unsafe_hash=True, slots=True)
class Failure:
    """A condition that did not hold: the reason code and what to tell the learner (a value
    with its own ``__init__``, as ``decision.py`` explains)."""

    reason: Reason
    params: dict[str, str] = field(default_factory=dict)

    def __init__(self, reason: Reason, params: dict[str, str] | None = None) -> None:
        self.reason = reason
        self.params = {} if params is None else params


class SelectorIndex:
    """Selectors indexed by the most selective key each sets (code, occupation, programme,
    issuer, kind), so an outcome is only matched against selectors that could select it."""

    KEYS = ("code", "occupation", "programme", "issuer", "kind")

    def __init__(self, selectors: Sequence[schema.OutcomeMatch]) -> None:
        index: dict[tuple[str, str], list[int]] = defaultdict(list)
        everyone: list[int] = []
        for position, sel in enumerate(selectors):
            key = next((k for k in self.KEYS if getattr(sel, k) is not None), None)
            if key is None:
                everyone.append(position)
                continue
            for value in getattr(sel, key):
                index[(key, str(value))].append(position)
        self._index = dict(index)
        self._everyone = everyone
        self._tests = [sel.tests for sel in selectors]
        self._seen: dict[tuple[object, ...], tuple[int, ...]] = {}

    SEEN_AT_MOST = 65_536
    """Outcome signatures remembered (the answer depends on them alone); past this many the
    memory is cleared, so it stays bounded however many learners are audited."""

    def positions(self, outcome: OutcomeFields) -> tuple[int, ...]:
        """Positions of the selectors that may match ``outcome``, in ascending order."""
        signature = (
            outcome.code,
            outcome.occupation,
            outcome.programme,
            outcome.issuer,
            outcome.kind,
        )
        found = self._seen.get(signature)
        if found is None:
            if len(self._seen) >= self.SEEN_AT_MOST:
                self._seen.clear()
            found = self._seen[signature] = self._positions(signature)
        return found

    def selects(self, position: int, outcome: OutcomeFields, rules: RuleSetAt) -> bool:
        """Whether the selector at ``position`` matches ``outcome`` (as :func:`matches`, its
        tests read once, when the index was made)."""
        return selector_matches(self._tests[position], outcome, rules)

    def _positions(self, signature: tuple[object, ...]) -> tuple[int, ...]:
        found = list(self._everyone)
        get = self._index.get
        for key, value in zip(self.KEYS, signature, strict=True):
            if value is not None:
                found.extend(get((key, str(value)), ()))
        return tuple(sorted(set(found)))


def indexed_in_force(rules: RuleSetAt, section: str) -> tuple[tuple[Any, ...], SelectorIndex]:
    """The items of ``section`` in force (in id order) and an index of their ``match``
    selectors, made once per view (exclusions, placements)."""
    key = f"index:{section}"
    cached = rules.memo.get(key)
    if cached is None:
        items = rules.in_force(section)
        cached = rules.memo[key] = (items, SelectorIndex([item.match for item in items]))
    return cached


def matches(sel: schema.OutcomeMatch, outcome: OutcomeFields, rules: RuleSetAt) -> bool:
    """Whether ``outcome`` is in the class ``sel`` describes."""
    return selector_matches(sel.tests, outcome, rules)


def selector_matches(tests: schema.SelectorTests, outcome: OutcomeFields, rules: RuleSetAt) -> bool:
    """:func:`matches` given the selector's tests (``OutcomeMatch.tests``)."""
    plain, others = tests
    for name, allowed in plain:
        if getattr(outcome, name) not in allowed:
            return False
    if others is None:
        return True
    issuer_type, title, rung, min_rung, max_rank, min_level, exam_based, requires_degree = others
    if issuer_type is not None and rules.issuer_types.get(outcome.issuer) not in issuer_type:
        return False
    if title is not None and (
        outcome.title is None
        or normalise_title(outcome.title, rules) not in normalised_titles(title, rules)
    ):
        return False
    if rung is not None and not _rung_in(outcome, rung, rules):
        return False
    if min_rung is not None and not rung_at_least(outcome, min_rung, rules):
        return False
    if max_rank is not None and (outcome.rank is None or outcome.rank > max_rank):
        return False
    if min_level is not None and (outcome.level or 0) < min_level:
        return False
    if exam_based is not None and outcome.exam_based != exam_based:
        return False
    return requires_degree is None or outcome.requires_degree == requires_degree


def _rung_in(outcome: OutcomeFields, rungs: tuple[str, ...], rules: RuleSetAt) -> bool:
    ladder = rules.occupation_ladder(outcome.occupation)
    if ladder is None or outcome.rung is None:
        return False
    held = ladder.ranks.get(outcome.rung)
    return held is not None and any(ladder.ranks.get(r) == held for r in rungs)


def rung_at_least(outcome: OutcomeFields, minimum: str, rules: RuleSetAt) -> bool:
    """Whether the outcome's rung is ``minimum`` or higher on its occupation's ladder."""
    ladder = rules.occupation_ladder(outcome.occupation)
    if ladder is None or outcome.rung is None:
        return False
    held, need = ladder.ranks.get(outcome.rung), ladder.ranks.get(minimum)
    return held is not None and need is not None and held >= need


def grade_at_least(grade: str | None, minimum: str, rules: RuleSetAt) -> bool:
    """Whether ``grade`` is ``minimum`` or better on a scale that has both."""
    return grade_failure(grade, minimum, rules) is None


def grade_failure(grade: str | None, minimum: str, rules: RuleSetAt) -> Failure | None:
    """None if ``grade`` is ``minimum`` or better on a scale that has both; else why not: below
    it, or (a grade given, but on no scale of the minimum's) not comparable at all, naming the
    scales the minimum belongs to.

    >>> from creditbank.ruleset.loader import load_ruleset_from_sources
    >>> import datetime as dt
    >>> rules = load_ruleset_from_sources({"s.yaml": '''
    ... pack: {id: p, name: {en: P}, framework: f}
    ... frameworks: [{id: f, name: {en: F}, levels: [{level: 1, name: {en: one}}]}]
    ... grade_scales: [{id: letters, name: {zh: 字母制, en: Letters}, grades: [F, D, C, B, A]}]
    ... '''}).at(dt.date(2025, 1, 1))
    >>> grade_failure("B", "C", rules) is None
    True
    >>> grade_failure("D", "C", rules).reason.value
    'below_grade'
    >>> failure = grade_failure("良好", "C", rules)
    >>> failure.reason.value, failure.params["scales.en"]
    ('grade_not_on_scale', 'Letters (F, D, C, B, A)')
    """
    answers: dict[tuple[str | None, str], Failure | None] | None = rules.memo.get("grades")
    if answers is None or len(answers) >= GRADES_AT_MOST:
        answers = rules.memo["grades"] = {}
    key = (grade, minimum)
    if key in answers:
        return answers[key]  # shared: nothing changes a failure once made
    found = answers[key] = _grade_failure(grade, minimum, rules)
    return found


GRADES_AT_MOST = 4_096
"""(grade, minimum) answers a rule-set view remembers (every audit asks again, and a grade on
no scale of the minimum's costs some 9,000 instructions to explain); past this many (grades
come from learners' files) the memory is cleared, so it stays bounded."""


def _grade_failure(grade: str | None, minimum: str, rules: RuleSetAt) -> Failure | None:
    """:func:`grade_failure`, worked out: the first scale that has both decides."""
    if grade is not None:
        for scale in rules.grade_scales:
            if grade in scale.grades and minimum in scale.grades:
                if scale.grades.index(grade) >= scale.grades.index(minimum):
                    return None
                break
        else:
            scales = [s for s in rules.grade_scales if minimum in s.grades]
            return Failure(
                GRADE_NOT_ON_SCALE,
                {
                    "need": minimum,
                    "have": str(grade),  # a grade given: on no scale of the minimum's
                    **{
                        f"scales.{lang}": "; ".join(
                            f"{s.name.text(lang)} ({', '.join(s.grades)})" for s in scales
                        )
                        or "-"
                        for lang in ("zh", "en")
                    },
                },
            )
    return Failure(BELOW_GRADE, {"need": minimum, "have": grade or "-"})


def years_after(day: dt.date, years: Decimal) -> dt.date:
    """The date ``years`` after ``day``; whole years by the calendar (29 Feb -> 28 Feb).

    >>> years_after(dt.date(2020, 2, 29), Decimal(5))
    datetime.date(2025, 2, 28)
    """
    key = (day, years)
    found = _YEARS_AFTER.get(key)
    if found is None:
        if len(_YEARS_AFTER) >= YEARS_AFTER_KEPT:
            _YEARS_AFTER.clear()
        found = _YEARS_AFTER[key] = _years_after(day, years)
    return found


YEARS_AFTER_KEPT = 4096
"""(date, years) answers kept (the dates come from learners' files); past this many the memory
is cleared, so it stays bounded."""
_YEARS_AFTER: dict[tuple[dt.date, Decimal], dt.date] = {}
"""Answers already worked out: every audit asks again for each outcome and recency rule, and
the Decimal arithmetic costs some twenty times the look-up (callgrind)."""


def _years_after(day: dt.date, years: Decimal) -> dt.date:
    whole = int(years)
    if whole == years:
        try:
            return day.replace(year=day.year + whole)
        except ValueError:
            return day.replace(year=day.year + whole, day=28)
    return day + dt.timedelta(days=round(float(years) * 365.25))


def accreditation_day(outcome: OutcomeFields, rules: RuleSetAt, on: dt.date) -> dt.date:
    """The day accreditation is judged on: the outcome's date, or the application date ``on``
    where the pack says ``accreditation_at: application_date``."""
    at = rules.ruleset.pack.accreditation_at
    return on if at == AT_APPLICATION_DATE else outcome.date


def accredited(outcome: OutcomeFields, rules: RuleSetAt, on: dt.date) -> bool:
    """Whether the issuer held an accreditation for the outcome's kind covering the day
    accreditation is judged on (:func:`accreditation_day`)."""
    periods = _accreditations(rules).get(outcome.issuer)
    if periods is None:
        return False
    day = accreditation_day(outcome, rules, on)
    kind = outcome.kind
    return any(
        start <= day and (end is None or day <= end) and (not kinds or kind in kinds)
        for start, end, kinds in periods
    )


Periods = tuple[tuple[dt.date, dt.date | None, frozenset[OutcomeKind]], ...]
"""An issuer's accreditations: first and last day (None: open), the kinds (empty: all);
:func:`accredited` tests a day as ``Effective.covers`` does, on these plain values."""


def _accreditations(rules: RuleSetAt) -> dict[str, Periods]:
    """Each issuer's accreditations as plain periods, read from the models once per view."""
    found: dict[str, Periods] | None = rules.memo.get("accreditations")
    if found is None:
        found = rules.memo["accreditations"] = {
            issuer.id: tuple(
                (acc.effective.from_, acc.effective.to, frozenset(acc.kinds))
                for acc in issuer.accreditations
            )
            for issuer in rules.issuers.values()
        }
    return found


def accreditation_failure(outcome: OutcomeFields, rules: RuleSetAt, on: dt.date) -> Failure | None:
    """None if the issuer was accredited for the outcome (:func:`accredited`), else the
    refusal, naming the issuer and the day judged."""
    if accredited(outcome, rules, on):
        return None
    day = accreditation_day(outcome, rules, on)
    return Failure(Reason.ISSUER_NOT_ACCREDITED, {"issuer": outcome.issuer, "on": day.isoformat()})


def check_condition(
    cond: schema.Condition | None,
    outcome: OutcomeFields,
    rules: RuleSetAt,
    on: dt.date,
    overlap: Decimal | None = None,
) -> Failure | None:
    """None if ``cond`` holds for ``outcome`` on application date ``on``, else the failure."""
    if cond is None:
        return None
    key, value = cond.key
    if key == "all":
        for child in value:
            failure = check_condition(child, outcome, rules, on, overlap)
            if failure:
                return failure
        return None
    if key == "any":
        failures = [check_condition(c, outcome, rules, on, overlap) for c in value]
        if any(f is None for f in failures):
            return None
        return failures[0]
    if key == "not_":
        if check_condition(value, outcome, rules, on, overlap) is None:
            return Failure(Reason.CONDITIONS_NOT_MET, {"need": f"not {describe(value)}"})
        return None
    return _leaf(key, value, outcome, rules, on, overlap)


def _leaf(
    key: str,
    value: Any,
    outcome: OutcomeFields,
    rules: RuleSetAt,
    on: dt.date,
    overlap: Decimal | None,
) -> Failure | None:
    """Whether the leaf condition ``key: value`` holds (None) or why not."""
    if key == "min_grade":
        return grade_failure(outcome.grade, value, rules)
    if key == "min_score":
        if outcome.score is None or outcome.score < value:
            have = str(outcome.score) if outcome.score is not None else "-"
            return Failure(BELOW_GRADE, {"need": str(value), "have": have})
        return None
    if key == "min_overlap":
        if (overlap if overlap is not None else 1) < value:
            return Failure(
                Reason.INSUFFICIENT_OVERLAP,
                {"need": _percent(value), "have": _percent(overlap or 0)},
            )
        return None
    if key == "issuer_accredited":
        return accreditation_failure(outcome, rules, on)
    if key == "max_age_years":
        if years_after(outcome.date, value) < on:
            return Failure(EXPIRED, {"years": str(value)})
        return None
    if key == "obtained_after":
        return Failure(EXPIRED, {"after": value.isoformat()}) if outcome.date < value else None
    if key == "obtained_before":
        return Failure(EXPIRED, {"before": value.isoformat()}) if outcome.date > value else None
    if key == "min_hours":
        if (outcome.hours or 0) < value:
            return Failure(Reason.BELOW_HOURS, {"need": str(value)})
        return None
    if key == "min_years":
        if (outcome.years or 0) < value:
            return Failure(Reason.CONDITIONS_NOT_MET, {"need": f"{value} years"})
        return None
    if key == "min_rung":
        if not rung_at_least(outcome, value, rules):
            return Failure(Reason.BELOW_RUNG, {"need": value, "have": outcome.rung or "-"})
        return None
    if key == "assessed":
        return (
            None if outcome.assessed else Failure(Reason.CONDITIONS_NOT_MET, {"need": "assessed"})
        )
    raise AssertionError(f"a condition with an unknown key: {key}")


def describe(cond: schema.Condition) -> str:
    """A condition in one line, as an author writes it in flow style.

    >>> describe(schema.Condition(any=[{"min_grade": "B"}, {"assessed": True}]))
    '{any: [{min_grade: B}, {assessed: true}]}'
    """
    return _flow(cond.model_dump(mode="json", by_alias=True, exclude_none=True))


def _flow(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _percent(value: Decimal | int) -> str:
    return f"{Decimal(value) * 100:.0f}%"
