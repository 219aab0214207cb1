"""Learner exceptions: what an institution granted one learner beyond the rules.

A waiver (a course or a requirement no longer required, no credit), a substitution (one of the
learner's outcomes counts for a course) or credit by petition (a course, or credits in a
category). They are the institution's own decisions, so they are applied before the rules'
allocation and no limit of the rules counts them; the outcome and the course an exception
takes are not offered to the rules.

An exception records the programme it was granted for. When the learner is audited against
another programme, or a new version dropped the course, a course exception follows through
the course equivalences of the rules in force (the best route: most credits, fewest steps);
a requirement or a category belongs to its programme and follows only within it. Whatever
cannot apply is listed in the decision with the reason (``WhyNot``), never dropped. Among
exceptions that want the same course or outcome, the one with the smaller id applies (the
shorter id, then the smaller: the store's numbers compare as numbers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from creditbank.domain import (
    ExceptionKind,
    ExceptionTarget,
    LearnerException,
    OutcomeStatus,
)
from creditbank.engine.candidates import Option
from creditbank.engine.decision import ExceptionStatus
from creditbank.engine.decision_parts import Grant
from creditbank.engine.graph import best_route, course_node, equivalence_graph
from creditbank.engine.records import OutcomeFields
from creditbank.engine.trace import RuleRef
from creditbank.ruleset import schema
from creditbank.ruleset.ruleset import RuleSetAt

ZERO = Decimal(0)
LIVE = (OutcomeStatus.VERIFIED, OutcomeStatus.RECOGNISED)
"""An exception's outcome must be one of these: an exception overrides the rules, not the
lifecycle of the record it rests on."""


class WhyNot(StrEnum):
    """Why an exception does not apply to this audit; ``explain`` renders each."""

    NO_EQUIVALENT = "no_equivalent"
    PROGRAMME_CHANGED = "programme_changed"
    NOT_IN_PROGRAMME = "not_in_programme"
    OUTCOME_NOT_USABLE = "outcome_not_usable"
    ALREADY_COMPLETED = "already_completed"
    CONFLICT = "conflict"


@dataclass
class Applied:
    """The exceptions of one audit, resolved: a status for each; the credit they give as
    grants (for the requirement, category and minimum reports, not the decision's
    ``grants``); waived courses and requirements; what they hold (``c:COURSE``, ``o:OUTCOME``
    resources, the allocation's names) by exception id."""

    statuses: list[ExceptionStatus] = field(default_factory=list)
    grants: list[Grant] = field(default_factory=list)
    waived_courses: set[str] = field(default_factory=set)
    waived_requirements: set[str] = field(default_factory=set)
    held: dict[str, str] = field(default_factory=dict)

    @property
    def credits(self) -> Decimal:
        return sum((g.credits for g in self.grants), start=ZERO)

    @property
    def outcomes(self) -> set[str]:
        return {r[2:] for r in self.held if r.startswith("o:")}


def apply_exceptions(
    rules: RuleSetAt,
    programme: schema.Programme,
    catalogue: dict[str, schema.Course],
    exceptions: Sequence[LearnerException],
    by_id: dict[str, OutcomeFields],
    earned: dict[str, str],
) -> Applied:
    """Resolve ``exceptions`` (smaller id first) against ``programme`` as in force in
    ``rules``; ``earned``: the courses completed in the programme, by the outcome that
    completed each."""
    applied = Applied()
    for exception in sorted(exceptions, key=lambda e: (len(e.id), e.id)):
        status = _resolve(rules, programme, catalogue, exception, by_id, earned, applied)
        applied.statuses.append(status)
    return applied


def _resolve(
    rules: RuleSetAt,
    programme: schema.Programme,
    catalogue: dict[str, schema.Course],
    exception: LearnerException,
    by_id: dict[str, OutcomeFields],
    earned: dict[str, str],
    applied: Applied,
) -> ExceptionStatus:
    granted_for = f"{exception.programme}/{exception.target}"
    if exception.institution is not None:
        granted_for = f"{exception.programme}/{exception.institution}:{exception.target}"

    def refused(why: WhyNot, **params: str) -> ExceptionStatus:
        return _status(exception, granted_for, why_not=why, params=params)

    outcome = by_id.get(exception.outcome) if exception.outcome else None
    if exception.outcome and (outcome is None or outcome.status not in LIVE):
        state = outcome.status.value if outcome else "not among the learner's outcomes"
        return refused(WhyNot.OUTCOME_NOT_USABLE, outcome=exception.outcome, status=state)
    if exception.outcome in earned:  # it completes a course of the programme already
        return refused(WhyNot.ALREADY_COMPLETED, course=earned[exception.outcome])
    if exception.target_kind is not ExceptionTarget.COURSE:
        return _on_group(programme, exception, granted_for, applied, refused)
    assert exception.institution is not None  # the input model requires it for a course
    here = _course_here(rules, programme, exception.institution, exception.target)
    if here is None:
        source = course_node(exception.institution, exception.target)
        return refused(WhyNot.NO_EQUIVALENT, course=source, programme=programme.id)
    code, via, carried = here
    if code in earned.values():
        return refused(WhyNot.ALREADY_COMPLETED, course=code)
    course = catalogue[code]
    category = next(c.category for c in programme.courses if c.code == code)
    if exception.kind is ExceptionKind.WAIVER:
        applied.waived_courses.add(code)
        return _status(exception, granted_for, code, category, ZERO, via)
    taken = [f"c:{code}"] + ([f"o:{exception.outcome}"] if exception.outcome else [])
    holder = next((applied.held[r] for r in taken if r in applied.held), None)
    if holder is not None:
        return refused(WhyNot.CONFLICT, other=holder, course=code)
    credits = min(course.credits, carried)
    applied.held.update(dict.fromkeys(taken, exception.id))
    applied.grants.append(_grant("course", code, course.name, category, credits, exception, via))
    return _status(exception, granted_for, code, category, credits, via)


def _on_group(
    programme: schema.Programme,
    exception: LearnerException,
    granted_for: str,
    applied: Applied,
    refused: Callable[..., ExceptionStatus],
) -> ExceptionStatus:
    """A requirement waiver or a petition in a category: only within its own programme."""
    kind = exception.target_kind.value
    if exception.programme != programme.id:
        return refused(
            WhyNot.PROGRAMME_CHANGED, granted=exception.programme, programme=programme.id
        )
    if exception.target_kind is ExceptionTarget.REQUIREMENT:
        if exception.target not in {r.id for r in programme.requirements}:
            return refused(
                WhyNot.NOT_IN_PROGRAMME, what=kind, target=exception.target, programme=programme.id
            )
        applied.waived_requirements.add(exception.target)
        return _status(exception, granted_for, exception.target, "", ZERO, ())
    names = {c.id: c.name for c in programme.categories}
    if exception.target not in names:
        return refused(
            WhyNot.NOT_IN_PROGRAMME, what=kind, target=exception.target, programme=programme.id
        )
    outcome = f"o:{exception.outcome}" if exception.outcome else ""
    if outcome in applied.held:
        return refused(WhyNot.CONFLICT, other=applied.held[outcome])
    if outcome:
        applied.held[outcome] = exception.id
    credits = exception.credits or ZERO
    target = exception.target
    applied.grants.append(_grant("category", target, names[target], target, credits, exception))
    return _status(exception, granted_for, target, target, credits, ())


def _course_here(
    rules: RuleSetAt, programme: schema.Programme, institution: str, code: str
) -> tuple[str, tuple[RuleRef, ...], Decimal] | None:
    """The programme course an exception on ``institution:code`` applies to, the chain of
    equivalence rules that leads there (empty for the programme's own course) and the
    credits the route carries (a route never creates credit); None when there is none."""
    if institution == programme.institution and code in {c.code for c in programme.courses}:
        return code, (), Decimal("Infinity")
    routes = equivalence_graph(rules).routes_from_course(course_node(institution, code), programme)
    route = best_route(routes)
    if route is None:
        return None
    return route.target.split(":", 1)[1], route.chain, route.credits


def _grant(
    kind: str,
    target: str,
    name: schema.Label,
    category: str,
    credits: Decimal,
    exception: LearnerException,
    via: tuple[RuleRef, ...] = (),
) -> Grant:
    outcomes = (exception.outcome,) if exception.outcome else ()
    return Grant(target, kind, name, category, credits, outcomes, via, _BY_EXCEPTION)


_BY_EXCEPTION = schema.Label(zh="例外认定", en="by exception")


def _status(
    exception: LearnerException,
    granted_for: str,
    target: str = "",
    category: str = "",
    credits: Decimal = ZERO,
    via: tuple[RuleRef, ...] = (),
    why_not: WhyNot | None = None,
    params: dict[str, str] | None = None,
) -> ExceptionStatus:
    return ExceptionStatus(
        id=exception.id,
        kind=exception.kind.value,
        granted_for=granted_for,
        reason=exception.reason,
        applied=why_not is None,
        target_kind=exception.target_kind.value,
        target=target,
        category=category,
        credits=credits,
        outcome=exception.outcome or "",
        via=via,
        why_not=why_not.value if why_not else "",
        params=params or {},
    )


def without_held(
    options: Iterable[Option], held: dict[str, str]
) -> tuple[list[Option], dict[str, tuple[str, str]]]:
    """The options that use nothing an exception holds, and for each outcome of the others
    the course it wanted and the exception holding it (its "used elsewhere" explanation)."""
    if not held:  # most audits: no exception holds anything, nothing to look at
        return list(options), {}
    kept: list[Option] = []
    displaced: dict[str, tuple[str, str]] = {}
    for option in options:
        taken = sorted(r for r in option.resources if r in held)
        if not taken:
            kept.append(option)
            continue
        for outcome in option.outcomes:
            displaced.setdefault(outcome, (taken[0].split(":", 1)[1], held[taken[0]]))
    return kept, displaced
