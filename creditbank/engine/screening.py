"""Outcomes set aside before any transfer: lifecycle, issuer, exclusions, recency, sameness.

Sameness (types 19, 20): on one ladder occupation only the highest rung converts (ties: the
earliest, then the smallest id); a subsumption family keeps only its highest level held. The
same course taken twice (same code at the same issuer, or the same normalised title) is not
refused here: :func:`duplicate_groups` names the groups, and the allocation lets at most one
outcome of a group count, choosing the one that gives most credit (so that adding an outcome
can never lower the result).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from creditbank.domain import OutcomeKind, OutcomeStatus
from creditbank.engine.matching import (
    Failure,
    SelectorIndex,
    accreditation_failure,
    check_condition,
    indexed_in_force,
    years_after,
)
from creditbank.engine.members import EXPIRED, KEEP_BEST_GRADE, KEEP_FIRST, SKILL_CERTIFICATE
from creditbank.engine.memo import LearnerMemo, recall, recall_of_many
from creditbank.engine.normalise import normalise_title
from creditbank.engine.reasons import Reason
from creditbank.engine.records import OutcomeFields
from creditbank.engine.scope import scope_holds
from creditbank.ruleset import schema
from creditbank.ruleset.ruleset import RuleSetAt

_USABLE = {OutcomeStatus.VERIFIED, OutcomeStatus.RECOGNISED}
_NO_DUPLICATE_CHECK = {OutcomeKind.SKILL_CERTIFICATE, OutcomeKind.WORK_EXPERIENCE}


def screen(
    rules: RuleSetAt,
    outcomes: Iterable[OutcomeFields],
    programme: schema.Programme | None,
    on: dt.date,
    memo: LearnerMemo | None = None,
) -> dict[str, list[Failure]]:
    """Outcomes that cannot count at all, with every reason found, keyed by outcome id (the
    checks that do not look at the programme kept in ``memo`` when given)."""
    refused: dict[str, list[Failure]] = {}
    alive: list[OutcomeFields] = []
    recency = recency_rows(rules, programme.id) if programme is not None else ()
    for outcome in outcomes:
        failures = _screen_one(rules, outcome, programme, recency, on, memo)
        if failures:
            refused[outcome.id] = failures
        else:
            alive.append(outcome)
    refused.update(recall_of_many(memo, "subsumed", alive, rules, on, _subsumed, rules, alive))
    return refused


def _subsumed(rules: RuleSetAt, alive: list[OutcomeFields]) -> dict[str, list[Failure]]:
    """The outcomes a higher rung on their ladder, or a higher level of their family,
    subsumes."""
    refused = _ladder_subsumed(rules, alive)
    rest = [o for o in alive if o.id not in refused]
    return refused | _family_subsumed(rules, rest)


def _screen_one(
    rules: RuleSetAt,
    outcome: OutcomeFields,
    programme: schema.Programme | None,
    recency: tuple[RecencyRow, ...],
    on: dt.date,
    memo: LearnerMemo | None = None,
) -> list[Failure]:
    """Every screening failure of one outcome, in check order: a refused outcome is told all
    that stands in its way, not only the first thing (``recency``: the programme's rules)."""
    failures, exclusions = recall(
        memo, "screen", outcome, rules, on, _any_programme, rules, outcome, on
    )
    failures = [
        *failures,
        *(
            failure
            for exclusion, failure in exclusions
            if not exclusion.programme
            or (programme is not None and programme.id in exclusion.programme)
        ),
    ]
    failures.extend(_recency(rules, outcome, recency, on))
    return failures


def _any_programme(
    rules: RuleSetAt, outcome: OutcomeFields, on: dt.date
) -> tuple[list[Failure], list[tuple[schema.Exclusion, Failure]]]:
    """The screening failures of one outcome whatever the programme (status, date, issuer),
    and those of every exclusion in force that matches it, with the exclusion (which may
    apply to some programmes only)."""
    failures: list[Failure] = []
    if outcome.status not in _USABLE:
        failures.append(Failure(Reason.NOT_VERIFIED, {"status": outcome.status.value}))
    if outcome.date > on:
        failures.append(
            Failure(Reason.CONDITIONS_NOT_MET, {"need": f"obtained by {on.isoformat()}"})
        )
    issuer_type = rules.issuer_types.get(outcome.issuer)
    if issuer_type is None:
        failures.append(Failure(Reason.UNKNOWN_ISSUER, {"issuer": outcome.issuer}))
    elif issuer_type in rules.ruleset.pack.accreditation_required_for:
        failure = accreditation_failure(outcome, rules, on)
        if failure is not None:
            failures.append(failure)
    return failures, _excluded(rules, outcome, on)


def _excluded(
    rules: RuleSetAt, outcome: OutcomeFields, on: dt.date
) -> list[tuple[schema.Exclusion, Failure]]:
    """Each exclusion in force that matches the outcome, with its failure."""
    exclusions, index = indexed_in_force(rules, "exclusions")
    failures = []
    for position in index.positions(outcome):
        if not index.selects(position, outcome, rules):
            continue
        exclusion = exclusions[position]
        if (
            exclusion.conditions is None
            or check_condition(exclusion.conditions, outcome, rules, on) is None
        ):
            failures.append(
                (
                    exclusion,
                    Failure(
                        Reason.EXCLUDED,
                        {
                            "rule": exclusion.id,
                            "why.zh": exclusion.reason.text("zh"),
                            "why.en": exclusion.reason.text("en"),
                        },
                    ),
                )
            )
    return failures


class RecencyRow:
    """A recency rule as screening reads it for every outcome: its fields copied once per
    date and programme (:func:`recency_rows`), since a read of a rule model's field costs
    more than the test it serves."""

    id: str
    tests: schema.ScopeTests
    max_age_years: Decimal | None
    obtained_after: dt.date | None
    obtained_before: dt.date | None

    def __init__(self, rule: schema.Recency) -> None:
        self.id = rule.id
        self.tests = rule.scope.tests
        self.max_age_years = rule.max_age_years
        self.obtained_after = rule.obtained_after
        self.obtained_before = rule.obtained_before


def recency_rows(rules: RuleSetAt, programme_id: str) -> tuple[RecencyRow, ...]:
    """The recency rules in force for ``programme_id``, as rows (made once per view)."""
    key = f"recency-rows:{programme_id}"
    found = rules.memo.get(key)
    if found is None:
        found = rules.memo[key] = tuple(
            RecencyRow(rule) for rule in rules.in_force("recency", programme_id)
        )
    assert isinstance(found, tuple)
    return found


def _recency(
    rules: RuleSetAt, outcome: OutcomeFields, recency: tuple[RecencyRow, ...], on: dt.date
) -> list[Failure]:
    """A failure for each of the ``recency`` rules in scope that the outcome's date breaks."""
    failures = []
    date = outcome.date
    for rule in recency:
        if not scope_holds(rule.tests, outcome, rules):
            continue
        params = {"rule": rule.id}
        if rule.max_age_years is not None and years_after(date, rule.max_age_years) < on:
            failures.append(Failure(EXPIRED, {**params, "years": str(rule.max_age_years)}))
        elif rule.obtained_after is not None and date < rule.obtained_after:
            failures.append(Failure(EXPIRED, {**params, "after": rule.obtained_after.isoformat()}))
        elif rule.obtained_before is not None and date > rule.obtained_before:
            failures.append(
                Failure(EXPIRED, {**params, "before": rule.obtained_before.isoformat()})
            )
    return failures


def _ladder_subsumed(rules: RuleSetAt, outcomes: list[OutcomeFields]) -> dict[str, list[Failure]]:
    tracks: dict[tuple[str, str], list[tuple[int, OutcomeFields]]] = defaultdict(list)
    for outcome in outcomes:
        if outcome.kind != SKILL_CERTIFICATE or not outcome.occupation:
            continue
        ladder = rules.occupation_ladder(outcome.occupation)
        rank = ladder.ranks.get(outcome.rung) if ladder and outcome.rung else None
        if ladder is not None and rank is not None and ladder.subsumes_lower:
            tracks[(ladder.id, outcome.occupation)].append((rank, outcome))
    refused: dict[str, list[Failure]] = {}
    for held in tracks.values():
        best = min(held, key=lambda ro: (-ro[0], ro[1].date, ro[1].id))[1]
        for _, outcome in held:
            if outcome.id != best.id:
                refused[outcome.id] = [Failure(Reason.SUBSUMED, {"by": best.id})]
    return refused


def _family_subsumed(rules: RuleSetAt, outcomes: list[OutcomeFields]) -> dict[str, list[Failure]]:
    families, slots, index = _family_index(rules)
    highest: list[dict[str, int]] = [{} for _ in families]  # by family: outcome -> top level
    for outcome in outcomes:
        for position in index.positions(outcome):
            if index.selects(position, outcome, rules):
                at, level = slots[position]
                highest[at][outcome.id] = level  # positions ascend: the last is highest
    refused: dict[str, list[Failure]] = {}
    for family, levels in zip(families, highest, strict=True):
        members = [
            (levels[outcome.id], outcome)
            for outcome in outcomes
            if outcome.id in levels and outcome.id not in refused
        ]
        if len(members) < 2:
            continue
        best = min(members, key=lambda lo: (-lo[0], lo[1].date, lo[1].id))[1]
        for _, outcome in members:
            if outcome.id != best.id:
                refused[outcome.id] = [Failure(Reason.SUBSUMED, {"by": best.id, "rule": family.id})]
    return refused


def _family_index(
    rules: RuleSetAt,
) -> tuple[tuple[schema.Subsumption, ...], list[tuple[int, int]], SelectorIndex]:
    """The subsumption families in force, each (family, level) position, and an index of the
    levels' selectors, made once per view: an outcome is matched only against levels that
    could select it, not every level of every family."""
    cached = rules.memo.get("families")
    if cached is None:
        families = rules.in_force("subsumptions")
        slots = [
            (f, level) for f, family in enumerate(families) for level in range(len(family.levels))
        ]
        selectors = [families[f].levels[level] for f, level in slots]
        cached = rules.memo["families"] = (families, slots, SelectorIndex(selectors))
    return cached


def duplicate_groups(rules: RuleSetAt, outcomes: list[OutcomeFields]) -> dict[str, tuple[str, int]]:
    """Outcome id -> (its duplicate group, its rank in the group: 0 is the copy to keep), for
    groups of two or more. The order is the pack's ``duplicates.keep``: the earliest copy
    first (``first``), or the best grade or score first (``best_grade``), or for ``optimal``
    the copy the tie-break prefers (most credits, best score, best grade, earliest date)."""
    policy = rules.ruleset.pack.duplicates
    by_code, by_title = "code" in policy.match_on, "title" in policy.match_on
    parent: dict[str, str] = {o.id: o.id for o in outcomes}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    seen: dict[tuple[str, ...], str] = {}
    for outcome in sorted(outcomes, key=lambda o: o.id):
        if outcome.kind in _NO_DUPLICATE_CHECK:
            continue
        keys: list[tuple[str, ...]] = []
        if by_code and outcome.code:
            keys.append(("code", outcome.issuer, outcome.code.strip().casefold()))
        if by_title and outcome.title:
            keys.append(("title", outcome.kind.value, normalise_title(outcome.title, rules)))
        for key in keys:
            if key in seen:
                parent[find(outcome.id)] = find(seen[key])
            else:
                seen[key] = outcome.id
    groups: dict[str, list[OutcomeFields]] = defaultdict(list)
    for outcome in outcomes:
        groups[find(outcome.id)].append(outcome)
    ranked: dict[str, tuple[str, int]] = {}
    for group in groups.values():
        if len(group) > 1:
            name = min(o.id for o in group)
            ordered = sorted(group, key=lambda o: _keep_rank(o, rules, policy.keep))
            ranked.update((o.id, (name, rank)) for rank, o in enumerate(ordered))
    return ranked


def copies_not_kept(duplicates: dict[str, tuple[str, int]]) -> dict[str, list[Failure]]:
    """Under ``keep: first`` or ``best_grade``, every copy but the kept one (rank 0) of each
    group, refused as a duplicate of it (``duplicates`` from :func:`duplicate_groups`)."""
    kept = {group: outcome_id for outcome_id, (group, rank) in duplicates.items() if rank == 0}
    return {
        outcome_id: [Failure(Reason.DUPLICATE, {"of": kept[group]})]
        for outcome_id, (group, rank) in duplicates.items()
        if rank
    }


def _keep_rank(outcome: OutcomeFields, rules: RuleSetAt, keep: schema.Keep) -> tuple[object, ...]:
    if keep == KEEP_FIRST:
        return (outcome.date, outcome.id)
    grade_index = -1
    for scale in rules.grade_scales:
        if outcome.grade in scale.grades:
            grade_index = scale.grades.index(outcome.grade)
            break
    credits, score = -(outcome.credits or 0), -(outcome.score or -1)
    if keep == KEEP_BEST_GRADE:
        return (-grade_index, score, credits, outcome.date, outcome.id)
    return (credits, score, -grade_index, outcome.date, outcome.id)
