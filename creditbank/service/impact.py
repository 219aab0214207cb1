"""The impact of a draft: the enrolled learners audited under the version in force and under
the draft, and what changes (credits transferred and counted, credits remaining, statuses),
with the rules that made each difference and a summary by programme.

Only the learners the change can touch are audited (``touch``), unless ``full``; the work
runs in partitions of enrolments (``population``) on a runner (``fanout``), each partition
read by its worker from the database. Nothing is written: an impact is a preview.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from creditbank.engine.audit import Allocated, allocate
from creditbank.engine.decision import Decision
from creditbank.engine.differences import differing_rules
from creditbank.engine.explain import explain_exception
from creditbank.engine.memo import LearnerMemo
from creditbank.engine.twins import RuleChanges, Twins
from creditbank.errors import CreditBankError
from creditbank.ruleset.ruleset import RuleSet
from creditbank.service.errors import Conflict
from creditbank.service.fanout import LocalRunner, Runner, engine_for
from creditbank.service.population import (
    PARTITION,
    Bounds,
    Enrolled,
    Narrowing,
    partitions,
    read_partition,
)
from creditbank.service.rulesets import ruleset_of, version_in_force, version_of
from creditbank.service.touch import Touch, touch_of
from creditbank.store.session import session_scope


@dataclass(frozen=True)
class Standing:
    """Where an audit leaves a learner: the figures an impact compares, and the ids of the
    learner exceptions that apply."""

    transferred: Decimal
    counted: Decimal
    remaining: Decimal
    statuses: tuple[str, ...]
    exceptions: tuple[str, ...] = ()

    @classmethod
    def of(cls, audit: Decision | Allocated) -> Standing:
        t = audit.totals
        applied = tuple(x.id for x in audit.exceptions if x.applied)
        return cls(t.transferred, t.counted, t.remaining, audit.statuses, applied)


@dataclass(frozen=True)
class RuleDifference:
    """A rule whose grants, refusals or cap use differ: ``change`` is ``before`` (it acts
    only under the version in force), ``after`` (only under the draft) or ``changed``."""

    id: str
    at: str
    change: str


@dataclass(frozen=True)
class LearnerChange:
    """A learner audited differently; a standing is None where the programme could not be
    audited under that version (``note`` says why)."""

    learner: str
    programme: str
    date: dt.date
    before: Standing | None
    after: Standing | None
    rules: tuple[RuleDifference, ...]
    note: str = ""

    @property
    def delta(self) -> Decimal:
        """Credits counted after minus before (a missing audit counts nothing)."""
        return (self.after.counted if self.after else Decimal(0)) - (
            self.before.counted if self.before else Decimal(0)
        )


@dataclass(frozen=True)
class PartitionImpact:
    """A partition's compact result: audits per programme and the learners that changed."""

    audited: dict[str, int]
    changes: list[LearnerChange]


@dataclass(frozen=True)
class Impact:
    draft: int
    against: int
    pack: str
    on: dt.date | None
    incremental: bool
    considered: int
    audited: int
    changes: list[LearnerChange]
    summary: dict[str, Any] = field(default_factory=dict)


def run_impact(
    url: str,
    *,
    draft_id: int,
    against_id: int,
    on: dt.date | None = None,
    full: bool = False,
    runner: Runner | None = None,
    partition: int = PARTITION,
    progress: Callable[[int], None] | None = None,
    started: Callable[[int], None] | None = None,
) -> Impact:
    """The impact of version ``draft_id`` against ``against_id`` (same pack) on every
    enrolled learner it can touch (every one of the pack's programmes if ``full``), each
    audited on its enrolment date, or on ``on``. ``started`` is told how many enrolments
    will be read, ``progress`` how many each finished partition held."""
    engine = engine_for(url)
    with session_scope(engine, read_only=True) as session:
        old, new = _pair(session, against_id, draft_id)
        touch = touch_of(old, new)
        programmes = _pack_programmes(old) | _pack_programmes(new)
        candidates = None if full else touch.candidate_programmes()
        if candidates is not None:
            programmes &= candidates
        narrowing = None if full else touch.narrowing()
        bounds = partitions(session, programmes, partition, narrowing)
    if started is not None:
        started(sum(b.count for b in bounds))
    chosen = frozenset(programmes)
    tasks = [(url, against_id, draft_id, b, chosen, narrowing, on, full) for b in bounds]
    results = (runner or LocalRunner()).run(
        impact_partition, tasks, [b.count for b in bounds], progress or (lambda _n: None)
    )
    audited: Counter[str] = Counter()
    changes: list[LearnerChange] = []
    for result in results:
        audited.update(result.audited)
        changes += result.changes
    changes.sort(key=lambda c: (c.programme, c.learner))
    return Impact(
        draft=draft_id,
        against=against_id,
        pack=new.pack.id,
        on=on,
        incremental=not full,
        considered=sum(b.count for b in bounds),
        audited=sum(audited.values()),
        changes=changes,
        summary=summarise(changes, audited),
    )


def in_force_against(session: Session, draft_id: int, today: dt.date) -> int:
    """The version a draft is compared with by default: its pack's version in force today."""
    draft = version_of(session, draft_id)
    return version_in_force(session, today, draft.pack_id).id


def _pair(session: Session, against_id: int, draft_id: int) -> tuple[RuleSet, RuleSet]:
    versions = [version_of(session, against_id), version_of(session, draft_id)]
    if versions[0].pack_id != versions[1].pack_id:
        raise Conflict(
            f"version {draft_id} is of pack '{versions[1].pack_id}' and version {against_id} "
            f"of pack '{versions[0].pack_id}'; compare versions of one pack",
            code="impact.other_pack",
        )
    return ruleset_of(versions[0]), ruleset_of(versions[1])


def _pack_programmes(ruleset: RuleSet) -> set[str]:
    return {p.id for p in ruleset.items("programmes")}


_TOUCHES: dict[tuple[str, str], Touch] = {}
"""Touches computed in this process, by the two rule sets' digests."""
_CHANGES: dict[tuple[str, str], tuple[RuleSet, RuleSet, RuleChanges]] = {}
"""How two rule sets differ for the answers their audits share, by the rule sets' digests
(with the rule sets: equal digests do not mean equal positions)."""


def impact_partition(
    url: str,
    against_id: int,
    draft_id: int,
    bounds: Bounds,
    programmes: frozenset[str],
    narrowing: Narrowing | None,
    on: dt.date | None,
    full: bool,
) -> PartitionImpact:
    """One partition's impact, read from the database at ``url`` (a task for a worker)."""
    with session_scope(engine_for(url), read_only=True) as session:
        old, new = _pair(session, against_id, draft_id)
        enrolled = read_partition(session, bounds, programmes, narrowing)
    touch = None
    if not full:
        touch = _TOUCHES.get((old.digest, new.digest))
        if touch is None:
            touch = _TOUCHES.setdefault((old.digest, new.digest), touch_of(old, new))
    audited: Counter[str] = Counter()
    changes = []
    for subject in enrolled:
        day = on or subject.enrolled_on
        views = (old.at(day), new.at(day))
        excepted = bool(subject.exceptions)
        if touch is not None and not touch.touches(
            subject.programme, subject.outcomes, views, excepted=excepted
        ):
            continue
        audited[subject.programme] += 1
        change = compare(old, new, subject, day)
        if change is not None:
            changes.append(change)
    return PartitionImpact(dict(audited), changes)


def compare(old: RuleSet, new: RuleSet, subject: Enrolled, day: dt.date) -> LearnerChange | None:
    """The learner's change from ``old`` to ``new`` on ``day``, None if nothing changes. The
    two audits share the answers about single outcomes that hold under both
    (``engine/twins.py``)."""
    memo = _twin_memo(old, new, day)
    allocated_before, why_not_before = _allocate(old, subject, day, memo)
    allocated_after, why_not_after = _allocate(new, subject, day, memo)
    standings = [None if a is None else Standing.of(a) for a in (allocated_before, allocated_after)]
    if standings[0] == standings[1] and why_not_before == why_not_after:
        return None  # the explanations, a seventh of each audit, are not needed
    before, after = (
        None if a is None else a.decision(sealed=False) for a in (allocated_before, allocated_after)
    )
    notes = [
        f"{label}: {why}"
        for label, why in (("in force", why_not_before), ("draft", why_not_after))
        if why
    ] + _exception_notes(before, after)
    return LearnerChange(
        subject.learner_id,
        subject.programme,
        day,
        standings[0],
        standings[1],
        rule_differences(before, after),
        "; ".join(notes),
    )


def _exception_notes(before: Decision | None, after: Decision | None) -> list[str]:
    """The learner exceptions the draft stops applying (with why) or starts applying."""
    if before is None or after is None:
        return []
    was = {x.id for x in before.exceptions if x.applied}
    notes = [explain_exception(x) for x in after.exceptions if x.id in was and not x.applied]
    notes += [
        f"exception {x.id} applies under the draft: {explain_exception(x)}"
        for x in after.exceptions
        if x.applied and x.id not in was
    ]
    return notes


def _twin_memo(old: RuleSet, new: RuleSet, day: dt.date) -> LearnerMemo:
    """A memo for one learner's audits under ``old`` and ``new`` on ``day``."""
    known = _CHANGES.get((old.digest, new.digest))
    if known is None or known[0] is not old or known[1] is not new:
        known = _CHANGES[(old.digest, new.digest)] = (old, new, RuleChanges.between(old, new))
    changes = known[2]
    first = old.at(day)
    return LearnerMemo(first, day, Twins(changes, first, new.at(day)))


def _allocate(
    ruleset: RuleSet, subject: Enrolled, day: dt.date, memo: LearnerMemo
) -> tuple[Allocated | None, str]:
    """The learner's audit up to its figures, or why it cannot be made."""
    try:
        outcomes = list(subject.outcomes)
        return allocate(ruleset, outcomes, subject.programme, day, subject.exceptions, memo), ""
    except CreditBankError as exc:
        return None, str(exc)


def rule_differences(before: Decision | None, after: Decision | None) -> tuple[RuleDifference, ...]:
    """Rules whose part in the two decisions differs (``engine/differences.py``)."""
    return tuple(RuleDifference(*found) for found in differing_rules(before, after))


def summarise(changes: list[LearnerChange], audited: Counter[str]) -> dict[str, Any]:
    """Gains, losses, credits moved, statuses reached and lost, and the distribution of the
    change in counted credits: in all and by programme."""
    by_programme: dict[str, list[LearnerChange]] = defaultdict(list)
    for change in changes:
        by_programme[change.programme].append(change)
    return {
        **_figures(changes, sum(audited.values())),
        "by_programme": {p: _figures(by_programme.get(p, []), audited[p]) for p in sorted(audited)},
    }


def _figures(changes: list[LearnerChange], audited: int) -> dict[str, Any]:
    reached: Counter[str] = Counter()
    lost: Counter[str] = Counter()
    for c in changes:
        was = set(c.before.statuses if c.before else ())
        now = set(c.after.statuses if c.after else ())
        reached.update(now - was)
        lost.update(was - now)
    deltas = [c.delta for c in changes]
    distribution = Counter(deltas)
    return {
        "audited": audited,
        "changed": len(changes),
        "gains": sum(1 for d in deltas if d > 0),
        "losses": sum(1 for d in deltas if d < 0),
        "credits_gained": sum((d for d in deltas if d > 0), Decimal(0)),
        "credits_lost": -sum((d for d in deltas if d < 0), Decimal(0)),
        "statuses_reached": dict(sorted(reached.items())),
        "statuses_lost": dict(sorted(lost.items())),
        "distribution": {str(d): distribution[d] for d in sorted(distribution)},
    }
