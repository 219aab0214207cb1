"""Learner exceptions an institution grants: record, withdraw, list, and read those in force
for an audit (``engine/exceptions.py`` applies them).

Each exception is checked against its programme in the rule-set version in force on the
date it is granted for (the course, requirement or category must be the programme's; the
outcome the learner's), stored with an ``exception`` ledger entry whose payload is the
exception as the engine reads it, and withdrawn (never deleted) with an
``exception_withdrawn`` entry. Audits read only exceptions their entries vouch for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from creditbank.domain import ExceptionTarget, LearnerException
from creditbank.errors import CreditBankError, InputInvalid, NotFound
from creditbank.ruleset import schema
from creditbank.service.enrolments import is_enrolled
from creditbank.service.errors import Conflict
from creditbank.service.learner_file import json_path
from creditbank.service.learners import learner_key, lock_learner
from creditbank.service.outcomes import engine_outcome_id
from creditbank.service.rulesets import ruleset_of, version_for_programme
from creditbank.store.integrity import Problem, entry_hash_of
from creditbank.store.ledger import EntryKind, NewEntry, append
from creditbank.store.session import transaction
from creditbank.store.tables import LearnerExceptionRow, LedgerEntry, OutcomeRow


@dataclass(frozen=True)
class ExceptionInfo:
    """An exception as recorded, for people and clients: ``institution`` is its programme's
    (the one that granted it); ``outcome`` is the store's id of the outcome it rests on."""

    id: int
    learner_id: str
    kind: str
    programme: str
    target_kind: str
    target: str
    institution: str
    outcome: int | None
    credits: Decimal | None
    reason: str
    actor: str
    created_at: dt.datetime
    withdrawn_at: dt.datetime | None
    withdrawn_by: str | None
    withdrawn_reason: str | None


@dataclass(frozen=True)
class Grant:
    """What an institution asks to record (``target_kind`` and ``target`` in ``programme``
    as in force on ``on``)."""

    kind: str
    programme: str
    target_kind: str
    target: str
    reason: str
    on: dt.date
    outcome: int | None = None
    credits: Decimal | None = None


def record_exception(
    engine: Engine,
    *,
    learner_id: str,
    grant: Grant,
    actor: str,
    now: dt.datetime,
    granted_by: str | None = None,
) -> ExceptionInfo:
    """Check and store an exception with its ledger entry, in one transaction.
    ``granted_by``: the institution asking (API); it may only grant exceptions in its own
    programmes, to learners enrolled with it."""
    learner_id = learner_key(learner_id)

    def work(session: Session) -> ExceptionInfo:
        learner = lock_learner(session, learner_id)
        if learner is None or (
            granted_by is not None and not is_enrolled(session, learner_id, granted_by)
        ):
            raise NotFound("learner", learner_id)
        programme = _programme(session, grant.programme, grant.on)
        if granted_by is not None and programme.institution != granted_by:
            raise CreditBankError(
                f"programme '{programme.id}' is {programme.institution}'s; an institution "
                "grants exceptions only in its own programmes",
                code="exception.not_your_programme",
            )
        _check_target(programme, grant)
        outcome = _outcome(session, learner_id, grant.outcome)
        row = LearnerExceptionRow(
            learner_id=learner_id,
            kind=grant.kind,
            programme=programme.id,
            target_kind=grant.target_kind,
            target=grant.target,
            institution=programme.institution,
            outcome_id=outcome.id if outcome else None,
            credits=str(grant.credits) if grant.credits is not None else None,
            reason=grant.reason,
            actor=actor,
            created_at=now,
        )
        outcome_ids = {outcome.id: engine_outcome_id(outcome)} if outcome else {}
        _engine_exception(row, outcome_ids)  # refused with its fields before anything is written
        session.add(row)
        session.flush()
        engine_view = _engine_exception(row, outcome_ids)
        payload = engine_view.model_dump(mode="json", exclude_none=True)
        append(session, learner, [NewEntry(EntryKind.EXCEPTION, payload)], actor=actor, at=now)
        return _info(row)

    return transaction(engine, work)


def withdraw_exception(
    engine: Engine,
    *,
    exception_id: int,
    reason: str,
    actor: str,
    now: dt.datetime,
    granted_by: str | None = None,
) -> ExceptionInfo:
    """Withdraw an exception (it stays on record) with its ledger entry; audits stop applying
    it. ``granted_by``: only the institution whose programme it is may."""
    if not reason.strip():
        raise Conflict("to withdraw an exception, give the reason", code="exception.reason")

    def work(session: Session) -> ExceptionInfo:
        row = session.get(LearnerExceptionRow, exception_id)
        if row is None or (granted_by is not None and not _granted_by(session, row, granted_by)):
            raise NotFound("exception", str(exception_id))
        learner = lock_learner(session, row.learner_id)
        assert learner is not None  # a foreign key guarantees it
        session.refresh(row)
        if row.withdrawn_at is not None:
            raise Conflict(f"exception {row.id} is already withdrawn", code="exception.withdrawn")
        row.withdrawn_at, row.withdrawn_by, row.withdrawn_reason = now, actor, reason
        payload = {"id": str(row.id), "reason": reason}
        entry = NewEntry(EntryKind.EXCEPTION_WITHDRAWN, payload)
        append(session, learner, [entry], actor=actor, at=now)
        return _info(row)

    return transaction(engine, work)


def exceptions_of(session: Session, learner_id: str) -> list[ExceptionInfo]:
    """Every exception recorded for the learner, withdrawn ones included, oldest first."""
    rows = session.scalars(
        select(LearnerExceptionRow)
        .where(LearnerExceptionRow.learner_id == learner_key(learner_id))
        .order_by(LearnerExceptionRow.id)
    )
    return [_info(r) for r in rows]


def exceptions_in_force(session: Session, learner_id: str) -> list[LearnerException]:
    """The learner's exceptions not withdrawn, as the engine takes them, after checking every
    recorded exception against its ledger entries (``ledger.mismatch`` otherwise: an audit
    must not rest on an exception written, changed or withdrawn around the ledger)."""
    return in_force_by_learner(session, [learner_id]).get(learner_id, [])


def in_force_by_learner(
    session: Session, learner_ids: list[str], *, vouch: bool = True
) -> dict[str, list[LearnerException]]:
    """``exceptions_in_force`` for many learners at once (population reads: ``vouch=False``
    skips the ledger check, as their reading of outcomes does)."""
    rows = _rows(session, learner_ids)
    outcome_ids = _outcome_ids(session, rows)
    if vouch and (problems := _vouching_problems(session, learner_ids, rows, outcome_ids)):
        raise CreditBankError(
            "the learner's exceptions are not what the ledger vouches for; nothing was done "
            "(`creditbank ledger verify` reports every problem):\n" + "\n".join(map(str, problems)),
            code="ledger.mismatch",
        )
    found: dict[str, list[LearnerException]] = {}
    for row in rows:
        if row.withdrawn_at is None:
            found.setdefault(row.learner_id, []).append(_engine_exception(row, outcome_ids))
    return found


def exception_problems(session: Session, learner_ids: list[str]) -> list[Problem]:
    """Every exception of these accounts that its ledger entries do not vouch for: changed,
    added, deleted, withdrawn or restored around the ledger (for audits and ``ledger
    verify``)."""
    rows = _rows(session, learner_ids)
    return _vouching_problems(session, learner_ids, rows, _outcome_ids(session, rows))


def _vouching_problems(
    session: Session,
    learner_ids: list[str],
    rows: list[LearnerExceptionRow],
    outcome_ids: dict[int, str],
) -> list[Problem]:
    kinds = [EntryKind.EXCEPTION.value, EntryKind.EXCEPTION_WITHDRAWN.value]
    entries = session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.learner_id.in_(learner_ids), LedgerEntry.kind.in_(kinds))
        .order_by(LedgerEntry.id)
    ).all()
    problems = [
        Problem(e.learner_id, f"exception entry {e.seq}", "it does not match its hash")
        for e in entries
        if e.hash != entry_hash_of(e)
    ]
    recorded: dict[tuple[str, str], Any] = {}
    withdrawn: set[tuple[str, str]] = set()
    for entry in entries:
        key = (entry.learner_id, str(entry.payload.get("id")))
        if entry.kind == EntryKind.EXCEPTION.value:
            recorded[key] = entry.payload
        else:
            withdrawn.add(key)
    for row in rows:
        key, subject = (row.learner_id, str(row.id)), f"exception {row.id}"
        try:
            content: Any = _engine_exception(row, outcome_ids).model_dump(
                mode="json", exclude_none=True
            )
        except (InputInvalid, KeyError):
            content = None
        if recorded.pop(key, None) != content:
            problems.append(Problem(row.learner_id, subject, _NOT_RECORDED))
        if (row.withdrawn_at is not None) != (key in withdrawn):
            problems.append(Problem(row.learner_id, subject, _WITHDRAWN_AROUND))
    problems += [
        Problem(learner, f"exception {ident}", "recorded in the ledger, missing from the bank")
        for learner, ident in sorted(recorded)
    ]
    return problems


_NOT_RECORDED = "it is not what its ledger entry recorded (written or changed around the ledger)"
_WITHDRAWN_AROUND = "withdrawn or restored around the ledger"


def _rows(session: Session, learner_ids: list[str]) -> list[LearnerExceptionRow]:
    rows: list[LearnerExceptionRow] = []
    for start in range(0, len(learner_ids), 500):  # bound the statement's parameters
        rows += session.scalars(
            select(LearnerExceptionRow)
            .where(LearnerExceptionRow.learner_id.in_(learner_ids[start : start + 500]))
            .order_by(LearnerExceptionRow.id)
        )
    return rows


def _programme(session: Session, programme_id: str, on: dt.date) -> schema.Programme:
    version = version_for_programme(session, programme_id, on)
    return ruleset_of(version).at(on).programmes[programme_id]


def _check_target(programme: schema.Programme, grant: Grant) -> None:
    """The target must be the programme's own (the course is then named with the programme's
    institution, so it can follow the learner through equivalences)."""
    known = {
        ExceptionTarget.COURSE.value: [c.code for c in programme.courses],
        ExceptionTarget.REQUIREMENT.value: [r.id for r in programme.requirements],
        ExceptionTarget.CATEGORY.value: [c.id for c in programme.categories],
    }.get(grant.target_kind)
    if known is None:
        return  # the engine's model names the allowed kinds (``_engine_exception``)
    if grant.target not in known:
        raise InputInvalid(
            [
                (
                    "$.target",
                    f"'{grant.target}' is not a {grant.target_kind} of programme "
                    f"'{programme.id}' (it has: {', '.join(sorted(known)) or 'none'})",
                )
            ]
        )


def _outcome(session: Session, learner_id: str, outcome_id: int | None) -> OutcomeRow | None:
    if outcome_id is None:
        return None
    row = session.get(OutcomeRow, outcome_id)
    if row is None or row.learner_id != learner_id:
        raise NotFound("outcome", str(outcome_id), hint=f"not an outcome of '{learner_id}'")
    if row.status not in ("verified", "recognised"):
        raise Conflict(
            f"outcome {outcome_id} is {row.status}; an exception rests only on a verified outcome",
            code="outcome.wrong_state",
        )
    return row


def _outcome_ids(session: Session, rows: list[LearnerExceptionRow]) -> dict[int, str]:
    """The engine's ids (``issuer:external id``) of the outcomes these exceptions name."""
    wanted = sorted({r.outcome_id for r in rows if r.outcome_id is not None})
    if not wanted:
        return {}
    found = session.scalars(select(OutcomeRow).where(OutcomeRow.id.in_(wanted)))
    return {row.id: engine_outcome_id(row) for row in found}


def _engine_exception(row: LearnerExceptionRow, outcome_ids: dict[int, str]) -> LearnerException:
    """The exception as the engine takes it; a shape the engine refuses is the caller's
    error, named by field."""
    data = {
        "id": str(row.id),
        "kind": row.kind,
        "programme": row.programme,
        "target_kind": row.target_kind,
        "target": row.target,
        "institution": row.institution if row.target_kind == "course" else None,
        "outcome": outcome_ids[row.outcome_id] if row.outcome_id is not None else None,
        "credits": row.credits,
        "reason": row.reason,
    }
    try:
        return LearnerException.model_validate({k: v for k, v in data.items() if v is not None})
    except ValidationError as exc:
        problems = [
            (json_path(e["loc"]), e["msg"].removeprefix("Value error, "))
            for e in exc.errors(include_url=False)
        ]
        raise InputInvalid(problems) from None


def _granted_by(session: Session, row: LearnerExceptionRow, institution: str) -> bool:
    return row.institution == institution and is_enrolled(session, row.learner_id, institution)


def _info(row: LearnerExceptionRow) -> ExceptionInfo:
    return ExceptionInfo(
        id=row.id,
        learner_id=row.learner_id,
        kind=row.kind,
        programme=row.programme,
        target_kind=row.target_kind,
        target=row.target,
        institution=row.institution,
        outcome=row.outcome_id,
        credits=Decimal(row.credits) if row.credits is not None else None,
        reason=row.reason,
        actor=row.actor,
        created_at=row.created_at,
        withdrawn_at=row.withdrawn_at,
        withdrawn_by=row.withdrawn_by,
        withdrawn_reason=row.withdrawn_reason,
    )
