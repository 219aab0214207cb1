"""Candidate grants (options) for one programme: which rule could use which outcomes, how.

Sources of options: transfer rules (one outcome or an all-of bundle, to whole courses, partial
credit, or category credits, one option per category when the learner may choose), and
articulation (an academic course reaching a programme course through equivalences). For one
outcome and one course only the highest-ranked applicable rule offers it (precedence, type 25);
articulation ranks below every explicit transfer rule; an applicable rejection rule removes
the options of rules it ranks with or above.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import combinations, product
from math import prod

from creditbank.domain import Label
from creditbank.engine.graph import carry_credits, course_node, equivalence_graph
from creditbank.engine.matching import (
    Failure,
    SelectorIndex,
    check_condition,
    grade_failure,
)
from creditbank.engine.members import ACADEMIC_COURSE, GRANT_EACH, NO_RULE
from creditbank.engine.reasons import Reason
from creditbank.engine.recognition import BankCredit
from creditbank.engine.records import OutcomeFields
from creditbank.engine.trace import RuleRef
from creditbank.ruleset import schema
from creditbank.ruleset.ruleset import RuleSetAt

ARTICULATION_MARK = Label(zh="转换", en="transfer")
_ARTICULATION_RANK = (-(10**9), 0)


@dataclass(unsafe_hash=True, slots=True)
class Target:
    """One thing an option grants: a course or credits in a category (a value with its own
    ``__init__``, as ``decision.py`` explains)."""

    kind: str
    id: str
    category: str
    credits: Decimal

    def __init__(self, kind: str, id: str, category: str, credits: Decimal) -> None:
        self.kind = kind
        self.id = id
        self.category = category
        self.credits = credits


@dataclass(unsafe_hash=True, slots=True)
class Option:
    """One way to use outcomes; the allocation takes each option whole or not at all.

    Its credits, credits by category and resources are worked out when it is made: every
    audit reads all three (cached properties cost more, a lock each in Python 3.11). A value
    with its own ``__init__``, as ``decision.py`` explains."""

    key: str
    outcomes: tuple[str, ...]
    targets: tuple[Target, ...]
    rules: tuple[RuleRef, ...]
    rule_id: str
    grade_mark: Label
    credits: Decimal = field(init=False, compare=False)
    by_category: dict[str, Decimal] = field(init=False, compare=False)
    """Credits granted in each category (a course counts in its own)."""
    resources: frozenset[str] = field(init=False, compare=False)

    def __init__(
        self,
        key: str,
        outcomes: tuple[str, ...],
        targets: tuple[Target, ...],
        rules: tuple[RuleRef, ...],
        rule_id: str,
        grade_mark: Label,
    ) -> None:
        self.key = key
        self.outcomes = outcomes
        self.targets = targets
        self.rules = rules
        self.rule_id = rule_id
        self.grade_mark = grade_mark
        by_category: dict[str, Decimal] = {}
        for t in targets:
            by_category[t.category] = by_category.get(t.category, Decimal(0)) + t.credits
        resources = {f"o:{o}" for o in outcomes}
        resources.update(f"c:{t.id}" for t in targets if t.kind == "course")
        self.credits = sum((t.credits for t in targets), Decimal(0))
        self.by_category = by_category
        self.resources = frozenset(resources)


@dataclass
class Candidates:
    """The options, and why outcomes that have none were passed over."""

    options: list[Option] = field(default_factory=list)
    failures: dict[str, list[tuple[Failure, RuleRef]]] = field(default_factory=dict)


Profile = Callable[[OutcomeFields, tuple[Target, ...], RuleRef], Hashable]
"""How the caps see one outcome of an option with these targets under this rule (outcomes
with equal profiles weigh the same in every cap row): ``limits.outcome_profile``."""

BUNDLES_FROM = 64
"""An all-of rule whose combinations of outcomes number more than this is reduced to the
combinations an allocation or an explanation can use (:func:`_bundle_combinations`)."""


def build_options(
    rules: RuleSetAt,
    programme: schema.Programme,
    outcomes: list[OutcomeFields],
    bank: dict[str, BankCredit],
    earned_courses: set[str],
    on: dt.date,
    duplicates: dict[str, tuple[str, int]] | None = None,
    profile: Profile | None = None,
) -> Candidates:
    """Every option for ``outcomes`` (already screened) in ``programme`` on date ``on``.

    With ``duplicates`` (``screening.duplicate_groups``) and ``profile``, an all-of rule with
    many combinations offers only those that can matter (see :func:`_bundle_combinations`).
    """
    courses = programme.course_map
    places = {category.id: position for position, category in enumerate(programme.categories)}
    catalogue = rules.catalogue_of(programme)
    result = Candidates()
    offers: dict[tuple[tuple[str, ...], str], list[tuple[tuple[int, int], str, Option]]] = (
        defaultdict(list)
    )
    rejections: dict[str, tuple[tuple[int, int], Failure, RuleRef]] = {}

    def fail(outcome_id: str, failure: Failure, ref: RuleRef) -> None:
        result.failures.setdefault(outcome_id, []).append((failure, ref))

    transfers, slots, index = _transfer_index(rules, programme)
    nominees = _nominees(slots, index, outcomes, rules)
    # First every rule's eligible outcomes (bundles need to know them all), then the options,
    # replaying the failures in rule order.
    checked: list[tuple[int, list[list[OutcomeFields]], list[tuple[str, Failure]]]] = []
    for position in sorted({r for r, _ in nominees}):
        rule, ref, rank, parts = transfers[position][:4]
        conditions, overlap = rule.conditions, rule.overlap  # once: each read of a model costs
        eligible: list[list[OutcomeFields]] = []
        failures: list[tuple[str, Failure]] = []
        for part_index in range(len(parts)):
            fits = []
            for outcome in nominees.get((position, part_index), ()):
                failure = check_condition(conditions, outcome, rules, on, overlap)
                if failure is None:
                    fits.append(outcome)
                else:
                    failures.append((outcome.id, failure))
            eligible.append(fits)
        checked.append((position, eligible, failures))
        if rule.to.reject:
            reason = rule.to.reason or Label(en="rejected")
            for outcome in eligible[0]:
                failure = Failure(
                    Reason.REJECTED, {"why.zh": reason.text("zh"), "why.en": reason.text("en")}
                )
                if outcome.id not in rejections or rejections[outcome.id][0] < rank:
                    rejections[outcome.id] = (rank, failure, ref)
    in_bundles: dict[str, int] = defaultdict(int)
    for position, eligible, _ in checked:
        if len(eligible) > 1 and not transfers[position][0].to.reject:
            for fits in eligible:
                for outcome in fits:
                    in_bundles[outcome.id] += 1
    for position, eligible, failures in checked:
        rule, ref, rank, parts, refusal, fixed = transfers[position]
        if refusal is not None:
            # The programme never exempts the course: every outcome the rule speaks of is told
            # so, and not that it misses a condition (meeting it would change nothing).
            spoken = {o.id for fits in eligible for o in fits} | {i for i, _ in failures}
            for outcome_id in sorted(spoken):
                fail(outcome_id, refusal, ref)
            continue
        for outcome_id, failure in failures:
            fail(outcome_id, failure, ref)
        to, rule_id = rule.to, rule.id
        if to.reject:
            continue
        if len(parts) > 1 and not all(eligible):
            for fits in eligible:
                for outcome in fits:
                    fail(outcome.id, Failure(Reason.BUNDLE_INCOMPLETE, {"rule": rule_id}), ref)
            continue
        combos: list[tuple[OutcomeFields, ...]] | None = None
        if (
            len(parts) > 1
            and duplicates is not None
            and profile is not None
            and prod(len(fits) for fits in eligible) > BUNDLES_FROM
            and (to.courses or to.credits is not None)
            and all(
                o.id in duplicates and in_bundles[o.id] == 1 and o.id not in rejections
                for fits in eligible
                for o in fits
            )
        ):
            variants = (
                [targets for targets, _, _ in fixed]
                if fixed is not None
                else _grantable(rule, _targets(rule, (), courses, catalogue, bank), courses)
            )
            combos = _bundle_combinations(
                eligible,
                duplicates,
                lambda o: tuple(profile(o, targets, ref) for targets in variants),  # noqa: B023
            )
        grade_mark, by_recognition = rule.grade_mark, bool(to.category) and not to.credits
        for combo in _combinations(eligible) if combos is None else combos:
            ids = tuple(sorted(o.id for o in combo))
            grants = fixed
            if grants is None:
                grants = _grants(
                    rule, _targets(rule, combo, courses, catalogue, bank), courses, places
                )
            for targets, head, names in grants:
                option = Option(head + ITEM.join(ids), ids, targets, (ref,), rule_id, grade_mark)
                for name in names:
                    offers[(ids, name)].append((rank, rule_id, option))
            if by_recognition and not all(o.id in bank for o in combo):
                for o in combo:
                    if o.id not in bank:
                        fail(o.id, Failure(NO_RULE, {"need": "recognition"}), ref)
    _articulation(rules, programme, outcomes, catalogue, offers, result, on)
    winners = _precedence(offers)
    for option in sorted(winners.values(), key=lambda o: o.key):
        rejected = [rejections[o] for o in option.outcomes if o in rejections]
        rank = _rank_of(option, offers)
        if any(r[0] >= rank for r in rejected):
            continue
        if any(t.kind == "course" and t.id in earned_courses for t in option.targets):
            continue
        result.options.append(option)
    for outcome_id, (_, failure, ref) in rejections.items():
        fail(outcome_id, failure, ref)
    return result


def _rule_order(rule: schema.Transfer) -> tuple[int, int, str]:
    return (-rule.priority, -rule.specificity(), rule.id)


_Grants = list[tuple[tuple[Target, ...], str, tuple[str, ...]]]
"""The ways a rule grants (:func:`_grants`): each variant's targets, the head of its options'
keys (:func:`_head`) and the names of its targets (``kind:id``)."""

_Compiled = tuple[
    schema.Transfer,
    RuleRef,
    tuple[int, int],
    tuple[schema.OutcomeMatch, ...],
    Failure | None,
    _Grants | None,
]
"""A transfer rule with its reference, rank (priority, specificity) and selectors; the
refusal of a rule whose courses the programme never exempts; and its grants when they do
not depend on the outcomes (None when its credits are their bank credits)."""


def _transfer_index(
    rules: RuleSetAt, programme: schema.Programme
) -> tuple[list[_Compiled], list[tuple[int, int]], SelectorIndex]:
    """The programme's transfer rules in precedence order (:data:`_Compiled`), each part's
    (rule, part) position, and an index of the parts' selectors; built once per date and
    programme."""
    memo_key = f"transfers:{programme.id}"
    cached = rules.memo.get(memo_key)
    if cached is None:
        courses = programme.course_map
        catalogue = rules.catalogue_of(programme)
        places = {category.id: position for position, category in enumerate(programme.categories)}
        transfers = [
            (
                rule,
                RuleRef.of(rules, rule),
                (rule.priority, rule.specificity()),
                rule.from_.parts(),
                _never_exempted(rule, courses),
                None
                if not rule.to.courses and rule.to.credits is None
                else _grants(rule, _targets(rule, (), courses, catalogue, {}), courses, places),
            )
            for rule in sorted(rules.in_force("transfers", programme.id), key=_rule_order)
        ]
        slots = [(r, p) for r, compiled in enumerate(transfers) for p in range(len(compiled[3]))]
        selectors = [transfers[r][3][p] for r, p in slots]
        cached = rules.memo[memo_key] = (transfers, slots, SelectorIndex(selectors))
    return cached


def _never_exempted(
    rule: schema.Transfer, courses: dict[str, schema.ProgrammeCourse]
) -> Failure | None:
    """The refusal of every outcome ``rule`` speaks of when the programme never exempts its
    courses (under ``grant: each``, only when it exempts none of them)."""
    closed = [code for code in rule.to.courses or () if not courses[code].exemptable]
    if closed and (rule.grant != GRANT_EACH or len(closed) == len(rule.to.courses or ())):
        return Failure(Reason.NOT_EXEMPTABLE, {"course": ", ".join(closed), "rule": rule.id})
    return None


def _nominees(
    slots: list[tuple[int, int]],
    index: SelectorIndex,
    outcomes: list[OutcomeFields],
    rules: RuleSetAt,
) -> dict[tuple[int, int], list[OutcomeFields]]:
    """For each (rule, part), the outcomes its selector matches."""
    nominees: dict[tuple[int, int], list[OutcomeFields]] = defaultdict(list)
    for outcome in outcomes:
        for position in index.positions(outcome):
            if index.selects(position, outcome, rules):
                nominees[slots[position]].append(outcome)
    return nominees


def _combinations(eligible: list[list[OutcomeFields]]) -> list[tuple[OutcomeFields, ...]]:
    if len(eligible) == 1:
        return [(outcome,) for outcome in eligible[0]]
    seen: set[tuple[str, ...]] = set()
    combos = []
    for combo in product(*eligible):
        ids = tuple(sorted(o.id for o in combo))
        if len(set(ids)) == len(ids) and ids not in seen:
            seen.add(ids)
            combos.append(combo)
    return combos


def _bundle_combinations(
    eligible: list[list[OutcomeFields]],
    duplicates: dict[str, tuple[str, int]],
    profile: Callable[[OutcomeFields], Hashable],
) -> list[tuple[OutcomeFields, ...]]:
    """The combinations of an all-of rule that an allocation or an explanation can use.

    It is called only for a rule whose targets do not depend on the combination and whose
    outcomes all repeat a course (each is in a duplicate group, of which at most one copy is
    ever used), each in one part of this rule and of no other all-of rule, none rejected.
    Outcomes of one part in the same duplicate group with the same profile (how the caps see
    them) are interchangeable but for the tie-break, so for each choice of such a class per
    part only the combination with the smallest tie-break key can be in an optimum (any
    other, swapped for it, keeps every resource free and every cap's weight and gives the
    smaller key); it has the same weights as the others and is free whenever one of them is,
    so the caps it would exceed are the same too. Explanations name each outcome's first
    combination (by key: the outcome with the smallest id of every other part), kept as well.
    """
    classes: list[list[list[OutcomeFields]]] = []
    for fits in eligible:
        by_class: dict[tuple[str, Hashable], list[OutcomeFields]] = {}
        for outcome in fits:
            by_class.setdefault((duplicates[outcome.id][0], profile(outcome)), []).append(outcome)
        classes.append(list(by_class.values()))
    picked: dict[tuple[str, ...], tuple[OutcomeFields, ...]] = {}
    for choice in product(*classes):
        # The smallest key: the lowest copy rank reachable as the largest of the parts', then
        # in each part the smallest id among the copies at or below it.
        rank = max(min(duplicates[o.id][1] for o in members) for members in choice)
        combo = tuple(
            min((o for o in members if duplicates[o.id][1] <= rank), key=lambda o: o.id)
            for members in choice
        )
        picked.setdefault(tuple(sorted(o.id for o in combo)), combo)
    first = [min(fits, key=lambda o: o.id) for fits in eligible]
    for part, fits in enumerate(eligible):
        for outcome in fits:
            combo = tuple(outcome if i == part else o for i, o in enumerate(first))
            picked.setdefault(tuple(sorted(o.id for o in combo)), combo)
    return list(picked.values())


def _targets(
    rule: schema.Transfer,
    combo: tuple[OutcomeFields, ...],
    courses: dict[str, schema.ProgrammeCourse],
    catalogue: dict[str, schema.Course],
    bank: dict[str, BankCredit],
) -> list[tuple[Target, ...]]:
    to = rule.to
    if to.courses:
        targets = []
        for code in to.courses:
            if code not in catalogue:
                return []
            value = catalogue[code].credits
            credits = min(to.credits, value) if to.credits is not None else value
            targets.append(Target("course", code, courses[code].category, credits))
        return [tuple(targets)]
    if to.credits is not None:
        credits = to.credits
    elif all(o.id in bank for o in combo):
        credits = sum((bank[o.id].credits for o in combo), start=Decimal(0))
    else:
        return []
    return [(Target("category", cat, cat, credits),) for cat in to.category or ()]


def _grantable(
    rule: schema.Transfer,
    variants: list[tuple[Target, ...]],
    courses: dict[str, schema.ProgrammeCourse],
) -> list[tuple[Target, ...]]:
    """The ways a rule may grant: each variant whole, or under ``grant: each`` every
    non-empty subset of its exemptable courses (the allocation picks one, so each course
    stands alone, and a course the programme never exempts does not void the others)."""
    if rule.grant != GRANT_EACH:
        return variants
    grantable = [tuple(t for t in targets if courses[t.id].exemptable) for targets in variants]
    return [
        subset
        for targets in grantable
        for size in range(len(targets), 0, -1)
        for subset in combinations(targets, size)
    ]


def _grants(
    rule: schema.Transfer,
    variants: list[tuple[Target, ...]],
    courses: dict[str, schema.ProgrammeCourse],
    places: dict[str, int],
) -> _Grants:
    """Each way ``rule`` may grant (:func:`_grantable`), with its key head and target names."""
    return [
        (targets, _head(targets, rule.id, places), tuple(f"{t.kind}:{t.id}" for t in targets))
        for targets in _grantable(rule, variants, courses)
    ]


FIELD, ITEM = "\x1f", "\x1e"
"""Separators below every printable character, so keys sort like the tuples they join."""


def _head(targets: tuple[Target, ...], rule_id: str, places: dict[str, int]) -> str:
    """The start of an option's key, its identity and tie-break order: (targets, rule id,
    outcome ids), the outcome ids joined by ``ITEM`` to follow. A category is placed by its
    position in the programme (``places``), not its id, so renaming a category never changes
    which grants are preferred."""
    what = ITEM.join(
        f"category:{places[t.id]:04d}" if t.kind == "category" else f"{t.kind}:{t.id}"
        for t in targets
    )
    return f"{what}{FIELD}{rule_id}{FIELD}"


def _articulation(
    rules: RuleSetAt,
    programme: schema.Programme,
    outcomes: list[OutcomeFields],
    catalogue: dict[str, schema.Course],
    offers: dict[tuple[tuple[str, ...], str], list[tuple[tuple[int, int], str, Option]]],
    result: Candidates,
    on: dt.date,
) -> None:
    graph = equivalence_graph(rules)
    policy = programme.articulation
    min_grade, min_overlap = policy.min_grade, policy.min_overlap  # once: each read costs
    courses = programme.course_map
    for outcome in outcomes:
        if outcome.kind != ACADEMIC_COURSE or not outcome.code:
            continue
        source = course_node(outcome.issuer, outcome.code)
        for target, route in sorted(graph.routes_from_course(source, programme).items()):
            code = target.split(":", 1)[1]
            ref = route.chain[0]
            failure = grade_failure(outcome.grade, min_grade, rules) if min_grade else None
            if failure is not None:
                result.failures.setdefault(outcome.id, []).append((failure, ref))
                continue
            if min_overlap and (route.min_overlap or 1) < min_overlap:
                cond = schema.Condition(min_overlap=min_overlap)
                failure = check_condition(cond, outcome, rules, on, route.min_overlap)
                if failure:
                    result.failures.setdefault(outcome.id, []).append((failure, ref))
                continue
            cap = catalogue[code].credits
            credits = (
                carry_credits(outcome.credits, route.ratio, cap)
                if outcome.credits is not None
                else route.credits
            )
            if credits <= 0:
                continue
            ids = (outcome.id,)
            targets = (Target("course", code, courses[code].category, credits),)
            rule_id = "+".join(r.id for r in route.chain)
            option = Option(
                _head(targets, rule_id, {}) + ITEM.join(ids),
                ids,
                targets,
                route.chain,
                rule_id,
                ARTICULATION_MARK,
            )
            offers[(ids, f"course:{code}")].append((_ARTICULATION_RANK, rule_id, option))


def _precedence(
    offers: dict[tuple[tuple[str, ...], str], list[tuple[tuple[int, int], str, Option]]],
) -> dict[str, Option]:
    """Options that win every (outcomes, target) they compete for."""
    losers: set[str] = set()
    everyone: dict[str, Option] = {}
    for entries in offers.values():
        ordered = sorted(entries, key=lambda e: (-e[0][0], -e[0][1], e[1]))
        top_rank, top_rule = ordered[0][0], ordered[0][1]
        for rank, rule_id, option in ordered:
            everyone[option.key] = option
            if (rank, rule_id) != (top_rank, top_rule):
                losers.add(option.key)
    return {key: option for key, option in everyone.items() if key not in losers}


def _rank_of(
    option: Option,
    offers: dict[tuple[tuple[str, ...], str], list[tuple[tuple[int, int], str, Option]]],
) -> tuple[int, int]:
    target = option.targets[0]
    for rank, _, candidate in offers[(option.outcomes, f"{target.kind}:{target.id}")]:
        if candidate.key == option.key:
            return rank
    return _ARTICULATION_RANK
