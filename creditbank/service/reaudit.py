"""Re-audit after publishing: every enrolled learner a published version affects gets a new
decision under the version in force on their application date (their enrolment date), with
its ledger transfer entry naming the version and the decision. Earlier decisions stay.

A run (one per version) records its partitions of enrolments. A partition's decisions and
its mark ``done_at`` are written in one transaction, and a partition found done writes
nothing: a run interrupted, or a worker killed and its partition run again elsewhere,
started again does the rest and duplicates nothing.

Affected: enrolled in a programme of the pack, audited under this version on their date,
and touched (``touch``) by the change from the version it follows (the pack's version in
force the day before it took effect; without one, every such learner).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from creditbank.engine.audit import compute_audit
from creditbank.engine.decision import Decision
from creditbank.errors import CreditBankError, NotFound
from creditbank.ruleset.ruleset import RuleSet
from creditbank.service import audits
from creditbank.service.errors import Conflict
from creditbank.service.fanout import LocalRunner, Runner, engine_for
from creditbank.service.impact import Standing
from creditbank.service.population import PARTITION, Bounds, Enrolled, partitions, read_partition
from creditbank.service.rulesets import ruleset_of, version_for_programme
from creditbank.service.touch import touch_of
from creditbank.store.session import session_scope, transaction
from creditbank.store.tables import (
    DecisionRow,
    Learner,
    ReauditPartition,
    ReauditRun,
    RuleSetVersion,
)


@dataclass(frozen=True)
class Reaudit:
    """A run's outcome: decisions stored in all (this time and before) and who changed."""

    run_id: int
    version_id: int
    previous_id: int | None
    partitions: int
    decisions: int
    changed: list[dict[str, Any]]


def run_reaudit(
    url: str,
    *,
    version_id: int,
    actor: str,
    now: dt.datetime,
    runner: Runner | None = None,
    partition: int = PARTITION,
    progress: Callable[[int], None] | None = None,
    started: Callable[[int], None] | None = None,
) -> Reaudit:
    """Re-audit what version ``version_id`` affects, or finish the run begun before."""
    engine = engine_for(url)
    run_id = transaction(engine, lambda s: _run(s, version_id, actor, now, partition))
    with session_scope(engine, read_only=True) as session:
        pending = list(
            session.scalars(
                select(ReauditPartition)
                .where(ReauditPartition.run_id == run_id, ReauditPartition.done_at.is_(None))
                .order_by(ReauditPartition.id)
            )
        )
    if started is not None:
        started(sum(p.count for p in pending))
    (runner or LocalRunner()).run(
        reaudit_partition,
        [(url, p.id, actor, now) for p in pending],
        [p.count for p in pending],
        progress or (lambda _n: None),
    )
    with session_scope(engine, read_only=True) as session:
        run = session.get(ReauditRun, run_id)
        assert run is not None
        done = list(
            session.scalars(
                select(ReauditPartition)
                .where(ReauditPartition.run_id == run_id)
                .order_by(ReauditPartition.id)
            )
        )
    return Reaudit(
        run_id,
        version_id,
        run.previous_id,
        len(done),
        sum(p.decisions for p in done),
        [c for p in done for c in p.changed],
    )


def _run(session: Session, version_id: int, actor: str, now: dt.datetime, size: int) -> int:
    """The version's run, recorded with its partitions the first time."""
    existing = session.scalar(select(ReauditRun).where(ReauditRun.version_id == version_id))
    if existing is not None:
        return existing.id
    version = session.get(RuleSetVersion, version_id)
    if version is None:
        raise NotFound("ruleset_version", str(version_id))
    if version.status != "published" or version.effective_from is None:
        raise Conflict(
            f"version {version_id} is {version.status}; only a published version is "
            "re-audited (publish it with `creditbank versions publish`)",
            code="reaudit.not_published",
        )
    previous = _previous(session, version)
    new = ruleset_of(version)
    programmes = {p.id for p in new.items("programmes")}
    narrowing = None
    if previous is not None:
        old = ruleset_of(previous)
        programmes |= {p.id for p in old.items("programmes")}
        touch = touch_of(old, new)
        candidates, narrowing = touch.candidate_programmes(), touch.narrowing()
        if candidates is not None:
            programmes &= candidates
    run = ReauditRun(
        version_id=version_id,
        previous_id=previous.id if previous else None,
        actor=actor,
        created_at=now,
    )
    session.add(run)
    session.flush()
    for b in partitions(session, programmes, size, narrowing):
        session.add(
            ReauditPartition(
                run_id=run.id, first=b.first, last=b.last, count=b.count, decisions=0, changed=[]
            )
        )
    return run.id


def _previous(session: Session, version: RuleSetVersion) -> RuleSetVersion | None:
    """The pack's version in force the day before ``version`` took effect."""
    assert version.effective_from is not None
    return session.scalar(
        select(RuleSetVersion)
        .where(
            RuleSetVersion.pack_id == version.pack_id,
            RuleSetVersion.id != version.id,
            RuleSetVersion.status.in_(("published", "retired")),
            RuleSetVersion.effective_from < version.effective_from,
        )
        .order_by(RuleSetVersion.effective_from.desc(), RuleSetVersion.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class _Computed:
    subject: Enrolled
    seq: int
    decision: Decision
    before: Standing | None


def reaudit_partition(url: str, partition_id: int, actor: str, now: dt.datetime) -> int:
    """Audit one partition and store its decisions with its mark, in one transaction; a
    partition already done writes nothing. Returns the decisions stored (a task for a
    worker, which reads its partition from the database at ``url`` itself)."""
    engine = engine_for(url)
    with session_scope(engine, read_only=True) as session:
        part = session.get(ReauditPartition, partition_id)
        if part is None:
            raise NotFound("reaudit_partition", str(partition_id))
        if part.done_at is not None:
            return 0
        run = session.get(ReauditRun, part.run_id)
        assert run is not None
        version = session.get(RuleSetVersion, run.version_id)
        assert version is not None
        new = ruleset_of(version)
        previous = session.get(RuleSetVersion, run.previous_id) if run.previous_id else None
        old = ruleset_of(previous) if previous is not None else None
        touch = touch_of(old, new) if old is not None else None
        computed = []
        seen: dict[tuple[str, dt.date], int | None] = {}
        narrowing = touch.narrowing() if touch is not None else None
        bounds = Bounds(part.first, part.last, part.count)
        for subject in read_partition(session, bounds, None, narrowing):
            day = subject.enrolled_on
            if not _under(session, subject.programme, day, version.id, seen):
                continue
            views = [new.at(day)] + ([old.at(day)] if old is not None else [])
            excepted = bool(subject.exceptions)
            if touch is not None and not touch.touches(
                subject.programme, subject.outcomes, views, excepted=excepted
            ):
                continue
            learner = session.get(Learner, subject.learner_id)
            assert learner is not None
            decision = compute_audit(
                new, list(subject.outcomes), subject.programme, day, subject.exceptions
            )
            before = _before(session, subject, old)
            computed.append(_Computed(subject, learner.ledger_seq, decision, before))
    return transaction(
        engine, lambda s: _write(s, partition_id, version, new, computed, actor, now)
    )


def _under(
    session: Session,
    programme: str,
    day: dt.date,
    version_id: int,
    seen: dict[tuple[str, dt.date], int | None],
) -> bool:
    """Whether ``programme`` is audited under version ``version_id`` on ``day`` (answers
    kept in ``seen``, one partition's worth)."""
    key = (programme, day)
    if key not in seen:
        try:
            seen[key] = version_for_programme(session, programme, day).id
        except CreditBankError:
            seen[key] = None
    return seen[key] == version_id


def _before(session: Session, subject: Enrolled, old: RuleSet | None) -> Standing | None:
    """The learner's standing before: their latest stored decision on the programme, else
    their audit under the previous version (None if there is neither)."""
    row = session.scalar(
        select(DecisionRow)
        .where(
            DecisionRow.learner_id == subject.learner_id, DecisionRow.programme == subject.programme
        )
        .order_by(DecisionRow.id.desc())
        .limit(1)
    )
    if row is not None:
        text = json.loads(row.canonical)
        totals = text["totals"]
        return Standing(
            transferred=Decimal(totals["transferred"]),
            counted=Decimal(totals["counted"]),
            remaining=Decimal(totals["remaining"]),
            statuses=tuple(text["statuses"]),
            exceptions=tuple(x["id"] for x in text.get("exceptions", ()) if x["applied"]),
        )
    if old is None:
        return None
    try:
        decision = compute_audit(
            old, list(subject.outcomes), subject.programme, subject.enrolled_on, subject.exceptions
        )
    except CreditBankError:
        return None
    return Standing.of(decision)


def _write(
    session: Session,
    partition_id: int,
    version: RuleSetVersion,
    ruleset: RuleSet,
    computed: list[_Computed],
    actor: str,
    now: dt.datetime,
) -> int:
    part = session.get(ReauditPartition, partition_id, with_for_update=True)
    assert part is not None
    session.refresh(part)
    if part.done_at is not None:
        return 0  # another worker finished it first
    changed = []
    appended: Counter[str] = Counter()  # entries this transaction put on each account
    for item in computed:
        s = item.subject
        seq = item.seq + appended[s.learner_id]
        inputs = audits.Inputs(seq, version, list(s.outcomes), list(s.exceptions))
        decision = item.decision
        audits.require_vouched(session, s.learner_id, list(s.row_ids))
        try:
            decision_id, decision = audits.store_decision(
                session,
                learner_id=s.learner_id,
                inputs=inputs,
                decision=decision,
                actor=actor,
                now=now,
            )
        except audits.AccountMoved:
            # outcomes changed since they were read: audit again on what is there now
            inputs = audits.read_inputs(
                session, s.learner_id, s.programme, s.enrolled_on, version.id
            )
            decision = compute_audit(
                ruleset, inputs.outcomes, s.programme, s.enrolled_on, inputs.exceptions
            )
            decision_id, decision = audits.store_decision(
                session,
                learner_id=s.learner_id,
                inputs=inputs,
                decision=decision,
                actor=actor,
                now=now,
            )
        appended[s.learner_id] += 1
        after = Standing.of(decision)
        b = item.before
        if b is None or (b.remaining, b.statuses) != (after.remaining, after.statuses):
            changed.append(
                {
                    "learner": s.learner_id,
                    "programme": s.programme,
                    "decision": decision_id,
                    "remaining_before": None if b is None else str(b.remaining),
                    "remaining_after": str(after.remaining),
                    "statuses_before": None if b is None else list(b.statuses),
                    "statuses_after": list(after.statuses),
                }
            )
    part.done_at, part.decisions, part.changed = now, len(computed), changed
    return len(computed)
