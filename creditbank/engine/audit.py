"""The degree audit: which credits count toward a programme, what is missing, and why.

``compute_audit`` runs the whole decision: screening, recognition, candidate options, caps,
the exact allocation (``allocation.py``), then requirement, category, source-minimum, limit
and status reports, and an explanation for every outcome left unused. ``allocate`` stops at
the grants, totals and statuses, for callers that compare figures first (a draft's impact,
suggestions) and ask for the explanations only where they need them. It is pure: the rule
set, the outcomes, the programme and the date are all arguments. What-if is the same call with
another programme or date.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Hashable, Sequence
from decimal import Decimal
from functools import partial

from creditbank.domain import LearnerException, Outcome
from creditbank.engine.allocation import Cap, Problem, admission, solve
from creditbank.engine.candidates import FIELD, Candidates, Option, Target, build_options
from creditbank.engine.decision import (
    Because,
    Decision,
    Earned,
    ExceptionStatus,
    Totals,
    Unused,
    input_digest,
    outcomes_json,
)
from creditbank.engine.decision_parts import Grant, GroupStatus, LimitStatus
from creditbank.engine.exceptions import Applied, apply_exceptions, without_held
from creditbank.engine.limits import SCALE, CapInfo, build_caps, outcome_profile
from creditbank.engine.matching import Failure
from creditbank.engine.members import ACADEMIC_COURSE, KEEP_OPTIMAL, NO_RULE
from creditbank.engine.memo import LearnerMemo, recall_of_many, record_of
from creditbank.engine.minimums import build_floors, minimum_profile
from creditbank.engine.plan import ProgrammePlan, plan_for
from creditbank.engine.reasons import SEVERITY, Reason
from creditbank.engine.recognition import BankCredit, compute_recognitions
from creditbank.engine.records import OutcomeFields
from creditbank.engine.scope import credits_toward_minimum
from creditbank.engine.screening import copies_not_kept, duplicate_groups, screen
from creditbank.engine.trace import RuleRef
from creditbank.errors import InputInvalid
from creditbank.ruleset import schema
from creditbank.ruleset.ruleset import RuleSet, RuleSetAt

ZERO = Decimal(0)

MAX_OUTCOMES = 1000
"""The most outcomes one audit takes; learner files and the store refuse more, and
:func:`compute_audit` checks it too. The allocation is exact: the adversarial learners of
scripts/bench_worst_case.py against the sample pack, and bench-workload learners of random
outcomes, are audited in well under a second on one core up to this size; courses that fit
several requirement groups of which not all can be met (its ``overlapping-groups`` shape)
take longest: medians of 0.2 to 0.5 s over eight learners of each size from 30 to 80
courses, the slowest up to 0.53 s (compiled), in the solver's stages for programme
minimums."""


def compute_audit(
    ruleset: RuleSet,
    outcomes: list[Outcome],
    programme_id: str,
    on: dt.date,
    exceptions: Sequence[LearnerException] = (),
    memo: LearnerMemo | None = None,
    sealed: bool = True,
) -> Decision:
    """The sealed decision for ``outcomes`` against ``programme_id`` on application date ``on``,
    with the learner's ``exceptions`` (``engine/exceptions.py``) applied before the rules
    (``memo``: what audits of the same outcomes on that date share, ``memo.py``).

    ``sealed=False`` leaves ``input_digest`` and ``digest`` empty, all else the same: for
    callers that compare figures and never keep or show the decision (a draft's impact,
    suggestions), since serialising and hashing take a tenth to a fifth of an audit.

    More than :data:`MAX_OUTCOMES` outcomes are refused (InputInvalid)."""
    return allocate(ruleset, outcomes, programme_id, on, exceptions, memo).decision(sealed)


def allocate(
    ruleset: RuleSet,
    outcomes: list[Outcome],
    programme_id: str,
    on: dt.date,
    exceptions: Sequence[LearnerException] = (),
    memo: LearnerMemo | None = None,
) -> Allocated:
    """The audit of :func:`compute_audit` up to its grants, totals and statuses; its
    :meth:`Allocated.decision` is that audit's decision."""
    if len(outcomes) > MAX_OUTCOMES:
        raise InputInvalid(
            [("$.outcomes", f"{len(outcomes)} outcomes; an audit takes at most {MAX_OUTCOMES}")]
        )
    kept = [record_of(memo, o) for o in outcomes]
    _refuse_shared_ids("outcomes", [r.id for r in kept])
    _refuse_shared_ids("exceptions", [e.id for e in exceptions])
    plan = plan_for(ruleset, programme_id, on)
    rules, programme, catalogue, templates = (
        plan.rules,
        plan.programme,
        plan.catalogue,
        plan.templates,
    )
    order = sorted(range(len(kept)), key=lambda i: kept[i].id)
    given = [outcomes[i] for i in order]
    records = [kept[i] for i in order]
    by_id: dict[str, OutcomeFields] = {o.id: o for o in records}
    refused = screen(rules, records, programme, on, memo)
    usable: list[OutcomeFields] = [o for o in records if o.id not in refused]
    recognitions = compute_recognitions(rules, usable, on, memo)
    earned = _earned(programme, usable, catalogue)
    earned_outcomes = {e.outcome for e in earned}
    completed = {e.outcome: e.course for e in earned}
    applied = apply_exceptions(rules, programme, catalogue, exceptions, by_id, completed)
    taken = earned_outcomes | applied.outcomes
    transferable = [o for o in usable if o.id not in taken]
    duplicates = recall_of_many(
        memo, "duplicates", transferable, rules, on, duplicate_groups, rules, transferable
    )
    if rules.ruleset.pack.duplicates.keep != KEEP_OPTIMAL:
        refused |= copies_not_kept(duplicates)
        transferable = [o for o in transferable if o.id not in refused]
        duplicates = {}
    bank = {k: v for k, v in recognitions.items() if isinstance(v, BankCredit)}
    candidates = build_options(
        rules,
        programme,
        transferable,
        bank,
        {e.course for e in earned},
        on,
        duplicates,
        partial(_profile, plan),
    )
    options, displaced = without_held(candidates.options, applied.held)
    cap_rows = build_caps(rules, programme, templates, options, by_id, catalogue)
    problem = Problem(
        keys=[_tie_break_key(o, duplicates) for o in options],
        credits=[int(o.credits * SCALE) for o in options],
        outcome_counts=[len(o.outcomes) for o in options],
        resources=[
            o.resources | {f"d:{duplicates[x][0]}" for x in o.outcomes if x in duplicates}
            for o in options
        ],
        caps=[cap for cap, _ in cap_rows],
        floors=build_floors(rules, programme, options, earned, by_id),
        dates=[max(by_id[x].date for x in o.outcomes).toordinal() for o in options]
        if plan.in_date_order
        else (),
    )
    chosen = sorted(solve(problem), key=lambda i: options[i].key)
    zeros = [0] * len(chosen)
    loads = [sum(map(cap.weights.get, chosen, zeros)) for cap in problem.caps]
    _verify(problem, chosen, loads)
    grants = _grants(options, chosen, programme, catalogue)
    used = {o for i in chosen for o in options[i].outcomes}
    transferred = sum((g.credits for g in grants), start=ZERO)
    earned_total = sum((e.credits for e in earned), start=ZERO)
    counted = transferred + earned_total + applied.credits
    totals = Totals(
        transferred=transferred,
        earned_in_programme=earned_total,
        counted=counted,
        required=programme.total_credits,
        remaining=max(ZERO, programme.total_credits - counted),
        transferred_by_kind=_by_kind(grants, by_id),
        by_exception=applied.credits,
    )
    statuses = tuple(
        s.id
        for s in sorted(programme.statuses, key=lambda s: s.at_credits)
        if counted >= s.at_credits
    )
    return Allocated(
        ruleset=ruleset,
        plan=plan,
        on=on,
        given=given,
        learner_exceptions=exceptions,
        memo=memo,
        grants=grants,
        totals=totals,
        statuses=statuses,
        records=records,
        refused=refused,
        recognitions=recognitions,
        bank=bank,
        candidates=candidates,
        problem=problem,
        options=options,
        chosen=chosen,
        loads=loads,
        earned=earned,
        applied=applied,
        used=used | taken,
        cap_rows=cap_rows,
        displaced=displaced,
        by_id=by_id,
    )


class Allocated:
    """An audit up to its allocation: the grants, totals, statuses and exceptions (what a
    draft's impact compares and a suggestion counts), and what :meth:`decision` needs to
    explain the rest (unused outcomes, limits, requirement, category and minimum reports),
    about a seventh of an audit."""

    def __init__(
        self,
        *,
        ruleset: RuleSet,
        plan: ProgrammePlan,
        on: dt.date,
        given: list[Outcome],
        learner_exceptions: Sequence[LearnerException],
        memo: LearnerMemo | None,
        grants: list[Grant],
        totals: Totals,
        statuses: tuple[str, ...],
        records: Sequence[OutcomeFields],
        refused: dict[str, list[Failure]],
        recognitions: dict[str, BankCredit | Failure],
        bank: dict[str, BankCredit],
        candidates: Candidates,
        problem: Problem,
        options: list[Option],
        chosen: list[int],
        loads: list[int],
        earned: list[Earned],
        applied: Applied,
        used: set[str],
        cap_rows: list[tuple[Cap, CapInfo]],
        displaced: dict[str, tuple[str, str]],
        by_id: dict[str, OutcomeFields],
    ) -> None:
        self.ruleset = ruleset
        self.plan = plan
        self.on = on
        self.given = given
        self.learner_exceptions = learner_exceptions
        self.memo = memo
        self.grants = grants
        self.totals = totals
        self.statuses = statuses
        self.records = records
        self.refused = refused
        self.recognitions = recognitions
        self.bank = bank
        self.candidates = candidates
        self.problem = problem
        self.options = options
        self.chosen = chosen
        self.loads = loads
        self.earned = earned
        self.applied = applied
        self.used = used
        self.cap_rows = cap_rows
        self.displaced = displaced
        self.by_id = by_id

    @property
    def exceptions(self) -> tuple[ExceptionStatus, ...]:
        """The learner exceptions, each applied or not (with why)."""
        return tuple(self.applied.statuses)

    def decision(self, sealed: bool = True) -> Decision:
        """The audit's decision (sealed: with its input digest and its own)."""
        plan, programme, grants, earned = self.plan, self.plan.programme, self.grants, self.earned
        rules, catalogue, applied, by_id = plan.rules, plan.catalogue, self.applied, self.by_id
        problem, chosen, loads = self.problem, self.chosen, self.loads
        blocked = _blocked(problem, chosen, loads)
        unused = _unused(
            self.records,
            self.refused,
            self.recognitions,
            self.candidates,
            problem,
            self.options,
            chosen,
            self.used,
            blocked,
            self.cap_rows,
            self.displaced,
        )
        reported = grants + applied.grants  # what the requirement and group reports count
        decision = Decision(
            programme=programme.id,
            programme_name=programme.name or schema.Label(en=programme.id),
            application_date=self.on,
            ruleset=self.ruleset.pack.id,
            ruleset_digest=self.ruleset.digest,
            input_digest=_input_digest(
                programme.id, self.on, self.given, self.learner_exceptions, self.memo
            )
            if sealed
            else "",
            grants=tuple(grants),
            earned=tuple(earned),
            unused=tuple(unused),
            recognised=tuple(sorted(self.bank.values(), key=lambda b: b.outcome)),
            requirements=tuple(_requirements(rules, programme, grants, earned, applied)),
            categories=tuple(_categories(programme, reported, earned)),
            source_minimums=tuple(
                _source_minimums(rules, programme, catalogue, reported, earned, by_id)
            ),
            residency=_residency(programme, reported, earned, by_id),
            limits=tuple(_limit_statuses(self.cap_rows, loads, blocked)),
            statuses=self.statuses,
            totals=self.totals,
            exceptions=self.exceptions,
        )
        return decision.sealed() if sealed else decision


def _input_digest(
    programme: str,
    on: dt.date,
    outcomes: list[Outcome],
    exceptions: Sequence[LearnerException],
    memo: LearnerMemo | None,
) -> str:
    """The input digest; the outcomes written once for all the audits sharing ``memo``."""
    written = None
    if memo is not None:
        written = memo.written(outcomes, partial(outcomes_json, outcomes))
    return input_digest(programme, on, outcomes, exceptions, written)


def _refuse_shared_ids(what: str, ids: list[str]) -> None:
    """Two inputs of one kind with one id would make the answer depend on their order."""
    if len(set(ids)) != len(ids):
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        raise InputInvalid([(f"{what}[id={d}]", f"two {what} share this id") for d in dupes])


def _profile(
    plan: ProgrammePlan, outcome: OutcomeFields, targets: tuple[Target, ...], rule: RuleRef
) -> Hashable:
    """How the allocation sees ``outcome`` in an option (``candidates.Profile``): the caps,
    the source minimums, and its date when a limit is filled in date order."""
    rules, catalogue = plan.rules, plan.catalogue
    return (
        outcome_profile(plan.templates, rules, catalogue, outcome, targets, rule),
        minimum_profile(rules, plan.programme, catalogue, outcome, targets),
        outcome.date if plan.in_date_order else None,
    )


def _tie_break_key(option: Option, duplicates: dict[str, tuple[str, int]]) -> str:
    """Order of preference among equally good allocations: options using the better copy of a
    repeated course first, then by key (target, rule id, outcome ids)."""
    copy_rank = 0
    if duplicates:  # most learners repeat no course: no generator, no formatting
        for outcome_id in option.outcomes:
            copy = duplicates.get(outcome_id)
            if copy is not None and copy[1] > copy_rank:
                copy_rank = copy[1]
    return f"{copy_rank:04d}{FIELD}{option.key}" if copy_rank else _FIRST_COPY + option.key


_FIRST_COPY = f"{0:04d}{FIELD}"


def _earned(
    programme: schema.Programme, usable: list[OutcomeFields], catalogue: dict[str, schema.Course]
) -> list[Earned]:
    """Programme courses completed at the programme's own institution (not transfers)."""
    courses, institution = programme.course_map, programme.institution
    earned: dict[str, Earned] = {}
    for outcome in usable:
        if (
            outcome.kind == ACADEMIC_COURSE
            and outcome.issuer == institution
            and outcome.code in catalogue
            and outcome.code not in earned
        ):
            earned[outcome.code] = Earned(
                course=outcome.code,
                category=courses[outcome.code].category,
                credits=catalogue[outcome.code].credits,
                outcome=outcome.id,
            )
    return [earned[code] for code in sorted(earned)]


def _verify(problem: Problem, chosen: list[int], loads: list[int]) -> None:
    """Re-check the allocation in exact arithmetic: no outcome or course twice, no cap exceeded."""
    used: set[str] = set()
    for i in chosen:
        if used & problem.resources[i]:
            raise RuntimeError(f"allocation uses {sorted(used & problem.resources[i])} twice")
        used |= problem.resources[i]
    for cap, load in zip(problem.caps, loads, strict=True):
        if load > cap.bound:
            raise RuntimeError(f"allocation exceeds cap {cap.id}: {load} > {cap.bound}")


def _grants(
    options: list[Option],
    chosen: list[int],
    programme: schema.Programme,
    catalogue: dict[str, schema.Course],
) -> list[Grant]:
    categories = {c.id: c.name for c in programme.categories}
    grants = []
    for i in chosen:
        option = options[i]
        for target in option.targets:
            name = catalogue[target.id].name if target.kind == "course" else categories[target.id]
            grants.append(
                Grant(
                    target=target.id,
                    target_kind=target.kind,
                    target_name=name,
                    category=target.category,
                    credits=target.credits,
                    outcomes=option.outcomes,
                    rules=option.rules,
                    grade_mark=option.grade_mark,
                )
            )
    return sorted(grants, key=lambda g: (g.target_kind, g.target, g.outcomes))


def _blocked(problem: Problem, chosen: list[int], loads: list[int]) -> dict[int, list[int]]:
    """For each unchosen option free of resource clashes, the caps that keep it out; and for
    each option a chronological cap refused, that cap (whatever else holds it back)."""
    used = set().union(*(problem.resources[i] for i in chosen)) if chosen else set()
    chosen_set = set(chosen)
    blocked: dict[int, list[int]] = {
        i: []
        for i in range(len(problem.keys))
        if i not in chosen_set and not problem.resources[i] & used
    }
    for ci, (cap, load) in enumerate(zip(problem.caps, loads, strict=True)):
        room = cap.bound - load
        for i, weight in cap.weights.items():
            if weight > room and i in blocked:
                blocked[i].append(ci)
    blocked.update(admission(problem))
    return blocked


def _unused(
    outcomes: Sequence[OutcomeFields],
    refused: dict[str, list[Failure]],
    recognitions: dict[str, BankCredit | Failure],
    candidates: Candidates,
    problem: Problem,
    options: list[Option],
    chosen: list[int],
    used: set[str],
    blocked: dict[int, list[int]],
    cap_rows: list[tuple[Cap, CapInfo]],
    displaced: dict[str, tuple[str, str]],
) -> list[Unused]:
    chosen_by_resource = {r: i for i in chosen for r in problem.resources[i]}
    options_of: dict[str, list[int]] = defaultdict(list)
    for i, option in enumerate(options):
        for outcome_id in option.outcomes:
            options_of[outcome_id].append(i)
    result = []
    for outcome in outcomes:
        if outcome.id in used:
            continue
        failures = refused.get(outcome.id)
        if failures is not None:
            result.append(_refusal(outcome.id, [(f, ()) for f in failures]))
            continue
        mine = options_of.get(outcome.id)
        if mine:
            result.append(
                _why_not_chosen(
                    outcome.id, mine, problem, options, chosen_by_resource, blocked, cap_rows
                )
            )
            continue
        if outcome.id in displaced:
            course, exception = displaced[outcome.id]
            by = f"exception {exception}"
            result.append(Unused(outcome.id, Reason.USED_ELSEWHERE, {"target": course, "by": by}))
            continue
        # Every failure is reported; the most specific leads: a failed recognition (below
        # grade) explains a category transfer that needed it better than "no rule".
        noted: list[tuple[Failure, tuple[RuleRef, ...]]] = [
            (f, (ref,)) for f, ref in candidates.failures.get(outcome.id, [])
        ]
        recognition = recognitions.get(outcome.id)
        if isinstance(recognition, Failure):
            noted.append((recognition, ()))
        if noted:
            result.append(_refusal(outcome.id, noted))
        else:
            result.append(Unused(outcome=outcome.id, reason=NO_RULE))
    return result


def _refusal(outcome_id: str, noted: list[tuple[Failure, tuple[RuleRef, ...]]]) -> Unused:
    """Every distinct reason noted for an outcome: the primary is the earliest in SEVERITY
    (among equals the first noted, i.e. check order); the others follow in SEVERITY order,
    then by content, so the bytes never depend on the order rules or outcomes were read."""

    def identity(entry: tuple[Failure, tuple[RuleRef, ...]]) -> tuple[int, str, str]:
        failure, refs = entry
        params = FIELD.join(f"{k}={v}" for k, v in sorted(failure.params.items()))
        return (SEVERITY[failure.reason], params, FIELD.join(r.id for r in refs))

    primary = min(noted, key=lambda entry: SEVERITY[entry[0].reason])
    others: dict[tuple[int, str, str], tuple[Failure, tuple[RuleRef, ...]]] = {}
    if len(noted) > 1:  # most outcomes have one reason: nothing to order
        others = {identity(entry): entry for entry in noted}
        others.pop(identity(primary))
    failure, refs = primary
    return Unused(  # the params copied: failures are shared by audits (memos, grade answers)
        outcome=outcome_id,
        reason=failure.reason,
        params=dict(failure.params),
        rules=refs,
        also=tuple(
            Because(reason=f.reason, params=dict(f.params), rules=r)
            for f, r in (others[key] for key in sorted(others))
        ),
    )


def _why_not_chosen(
    outcome_id: str,
    mine: list[int],
    problem: Problem,
    options: list[Option],
    chosen_by_resource: dict[str, int],
    blocked: dict[int, list[int]],
    cap_rows: list[tuple[Cap, CapInfo]],
) -> Unused:
    best = max(mine, key=lambda i: (options[i].credits, -len(options[i].outcomes)))
    option = options[best]
    if blocked.get(best):
        info = cap_rows[blocked[best][0]][1]
        return Unused(
            outcome=outcome_id,
            reason=Reason.CAP_REACHED,
            params={"limit": info.limit_id, "instance": info.instance},
            rules=(info.rule, *option.rules),
        )
    # A repeated course says "duplicate" before "course already granted".
    for resource in sorted(problem.resources[best], key=lambda r: (not r.startswith("d:"), r)):
        holder = chosen_by_resource.get(resource)
        if holder is not None:
            taker = options[holder]
            if resource.startswith("d:"):
                twin = next(o for o in taker.outcomes if o != outcome_id)
                return Unused(
                    outcome=outcome_id,
                    reason=Reason.DUPLICATE,
                    params={"of": twin},
                    rules=option.rules,
                )
            return Unused(
                outcome=outcome_id,
                reason=Reason.USED_ELSEWHERE,
                params={"target": resource.split(":", 1)[1], "by": ",".join(taker.outcomes)},
                rules=option.rules,
            )
    return Unused(outcome=outcome_id, reason=Reason.NOT_NEEDED, rules=option.rules)


def _limit_statuses(
    cap_rows: list[tuple[Cap, CapInfo]], loads: list[int], blocked: dict[int, list[int]]
) -> list[LimitStatus]:
    binding_rows = {ci for caps in blocked.values() for ci in caps}
    statuses = []
    for ci, ((cap, info), used) in enumerate(zip(cap_rows, loads, strict=True)):
        scale = SCALE if info.unit == "credits" else 1
        statuses.append(
            LimitStatus(
                id=info.limit_id,
                instance=info.instance,
                bound=Decimal(cap.bound) / scale,
                used=Decimal(used) / scale,
                unit=info.unit,
                binding=ci in binding_rows,
                rule=info.rule,
            )
        )
    return sorted(statuses, key=lambda s: (s.id, s.instance))


def _completed(grants: list[Grant], earned: list[Earned], exempt_ok: bool) -> dict[str, Decimal]:
    done = {e.course: e.credits for e in earned}
    if exempt_ok:
        for g in grants:
            if g.target_kind == "course":
                done[g.target] = g.credits
    return done


def _requirements(
    rules: RuleSetAt,
    programme: schema.Programme,
    grants: list[Grant],
    earned: list[Earned],
    applied: Applied,
) -> list[GroupStatus]:
    """Each requirement's courses and credits; the institution's exceptions count whether
    or not the requirement is exemptable (they are its own decisions): a waived course is
    done with no credit, a waived requirement is met."""
    substitutes = [set(s.courses) for s in rules.in_force("substitutes", programme.id)]
    excepted = {g.target: g.credits for g in applied.grants if g.target_kind == "course"}
    excepted_credits = sum(
        (g.credits for g in applied.grants if g.target_kind == "category"), start=ZERO
    )
    statuses = []
    for req in programme.requirements:
        done = dict.fromkeys(applied.waived_courses, ZERO)
        done |= excepted | _completed(grants, earned, req.exemptable)
        filled: set[str] = set()
        missing: list[str] = []
        credits = ZERO
        for code in req.courses:
            partners = sorted(c for group in substitutes if code in group for c in group)
            fillers = [code, *(c for c in partners if c != code)]
            taker = next((c for c in fillers if c in done and c not in filled), None)
            if taker is None:
                missing.append(code)
            else:
                filled.add(taker)
                credits += done[taker]
        if not req.courses:
            credits = sum(done.values(), start=excepted_credits) + sum(
                (g.credits for g in grants if g.target_kind == "category" and req.exemptable),
                start=ZERO,
            )
        if req.id in applied.waived_requirements:
            met, gap = True, ZERO
        elif req.credits is not None:
            met = credits >= req.credits or (bool(req.courses) and not missing)
            gap = ZERO if met else req.credits - credits
        else:
            met, gap = not missing, ZERO
        statuses.append(
            GroupStatus(
                id=req.id,
                name=req.name,
                met=met,
                credits=credits,
                required_credits=req.credits,
                missing_credits=gap,
                courses_missing=() if met else tuple(missing),
            )
        )
    return statuses


def _categories(
    programme: schema.Programme, grants: list[Grant], earned: list[Earned]
) -> list[GroupStatus]:
    credits: dict[str, Decimal] = defaultdict(Decimal)
    for g in grants:
        credits[g.category] += g.credits
    for e in earned:
        credits[e.category] += e.credits
    return [
        GroupStatus(
            id=c.id,
            name=c.name,
            met=credits[c.id] >= c.min_credits,
            credits=credits[c.id],
            required_credits=c.min_credits,
            missing_credits=max(ZERO, c.min_credits - credits[c.id]),
        )
        for c in programme.categories
    ]


def _source_minimums(
    rules: RuleSetAt,
    programme: schema.Programme,
    catalogue: dict[str, schema.Course],
    grants: list[Grant],
    earned: list[Earned],
    by_id: dict[str, OutcomeFields],
) -> list[GroupStatus]:
    """Each source minimum's credits: grants whose outcomes it selects (a bundle when it
    selects every part, ``scope.credits_toward_minimum``), and courses earned in the
    programme when ``count_in_programme``."""
    statuses = []
    for minimum in programme.source_minimums:
        credits = sum(
            (
                credits_toward_minimum(
                    minimum,
                    [by_id[o] for o in g.outcomes],
                    [Target(g.target_kind, g.target, g.category, g.credits)],
                    rules,
                    catalogue,
                )
                for g in grants
            ),
            start=ZERO,
        )
        if minimum.count_in_programme:
            credits += sum((e.credits for e in earned), start=ZERO)
        statuses.append(
            GroupStatus(
                id=minimum.id,
                name=minimum.name,
                met=credits >= minimum.min_credits,
                credits=credits,
                required_credits=minimum.min_credits,
                missing_credits=max(ZERO, minimum.min_credits - credits),
            )
        )
    return statuses


def _residency(
    programme: schema.Programme,
    grants: list[Grant],
    earned: list[Earned],
    by_id: dict[str, OutcomeFields],
) -> GroupStatus | None:
    """Credits earned in the programme itself against ``residency.min_credits``; with
    ``last``, only those dated after every transferred outcome count (the last credits of the
    degree must be earned in the programme). The cap row of :func:`limits.build_caps` keeps
    transfers within the total less this minimum."""
    residency = programme.residency
    if residency is None:
        return None
    counted = earned
    latest = max((by_id[o].date for g in grants for o in g.outcomes), default=None)
    if residency.last and latest is not None:
        counted = [e for e in earned if by_id[e.outcome].date > latest]
    credits = sum((e.credits for e in counted), start=ZERO)
    return GroupStatus(
        id=f"{programme.id}.residency",
        name=_RESIDENCY_LAST if residency.last else _RESIDENCY,
        met=credits >= residency.min_credits,
        credits=credits,
        required_credits=residency.min_credits,
        missing_credits=max(ZERO, residency.min_credits - credits),
    )


_RESIDENCY = schema.Label(zh="在本专业修读的学分", en="Credits earned in the programme")
_RESIDENCY_LAST = schema.Label(
    zh="最后修读的学分须在本专业取得", en="The last credits earned in the programme"
)


def _by_kind(grants: list[Grant], by_id: dict[str, OutcomeFields]) -> dict[str, Decimal]:
    """Transferred credits by kind of outcome; a bundle counts under its first outcome's kind."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for g in grants:
        totals[str(by_id[g.outcomes[0]].kind)] += g.credits  # a StrEnum's str is its value
    return dict(sorted(totals.items()))
