"""The append-only, tamper-evident ledger: each entry hashes the one before it.

An entry's hash covers its account, sequence number, kind, actor, time, rule-set version,
outcome, decision, payload and the previous entry's hash, in canonical JSON. Changing,
removing or reordering any entry breaks the chain from that point, which ``verify`` reports.
Corrections are new entries (reversal, revocation), never updates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from creditbank.ruleset.ruleset import canonical_json, sha256_text
from creditbank.store.tables import Learner, LedgerEntry

GENESIS = "0" * 64


class EntryKind(StrEnum):
    DEPOSIT = "deposit"
    VERIFICATION = "verification"
    REJECTION = "rejection"
    RECOGNITION = "recognition"
    TRANSFER = "transfer"
    REVERSAL = "reversal"
    REVOCATION = "revocation"


@dataclass(frozen=True)
class NewEntry:
    """What a use case wants to append to one account."""

    kind: EntryKind
    payload: dict[str, Any]
    outcome_id: int | None = None
    decision_id: int | None = None


def utc(moment: dt.datetime) -> dt.datetime:
    """Aware UTC at microsecond precision (SQLite gives back naive datetimes)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def entry_hash(
    prev_hash: str,
    learner_id: str,
    seq: int,
    kind: str,
    actor: str,
    at: dt.datetime,
    ruleset_version_id: int | None,
    outcome_id: int | None,
    decision_id: int | None,
    payload: dict[str, Any],
) -> str:
    """The chained hash of one entry."""
    body = [
        prev_hash,
        learner_id,
        seq,
        kind,
        actor,
        utc(at).isoformat(),
        ruleset_version_id,
        outcome_id,
        decision_id,
        payload,
    ]
    return sha256_text(canonical_json(body))


def append(
    session: Session,
    learner: Learner,
    entries: Iterable[NewEntry],
    *,
    actor: str,
    at: dt.datetime,
    ruleset_version_id: int | None = None,
) -> int:
    """Append entries to ``learner``'s chain (the caller holds the account's lock)."""
    rows = chain(learner, entries, actor=actor, at=at, ruleset_version_id=ruleset_version_id)
    if rows:
        session.execute(insert(LedgerEntry), rows)
    return len(rows)


def chain(
    learner: Learner,
    entries: Iterable[NewEntry],
    *,
    actor: str,
    at: dt.datetime,
    ruleset_version_id: int | None = None,
) -> list[dict[str, Any]]:
    """Ledger rows for ``entries``, chained after the account's head, which moves to the
    last of them; insert them in the same transaction (many accounts in one executemany)."""
    rows = []
    seq, head = learner.ledger_seq, learner.ledger_head or GENESIS
    for entry in entries:
        seq += 1
        digest = entry_hash(
            head,
            learner.id,
            seq,
            entry.kind.value,
            actor,
            at,
            ruleset_version_id,
            entry.outcome_id,
            entry.decision_id,
            entry.payload,
        )
        rows.append(
            {
                "learner_id": learner.id,
                "seq": seq,
                "kind": entry.kind.value,
                "actor": actor,
                "at": utc(at),
                "ruleset_version_id": ruleset_version_id,
                "outcome_id": entry.outcome_id,
                "decision_id": entry.decision_id,
                "payload": entry.payload,
                "prev_hash": head,
                "hash": digest,
            }
        )
        head = digest
    learner.ledger_seq, learner.ledger_head = seq, head
    return rows


@dataclass(frozen=True)
class Break:
    """The first entry of an account whose chain does not verify, and why."""

    learner_id: str
    seq: int
    entry_id: int
    problem: str


def verify(session: Session, learner_id: str | None = None) -> tuple[int, list[Break]]:
    """Walk every chain (or one account's); return entries checked and the first break of
    each broken account."""
    query = select(LedgerEntry).order_by(LedgerEntry.learner_id, LedgerEntry.seq)
    if learner_id is not None:
        query = query.where(LedgerEntry.learner_id == learner_id)
    breaks: list[Break] = []
    broken: set[str] = set()
    checked = 0
    expected_prev: dict[str, tuple[int, str]] = {}
    for entry in session.scalars(query).yield_per(2000):
        checked += 1
        if entry.learner_id in broken:
            continue
        seq, prev = expected_prev.get(entry.learner_id, (0, GENESIS))
        problem = None
        if entry.seq != seq + 1:
            problem = f"sequence jumps from {seq} to {entry.seq} (an entry is missing)"
        elif entry.prev_hash != prev:
            problem = "it does not point to the previous entry's hash"
        elif entry.hash != entry_hash(
            entry.prev_hash,
            entry.learner_id,
            entry.seq,
            entry.kind,
            entry.actor,
            entry.at,
            entry.ruleset_version_id,
            entry.outcome_id,
            entry.decision_id,
            entry.payload,
        ):
            problem = "its content does not match its hash (it was changed)"
        if problem:
            broken.add(entry.learner_id)
            breaks.append(Break(entry.learner_id, entry.seq, entry.id, problem))
            continue
        expected_prev[entry.learner_id] = (entry.seq, entry.hash)
    for learner in session.scalars(select(Learner).where(Learner.ledger_seq > 0)):
        if (learner_id is not None and learner.id != learner_id) or learner.id in broken:
            continue
        seq, head = expected_prev.get(learner.id, (0, GENESIS))
        if (seq, head) != (learner.ledger_seq, learner.ledger_head):
            breaks.append(
                Break(
                    learner.id,
                    seq + 1,
                    0,
                    f"the account's head is entry {learner.ledger_seq}, the chain "
                    f"ends at {seq} (entries were removed)",
                )
            )
    return checked, breaks
