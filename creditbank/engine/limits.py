"""Caps (types 13-17) turned into linear rows over options, one row per cap instance.

A limit applies to the targets of an option that fall in its scope (category, course, rule)
when one of the option's outcomes does too (``scope.scope_holds``: kind, issuer, issuer
type, accreditation, delivery, field, level).
``per`` splits it into one instance per value of an outcome attribute, ``period`` into one per
year, semester or window of the outcome's date (its end date); a sub-limit narrows its
parent's scope. Credits are counted in hundredths so the arithmetic stays exact.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from creditbank.engine.allocation import Cap
from creditbank.engine.candidates import Option, Target
from creditbank.engine.members import PER_YEAR
from creditbank.engine.records import OutcomeFields
from creditbank.engine.scope import scope_holds, target_courses
from creditbank.engine.trace import RuleRef
from creditbank.ruleset import schema
from creditbank.ruleset.ruleset import RuleSetAt

SCALE = 100
"""Credits are compared in hundredths of a credit."""


_HUNDREDTHS: dict[Decimal, int] = {}
"""Credit values already converted: an audit converts the same few (a rule set's amounts,
the outcomes' credits) dozens of times, and a look-up costs a tenth of the arithmetic."""
HUNDREDTHS_KEPT = 4096
"""Values kept at most (the cache starts again past it: inputs cannot grow it without bound)."""


def hundredths(value: Decimal) -> int:
    """``value`` in whole hundredths, rounded down (exact: ``math.floor`` of a Decimal)."""
    found = _HUNDREDTHS.get(value)
    if found is None:
        if len(_HUNDREDTHS) >= HUNDREDTHS_KEPT:
            _HUNDREDTHS.clear()
        found = _HUNDREDTHS[value] = math.floor(value * SCALE)
    return found


@dataclass(unsafe_hash=True, slots=True)
class CapInfo:
    """What a cap row stands for, to report it in the decision (a value with its own
    ``__init__``, as ``decision.py`` explains)."""

    limit_id: str
    instance: str
    unit: str
    rule: RuleRef

    def __init__(self, limit_id: str, instance: str, unit: str, rule: RuleRef) -> None:
        self.limit_id = limit_id
        self.instance = instance
        self.unit = unit
        self.rule = rule


@dataclass(frozen=True)
class ScopeRow:
    """A limit's scope as an audit reads it for every option and outcome: its keys copied
    once per plan, since a read of a rule model's field costs more than the test it serves
    (empty ``rules``, ``categories`` or ``courses``: any)."""

    rules: frozenset[str]
    categories: frozenset[str]
    courses: frozenset[str]
    fields: bool
    tests: schema.ScopeTests

    @classmethod
    def of(cls, scope: schema.LimitScope) -> ScopeRow:
        return cls(
            frozenset(scope.rules),
            frozenset(scope.categories),
            frozenset(scope.courses),
            bool(scope.fields),
            scope.tests,
        )


@dataclass(frozen=True)
class CapTemplate:
    """A limit or sub-limit resolved for one programme on one date: its scopes split by what
    they look at, its bound, unit, instances (``per`` an outcome attribute, ``period``) and
    fill. An audit only weighs its options against it."""

    limit_id: str
    ref: RuleRef
    scopes: tuple[ScopeRow, ...]
    by_rule: bool
    by_target: bool
    by_outcome: bool
    by_field: bool
    bound: int
    counts: bool
    per: str | None
    period: schema.Period | None
    chronological: bool

    @property
    def unit(self) -> str:
        return "count" if self.counts else "credits"

    @property
    def split(self) -> bool:
        return self.per is not None or self.period is not None


def cap_templates(
    rules: RuleSetAt, programme: schema.Programme, catalogue: dict[str, schema.Course]
) -> tuple[CapTemplate, ...]:
    """Every limit and sub-limit in force for ``programme``, in order, as templates."""
    default = rules.ruleset.pack.fill
    templates = []
    for limit in rules.in_force("limits", programme.id):
        ref = RuleRef.of(rules, limit)
        bodies: list[tuple[schema.LimitBody, str, schema.LimitBody | None]] = [
            (limit, limit.id, None)
        ]
        bodies += [
            (sub, sub.id or f"{limit.id}.sub{index + 1}", limit)
            for index, sub in enumerate(limit.sub_limits)
        ]
        for body, limit_id, parent in bodies:
            scopes = (body.scope,) + ((parent.scope,) if parent is not None else ())
            fill = body.fill or (parent.fill if parent is not None else None) or default
            templates.append(
                CapTemplate(
                    limit_id=limit_id,
                    ref=ref,
                    scopes=tuple(ScopeRow.of(scope) for scope in scopes),
                    by_rule=any(scope.rules for scope in scopes),
                    by_target=any(scope.categories or scope.courses for scope in scopes),
                    by_outcome=any(scope.selects_outcomes() for scope in scopes),
                    by_field=any(scope.fields for scope in scopes),
                    bound=_bound(body, programme, catalogue),
                    counts=body.max_count is not None,
                    per=None if body.per is None else str(body.per),  # a StrEnum's str: its value
                    period=body.period,
                    chronological=fill == schema.Fill.CHRONOLOGICAL,
                )
            )
    return tuple(templates)


def build_caps(
    rules: RuleSetAt,
    programme: schema.Programme,
    templates: tuple[CapTemplate, ...],
    options: list[Option],
    outcomes: dict[str, OutcomeFields],
    catalogue: dict[str, schema.Course],
) -> list[tuple[Cap, CapInfo]]:
    """Every cap row for ``options``: limits and sub-limits (``templates``), categories,
    residency."""
    rows: list[tuple[Cap, CapInfo]] = []
    prog_ref = RuleRef.of(rules, programme)
    for category in programme.categories:
        most = category.max_credits
        if most is None:
            continue
        cid = category.id  # read once: a rule model's field costs more than the loop's test
        weights = {
            i: hundredths(o.by_category[cid]) for i, o in enumerate(options) if cid in o.by_category
        }
        cap = Cap(f"category:{cid}", hundredths(most), {i: w for i, w in weights.items() if w})
        rows.append((cap, CapInfo(f"{programme.id}.category.{cid}", "", "credits", prog_ref)))
    whole = [hundredths(o.credits) for o in options]
    if programme.residency is not None:
        bound = programme.total_credits - programme.residency.min_credits
        weights = dict(enumerate(whole))
        rows.append(
            (
                Cap("residency", hundredths(bound), weights),
                CapInfo(f"{programme.id}.residency", "", "credits", prog_ref),
            )
        )
    for template in templates:
        rows.extend(_limit_rows(template, rules, options, whole, outcomes, catalogue))
    return rows


def _limit_rows(
    template: CapTemplate,
    rules: RuleSetAt,
    options: list[Option],
    whole: list[int],
    outcomes: dict[str, OutcomeFields],
    catalogue: dict[str, schema.Course],
) -> list[tuple[Cap, CapInfo]]:
    """The rows of one template; ``whole`` is each option's credits in hundredths."""
    scopes, counts, by_field = template.scopes, template.counts, template.by_field
    inside: dict[object, bool] = {}
    labels: dict[str, str] = {}
    instances: dict[str, dict[int, int]] = defaultdict(dict)
    for i, option in enumerate(options):
        if template.by_rule and any(not _rule_in(scope, option) for scope in scopes):
            continue
        targets = option.targets
        if template.by_target:
            targets = tuple(t for t in targets if all(_target_in(scope, t) for scope in scopes))
            if not targets:
                continue
        members = option.outcomes
        if template.by_outcome:
            members = tuple(
                m
                for m in members
                if _member(inside, scopes, outcomes[m], rules, catalogue, targets, by_field)
            )
            if not members:
                continue
        credits = (
            hundredths(sum((t.credits for t in targets), start=Decimal(0)))
            if targets is not option.targets
            else whole[i]
        )
        if not template.split:
            instances[""][i] = len(members) if counts else credits
            continue
        in_group: dict[str, int] = defaultdict(int)
        for member in members:
            label = labels.get(member)
            if label is None:
                label = labels[member] = _label(template, outcomes[member])
            in_group[label] += 1
        for label, count in in_group.items():
            instances[label][i] = count if counts else credits
    return [
        (
            Cap(
                f"{template.limit_id}[{group}]",
                0 if group.endswith(OUTSIDE_WINDOWS) else template.bound,
                weights,
                chronological=template.chronological,
            ),
            CapInfo(template.limit_id, group, template.unit, template.ref),
        )
        for group, weights in sorted(instances.items())
    ]


def _member(
    inside: dict[object, bool],
    scopes: tuple[ScopeRow, ...],
    outcome: OutcomeFields,
    rules: RuleSetAt,
    catalogue: dict[str, schema.Course],
    targets: tuple[Target, ...],
    by_field: bool,
) -> bool:
    """Whether ``outcome``, granted as ``targets``, is in every scope (remembered per audit:
    an outcome is a member of many options; the targets matter only to a scope on fields)."""
    key: object = (outcome.id, targets) if by_field else outcome.id
    found = inside.get(key)
    if found is None:
        found = inside[key] = all(
            _outcome_in(scope, outcome, rules, catalogue, targets) for scope in scopes
        )
    return found


def fills_in_date_order(templates: tuple[CapTemplate, ...]) -> bool:
    """Whether a limit or sub-limit among ``templates`` is filled chronologically."""
    return any(template.chronological for template in templates)


def outcome_profile(
    templates: tuple[CapTemplate, ...],
    rules: RuleSetAt,
    catalogue: dict[str, schema.Course],
    outcome: OutcomeFields,
    targets: tuple[Target, ...],
    rule: RuleRef,
) -> tuple[tuple[bool, str | None], ...]:
    """How the limits see ``outcome`` as a member of an option with ``targets`` granted under
    ``rule``: for each limit and sub-limit in force, whether the outcome is in its scope and
    the instance (per value, period) it falls in. Options whose outcomes have equal profiles
    (and equal targets, rules and credits) weigh the same in every cap row of
    :func:`build_caps`; categories and residency depend on the targets alone."""
    profile: list[tuple[bool, str | None]] = []
    for template in templates:
        scopes = template.scopes
        inside = all(not scope.rules or rule.id in scope.rules for scope in scopes)
        mine = tuple(t for t in targets if all(_target_in(scope, t) for scope in scopes))
        inside = inside and bool(mine)
        inside = inside and all(
            _outcome_in(scope, outcome, rules, catalogue, mine) for scope in scopes
        )
        label = _label(template, outcome) if inside and template.split else None
        profile.append((inside, label))
    return tuple(profile)


def _bound(
    body: schema.LimitBody, programme: schema.Programme, catalogue: dict[str, schema.Course]
) -> int:
    if body.max_count is not None:
        return body.max_count
    if body.max_credits is not None:
        return hundredths(body.max_credits)
    assert body.max_share is not None
    base = (
        sum((catalogue[c].credits for c in body.pool if c in catalogue), start=Decimal(0))
        if body.pool
        else programme.total_credits
    )
    return hundredths(body.max_share * base)


def _label(template: CapTemplate, outcome: OutcomeFields) -> str:
    """The instance of a split limit that ``outcome`` falls in: its ``per`` value, its
    period, or both."""
    parts = []
    if template.per is not None:
        parts.append(f"{template.per}={getattr(outcome, template.per) or '-'}")
    if template.period is not None:
        parts.append(period_of(template.period, outcome.date))
    return " ".join(parts)


OUTSIDE_WINDOWS = "outside every window"
"""The instance of a windowed limit that outcomes dated in none of its windows fall in: its
bound is zero, so they cannot count under the limit, and the decision says so."""


def period_of(period: schema.Period, day: dt.date) -> str:
    """The period a date falls in: a calendar year, a year or semester by its first day, a
    window by its name (or dates), or :data:`OUTSIDE_WINDOWS`.

    >>> period_of(schema.Period(unit="semester"), dt.date(2025, 1, 10))
    'semester from 2024-09-01'
    >>> period_of(schema.Period(unit="year", year_starts="09-01"), dt.date(2025, 8, 31))
    'year from 2024-09-01'
    """
    if period.windows is not None:
        for window in period.windows:
            if window.from_ <= day <= window.to:
                return window.label()
        return OUTSIDE_WINDOWS
    if period.unit == PER_YEAR:
        if period.year_starts is None:
            return f"year {day.year}"
        return f"year from {_last_start(day, (period.year_starts,)).isoformat()}"
    return f"semester from {_last_start(day, period.semester_starts).isoformat()}"


def _last_start(day: dt.date, month_days: tuple[str, ...]) -> dt.date:
    """The latest of the yearly ``month_days`` (MM-DD) on or before ``day``."""
    starts = [
        dt.date(year, int(md[:2]), int(md[3:]))
        for year in (day.year - 1, day.year)
        for md in month_days
    ]
    return max(start for start in starts if start <= day)


def _rule_in(scope: ScopeRow, option: Option) -> bool:
    return not scope.rules or any(ref.id in scope.rules for ref in option.rules)


def _target_in(scope: ScopeRow, target: Target) -> bool:
    if scope.categories and target.category not in scope.categories:
        return False
    return not scope.courses or (target.kind == "course" and target.id in scope.courses)


def _outcome_in(
    scope: ScopeRow,
    outcome: OutcomeFields,
    rules: RuleSetAt,
    catalogue: dict[str, schema.Course],
    targets: tuple[Target, ...],
) -> bool:
    courses = target_courses(targets, catalogue) if scope.fields else ()  # read for fields only
    return scope_holds(scope.tests, outcome, rules, courses)
