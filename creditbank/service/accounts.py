"""The account statement: outcomes, bank credits by level, field and kind, ledger history."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from creditbank.errors import NotFound
from creditbank.service.learners import learner_key
from creditbank.store.tables import Learner, LedgerEntry, OutcomeRow


@dataclass(frozen=True)
class Statement:
    learner_id: str
    outcomes: list[dict[str, Any]]
    credits_by_level: dict[str, Decimal]
    credits_by_field: dict[str, Decimal]
    credits_by_kind: dict[str, Decimal]
    total_credits: Decimal
    ledger: list[dict[str, Any]]


def statement(session: Session, learner_id: str) -> Statement:
    """Read-only view of one account; bank credits are the recognitions not revoked."""
    learner_id = learner_key(learner_id)
    if session.get(Learner, learner_id) is None:
        raise NotFound("learner", learner_id)
    rows = list(
        session.scalars(
            select(OutcomeRow).where(OutcomeRow.learner_id == learner_id).order_by(OutcomeRow.id)
        )
    )
    entries = list(
        session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.learner_id == learner_id)
            .order_by(LedgerEntry.seq)
        )
    )
    latest: dict[int, dict[str, Any]] = {}
    for entry in entries:
        if entry.kind == "recognition" and entry.outcome_id is not None:
            latest[entry.outcome_id] = entry.payload
    by_level: dict[str, Decimal] = defaultdict(Decimal)
    by_field: dict[str, Decimal] = defaultdict(Decimal)
    by_kind: dict[str, Decimal] = defaultdict(Decimal)
    outcomes = []
    for row in rows:
        credit = latest.get(row.id) if row.status == "recognised" else None
        if credit is not None:
            amount = Decimal(credit["credits"])
            by_level[str(credit.get("level") or "-")] += amount
            by_field[credit.get("field") or "-"] += amount
            by_kind[row.kind] += amount
        outcomes.append(
            {
                "id": row.id,
                "external_id": row.external_id,
                "issuer": row.issuer_id,
                "kind": row.kind,
                "date": row.obtained_on.isoformat(),
                "status": row.status,
                "reason": row.status_reason,
                "credits": credit["credits"] if credit else None,
            }
        )
    ledger = [
        {
            "seq": e.seq,
            "kind": e.kind,
            "actor": e.actor,
            "at": e.at.isoformat(),
            "outcome": e.outcome_id,
            "decision": e.decision_id,
            "payload": e.payload,
        }
        for e in entries
    ]
    return Statement(
        learner_id,
        outcomes,
        dict(sorted(by_level.items())),
        dict(sorted(by_field.items())),
        dict(sorted(by_kind.items())),
        sum(by_kind.values(), start=Decimal(0)),
        ledger,
    )


def ledger_page(
    session: Session, learner_id: str, *, after: int = 0, limit: int = 100
) -> list[dict[str, Any]]:
    """The account's ledger entries in sequence after the cursor ``after`` (a sequence
    number), with their hashes so a learner can check the chain."""
    learner_id = learner_key(learner_id)
    if session.get(Learner, learner_id) is None:
        raise NotFound("learner", learner_id)
    entries = session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.learner_id == learner_id, LedgerEntry.seq > after)
        .order_by(LedgerEntry.seq)
        .limit(limit)
    )
    return [
        {
            "seq": e.seq,
            "kind": e.kind,
            "actor": e.actor,
            "at": e.at,
            "outcome": e.outcome_id,
            "decision": e.decision_id,
            "ruleset_version": e.ruleset_version_id,
            "payload": e.payload,
            "prev_hash": e.prev_hash,
            "hash": e.hash,
        }
        for e in entries
    ]
