"""The rule format: pydantic models of the YAML that policy staff write.

This module is the one definition of the rule vocabulary. Every model forbids unknown keys,
so a typo such as ``credts`` is reported with its line instead of being ignored. Lists whose
order means nothing (kinds, course codes) are stored sorted, so the content digest does not
change when an author reorders them; lists whose order means something (ladder rungs, grade
scales, subsumption levels) keep it.

A rule file is a mapping of sections (``programmes``, ``transfers``, ...); any file may hold
any section and a rule set is the union of its files. ``creditbank rules schema`` exports the
JSON Schema of :class:`RuleFile` for editors.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from functools import cached_property
from itertools import pairwise
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from creditbank.domain import Delivery, Ident, IssuerType, Label, OutcomeKind

Positive = Annotated[Decimal, Field(gt=0, le=1000)]
NonNegative = Annotated[Decimal, Field(ge=0, le=1000)]
Share = Annotated[Decimal, Field(gt=0, le=1)]
Level = Annotated[int, Field(ge=1, le=12)]


def _as_list(value: Any) -> Any:
    """Let authors write one value where a list is allowed: ``kind: x`` means ``[x]``."""
    return value if isinstance(value, list | tuple) else [value]


def _sorted_unique(values: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(sorted(set(values), key=str))


def _by_code(items: tuple[Any, ...]) -> tuple[Any, ...]:
    """Catalogue and programme courses are sets: keep them in code order."""
    return tuple(sorted(items, key=lambda item: str(item.code)))


def _check_fraction(value: str) -> str:
    try:
        fraction = Fraction(value)
    except (ValueError, ZeroDivisionError) as exc:
        raise ValueError(f"'{value}' is not a number or fraction such as 2/3") from exc
    if fraction <= 0:
        raise ValueError("a factor must be above zero")
    return value


OneOrMany = Annotated[tuple[Ident, ...], BeforeValidator(_as_list), AfterValidator(_sorted_unique)]
Kinds = Annotated[
    tuple[OutcomeKind, ...], BeforeValidator(_as_list), AfterValidator(_sorted_unique)
]
IssuerTypes = Annotated[
    tuple[IssuerType, ...], BeforeValidator(_as_list), AfterValidator(_sorted_unique)
]
Deliveries = Annotated[
    tuple[Delivery, ...], BeforeValidator(_as_list), AfterValidator(_sorted_unique)
]
Titles = Annotated[tuple[str, ...], BeforeValidator(_as_list), AfterValidator(_sorted_unique)]
FractionText = Annotated[str, BeforeValidator(str), AfterValidator(_check_fraction)]


class Strict(BaseModel):
    """Base of every rule model: immutable, unknown keys refused."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


def _exactly_one(model: BaseModel, names: tuple[str, ...], what: str) -> None:
    given = [n for n in names if getattr(model, n) is not None]
    if len(given) != 1:
        keys = ", ".join(f"'{n.rstrip('_')}'" for n in names)
        found = ", ".join(f"'{n.rstrip('_')}'" for n in given) or "none"
        raise ValueError(f"{what} needs exactly one of {keys} (found {found})")


# --- effective dating (type 24) -------------------------------------------------------------


class Effective(Strict):
    """Dates a rule applies, both inclusive; no ``to`` means until further notice."""

    from_: dt.date = Field(alias="from")
    to: dt.date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Effective:
        if self.to is not None and self.to < self.from_:
            raise ValueError(f"'to' ({self.to}) is before 'from' ({self.from_})")
        return self

    def covers(self, day: dt.date) -> bool:
        """Whether the rule is in force on ``day``."""
        return self.from_ <= day and (self.to is None or day <= self.to)

    def overlaps(self, other: Effective) -> bool:
        """Whether two periods share at least one day."""
        end_a = self.to or dt.date.max
        end_b = other.to or dt.date.max
        return self.from_ <= end_b and other.from_ <= end_a

    def contains(self, other: Effective) -> bool:
        """Whether every day of ``other`` is in this period."""
        mine = self.to or dt.date.max
        theirs = other.to or dt.date.max
        return self.from_ <= other.from_ and theirs <= mine


class Dated(Strict):
    """A rule with an id and effective dates; one id may have several non-overlapping versions."""

    id: Ident
    name: Label | None = None
    effective: Effective
    reference: str | None = Field(default=None, description="where the rule is published")


# --- frame: frameworks, ladders, issuers, grades (types 23, 10) --------------------------


class FrameworkLevel(Strict):
    level: Level
    name: Label


class Framework(Strict):
    """An ordered learning-outcome framework (the national credit bank's, or EQF)."""

    id: Ident
    name: Label
    levels: tuple[FrameworkLevel, ...] = Field(min_length=1)


class Rung(Strict):
    """One rung of a skill ladder; ``aliases`` are other ways certificates name it."""

    id: Ident
    name: Label
    framework_level: Level
    aliases: tuple[str, ...] = ()
    implies_education: str | None = None


class Occupation(Strict):
    code: Ident
    name: Label


class Ladder(Strict):
    """A skill ladder, rungs from low to high; on one occupation a higher rung subsumes lower."""

    id: Ident
    name: Label
    framework: Ident
    rungs: tuple[Rung, ...] = Field(min_length=2)
    occupations: tuple[Occupation, ...] = ()
    subsumes_lower: bool = True

    def rank(self, name: str | None) -> int | None:
        """Position of a rung (by id, name or alias) from 0 at the bottom; None if absent.

        >>> lad = Ladder(id="l", name=Label(en="L"), framework="f", rungs=[
        ...     Rung(id="junior", name=Label(zh="初级工"), framework_level=3, aliases=["五级"]),
        ...     Rung(id="senior", name=Label(zh="高级工"), framework_level=4)])
        >>> lad.rank("五级"), lad.rank("高级工"), lad.rank("chief")
        (0, 1, None)
        """
        return self.ranks.get(name) if name is not None else None

    @cached_property
    def ranks(self) -> dict[str, int]:
        """Every way of naming a rung, to its position (the lowest rung wins a shared name);
        the engine reads it directly (``ranks.get(name)``: a method call costs more)."""
        ranks: dict[str, int] = {}
        for index, rung in enumerate(self.rungs):
            for name in (rung.id, rung.name.zh, rung.name.en, *rung.aliases):
                if name is not None:
                    ranks.setdefault(name, index)
        return ranks


class Accreditation(Strict):
    """A period in which an issuer's outcomes (of the listed kinds, or all) are recognised."""

    effective: Effective
    kinds: Kinds = ()
    reference: str | None = None


class BadgeIssuer(Strict):
    """How the bank accepts this issuer's Open Badges 3.0 credentials: the issuer id they
    carry, the public keys (multibase Ed25519, ``z6Mk...``) that sign them, and the kind of
    outcome an achievement becomes (by its ``achievementType``, else ``kind``)."""

    id: Annotated[str, Field(pattern=r"^\S+:\S+$", max_length=300)]
    keys: Annotated[
        tuple[Annotated[str, Field(pattern=r"^z6Mk[1-9A-HJ-NP-Za-km-z]{44}$")], ...],
        AfterValidator(_sorted_unique),
    ] = Field(min_length=1)
    kind: OutcomeKind
    by_type: dict[str, OutcomeKind] = Field(default_factory=dict)


class Issuer(Strict):
    id: Ident
    name: Label
    type: IssuerType
    accreditations: tuple[Accreditation, ...] = ()
    badges: BadgeIssuer | None = None


class GradeScale(Strict):
    """Grades from lowest to highest; ``min_grade`` conditions compare along this order."""

    id: Ident
    name: Label
    grades: tuple[str, ...] = Field(min_length=2)


# --- catalogues and programmes (types 1-6) ---------------------------------------------------


class Course(Strict):
    code: Ident
    name: Label
    credits: Positive
    level: Level | None = None
    field: Ident | None = None
    hours: Positive | None = None


class Catalogue(Strict):
    """The courses an institution teaches; programmes and equivalences refer to them."""

    institution: Ident
    courses: Annotated[tuple[Course, ...], AfterValidator(_by_code)] = Field(min_length=1)


class Category(Strict):
    """A credit category of a programme (major, general ...); surplus still counts to total."""

    id: Ident
    name: Label
    min_credits: NonNegative = Decimal(0)
    max_credits: NonNegative | None = None


class ProgrammeCourse(Strict):
    """A course in a programme, its category, and whether any recognition may exempt it."""

    code: Ident
    category: Ident
    exemptable: bool = True


class Requirement(Strict):
    """A named requirement: all listed courses, or ``credits`` from them (type 2)."""

    id: Ident
    name: Label
    courses: OneOrMany = ()
    credits: Positive | None = None
    exemptable: bool = True

    @model_validator(mode="after")
    def _something_required(self) -> Requirement:
        if not self.courses and self.credits is None:
            raise ValueError("a requirement needs 'courses', 'credits' or both")
        return self


class OutcomeScope(Strict):
    """Which outcomes a limit, a recency rule or a source minimum is about; every key given
    must hold (an empty key selects every outcome). ``fields`` also matches the field of a
    target course, ``min_level``/``max_level`` the framework level the outcome is recognised at
    (else its rung's, a placement's or its own), ``accredited`` whether its issuer held an
    accreditation covering it (engine/scope.py)."""

    kinds: Kinds = ()
    issuer_types: IssuerTypes = ()
    issuers: OneOrMany = ()
    accredited: bool | None = Field(
        default=None, description="the issuer was (true) or was not (false) accredited for it"
    )
    fields: OneOrMany = ()
    delivery: Deliveries = ()
    min_level: Level | None = Field(default=None, description="framework level at least this")
    max_level: Level | None = Field(default=None, description="framework level at most this")

    @model_validator(mode="after")
    def _levels_ordered(self) -> OutcomeScope:
        if self.min_level and self.max_level and self.max_level < self.min_level:
            raise ValueError(
                f"'max_level' ({self.max_level}) is below 'min_level' ({self.min_level})"
            )
        return self

    @cached_property
    def tests(self) -> ScopeTests:
        """The keys ``engine.scope.outcome_in_scope`` tests, read once, in
        :data:`ScopeTests`' order (each read of a model's field costs an audit more than the
        test itself)."""
        return (
            self.kinds,
            self.issuers,
            self.issuer_types,
            self.delivery,
            self.fields,
            self.accredited,
            self.min_level,
            self.max_level,
        )

    def selects_outcomes(self) -> bool:
        """Whether any key narrows the outcomes (else every outcome is in scope)."""
        return any(getattr(self, name) not in (None, ()) for name in OutcomeScope.model_fields)


ScopeTests = tuple[
    tuple[OutcomeKind, ...],
    tuple[str, ...],
    tuple[IssuerType, ...],
    tuple[Delivery, ...],
    tuple[str, ...],
    bool | None,
    int | None,
    int | None,
]
"""A scope's keys in this order: kinds, issuers, issuer_types, delivery, fields, accredited,
min_level, max_level."""


class SourceMinimum(OutcomeScope):
    """At least ``min_credits`` must come from the outcomes the keys select (type 3)."""

    id: Ident
    name: Label
    min_credits: Positive
    count_in_programme: bool = Field(
        default=True, description="credits earned in the programme itself count too"
    )

    @model_validator(mode="after")
    def _selects_something(self) -> SourceMinimum:
        if not self.selects_outcomes():
            keys = ", ".join(f"'{name}'" for name in OutcomeScope.model_fields)
            raise ValueError(f"a source minimum needs at least one of {keys}")
        return self


class Residency(Strict):
    """At least ``min_credits`` earned in the programme itself (type 5)."""

    min_credits: Positive
    last: bool = Field(default=False, description="they must be the last credits earned")


class StatusThreshold(Strict):
    """A derived status reached at a credit count, e.g. expected graduate at 100 (type 6)."""

    id: Ident
    name: Label
    at_credits: Positive


class Articulation(Strict):
    """How a programme uses course equivalences: chaining and depth (type 22)."""

    chain: bool = True
    max_depth: int = Field(default=2, ge=1, le=10)
    min_grade: str | None = None
    min_overlap: Share | None = None


class Programme(Dated):
    """A degree programme: totals, categories, catalogue, requirements, transfer frame."""

    institution: Ident
    level: Level
    total_credits: Positive
    categories: tuple[Category, ...] = Field(min_length=1)
    courses: Annotated[tuple[ProgrammeCourse, ...], AfterValidator(_by_code)] = Field(min_length=1)
    requirements: tuple[Requirement, ...] = ()
    source_minimums: tuple[SourceMinimum, ...] = ()
    residency: Residency | None = None
    statuses: tuple[StatusThreshold, ...] = ()
    articulation: Articulation = Articulation()

    @cached_property
    def course_map(self) -> dict[str, ProgrammeCourse]:
        """The programme's courses by code."""
        return {c.code: c for c in self.courses}


# --- selecting outcomes and conditions (types 10, 12) --------------------------------------


class OutcomeMatch(Strict):
    """Which outcomes a rule is about; every given key must match (an outcome class)."""

    kind: Kinds | None = None
    issuer: OneOrMany | None = None
    issuer_type: IssuerTypes | None = None
    code: OneOrMany | None = None
    title: Titles | None = Field(
        default=None, description="titles compared after normalisation (spacing, numerals)"
    )
    occupation: OneOrMany | None = None
    rung: OneOrMany | None = None
    min_rung: Ident | None = None
    programme: OneOrMany | None = None
    field: OneOrMany | None = None
    delivery: Deliveries | None = None
    tier: OneOrMany | None = None
    max_rank: int | None = Field(default=None, ge=1)
    min_level: Level | None = None
    exam_based: bool | None = None
    requires_degree: bool | None = None

    def constrained(self) -> tuple[str, ...]:
        """Names of the keys this selector sets; more keys means a more specific rule."""
        return tuple(name for name in type(self).model_fields if getattr(self, name) is not None)

    @cached_property
    def tests(self) -> SelectorTests:
        """What ``engine.matching.matches`` tests, read once: (outcome attribute, allowed
        values) for each set key compared by plain equality, then the other keys (rule sets,
        ranks, titles... in :data:`OtherTests`' order), or None when none is set. A tuple,
        because each read of a model's field costs an audit more than the test itself."""
        plain = tuple(
            (name, frozenset(getattr(self, name)))
            for name in _PLAIN_KEYS
            if getattr(self, name) is not None
        )
        others = tuple(getattr(self, name) for name in _OTHER_KEYS)
        return plain, None if all(value is None for value in others) else others


OtherTests = tuple[
    IssuerTypes | None,
    Titles | None,
    OneOrMany | None,
    str | None,
    int | None,
    int | None,
    bool | None,
    bool | None,
]
"""An outcome selector's keys other than plain equality, in this order: issuer_type, title,
rung, min_rung, max_rank, min_level, exam_based, requires_degree."""
SelectorTests = tuple[tuple[tuple[str, frozenset[Any]], ...], OtherTests | None]
"""An outcome selector's tests (``OutcomeMatch.tests``): plain keys with their allowed values,
then :data:`OtherTests` (None when none is set)."""

_PLAIN_KEYS = ("kind", "issuer", "code", "occupation", "programme", "field", "delivery", "tier")
_OTHER_KEYS = (
    "issuer_type",
    "title",
    "rung",
    "min_rung",
    "max_rank",
    "min_level",
    "exam_based",
    "requires_degree",
)


MATCH_SET_KEYS: tuple[str, ...] = (
    "kind",
    "issuer",
    "issuer_type",
    "code",
    "title",
    "occupation",
    "rung",
    "programme",
    "field",
    "delivery",
    "tier",
)
"""Selector keys that hold a set of allowed values (an outcome matches one of them)."""


class Condition(Strict):
    """A closed set of checks: ``all``/``any``/``not`` and leaves; exactly one key each."""

    all: tuple[Condition, ...] | None = None
    any: tuple[Condition, ...] | None = None
    not_: Condition | None = Field(default=None, alias="not")
    min_grade: str | None = None
    min_score: Annotated[Decimal, Field(ge=0, le=100)] | None = None
    min_overlap: Share | None = None
    issuer_accredited: Literal[True] | None = None
    max_age_years: Positive | None = None
    obtained_after: dt.date | None = Field(default=None, description="on or after this date")
    obtained_before: dt.date | None = Field(default=None, description="on or before this date")
    min_hours: Positive | None = None
    min_years: Positive | None = None
    min_rung: Ident | None = None
    assessed: Literal[True] | None = None

    @model_validator(mode="after")
    def _one_key(self) -> Condition:
        _exactly_one(self, tuple(type(self).model_fields), "a condition")
        return self

    @cached_property
    def key(self) -> tuple[str, Any]:
        """The condition's one key (by field name: ``not_``) and its value, read once (each
        read of a model's field costs an audit more than the check itself)."""
        return next(
            (name, value)
            for name in type(self).model_fields
            if (value := getattr(self, name)) is not None
        )


# --- recognition (types 7, 8, 23) ------------------------------------------------------------


class Rounding(StrEnum):
    DOWN = "down"
    UP = "up"
    HALF_UP = "half_up"


class HoursRate(Strict):
    """``credits`` per ``hours`` (16 contact hours = 1 credit), rounded to ``step``."""

    hours: Positive
    credits: Positive = Decimal(1)
    rounding: Rounding = Rounding.DOWN
    step: Positive = Decimal("0.5")
    max: Positive | None = None


class CreditRatio(Strict):
    """The outcome's own credits times ``factor`` (quarter credits x 2/3), rounded."""

    factor: FractionText
    rounding: Rounding = Rounding.HALF_UP
    step: Positive = Decimal("0.5")


class Recognition(Dated):
    """Turns a verified outcome into bank credits (amount, framework level, field)."""

    match: OutcomeMatch
    conditions: Condition | None = None
    credits: Positive | None = None
    by_rung: dict[Ident, Positive] | None = None
    by_grade: dict[str, Positive] | None = None
    per_hours: HoursRate | None = None
    ratio: CreditRatio | None = None
    level: Level | None = None
    field: Ident | None = None
    priority: int = 0

    @model_validator(mode="after")
    def _one_amount(self) -> Recognition:
        _exactly_one(
            self, ("credits", "by_rung", "by_grade", "per_hours", "ratio"), "a recognition"
        )
        return self


class Placement(Dated):
    """Puts matching outcomes on a framework level (and an education level) (type 23)."""

    match: OutcomeMatch
    level: Level
    education_level: str | None = None


class Exclusion(Dated):
    """Outcomes never recognised (no exam, degree required, too old) (type 12)."""

    match: OutcomeMatch
    conditions: Condition | None = None
    programme: OneOrMany | None = None
    reason: Label


# --- transfer (types 9, 11, 25) ----------------------------------------------------------------


def _by_content(parts: tuple[OutcomeMatch, ...]) -> tuple[OutcomeMatch, ...]:
    """An all-of bundle's parts are a set (one distinct outcome each, in any order): keep
    them in the order of their content, so reordering them changes no digest or decision."""
    return tuple(sorted(parts, key=lambda p: json.dumps(p.model_dump(mode="json"), sort_keys=True)))


class TransferSource(Strict):
    """One outcome, or several outcomes together (an all-of bundle)."""

    outcome: OutcomeMatch | None = None
    all_of: (
        Annotated[tuple[OutcomeMatch, ...], Field(min_length=2), AfterValidator(_by_content)] | None
    ) = None

    @model_validator(mode="after")
    def _one_shape(self) -> TransferSource:
        _exactly_one(self, ("outcome", "all_of"), "'from'")
        return self

    def parts(self) -> tuple[OutcomeMatch, ...]:
        """The selectors, one per outcome the rule consumes."""
        return self.all_of if self.all_of is not None else (self.outcome,)  # type: ignore[return-value]


class TransferTarget(Strict):
    """Courses (whole, or partial ``credits``), elective credits in a category, or a refusal.

    Several ``category`` values let the engine choose the best placement (type 11).
    """

    courses: OneOrMany | None = None
    category: OneOrMany | None = None
    credits: Positive | None = None
    reject: Literal[True] | None = None
    reason: Label | None = None

    @model_validator(mode="after")
    def _one_target(self) -> TransferTarget:
        _exactly_one(self, ("courses", "category", "reject"), "'to'")
        if self.reject and (self.credits is not None or self.reason is None):
            raise ValueError("a rejection needs a 'reason' and grants no 'credits'")
        if self.courses and self.credits is not None and len(self.courses) != 1:
            raise ValueError("partial 'credits' can only go to a single course")
        return self


class GrantMode(StrEnum):
    """How a rule with several target courses grants them."""

    WHOLE = "whole"  # all the courses or none
    EACH = "each"  # any of them on its own, so a cap may take part of the rule


MAX_EACH_COURSES = 6
"""The most courses a ``grant: each`` rule may list: the allocation weighs every non-empty
subset of them (63 for six)."""


class Transfer(Dated):
    """Outcome(s) to course(s) or category credits of a programme, under conditions."""

    programme: OneOrMany
    from_: TransferSource = Field(alias="from")
    to: TransferTarget
    conditions: Condition | None = None
    overlap: Share | None = Field(default=None, description="declared content overlap")
    priority: int = 0
    grade_mark: Label = Label(zh="免考", en="exempt")
    grant: GrantMode = Field(
        default=GrantMode.WHOLE,
        description="several courses: all or none (whole), or each on its own (each)",
    )

    @model_validator(mode="after")
    def _each_needs_courses(self) -> Transfer:
        if self.grant == GrantMode.EACH:
            count = len(self.to.courses or ())
            if not 2 <= count <= MAX_EACH_COURSES:
                raise ValueError(
                    f"'grant: each' needs 'to: courses' with 2 to {MAX_EACH_COURSES} courses"
                    f" (found {count})"
                )
        return self

    def specificity(self) -> int:
        """How many constraints select the outcomes; ties on priority fall back to it."""
        return sum(len(part.constrained()) for part in self.from_.parts())


class Equivalence(Dated):
    """Course A of one institution counts as course B of another (articulation, type 22)."""

    from_: Annotated[str, Field(alias="from", pattern=r"^[^\s:]+:[^\s:]+$")]
    to: Annotated[str, Field(pattern=r"^[^\s:]+:[^\s:]+$")]
    both_ways: bool = False
    chain: bool = True
    max_depth: int | None = Field(
        default=None,
        ge=1,
        le=10,
        description="most equivalence steps a route through this one may have in all",
    )
    overlap: Share | None = None
    ratio: Positive = Decimal(1)


# --- limits (types 13-18) -------------------------------------------------------------------


class LimitScope(OutcomeScope):
    """Which grants count toward a cap: their outcomes (the keys of :class:`OutcomeScope`),
    target categories and courses, transfer rules; empty means every transferred grant."""

    categories: OneOrMany = ()
    courses: OneOrMany = ()
    rules: OneOrMany = ()


class PeriodUnit(StrEnum):
    YEAR = "year"
    SEMESTER = "semester"


def _check_month_day(value: str) -> str:
    """A month-day that every year has (so no 02-29)."""
    try:
        dt.date(2023, int(value[:2]), int(value[3:]))
    except ValueError as exc:
        raise ValueError(f"'{value}' is not a month-day every year has (MM-DD)") from exc
    return value


MonthDay = Annotated[str, Field(pattern=r"^\d\d-\d\d$"), AfterValidator(_check_month_day)]


class Window(Strict):
    name: Label | None = None
    from_: dt.date = Field(alias="from")
    to: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.to < self.from_:
            raise ValueError(f"'to' ({self.to}) is before 'from' ({self.from_})")
        return self

    def label(self) -> str:
        """How a decision names the window: its English (else Chinese) name, else its dates."""
        if self.name is not None:
            return self.name.text("en")
        return f"{self.from_.isoformat()}..{self.to.isoformat()}"


class Period(Strict):
    """Years (calendar, or starting on ``year_starts``), semesters starting on given
    month-days, or explicit windows.

    An outcome falls in the period of its ``date`` (its end date) (type 17); one that falls
    in no window of a windowed limit cannot count under that limit.
    """

    unit: PeriodUnit | None = None
    year_starts: MonthDay | None = Field(
        default=None, description="the month-day a year starts (academic years); default 01-01"
    )
    semester_starts: tuple[MonthDay, ...] = Field(default=("02-15", "09-01"), min_length=1)
    windows: tuple[Window, ...] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _one_way(self) -> Period:
        _exactly_one(self, ("unit", "windows"), "a period")
        if self.year_starts is not None and self.unit != PeriodUnit.YEAR:
            raise ValueError("'year_starts' goes with 'unit: year'")
        if "semester_starts" in self.model_fields_set and self.unit != PeriodUnit.SEMESTER:
            raise ValueError("'semester_starts' goes with 'unit: semester'")
        if self.windows is not None:
            _distinct_windows(self.windows)
        return self


def _distinct_windows(windows: tuple[Window, ...]) -> None:
    """Windows may not overlap (an outcome would fall in two) nor share a name (two periods
    would be reported as one)."""
    ordered = sorted(windows, key=lambda w: w.from_)
    for before, after in pairwise(ordered):
        if after.from_ <= before.to:
            raise ValueError(f"windows {before.label()} and {after.label()} overlap")
    labels = [w.label() for w in windows]
    twice = sorted({label for label in labels if labels.count(label) > 1})
    if twice:
        raise ValueError(f"two windows are both named {twice[0]}")


class Per(StrEnum):
    """A cap that applies separately to each value of an outcome attribute."""

    ISSUER = "issuer"
    CODE = "code"
    OCCUPATION = "occupation"
    PROGRAMME = "programme"
    FIELD = "field"
    KIND = "kind"


class Fill(StrEnum):
    """How a limit is filled when it cannot take every grant in its scope."""

    OPTIMAL = "optimal"  # the grants that give the most credit overall
    CHRONOLOGICAL = "chronological"  # in date order: what was recognised first stands


class LimitBody(Strict):
    """The measure of a cap: credits, a share, or a count; optionally per value or period."""

    id: Ident | None = Field(
        default=None, description="a sub-limit's own id (default: <limit id>.sub<N>)"
    )
    name: Label | None = None
    scope: LimitScope = LimitScope()
    max_credits: NonNegative | None = None
    max_share: Share | None = None
    pool: OneOrMany | None = Field(
        default=None, description="share of these courses' credits instead of the total"
    )
    max_count: Annotated[int, Field(ge=0)] | None = None
    per: Per | None = None
    period: Period | None = None
    fill: Fill | None = Field(
        default=None, description="optimal or chronological; default: the parent's, the pack's"
    )

    @model_validator(mode="after")
    def _one_measure(self) -> LimitBody:
        _exactly_one(self, ("max_credits", "max_share", "max_count"), "a limit")
        if self.pool is not None and self.max_share is None:
            raise ValueError("'pool' goes with 'max_share'")
        return self


class Limit(Dated, LimitBody):
    """A cap on transferred credits or certificates for a programme, with sub-caps."""

    id: Ident
    programme: OneOrMany
    sub_limits: tuple[LimitBody, ...] = ()


class Recency(Dated):
    """Only outcomes within ``max_age_years`` of the application, or in date bounds (type 18)."""

    programme: OneOrMany
    scope: OutcomeScope = OutcomeScope()
    max_age_years: Positive | None = None
    obtained_after: dt.date | None = None
    obtained_before: dt.date | None = None

    @model_validator(mode="after")
    def _some_bound(self) -> Recency:
        if self.max_age_years is None and not self.obtained_after and not self.obtained_before:
            raise ValueError("recency needs 'max_age_years', 'obtained_after' or 'obtained_before'")
        return self


# --- sameness (types 19-21) -----------------------------------------------------------------


class Subsumption(Dated):
    """Outcomes with the same content, low to high: only the highest held converts (type 19)."""

    levels: tuple[OutcomeMatch, ...] = Field(min_length=2)


class Substitute(Dated):
    """Similar courses that both count, but only one may fill a requirement slot (type 21)."""

    programme: OneOrMany
    courses: OneOrMany = Field(min_length=2)


class Keep(StrEnum):
    """Which copy of a repeated course counts."""

    FIRST = "first"  # the earliest (then the smallest id): what was recognised first stands
    BEST_GRADE = "best_grade"  # the best grade or score (then most credits, earliest)
    OPTIMAL = "optimal"  # whichever copy gives the most credit under the caps


class Duplicates(Strict):
    """How the same course taken twice is recognised once (type 20)."""

    match_on: tuple[Literal["code", "title"], ...] = ("code", "title")
    abbreviations: dict[str, str] = Field(default_factory=dict)
    keep: Keep = Keep.OPTIMAL


# --- the pack and the file -----------------------------------------------------------------


class AccreditationAt(StrEnum):
    """The day an issuer's accreditation is judged on."""

    OUTCOME_DATE = "outcome_date"
    APPLICATION_DATE = "application_date"


class Pack(Strict):
    """Who publishes the rule set, its framework and rule-set-wide policies."""

    id: Ident
    name: Label
    framework: Ident
    description: Label | None = None
    accreditation_required_for: IssuerTypes = ()
    accreditation_at: AccreditationAt = Field(
        default=AccreditationAt.OUTCOME_DATE,
        description="judge accreditation on the outcome's date or on the application date",
    )
    duplicates: Duplicates = Duplicates()
    fill: Fill = Field(default=Fill.OPTIMAL, description="how limits are filled by default")


class RuleFile(Strict):
    """One YAML file of a rule set: any of these sections, merged with the other files."""

    pack: Pack | None = None
    frameworks: tuple[Framework, ...] = ()
    ladders: tuple[Ladder, ...] = ()
    issuers: tuple[Issuer, ...] = ()
    grade_scales: tuple[GradeScale, ...] = ()
    catalogues: tuple[Catalogue, ...] = ()
    programmes: tuple[Programme, ...] = ()
    recognitions: tuple[Recognition, ...] = ()
    placements: tuple[Placement, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()
    transfers: tuple[Transfer, ...] = ()
    equivalences: tuple[Equivalence, ...] = ()
    limits: tuple[Limit, ...] = ()
    recency: tuple[Recency, ...] = ()
    subsumptions: tuple[Subsumption, ...] = ()
    substitutes: tuple[Substitute, ...] = ()


SECTIONS: tuple[str, ...] = tuple(name for name in RuleFile.model_fields if name != "pack")
DATED_SECTIONS: tuple[str, ...] = (
    "programmes",
    "recognitions",
    "placements",
    "exclusions",
    "transfers",
    "equivalences",
    "limits",
    "recency",
    "subsumptions",
    "substitutes",
)
