"""What would it take: the outcomes that would bring a learner closest to a programme's degree.

Candidates are found by heuristics, then every one is verified exactly: the learner is audited
again (:func:`creditbank.engine.audit.compute_audit`) with the hypothetical outcome(s) added,
and the suggestion says by how much the counted credits rise, with the grants the new
outcome(s) would receive and their rules. A candidate that adds nothing is dropped, so no
suggestion names an outcome the rules would refuse (unknown issuer, accreditation, exclusion,
recency, a cap already full).

Candidates, each obtained on the application date:

1. ladder: for every occupation the learner holds a skill certificate in, the next rung up;
2. transfer: for every transfer rule in force for the programme (not a rejection), an outcome
   built from its ``from`` selector (one per occupation it names) that meets its conditions and
   those of the recognition that would give it bank credits; for an all-of bundle, the parts
   the learner does not hold yet;
3. equivalence: for every exemptable programme course not yet granted, each course of another
   institution that reaches it through equivalences, at the programme's articulation grade.

At most :data:`MAX_VERIFIED` distinct candidates are re-audited, those with the most credits
their rules could still grant first (then in the order above, then by rule id or source
course). Suggestions are ranked by credits added (most first), then fewer outcomes, then that
same order; of suggestions with the same effect (credits, grants and rules), only the first is
kept. The result never depends on the order of the learner's outcomes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any

from pydantic import TypeAdapter

from creditbank.domain import IssuerType, Label, LearnerException, Outcome, OutcomeKind
from creditbank.engine.audit import MAX_OUTCOMES, Allocated, allocate, compute_audit
from creditbank.engine.decision import IN_KEY_ORDER, Decision
from creditbank.engine.decision_parts import Grant
from creditbank.engine.graph import equivalence_graph
from creditbank.engine.matching import accredited, matches
from creditbank.engine.memo import LearnerMemo
from creditbank.engine.recognition import ranked
from creditbank.engine.screening import screen
from creditbank.engine.trace import RuleRef
from creditbank.ruleset import schema
from creditbank.ruleset.ruleset import RuleSet, RuleSetAt

MAX_VERIFIED = 40
"""The most candidates re-audited for one learner: each costs one audit (a few milliseconds
for a learner of ten outcomes), so a suggestion takes at most about that many audits' time."""

HYPOTHETICAL = "what-if"
"""The id prefix of hypothetical outcomes (``what-if-1``...); ids the learner uses are skipped."""

ZERO = Decimal(0)
_HOURLY = {OutcomeKind.TRAINING_CERTIFICATE, OutcomeKind.ENTERPRISE_TRAINING}
_USUAL_ISSUERS: dict[OutcomeKind, set[IssuerType]] = {
    OutcomeKind.ACADEMIC_COURSE: {
        IssuerType.UNIVERSITY,
        IssuerType.OPEN_UNIVERSITY,
        IssuerType.VOCATIONAL_COLLEGE,
        IssuerType.EXAM_AUTHORITY,
    },
    OutcomeKind.SKILL_CERTIFICATE: {IssuerType.SKILL_EVALUATION_BODY, IssuerType.ENTERPRISE},
    OutcomeKind.VOCATIONAL_QUALIFICATION: {
        IssuerType.EXAM_AUTHORITY,
        IssuerType.TRAINING_PROVIDER,
        IssuerType.GOVERNMENT,
    },
    OutcomeKind.TRAINING_CERTIFICATE: {IssuerType.TRAINING_PROVIDER},
    OutcomeKind.ENTERPRISE_TRAINING: {IssuerType.ENTERPRISE},
    OutcomeKind.COMPETITION_AWARD: {IssuerType.COMPETITION_ORGANISER},
    OutcomeKind.WORK_EXPERIENCE: {IssuerType.ENTERPRISE},
}
"""The issuer types that usually issue each kind of outcome: the issuer a suggestion names
when the rules leave it open is preferably one of them."""


@dataclass(frozen=True, slots=True)
class Proposed:
    """A hypothetical outcome and the names a sentence shows for its codes (``issuer.zh``,
    ``occupation.en``, ``rung.zh``, ``course.en``...)."""

    outcome: Outcome
    names: Annotated[dict[str, str], IN_KEY_ORDER] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """Obtaining ``outcomes`` would raise the counted credits by exactly ``credits``, through
    ``grants`` (the grants of the re-audit that use them) under ``rules``."""

    credits: Decimal
    outcomes: tuple[Proposed, ...]
    grants: tuple[Grant, ...]
    rules: tuple[RuleRef, ...]
    via: str  # "ladder", "transfer" or "equivalence": how the candidate was found


@dataclass(frozen=True, slots=True)
class ToTake:
    """A programme course the learner must study: ``not_exemptable`` (the programme never
    exempts it) or ``no_rule`` (no transfer rule or equivalence in force reaches it)."""

    course: str
    name: Label
    credits: Decimal
    reason: str


@dataclass(frozen=True, slots=True)
class Suggestions:
    """The top suggestions for one learner, programme and date, and the courses to take."""

    programme: str
    application_date: dt.date
    counted: Decimal
    remaining: Decimal
    suggestions: tuple[Suggestion, ...]
    to_take: tuple[ToTake, ...]
    verified: int  # candidates re-audited

    def canonical(self) -> str:
        """Canonical JSON (fields in declaration order, unset outcome fields left out)."""
        return _SUGGESTIONS_JSON.dump_json(self, exclude_none=True).decode()

    def as_data(self) -> Any:
        """The canonical form as plain data, to embed in a larger JSON document."""
        return _SUGGESTIONS_JSON.dump_python(self, mode="json", exclude_none=True)


_SUGGESTIONS_JSON = TypeAdapter(Suggestions)


@dataclass(frozen=True)
class _Candidate:
    """Hypothetical outcomes to verify; ``order`` is the documented tie-break."""

    order: tuple[int, str]
    outcomes: tuple[Proposed, ...]
    estimate: Decimal

    @property
    def via(self) -> str:
        return _VIA[self.order[0]]


_VIA = {1: "ladder", 2: "transfer", 3: "equivalence"}


def suggest(
    ruleset: RuleSet,
    outcomes: list[Outcome],
    programme_id: str,
    on: dt.date,
    limit: int = 5,
    *,
    exceptions: Sequence[LearnerException] = (),
) -> Suggestions:
    """The ``limit`` best verified suggestions for ``outcomes`` (with the learner's
    ``exceptions``) toward ``programme_id`` on ``on``, and the courses still to take; none
    of either when nothing remains to earn."""
    rules = ruleset.at(on)
    memo = LearnerMemo(rules, on)  # screening and recognition shared by every re-audit
    # Only figures and grants are compared: no digests, and no explanations for re-audits.
    base = compute_audit(ruleset, outcomes, programme_id, on, exceptions, memo, sealed=False)
    audit = functools.partial(allocate, ruleset, exceptions=exceptions, memo=memo)
    programme = rules.programmes[programme_id]
    found: list[Suggestion] = []
    verified = 0
    to_take: tuple[ToTake, ...] = ()
    if base.totals.remaining > 0:
        learner = sorted(outcomes, key=lambda o: o.id)
        candidates = _candidates(rules, programme, learner, base, on)
        verified = min(len(candidates), MAX_VERIFIED)
        for candidate in candidates[:MAX_VERIFIED]:
            suggestion = _verify(audit, learner, programme_id, on, base, candidate)
            if suggestion is not None:
                found.append(suggestion)
        to_take = _to_take(rules, programme, base)
    return Suggestions(
        programme=programme_id,
        application_date=on,
        counted=base.totals.counted,
        remaining=base.totals.remaining,
        suggestions=tuple(_distinct(found)[: max(0, limit)]),
        to_take=to_take,
        verified=verified,
    )


def _verify(
    audit: Callable[[list[Outcome], str, dt.date], Allocated],
    learner: list[Outcome],
    programme_id: str,
    on: dt.date,
    base: Decision,
    candidate: _Candidate,
) -> Suggestion | None:
    """The candidate as a suggestion, from a re-audit with its outcomes added; None if it adds
    no credit or one of its outcomes would not be used (or the learner has no room left)."""
    added_outcomes = [p.outcome for p in candidate.outcomes]
    if len(learner) + len(added_outcomes) > MAX_OUTCOMES:
        return None
    after = audit([*learner, *added_outcomes], programme_id, on)
    added = after.totals.counted - base.totals.counted
    ids = {o.id for o in added_outcomes}
    grants = tuple(g for g in after.grants if ids & set(g.outcomes))
    if added <= 0 or ids - {o for g in grants for o in g.outcomes}:
        return None
    refs = {r.id: r for g in grants for r in g.rules}
    return Suggestion(
        credits=_plain(added),
        outcomes=candidate.outcomes,
        grants=grants,
        rules=tuple(refs[k] for k in sorted(refs)),
        via=candidate.via,
    )


def _distinct(found: list[Suggestion]) -> list[Suggestion]:
    """Ranked by credits, fewer outcomes, then candidate order (the list's order); one of
    each effect (credits, grants, rules)."""
    ordered = sorted(enumerate(found), key=lambda p: (-p[1].credits, len(p[1].outcomes), p[0]))
    seen: set[tuple[Any, ...]] = set()
    kept = []
    for _, s in ordered:
        effect = (
            s.credits,
            tuple((g.target_kind, g.target, g.credits) for g in s.grants),
            tuple(r.id for r in s.rules),
        )
        if effect not in seen:
            seen.add(effect)
            kept.append(s)
    return kept


def _plain(value: Decimal) -> Decimal:
    """``value`` without trailing zeros, and never in exponent form (``4.0`` -> ``4``)."""
    return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()


# --- candidates -------------------------------------------------------------------------------


def _candidates(
    rules: RuleSetAt,
    programme: schema.Programme,
    learner: list[Outcome],
    base: Decision,
    on: dt.date,
) -> list[_Candidate]:
    """Every distinct candidate, most promising first (see the module's docstring)."""
    context = _Context(rules, programme, learner, base, on)
    found = [*_from_ladder(context), *_from_transfers(context), *_from_equivalences(context)]
    unique: dict[str, _Candidate] = {}
    for candidate in sorted(found, key=lambda c: (-c.estimate, c.order)):
        content = "|".join(
            p.outcome.model_dump_json(exclude={"id"}, exclude_none=True) for p in candidate.outcomes
        )
        unique.setdefault(content, candidate)
    return list(unique.values())


class _Context:
    """What candidate generation reads: the rules on the date, the learner, the first audit."""

    def __init__(
        self,
        rules: RuleSetAt,
        programme: schema.Programme,
        learner: list[Outcome],
        base: Decision,
        on: dt.date,
    ) -> None:
        self.rules = rules
        self.programme = programme
        self.learner = learner
        self.on = on
        self.done = {g.target for g in base.grants if g.target_kind == "course"} | {
            e.course for e in base.earned
        }
        self.missing = {c.id: c.missing_credits for c in base.categories}
        self.catalogue = rules.catalogue_of(programme)
        taken = {o.id for o in learner}
        self.transfers = [t for t in rules.in_force("transfers", programme.id) if not t.to.reject]
        parts = max((len(t.from_.parts()) for t in self.transfers), default=1)
        names = (f"{HYPOTHETICAL}-{i}" for i in range(1, len(taken) + parts + 1))
        self.ids = [name for name in names if name not in taken]
        """Ids for hypothetical outcomes, none the learner's: enough for the largest bundle."""
        self.recognitions = ranked(list(rules.sections["recognitions"]))

    def held_rungs(self) -> dict[str, int]:
        """Occupation -> the highest rank the learner holds on its ladder."""
        held: dict[str, int] = {}
        for o in self.learner:
            ladder = self.rules.occupation_ladder(o.occupation)
            rank = ladder.rank(o.rung) if ladder and o.occupation else None
            if o.kind == OutcomeKind.SKILL_CERTIFICATE and rank is not None and o.occupation:
                held[o.occupation] = max(rank, held.get(o.occupation, -1))
        return held

    def named_issuers(self, kind: OutcomeKind) -> set[str]:
        """Issuers that a transfer rule's selector names for outcomes of ``kind``."""
        return {
            issuer
            for rule in self.transfers
            for part in rule.from_.parts()
            if part.issuer and (not part.kind or kind in part.kind)
            for issuer in part.issuer
        }

    def estimate(self, rule: schema.Transfer) -> Decimal:
        """Credits ``rule`` could still grant: its courses not yet granted or earned, or what
        its categories still miss."""
        if rule.to.courses:
            open_courses = [
                c
                for c in rule.to.courses
                if c not in self.done
                and c in self.catalogue
                and self.programme.course_map[c].exemptable
            ]
            return sum(
                (
                    min(rule.to.credits or self.catalogue[c].credits, self.catalogue[c].credits)
                    for c in open_courses
                ),
                start=ZERO,
            )
        return max((self.missing.get(c, ZERO) for c in rule.to.category or ()), default=ZERO)


def _from_ladder(ctx: _Context) -> Iterator[_Candidate]:
    """The next rung of each occupation the learner holds, worth what the best transfer rule
    it would meet could grant."""
    for occupation, rank in sorted(ctx.held_rungs().items()):
        ladder = ctx.rules.occupation_ladder(occupation)
        if ladder is None or rank + 1 >= len(ladder.rungs):
            continue
        draft = {"occupation": occupation, "rung": ladder.rungs[rank + 1].id}
        proposed = _build(ctx, OutcomeKind.SKILL_CERTIFICATE, draft, (), None, ZERO)
        if proposed is None:
            continue
        estimate = max(
            (
                ctx.estimate(t)
                for t in ctx.transfers
                if len(t.from_.parts()) == 1
                and matches(t.from_.parts()[0], proposed.outcome, ctx.rules)
            ),
            default=ZERO,
        )
        yield _Candidate((1, f"{occupation}:{rank + 1:02d}"), (proposed,), estimate)


def _from_transfers(ctx: _Context) -> Iterator[_Candidate]:
    """For each transfer rule, outcomes its selector takes (the bundle parts not yet held)."""
    for rule in ctx.transfers:
        parts = rule.from_.parts()
        if len(parts) > 1:
            parts = tuple(
                p for p in parts if not any(matches(p, o, ctx.rules) for o in ctx.learner)
            )
        estimate = ctx.estimate(rule)
        variants = [list(_variants(ctx, part, rule, estimate)) for part in parts]
        if not parts or not all(variants):
            continue
        if len(parts) == 1:
            for n, proposed in enumerate(variants[0]):
                yield _Candidate((2, f"{rule.id}:{n:02d}"), (proposed,), estimate)
        else:
            bundle = tuple(_renamed(v[0], ctx.ids[i]) for i, v in enumerate(variants))
            yield _Candidate((2, f"{rule.id}:00"), bundle, estimate)


def _from_equivalences(ctx: _Context) -> Iterator[_Candidate]:
    """A course of another institution for each open exemptable course it reaches."""
    graph = equivalence_graph(ctx.rules)
    grade = ctx.programme.articulation.min_grade
    for course in ctx.programme.courses:
        if course.code in ctx.done or not course.exemptable:
            continue
        for source, route in graph.sources_toward(ctx.programme, course.code):
            institution, code = source.split(":", 1)
            known = ctx.rules.courses.get((institution, code))
            if institution == ctx.programme.institution or known is None:
                continue
            draft: dict[str, Any] = {
                "code": code,
                "title": known.name.text("zh"),
                "credits": known.credits,
                "grade": grade,
            }
            proposed = _build(ctx, OutcomeKind.ACADEMIC_COURSE, draft, (institution,), None, ZERO)
            if proposed is not None:
                yield _Candidate((3, f"{source}>{course.code}"), (proposed,), route.credits)


def _renamed(proposed: Proposed, ident: str) -> Proposed:
    return dataclasses.replace(proposed, outcome=proposed.outcome.model_copy(update={"id": ident}))


def _variants(
    ctx: _Context, sel: schema.OutcomeMatch, rule: schema.Transfer, estimate: Decimal
) -> Iterator[Proposed]:
    """Outcomes ``sel`` selects that meet ``rule``'s conditions: one per occupation it names
    (or the learner holds, for a skill certificate of any occupation), else one."""
    kind = _kind_of(sel)
    if kind is None:
        return
    occupations: tuple[str | None, ...] = (None,)
    if sel.occupation is not None:
        occupations = sel.occupation
    elif kind == OutcomeKind.SKILL_CERTIFICATE:
        occupations = tuple(sorted(ctx.held_rungs())) or _first_occupation(ctx.rules)
    for occupation in occupations:
        draft = _draft(sel, occupation, ctx)
        proposed = _build(ctx, kind, draft, sel.issuer or (), rule, estimate, sel)
        if proposed is not None:
            yield proposed


def _kind_of(sel: schema.OutcomeMatch) -> OutcomeKind | None:
    """The kind of outcome a selector is about: its first kind, else the one its keys imply."""
    if sel.kind:
        return sel.kind[0]
    if sel.occupation or sel.rung or sel.min_rung:
        return OutcomeKind.SKILL_CERTIFICATE
    if sel.tier or sel.max_rank:
        return OutcomeKind.COMPETITION_AWARD
    return None


def _first_occupation(rules: RuleSetAt) -> tuple[str | None, ...]:
    ladder = rules.occupation_ladder(None)
    return (ladder.occupations[0].code,) if ladder and ladder.occupations else ()


def _draft(sel: schema.OutcomeMatch, occupation: str | None, ctx: _Context) -> dict[str, Any]:
    """Attribute values the selector asks for (the first allowed value of each key)."""
    draft = _selected(sel)
    if occupation is not None:
        draft["occupation"] = occupation
        draft["rung"] = _rung_for(sel, occupation, ctx)
    if sel.max_rank is not None:
        draft["rank"] = sel.max_rank
    if sel.min_level is not None:
        draft["level"] = sel.min_level
    if sel.exam_based is not None:
        draft["exam_based"] = sel.exam_based
    if sel.requires_degree is not None:
        draft["requires_degree"] = sel.requires_degree
    return draft


def _selected(sel: schema.OutcomeMatch) -> dict[str, Any]:
    """The first allowed value of each key of ``sel`` that an outcome carries as such."""
    return {
        name: sorted(getattr(sel, name), key=str)[0]
        for name in ("code", "title", "programme", "field", "delivery", "tier")
        if getattr(sel, name)
    }


def _rung_for(sel: schema.OutcomeMatch, occupation: str, ctx: _Context) -> str | None:
    """The rung named (``rung``, else ``min_rung``), else the next above what the learner
    holds on the occupation, else the bottom rung."""
    if sel.rung:
        return sel.rung[0]
    if sel.min_rung:
        return sel.min_rung
    ladder = ctx.rules.occupation_ladder(occupation)
    if ladder is None:
        return None
    rank = ctx.held_rungs().get(occupation, -1) + 1
    return ladder.rungs[min(rank, len(ladder.rungs) - 1)].id


def _build(
    ctx: _Context,
    kind: OutcomeKind,
    draft: dict[str, Any],
    issuers: tuple[str, ...],
    rule: schema.Transfer | None,
    estimate: Decimal,
    sel: schema.OutcomeMatch | None = None,
) -> Proposed | None:
    """The draft completed into an outcome the rules accept: conditions of the rule and of
    the recognition applied, hours enough for the credits sought, from the first issuer that
    screening accepts (issuers the learner already has first); None if there is none."""
    values = dict(draft)
    date = _apply(rule.conditions, values, ctx.on) if rule is not None else ctx.on
    if date is None:
        return None
    need_accreditation = _asks_accreditation(rule.conditions if rule else None)
    for issuer in _issuers(ctx, kind, issuers, sel):
        values.update(id=ctx.ids[0], kind=kind, issuer=issuer, date=date)
        outcome = _recognisable(ctx, values, estimate)
        if outcome is None:
            continue
        if sel is not None and not matches(sel, outcome, ctx.rules):
            continue
        if need_accreditation and not accredited(outcome, ctx.rules, ctx.on):
            continue
        if not screen(ctx.rules, [outcome], ctx.programme, ctx.on):
            return Proposed(outcome, _names(ctx.rules, outcome))
    return None


def _issuers(
    ctx: _Context, kind: OutcomeKind, named: tuple[str, ...], sel: schema.OutcomeMatch | None
) -> list[str]:
    """Issuers to try: those named, else every known one (of the selector's issuer types):
    the learner's for this kind first, then those accredited for the kind, then those a
    transfer rule names for the kind, then those of a type that usually issues the kind
    (:data:`_USUAL_ISSUERS`), then the others, each group in id order."""
    if named:
        return list(named)
    types = sel.issuer_type if sel is not None else None
    known = [i for i in ctx.rules.issuers.values() if types is None or i.type in types]
    own = {o.issuer for o in ctx.learner if o.kind == kind}
    named_for_kind = ctx.named_issuers(kind)

    def preference(issuer: schema.Issuer) -> tuple[bool, bool, bool, bool, str]:
        accredited_for_kind = any(kind in a.kinds for a in issuer.accreditations)
        return (
            issuer.id not in own,
            not accredited_for_kind,
            issuer.id not in named_for_kind,
            issuer.type not in _USUAL_ISSUERS[kind],
            issuer.id,
        )

    return [i.id for i in sorted(known, key=preference)]


def _apply(cond: schema.Condition | None, values: dict[str, Any], date: dt.date) -> dt.date | None:
    """Sets in ``values`` what ``cond`` asks for (the first branch of an ``any``; a ``not`` is
    left to the verification); the date the outcome may carry, None if no date can do."""
    if cond is None:
        return date
    if cond.all is not None or cond.any is not None:
        children = cond.all if cond.all is not None else (cond.any or ())[:1]
        for child in children:
            found = _apply(child, values, date)
            if found is None:
                return None
            date = found
        return date
    for name, value in (("grade", cond.min_grade), ("rung", cond.min_rung)):
        if value is not None and values.get(name) is None:
            values[name] = value
    for name, least in (
        ("score", cond.min_score),
        ("hours", cond.min_hours),
        ("years", cond.min_years),
    ):
        if least is not None and (values.get(name) is None or values[name] < least):
            values[name] = least
    if cond.assessed:
        values["assessed"] = True
    if cond.obtained_before is not None:
        date = min(date, cond.obtained_before)
    if cond.obtained_after is not None and date < cond.obtained_after:
        return None
    return date


def _asks_accreditation(cond: schema.Condition | None) -> bool:
    """Whether a condition (or one of its ``all`` parts) asks for an accredited issuer."""
    if cond is None:
        return False
    if cond.all is not None:
        return any(_asks_accreditation(c) for c in cond.all)
    return bool(cond.issuer_accredited)


def _recognisable(ctx: _Context, draft: dict[str, Any], estimate: Decimal) -> Outcome | None:
    """The outcome ``draft`` describes, with what the recognition that gives it bank credits
    asks for: the first rule whose selector takes it (else the first that takes it with the
    values its selector names added, e.g. a competition's tier), its conditions, and enough
    for the credits sought (the rule's ceiling, else ``estimate``, at least one credit): hours
    for a rate per hours, the grade for a table by grade. None if no valid outcome results."""
    outcome = _outcome(draft)
    if outcome is None:
        return None
    found = next((r for r in ctx.recognitions if matches(r.match, outcome, ctx.rules)), None)
    values = dict(draft)
    if found is None:
        for rule in ctx.recognitions:
            widened = _outcome({**_selected(rule.match), **draft})
            if widened is not None and matches(rule.match, widened, ctx.rules):
                found, values = rule, {**_selected(rule.match), **draft}
                break
    if found is None:
        return outcome
    if _apply(found.conditions, values, outcome.date) is None:
        return None
    rate = found.per_hours
    if rate is not None and outcome.kind in _HOURLY:
        wanted = rate.max or max(estimate, rate.credits)
        hours = Decimal(math.ceil(wanted * rate.hours / rate.credits))
        values["hours"] = min(Decimal(10000), max(hours, values.get("hours") or ZERO))
    if found.by_grade and values.get("grade") is None:
        values["grade"] = _grade_for(found.by_grade, estimate)
    return _outcome(values)


def _outcome(values: dict[str, Any]) -> Outcome | None:
    try:
        return Outcome(**values)
    except ValueError:
        return None


def _grade_for(table: dict[str, Decimal], estimate: Decimal) -> str:
    """The lowest grade of a recognition table worth ``estimate`` credits, else the best."""
    enough = [(credits, grade) for grade, credits in table.items() if credits >= estimate]
    return min(enough)[1] if enough else max((c, g) for g, c in table.items())[1]


def _names(rules: RuleSetAt, outcome: Outcome) -> dict[str, str]:
    """The names of the outcome's codes in both languages, for sentences."""
    labels: dict[str, Label | None] = {
        "issuer": None,
        "occupation": None,
        "rung": None,
        "course": None,
    }
    issuer = rules.issuers.get(outcome.issuer)
    labels["issuer"] = issuer.name if issuer else None
    ladder = rules.occupation_ladder(outcome.occupation)
    if ladder is not None and outcome.kind == OutcomeKind.SKILL_CERTIFICATE:
        labels["occupation"] = next(
            (o.name for o in ladder.occupations if o.code == outcome.occupation), None
        )
        rank = ladder.rank(outcome.rung)
        labels["rung"] = ladder.rungs[rank].name if rank is not None else None
    course = rules.courses.get((outcome.issuer, outcome.code or ""))
    labels["course"] = course.name if course else None
    return {
        f"{key}.{lang}": label.text(lang)
        for key, label in labels.items()
        if label is not None
        for lang in ("zh", "en")
    }


# --- courses to take ----------------------------------------------------------------------------


def _to_take(rules: RuleSetAt, programme: schema.Programme, base: Decision) -> tuple[ToTake, ...]:
    """Courses neither earned nor granted that only study completes: never exempted (by the
    course or a requirement naming it), or reached by no transfer rule or equivalence."""
    done = {g.target for g in base.grants if g.target_kind == "course"} | {
        e.course for e in base.earned
    }
    closed = {c for r in programme.requirements if not r.exemptable for c in r.courses}
    catalogue = rules.catalogue_of(programme)
    graph = equivalence_graph(rules)
    found = []
    for course in programme.courses:
        known = catalogue.get(course.code)
        if course.code in done or known is None:
            continue
        if not course.exemptable or course.code in closed:
            reason = "not_exemptable"
        elif not graph.transfer_rules_toward(programme, course.code) and not graph.sources_toward(
            programme, course.code
        ):
            reason = "no_rule"
        else:
            continue
        found.append(ToTake(course.code, known.name, known.credits, reason))
    return tuple(found)
