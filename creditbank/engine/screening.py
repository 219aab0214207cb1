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

from creditbank.domain import Outcome, OutcomeKind, OutcomeStatus
from creditbank.engine.matching import Failure, accredited, check_condition, matches, years_after
from creditbank.engine.normalise import normalise_title
from creditbank.engine.reasons import Reason
from creditbank.engine.scope import outcome_in_scope
from creditbank.ruleset import schema
from creditbank.ruleset.ruleset import RuleSetAt

_USABLE = {OutcomeStatus.VERIFIED, OutcomeStatus.RECOGNISED}
_NO_DUPLICATE_CHECK = {OutcomeKind.SKILL_CERTIFICATE, OutcomeKind.WORK_EXPERIENCE}


def screen(
    rules: RuleSetAt,
    outcomes: Iterable[Outcome],
    programme: schema.Programme | None,
    on: dt.date,
) -> dict[str, Failure]:
    """Outcomes that cannot count at all, with the reason, keyed by outcome id."""
    refused: dict[str, Failure] = {}
    alive: list[Outcome] = []
    for outcome in outcomes:
        failure = _screen_one(rules, outcome, programme, on)
        if failure is None:
            alive.append(outcome)
        else:
            refused[outcome.id] = failure
    refused.update(_ladder_subsumed(rules, alive))
    alive = [o for o in alive if o.id not in refused]
    refused.update(_family_subsumed(rules, alive))
    return refused


def _screen_one(
    rules: RuleSetAt, outcome: Outcome, programme: schema.Programme | None, on: dt.date
) -> Failure | None:
    if outcome.status not in _USABLE:
        return Failure(Reason.NOT_VERIFIED, {"status": outcome.status.value})
    if outcome.date > on:
        return Failure(Reason.CONDITIONS_NOT_MET, {"need": f"obtained by {on.isoformat()}"})
    issuer = rules.issuers.get(outcome.issuer)
    if issuer is None:
        return Failure(Reason.UNKNOWN_ISSUER, {"issuer": outcome.issuer})
    required = rules.ruleset.pack.accreditation_required_for
    if issuer.type in required and not accredited(outcome, rules):
        return Failure(Reason.ISSUER_NOT_ACCREDITED, {"issuer": outcome.issuer})
    for exclusion in rules.in_force("exclusions"):
        if (
            programme is not None
            and exclusion.programme
            and programme.id not in exclusion.programme
        ):
            continue
        if programme is None and exclusion.programme:
            continue
        if matches(exclusion.match, outcome, rules) and (
            exclusion.conditions is None
            or check_condition(exclusion.conditions, outcome, rules, on) is None
        ):
            return Failure(
                Reason.EXCLUDED,
                {
                    "rule": exclusion.id,
                    "why.zh": exclusion.reason.text("zh"),
                    "why.en": exclusion.reason.text("en"),
                },
            )
    if programme is not None:
        return _recency(rules, outcome, programme, on)
    return None


def _recency(
    rules: RuleSetAt, outcome: Outcome, programme: schema.Programme, on: dt.date
) -> Failure | None:
    for rule in rules.in_force("recency", programme.id):
        if not outcome_in_scope(rule.scope, outcome, rules):
            continue
        params = {"rule": rule.id}
        if rule.max_age_years is not None and years_after(outcome.date, rule.max_age_years) < on:
            return Failure(Reason.EXPIRED, {**params, "years": str(rule.max_age_years)})
        if rule.obtained_after is not None and outcome.date < rule.obtained_after:
            return Failure(Reason.EXPIRED, {**params, "after": rule.obtained_after.isoformat()})
        if rule.obtained_before is not None and outcome.date > rule.obtained_before:
            return Failure(Reason.EXPIRED, {**params, "before": rule.obtained_before.isoformat()})
    return None


def _ladder_subsumed(rules: RuleSetAt, outcomes: list[Outcome]) -> dict[str, Failure]:
    tracks: dict[tuple[str, str], list[tuple[int, Outcome]]] = defaultdict(list)
    for outcome in outcomes:
        if outcome.kind != OutcomeKind.SKILL_CERTIFICATE or not outcome.occupation:
            continue
        ladder = rules.occupation_ladder(outcome.occupation)
        rank = ladder.rank(outcome.rung) if ladder and outcome.rung else None
        if ladder is not None and rank is not None and ladder.subsumes_lower:
            tracks[(ladder.id, outcome.occupation)].append((rank, outcome))
    refused: dict[str, Failure] = {}
    for held in tracks.values():
        best = min(held, key=lambda ro: (-ro[0], ro[1].date, ro[1].id))[1]
        for _, outcome in held:
            if outcome.id != best.id:
                refused[outcome.id] = Failure(Reason.SUBSUMED, {"by": best.id})
    return refused


def _family_subsumed(rules: RuleSetAt, outcomes: list[Outcome]) -> dict[str, Failure]:
    refused: dict[str, Failure] = {}
    for family in rules.in_force("subsumptions"):
        members: list[tuple[int, Outcome]] = []
        for outcome in outcomes:
            levels = [i for i, sel in enumerate(family.levels) if matches(sel, outcome, rules)]
            if levels and outcome.id not in refused:
                members.append((max(levels), outcome))
        if len(members) < 2:
            continue
        best = min(members, key=lambda lo: (-lo[0], lo[1].date, lo[1].id))[1]
        for _, outcome in members:
            if outcome.id != best.id:
                refused[outcome.id] = Failure(Reason.SUBSUMED, {"by": best.id, "rule": family.id})
    return refused


def duplicate_groups(rules: RuleSetAt, outcomes: list[Outcome]) -> dict[str, tuple[str, int]]:
    """Outcome id -> (its duplicate group, its rank in the group: 0 is the copy to prefer, by
    most credits, best score, best grade, earliest date), for groups of two or more."""
    policy = rules.ruleset.pack.duplicates
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
        if "code" in policy.match_on and outcome.code:
            keys.append(("code", outcome.issuer, outcome.code.strip().casefold()))
        if "title" in policy.match_on and outcome.title:
            keys.append(("title", outcome.kind.value, normalise_title(outcome.title, rules)))
        for key in keys:
            if key in seen:
                parent[find(outcome.id)] = find(seen[key])
            else:
                seen[key] = outcome.id
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[find(outcome.id)].append(outcome)
    ranked: dict[str, tuple[str, int]] = {}
    for group in groups.values():
        if len(group) > 1:
            name = min(o.id for o in group)
            ordered = sorted(group, key=lambda o: _keep_rank(o, rules))
            ranked.update((o.id, (name, rank)) for rank, o in enumerate(ordered))
    return ranked


def _keep_rank(outcome: Outcome, rules: RuleSetAt) -> tuple[object, ...]:
    grade_index = -1
    for scale in rules.grade_scales:
        if outcome.grade in scale.grades:
            grade_index = scale.grades.index(outcome.grade)
            break
    return (-(outcome.credits or 0), -(outcome.score or -1), -grade_index, outcome.date, outcome.id)
