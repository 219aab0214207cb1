"""An outcome's lifecycle: verify, reject, revoke; recognise verified outcomes into credits.

Each change is one transaction that also appends a ledger entry; nothing is updated without
the ledger saying who did it, when, and under which rule-set version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, Final, Protocol

import msgspec
from sqlalchemy import Engine, Text, cast, select
from sqlalchemy.orm import Session

from creditbank.domain import Outcome
from creditbank.engine.matching import Failure
from creditbank.engine.recognition import BankCredit, compute_recognitions
from creditbank.errors import CreditBankError, NotFound
from creditbank.service.errors import Conflict
from creditbank.service.learners import learner_key, lock_learner
from creditbank.service.rulesets import ruleset_of, version_in_force
from creditbank.store.integrity import unvouched_outcomes
from creditbank.store.ledger import EntryKind, NewEntry, append
from creditbank.store.session import transaction
from creditbank.store.tables import Learner, LedgerEntry, OutcomeRow

_DECODE = msgspec.json.Decoder(dict[str, Any]).decode

_ALLOWED = {
    "verify": ({"submitted"}, "verified", EntryKind.VERIFICATION),
    "reject": ({"submitted", "verified"}, "rejected", EntryKind.REJECTION),
    "revoke": ({"verified", "recognised"}, "revoked", EntryKind.REVOCATION),
}


class SetByBank(Protocol):
    """What the bank sets of a stored outcome, as the engine reads it (an ``OutcomeRow``)."""

    issuer_id: str
    external_id: str
    status: str


class StoredOutcome(SetByBank, Protocol):
    """A stored outcome with its attributes read (an ``OutcomeRow``)."""

    attributes: dict[str, Any]


STORED_COLUMNS = (
    OutcomeRow.id,
    OutcomeRow.learner_id,
    OutcomeRow.issuer_id,
    OutcomeRow.external_id,
    OutcomeRow.status,
    cast(OutcomeRow.attributes, Text).label("attributes_json"),
)
"""An outcome's columns as a population is read (``population.read_partition``; reading
many, the ORM's objects would cost more than the rest of the reading), the attributes as
their JSON text (:func:`engine_outcome_of_columns`). Rows of them are read by position
(``ROW_ID``, ``LEARNER``), not by name (see :func:`engine_outcome_of_columns`)."""
ROW_ID: Final = 0
LEARNER: Final = 1


def engine_outcome_id(row: SetByBank) -> str:
    """How the engine names a stored outcome: ``issuer:external id``."""
    return _engine_id(row.issuer_id, row.external_id)


def _engine_id(issuer: str, external: str) -> str:
    return f"{issuer}:{external}"


def to_engine_outcome(row: StoredOutcome) -> Outcome:
    """The engine's view of a stored outcome; its id is ``issuer:external id``."""
    return _engine_outcome(row.issuer_id, row.external_id, row.status, row.attributes)


def _engine_outcome(issuer: str, external: str, status: str, attributes: dict[str, Any]) -> Outcome:
    return Outcome.model_validate(
        {**attributes, "id": _engine_id(issuer, external), "issuer": issuer, "status": status}
    )


def engine_outcome_of_columns(row: Sequence[Any]) -> Outcome:
    """The engine's view of a row of ``STORED_COLUMNS``: as :func:`to_engine_outcome`, the
    attributes' JSON text decoded by msgspec, not by SQLAlchemy's ``json.loads`` (or
    psycopg's): the same values, 3 to 4 µs less a row, an eighth of a SQLite read of a
    partition and more of a PostgreSQL one (scripts/bench_population.py's floor). The row is
    read by position: a SQLAlchemy row looks a name up on its class first, and the miss
    raises and formats an AttributeError before the column is found (about 1 µs a name)."""
    _row_id, _learner, issuer, external, status, attributes_json = row
    return _engine_outcome(issuer, external, status, _DECODE(attributes_json))


def require_vouched(session: Session, learner_id: str, outcome_ids: list[int]) -> None:
    """Refuse to use outcomes the ledger does not vouch for (forged or changed around it)."""
    found = unvouched_outcomes(session, learner_id, outcome_ids)
    if found:
        lines = "\n".join(f"outcome {i}: {problem}" for i, problem in sorted(found.items()))
        raise CreditBankError(
            f"learner '{learner_id}' has outcomes the ledger does not vouch for; nothing was "
            f"done (`creditbank ledger verify` reports every problem):\n{lines}",
            code="ledger.mismatch",
        )


def change_status(
    engine: Engine,
    *,
    outcome_id: int,
    action: str,
    actor: str,
    now: dt.datetime,
    reason: str | None = None,
    visible: Callable[[Session, OutcomeRow], bool] | None = None,
) -> OutcomeRow:
    """Verify, reject or revoke one outcome (``action``), with a ledger entry; revoking a
    recognised outcome first reverses its recognition. ``visible``: whether the caller may
    see the outcome at all (an issuer its own, an institution its enrolled learners'); one it
    may not is as unknown as a missing one, so its existence does not leak."""
    allowed_from, new_status, entry_kind = _ALLOWED[action]
    if action in {"reject", "revoke"} and not reason:
        raise Conflict(f"to {action} an outcome, give the reason", code="outcome.reason_required")

    def work(session: Session) -> OutcomeRow:
        row = session.get(OutcomeRow, outcome_id)
        if row is None or (visible is not None and not visible(session, row)):
            raise NotFound("outcome", str(outcome_id))
        learner = lock_learner(session, row.learner_id)
        assert learner is not None, "an outcome's account exists (foreign key)"
        session.refresh(row)
        if row.status not in allowed_from:
            raise Conflict(
                f"outcome {outcome_id} is {row.status}; it cannot be {new_status}",
                code="outcome.wrong_state",
            )
        previous, row.status, row.status_reason = row.status, new_status, reason
        if previous == "recognised":
            _reverse_recognition(session, learner, row, actor=actor, at=now)
        append(
            session,
            learner,
            [
                NewEntry(
                    entry_kind,
                    {"from": previous, "to": new_status, "reason": reason or ""},
                    outcome_id=row.id,
                )
            ],
            actor=actor,
            at=now,
        )
        return row

    return transaction(engine, work)


def _reverse_recognition(
    session: Session, learner: Learner, row: OutcomeRow, *, actor: str, at: dt.datetime
) -> None:
    """Undo an outcome's recognition with a reversal entry (its credits negated, under the
    recognition's rule-set version), so the ledger's credits still add up to the account's."""
    recognition = session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.outcome_id == row.id, LedgerEntry.kind == EntryKind.RECOGNITION.value)
        .order_by(LedgerEntry.seq.desc())
        .limit(1)
    ).one()
    payload = {
        **recognition.payload,
        "credits": str(0 - Decimal(recognition.payload["credits"])),  # 0 - x: never "-0"
        "reverses": recognition.seq,
    }
    append(
        session,
        learner,
        [NewEntry(EntryKind.REVERSAL, payload, outcome_id=row.id)],
        actor=actor,
        at=at,
        ruleset_version_id=recognition.ruleset_version_id,
    )


def recognise(
    engine: Engine,
    *,
    learner_id: str,
    on: dt.date,
    actor: str,
    now: dt.datetime,
    pack_id: str | None = None,
) -> list[dict[str, Any]]:
    """Recognise the learner's verified outcomes under the version of ``pack_id`` in force
    on ``on`` (the pack may be left out when only one is in force)."""
    learner_id = learner_key(learner_id)

    def work(session: Session) -> list[dict[str, Any]]:
        learner = lock_learner(session, learner_id)
        if learner is None:
            raise NotFound("learner", learner_id)
        version = version_in_force(session, on, pack_id)
        rows = list(
            session.scalars(
                select(OutcomeRow)
                .where(OutcomeRow.learner_id == learner_id, OutcomeRow.status == "verified")
                .order_by(OutcomeRow.id)
            )
        )
        require_vouched(session, learner_id, [r.id for r in rows])
        outcomes = {to_engine_outcome(r).id: r for r in rows}
        found = compute_recognitions(
            ruleset_of(version).at(on), [to_engine_outcome(r) for r in rows], on
        )
        entries, report = [], []
        for ident, row in outcomes.items():
            result = found.get(ident)
            if isinstance(result, BankCredit):
                row.status = "recognised"
                payload = {
                    "credits": str(result.credits),
                    "level": result.level,
                    "field": result.field,
                    "rule": result.rule.id,
                    "kind": row.kind,
                }
                entries.append(NewEntry(EntryKind.RECOGNITION, payload, outcome_id=row.id))
                report.append({"outcome": row.id, "status": "recognised", **payload})
            else:
                reason = result.reason.value if isinstance(result, Failure) else "no_rule"
                report.append({"outcome": row.id, "status": "verified", "reason": reason})
        append(session, learner, entries, actor=actor, at=now, ruleset_version_id=version.id)
        return report

    return transaction(engine, work)
