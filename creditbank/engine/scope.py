"""Which outcomes a limit, a recency rule or a source minimum is about: one predicate for all.

A scope (:class:`schema.OutcomeScope`) selects outcomes by kind, issuer, issuer type,
accreditation, delivery, field and framework level; every key given must hold. Limits,
recency and source minimums all ask :func:`outcome_in_scope` (or :func:`scope_holds`, the same
test given the scope's keys read once), so a key means the same thing wherever it is written.
The keys that select a grant's targets or rules (``categories``, ``courses``, ``rules`` of a
limit) are read by the limits themselves.

Two choices, documented in rules/README.md:

- ``fields`` matches the outcome's field or the field of a course it is granted as (a limit
  on "mechanical" credits counts a certificate granted as a mechanical course);
- ``min_level``/``max_level`` compare the framework level the outcome is recognised at (the
  recognition rule's ``level``, else its rung's, a placement's or its own), never the target
  course's level: a scope is about where credits come from; ``courses`` and ``categories``
  select targets.

A grant made of several outcomes (an all-of bundle) counts toward a source minimum only when
every one of its outcomes is selected: a minimum says where credits must come from, and a
bundle with a part from elsewhere does not wholly come from there. (A limit counts it when any
of its outcomes is in scope: a cap holds back everything it might cover.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from creditbank.engine.candidates import Target
from creditbank.engine.matching import accredited
from creditbank.engine.recognition import framework_level
from creditbank.engine.records import OutcomeFields
from creditbank.ruleset import schema
from creditbank.ruleset.ruleset import RuleSetAt


def outcome_in_scope(
    scope: schema.OutcomeScope,
    outcome: OutcomeFields,
    rules: RuleSetAt,
    target_courses: Iterable[schema.Course] = (),
) -> bool:
    """Whether ``outcome`` (granted as ``target_courses``, if any) is selected by ``scope``."""
    return scope_holds(scope.tests, outcome, rules, target_courses)


def scope_holds(
    tests: schema.ScopeTests,
    outcome: OutcomeFields,
    rules: RuleSetAt,
    target_courses: Iterable[schema.Course] = (),
) -> bool:
    """:func:`outcome_in_scope` given the scope's tests, for loops that read them once."""
    kinds, issuers, issuer_types, delivery, fields, accredited_, min_level, max_level = tests
    if kinds and outcome.kind not in kinds:
        return False
    if issuers and outcome.issuer not in issuers:
        return False
    if issuer_types and rules.issuer_types.get(outcome.issuer) not in issuer_types:
        return False
    if delivery and outcome.delivery not in delivery:
        return False
    if fields:
        held = {outcome.field, *(course.field for course in target_courses)}
        if not held & set(fields):
            return False
    if accredited_ is not None and accredited(outcome, rules, rules.day) != accredited_:
        return False
    if min_level is not None or max_level is not None:
        level = framework_level(outcome, rules)
        if level is None:
            return False
        if min_level is not None and level < min_level:
            return False
        if max_level is not None and level > max_level:
            return False
    return True


def target_courses(
    targets: Iterable[Target], catalogue: dict[str, schema.Course]
) -> tuple[schema.Course, ...]:
    """The catalogue courses among ``targets`` (category credits have none)."""
    return tuple(catalogue[t.id] for t in targets if t.kind == "course" and t.id in catalogue)


def credits_toward_minimum(
    minimum: schema.SourceMinimum,
    option_outcomes: Sequence[OutcomeFields],
    targets: Sequence[Target],
    rules: RuleSetAt,
    catalogue: dict[str, schema.Course],
) -> Decimal:
    """Credits that a grant of ``targets`` from ``option_outcomes`` adds to ``minimum``: all
    of them when every outcome is selected, else none (see the module's docstring)."""
    courses = target_courses(targets, catalogue)
    tests = minimum.tests
    if option_outcomes and all(
        scope_holds(tests, outcome, rules, courses) for outcome in option_outcomes
    ):
        return sum((t.credits for t in targets), start=Decimal(0))
    return Decimal(0)
