"""Programme minimums as the allocation sees them: floors over options.

Among allocations with the most credits, the allocation prefers the one meeting the most
minimums (``allocation.Floor``). Each minimum the learner has not already met by courses
earned in the programme becomes a floor: what each option adds toward it, and what is still
needed, in hundredths of a credit or in courses. Minimums are told apart by position, never
by id, so renaming a category or a requirement changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from creditbank.engine.allocation import Floor
from creditbank.engine.candidates import Option, Target
from creditbank.engine.decision import Earned
from creditbank.engine.limits import hundredths
from creditbank.engine.records import OutcomeFields
from creditbank.engine.scope import credits_toward_minimum, outcome_in_scope, target_courses
from creditbank.ruleset import schema
from creditbank.ruleset.ruleset import RuleSetAt

ZERO = Decimal(0)


def build_floors(
    rules: RuleSetAt,
    programme: schema.Programme,
    options: list[Option],
    earned: list[Earned],
    outcomes: dict[str, OutcomeFields],
) -> list[Floor]:
    """A floor per category minimum, requirement and source minimum not yet met by earned
    courses, over ``options``."""
    floors = [
        *_category_floors(programme, options, earned),
        *_requirement_floors(rules, programme, options, earned),
        *_source_floors(rules, programme, options, earned, outcomes),
    ]
    return [floor for floor in floors if floor.need > 0 and floor.weights]


def _floor(name: str, need: int, weights: Iterable[tuple[int, int]]) -> Floor:
    return Floor(name, need, {i: w for i, w in weights if w})


def _credit_floor(name: str, need: Decimal, weights: Iterable[tuple[int, Decimal]]) -> Floor:
    """A floor in credits, counted in hundredths as the caps are."""
    return _floor(name, hundredths(need), ((i, hundredths(w)) for i, w in weights))


def _credits(targets: Iterable[Target]) -> Decimal:
    return sum((t.credits for t in targets), start=ZERO)


def _category_floors(
    programme: schema.Programme, options: list[Option], earned: list[Earned]
) -> list[Floor]:
    floors = []
    for position, category in enumerate(programme.categories):
        cid = category.id  # read once: a rule model's field costs more than the loop's test
        have = sum((e.credits for e in earned if e.category == cid), start=ZERO)
        weights = ((i, o.by_category[cid]) for i, o in enumerate(options) if cid in o.by_category)
        floors.append(_credit_floor(f"category#{position}", category.min_credits - have, weights))
    return floors


def _requirement_floors(
    rules: RuleSetAt, programme: schema.Programme, options: list[Option], earned: list[Earned]
) -> list[Floor]:
    """A requirement of listed courses counts the courses granted (a substitute for a listed
    course counts as it); one with ``credits`` counts the credits of those courses, or of
    every grant when it lists none. Grants count only toward exemptable requirements."""
    done = {e.course: e.credits for e in earned}
    floors = []
    for row in _requirement_rows(rules, programme):
        name, listed = row.name, row.listed
        if row.credits is None:
            need = sum(1 for fillers in row.fillers if not any(c in done for c in fillers))
            courses = (
                (i, sum(1 for t in o.targets if t.kind == "course" and t.id in listed))
                for i, o in enumerate(options)
            )
            floors.append(_floor(name, need, courses))
        elif row.fillers:
            have = sum((v for c, v in done.items() if c in listed), start=ZERO)
            credits = (
                (i, _credits(t for t in o.targets if t.kind == "course" and t.id in listed))
                for i, o in enumerate(options)
            )
            floors.append(_credit_floor(name, row.credits - have, credits))
        else:
            have = sum(done.values(), start=ZERO)
            every = ((i, o.credits) for i, o in enumerate(options))
            floors.append(_credit_floor(name, row.credits - have, every))
    return floors


class RequirementRow:
    """An exemptable requirement as its floor reads it: its courses with their substitutes
    (``fillers``: for each listed course, the courses that fill it), all of them together
    (``listed``), and its credits, read once per date and programme."""

    name: str
    fillers: tuple[frozenset[str], ...]
    listed: frozenset[str]
    credits: Decimal | None

    def __init__(self, position: int, req: schema.Requirement, groups: list[set[str]]) -> None:
        self.name = f"requirement#{position}"
        self.fillers = tuple(
            frozenset({code}.union(*(group for group in groups if code in group)))
            for code in req.courses
        )
        listed = set(req.courses)
        for group in groups:
            if listed & group:
                listed |= group
        self.listed = frozenset(listed)
        self.credits = req.credits


def _requirement_rows(rules: RuleSetAt, programme: schema.Programme) -> tuple[RequirementRow, ...]:
    """The programme's exemptable requirements, as rows (made once per view)."""
    key = f"requirement-rows:{programme.id}"
    found = rules.memo.get(key)
    if found is None:
        groups = [set(s.courses) for s in rules.in_force("substitutes", programme.id)]
        found = rules.memo[key] = tuple(
            RequirementRow(position, req, groups)
            for position, req in enumerate(programme.requirements)
            if req.exemptable
        )
    assert isinstance(found, tuple)
    return found


def _source_floors(
    rules: RuleSetAt,
    programme: schema.Programme,
    options: list[Option],
    earned: list[Earned],
    outcomes: dict[str, OutcomeFields],
) -> list[Floor]:
    """Source minimums count an option's credits as the decision does
    (``scope.credits_toward_minimum``)."""
    catalogue = rules.catalogue_of(programme)
    floors = []
    for position, minimum in enumerate(programme.source_minimums):
        have = sum((e.credits for e in earned), start=ZERO) if minimum.count_in_programme else ZERO
        weights = (
            (
                i,
                credits_toward_minimum(
                    minimum, [outcomes[x] for x in o.outcomes], o.targets, rules, catalogue
                ),
            )
            for i, o in enumerate(options)
        )
        floors.append(_credit_floor(f"source#{position}", minimum.min_credits - have, weights))
    return floors


def minimum_profile(
    rules: RuleSetAt,
    programme: schema.Programme,
    catalogue: dict[str, schema.Course],
    outcome: OutcomeFields,
    targets: tuple[Target, ...],
) -> tuple[bool, ...]:
    """Which source minimums ``outcome`` counts toward as a member of an option with
    ``targets``: outcomes interchangeable for the caps are so for the floors only if this
    is equal too."""
    courses = target_courses(targets, catalogue)
    return tuple(
        outcome_in_scope(minimum, outcome, rules, courses) for minimum in programme.source_minimums
    )
