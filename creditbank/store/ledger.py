"""The append-only, tamper-evident ledger: each entry hashes the one before it.

An entry's hash covers its account, sequence number, kind, actor, time, rule-set version,
outcome, decision, payload and the previous entry's hash, in canonical JSON. Changing,
removing or reordering any entry breaks the chain from that point, which ``verify`` reports.
Corrections are new entries (reversal, revocation), never updates.

Entries are written with ``bulk.insert``, the payload column holding the same canonical JSON
text the hash covers: a batch's tens of thousands of deposits serialise each payload once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from enum import StrEnum
from json.encoder import encode_basestring
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from creditbank.errors import InputInvalid
from creditbank.ruleset.ruleset import canonical_json, sha256_text
from creditbank.store import bulk
from creditbank.store.tables import Learner, LedgerEntry

GENESIS = "0" * 64
ACTOR_MAX = 200
"""The ``actor`` column's width, checked here so that SQLite (which does not enforce it) and
PostgreSQL answer alike."""
COLUMNS = (
    "learner_id",
    "seq",
    "kind",
    "actor",
    "at",
    "ruleset_version_id",
    "outcome_id",
    "decision_id",
    "payload",
    "prev_hash",
    "hash",
)
"""The ledger columns ``bulk.insert`` writes, in the order of the rows ``append_many`` makes."""


class EntryKind(StrEnum):
    DEPOSIT = "deposit"
    VERIFICATION = "verification"
    REJECTION = "rejection"
    RECOGNITION = "recognition"
    TRANSFER = "transfer"
    REVERSAL = "reversal"
    REVOCATION = "revocation"
    EXCEPTION = "exception"
    EXCEPTION_WITHDRAWN = "exception_withdrawn"


class NewEntry(NamedTuple):
    """What a use case wants to append to one account (a tuple: batches make thousands).

    ``payload`` is a mapping, or its ``canonical_json`` text when the caller wrote it out."""

    kind: EntryKind
    payload: dict[str, Any] | str
    outcome_id: int | None = None
    decision_id: int | None = None


Head = tuple[int, str]
"""An account's last entry: its sequence number and hash (0 and GENESIS when empty). A plain
tuple: a batch holds thousands, and Python's collector stops tracking plain tuples of plain
values (not a NamedTuple's instances), which spares the batch full collections."""


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
    """The chained hash of one entry: SHA-256 of the canonical JSON of
    ``[prev_hash, learner_id, seq, kind, actor, at (UTC, ISO), ruleset_version_id,
    outcome_id, decision_id, payload]``."""
    return sha256_text(
        entry_json(
            prev_hash,
            learner_id,
            seq,
            kind,
            actor,
            utc(at).isoformat(),
            ruleset_version_id,
            outcome_id,
            decision_id,
            canonical_json(payload),
        )
    )


def entry_json(
    prev_hash: str,
    learner_id: str,
    seq: int,
    kind: str,
    actor: str,
    at: str,
    ruleset_version_id: int | None,
    outcome_id: int | None,
    decision_id: int | None,
    payload_json: str,
) -> str:
    """``canonical_json`` of an entry's hashed fields, written out around a payload that is
    already canonical JSON (so it is serialised once, for the hash and the column).

    >>> body = ["0" * 64, "L-1", 2, "deposit", 'hr "a"', "2026-01-01T00:00:00+00:00",
    ...         None, 7, None, {"b": "é", "a": 1}]
    >>> entry_json(*body[:-1], canonical_json(body[-1])) == canonical_json(body)
    True
    """
    return (
        f"[{encode_basestring(prev_hash)},{encode_basestring(learner_id)},{seq:d},"
        f"{encode_basestring(kind)},{encode_basestring(actor)},{encode_basestring(at)},"
        f"{_json_int(ruleset_version_id)},{_json_int(outcome_id)},{_json_int(decision_id)},"
        f"{payload_json}]"
    )


def outcome_digest(
    learner_id: str, issuer_id: str, external_id: str, kind: str, obtained_on: str, attributes: str
) -> str:
    """What a deposit entry records of its outcome: SHA-256 of the canonical JSON of
    ``[learner_id, issuer_id, external_id, kind, date (ISO), attributes]``, the attributes
    being the exact JSON text stored in the outcome's row. Any change to a stored outcome
    (its hours, its learner, its date...) then no longer matches its deposit.

    >>> outcome_digest("L1", "acme", "r1", "enterprise_training", "2024-05-01", '{"hours":"16"}') \\
    ...     == sha256_text(canonical_json(["L1", "acme", "r1", "enterprise_training",
    ...                                    "2024-05-01", '{"hours":"16"}']))
    True
    """
    return sha256_text(
        f"[{encode_basestring(learner_id)},{encode_basestring(issuer_id)},"
        f"{encode_basestring(external_id)},{encode_basestring(kind)},"
        f"{encode_basestring(obtained_on)},{encode_basestring(attributes)}]"
    )


def _json_int(value: int | None) -> str:
    return "null" if value is None else f"{value:d}"


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
    entries = list(entries)
    if not entries:
        return 0
    heads = append_many(
        session,
        {learner.id: (learner.ledger_seq, learner.ledger_head or GENESIS)},
        ((learner.id, entry) for entry in entries),
        actor=actor,
        at=at,
        ruleset_version_id=ruleset_version_id,
    )
    # the row is already updated: bring the loaded object in line without another UPDATE
    seq, head = heads[learner.id]
    set_committed_value(learner, "ledger_seq", seq)
    set_committed_value(learner, "ledger_head", head)
    return len(entries)


def lock_heads(session: Session, learner_ids: Iterable[str]) -> dict[str, Head]:
    """The accounts' heads, locked for this transaction (row locks on PostgreSQL; on SQLite
    the transaction holds the write lock already), for ``append_many``; unknown ids are left
    out. Plain rows, not ORM objects: a batch locks thousands of accounts."""
    heads: dict[str, Head] = {}
    ordered = sorted(set(learner_ids))
    for start in range(0, len(ordered), 1000):
        query = (
            select(Learner.id, Learner.ledger_seq, Learner.ledger_head)
            .where(Learner.id.in_(ordered[start : start + 1000]))
            .order_by(Learner.id)
            .with_for_update()
        )
        heads.update((i, (seq, head or GENESIS)) for i, seq, head in session.execute(query))
    return heads


def append_many(
    session: Session,
    heads: Mapping[str, Head],
    entries: Iterable[tuple[str, NewEntry]],
    *,
    actor: str,
    at: dt.datetime,
    ruleset_version_id: int | None = None,
) -> dict[str, Head]:
    """Append each ``(account, entry)`` to its account's chain, in the order given, after
    the account's head in ``heads`` (the caller holds the accounts' locks): every row in one
    bulk insert, the accounts' heads moved with one executemany UPDATE. Returns the moved
    heads; ORM objects of these accounts are not updated.

    ``entries`` may be a generator: a batch makes each entry as it is written, so that tens
    of thousands of them are never held at once. Giving each account's entries together
    fills the (account, seq) index in order."""
    if not 0 < len(actor) <= ACTOR_MAX:
        raise InputInvalid([("actor", f"give who does this in 1 to {ACTOR_MAX} characters")])
    moment = utc(at)
    at_text = moment.isoformat()
    at_value = bulk.driver_value(session, LedgerEntry.at, moment)
    rows: list[tuple[Any, ...]] = []
    moved: dict[str, Head] = {}
    for learner_id, (entry_kind, payload, outcome_id, decision_id) in entries:
        seq, head = moved.get(learner_id) or heads[learner_id]
        seq += 1
        kind = entry_kind.value
        if not isinstance(payload, str):
            payload = canonical_json(payload)
        digest = sha256_text(
            entry_json(
                head,
                learner_id,
                seq,
                kind,
                actor,
                at_text,
                ruleset_version_id,
                outcome_id,
                decision_id,
                payload,
            )
        )
        rows.append(
            (
                learner_id,
                seq,
                kind,
                actor,
                at_value,
                ruleset_version_id,
                outcome_id,
                decision_id,
                payload,
                head,
                digest,
            )
        )
        moved[learner_id] = (seq, digest)
    bulk.insert(session, LedgerEntry, COLUMNS, rows)
    bulk.update(
        session, Learner, ("ledger_seq", "ledger_head"), "id", [(*h, i) for i, h in moved.items()]
    )
    return moved
