"""Every account checked against its ledger: the hash chain, the outcomes, the checkpoint.

The ledger is the bank's memory of what happened; the other tables are read against it:

- the chain: each entry points to the previous entry's hash and hashes its own content, and
  the account's head is the chain's last entry;
- each outcome has exactly one deposit on its account's chain, the deposit's ``content``
  digest matches the outcome's row as stored now (``ledger.outcome_digest``), and the row's
  status and reason are those the outcome's last lifecycle entry set (a recognised outcome has
  its recognition entry);
- the heads the newest checkpoint recorded are still in the chain (nothing re-hashed or cut
  off before it), and which accounts moved since.

Decisions are checked by the service (their digests need the engine); this module hands it
the digest each transfer entry recorded.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import ColumnElement, Text, cast, select
from sqlalchemy.orm import Session

from creditbank.store import checkpoints
from creditbank.store.ledger import GENESIS, EntryKind, entry_hash, outcome_digest, utc
from creditbank.store.tables import Learner, LedgerEntry, OutcomeRow

CHUNK = 500
"""Accounts checked at a time: memory stays flat however large the bank."""


class _Outcome(NamedTuple):
    """An outcome's stored columns, as they are checked against the ledger."""

    id: int
    learner_id: str
    issuer_id: str
    external_id: str
    kind: str
    obtained_on: dt.date
    attributes: str  # the exact text the deposit hashed
    status: str
    status_reason: str | None
    batch_id: int | None
    created_at: dt.datetime


_OUTCOME_COLUMNS = select(
    *(
        cast(OutcomeRow.attributes, Text).label(name)
        if name == "attributes"
        else getattr(OutcomeRow, name)
        for name in _Outcome._fields
    )
)
"""The columns of :class:`_Outcome`, in its order (the attributes as their stored text)."""


def _outcomes(session: Session, where: ColumnElement[bool]) -> list[_Outcome]:
    """The outcomes ``where`` selects, as named tuples: a SQLAlchemy row looks a name up on
    its class first and formats an AttributeError before it finds the column (about 1 µs a
    name, and each outcome is read by a dozen); a named tuple's names are on its class."""
    return [_Outcome._make(row) for row in session.execute(_OUTCOME_COLUMNS.where(where))]


@dataclass(frozen=True)
class Problem:
    """Something stored that its ledger does not vouch for, written for an auditor."""

    learner_id: str
    subject: str
    problem: str

    def __str__(self) -> str:
        who = f"{self.learner_id} {self.subject}" if self.learner_id else self.subject
        return f"{who}: {self.problem}"


@dataclass(frozen=True)
class Moved:
    """An account whose chain grew since the checkpoint (from ``seq`` 0: a new account)."""

    learner_id: str
    checkpointed_seq: int
    seq: int


@dataclass(frozen=True)
class Transfer:
    """What a transfer entry recorded of its decision, and whether the entry is intact."""

    learner_id: str
    digest: str
    ruleset_version_id: int | None
    intact: bool = True


@dataclass
class AccountsCheck:
    """What checking some accounts found."""

    entries: int = 0
    outcomes: int = 0
    problems: list[Problem] = field(default_factory=list)
    moved: list[Moved] = field(default_factory=list)
    transfers: dict[int, Transfer] = field(default_factory=dict)
    """Decision id -> what its transfer entry recorded."""

    def add(self, other: AccountsCheck) -> None:
        self.entries += other.entries
        self.outcomes += other.outcomes
        self.problems += other.problems
        self.moved += other.moved
        self.transfers.update(other.transfers)


def transfer_of(entry: LedgerEntry) -> Transfer:
    return Transfer(
        entry.learner_id,
        str(entry.payload.get("digest", "")) if isinstance(entry.payload, dict) else "",
        entry.ruleset_version_id,
        entry.hash == entry_hash_of(entry),
    )


def account_chunks(session: Session, learner_id: str | None = None) -> Iterator[list[str]]:
    """Every account's id (or the one asked for), ``CHUNK`` at a time, in id order."""
    if learner_id is not None:
        yield [learner_id]
        return
    last = ""
    while True:
        ids = list(
            session.scalars(
                select(Learner.id).where(Learner.id > last).order_by(Learner.id).limit(CHUNK)
            )
        )
        if not ids:
            return
        yield ids
        last = ids[-1]


def check_accounts(
    session: Session, learner_ids: Sequence[str], checkpoint_id: int | None
) -> AccountsCheck:
    """Check these accounts' chains and outcomes, and their heads against checkpoint
    ``checkpoint_id`` (None: there is none)."""
    found = AccountsCheck()
    heads = {
        i: (seq, head or GENESIS)
        for i, seq, head in session.execute(
            select(Learner.id, Learner.ledger_seq, Learner.ledger_head).where(
                Learner.id.in_(learner_ids)
            )
        )
    }
    entries: dict[str, list[LedgerEntry]] = defaultdict(list)
    for entry in session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.learner_id.in_(learner_ids))
        .order_by(LedgerEntry.learner_id, LedgerEntry.seq)
    ):
        entries[entry.learner_id].append(entry)
    outcomes: dict[str, list[_Outcome]] = defaultdict(list)
    for row in _outcomes(session, OutcomeRow.learner_id.in_(learner_ids)):
        outcomes[row.learner_id].append(row)
    checkpointed = (
        checkpoints.heads_at(session, checkpoint_id, learner_ids) if checkpoint_id else {}
    )
    for learner_id in learner_ids:
        chain = entries.get(learner_id, [])
        found.entries += len(chain)
        found.outcomes += len(outcomes.get(learner_id, ()))
        if learner_id not in heads:
            found.problems.append(Problem(learner_id, "account", "it does not exist (removed)"))
            continue
        found.transfers.update(
            (e.decision_id, transfer_of(e))
            for e in chain
            if e.kind == EntryKind.TRANSFER and e.decision_id is not None
        )
        intact = _check_chain(learner_id, chain, heads[learner_id], found.problems)
        if intact:
            _check_outcomes(learner_id, chain, outcomes.get(learner_id, []), found)
        if checkpoint_id is not None:
            _check_checkpointed(
                learner_id, chain, checkpointed.get(learner_id), checkpoint_id, found
            )
    return found


def _check_chain(
    learner_id: str, chain: list[LedgerEntry], head: tuple[int, str], problems: list[Problem]
) -> bool:
    """Whether the chain verifies up to the account's head; the first break is reported."""
    seq, prev = 0, GENESIS
    for entry in chain:
        problem = None
        if entry.seq != seq + 1:
            problem = f"sequence jumps from {seq} to {entry.seq} (an entry is missing)"
        elif entry.prev_hash != prev:
            problem = "it does not point to the previous entry's hash"
        elif entry.hash != entry_hash_of(entry):
            problem = "its content does not match its hash (it was changed)"
        if problem:
            problems.append(Problem(learner_id, f"entry {entry.seq} (row {entry.id})", problem))
            return False
        seq, prev = entry.seq, entry.hash
    if (seq, prev) != head:
        problems.append(
            Problem(
                learner_id,
                f"entry {seq + 1}",
                f"the account's head is entry {head[0]}, the chain ends at {seq} "
                "(entries were removed or the head was moved)",
            )
        )
        return False
    return True


def _check_outcomes(
    learner_id: str, chain: list[LedgerEntry], rows: list[_Outcome], found: AccountsCheck
) -> None:
    """Each outcome against its deposit and its last lifecycle entry; every entry naming an
    outcome against the account's outcomes."""
    deposits, state = _lifecycle(chain)
    mine = {row.id for row in rows}
    for outcome_id in sorted(set(state) - mine):
        found.problems.append(
            Problem(
                learner_id,
                f"outcome {outcome_id}",
                "the ledger records it on this account, but it is not one of the account's "
                "outcomes (moved to another account or removed)",
            )
        )
    for row in sorted(rows, key=lambda r: r.id):
        problem = _outcome_problem(row, deposits.get(row.id, []), state.get(row.id))
        if problem:
            found.problems.append(Problem(learner_id, f"outcome {row.id}", problem))


def unvouched_outcomes(session: Session, learner_id: str, outcome_ids: list[int]) -> dict[int, str]:
    """The outcomes of one account, among ``outcome_ids``, that its ledger does not vouch
    for, with the problem: checked before an audit or a recognition uses them, so that an
    outcome forged or changed around the ledger never earns credit. (Each entry read is
    checked against its own hash; ``ledger verify`` checks the whole chain.)"""
    if not outcome_ids:
        return {}
    rows = _outcomes(session, OutcomeRow.id.in_(outcome_ids))
    entries = list(
        session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.learner_id == learner_id, LedgerEntry.outcome_id.in_(outcome_ids))
            .order_by(LedgerEntry.seq)
        )
    )
    deposits, state = _lifecycle(entries)
    found: dict[int, str] = {}
    for entry in entries:
        if entry.outcome_id is not None and entry.hash != entry_hash_of(entry):
            found[entry.outcome_id] = "an entry about it does not match its hash (it was changed)"
    for row in rows:
        if row.id not in found and row.learner_id != learner_id:
            found[row.id] = "it belongs to another account"
        elif row.id not in found:
            problem = _outcome_problem(row, deposits.get(row.id, []), state.get(row.id))
            if problem:
                found[row.id] = problem
    return found


def _lifecycle(
    entries: list[LedgerEntry],
) -> tuple[dict[int, list[LedgerEntry]], dict[int, tuple[str, str | None]]]:
    """Each outcome's deposit entries, and the status and reason its entries (in order)
    leave it in."""
    deposits: dict[int, list[LedgerEntry]] = defaultdict(list)
    state: dict[int, tuple[str, str | None]] = {}
    for entry in entries:
        if entry.outcome_id is None:
            continue
        if entry.kind == EntryKind.DEPOSIT:
            deposits[entry.outcome_id].append(entry)
            state[entry.outcome_id] = ("submitted", None)
        elif entry.kind == EntryKind.RECOGNITION:
            previous = state.get(entry.outcome_id, ("", None))
            state[entry.outcome_id] = ("recognised", previous[1])
        elif entry.kind != EntryKind.REVERSAL:  # verification, rejection, revocation
            reason = entry.payload.get("reason") or None
            state[entry.outcome_id] = (str(entry.payload.get("to", "")), reason)
    return deposits, state


def entry_hash_of(entry: LedgerEntry) -> str:
    return entry_hash(
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
    )


def _outcome_problem(
    row: _Outcome, deposits: list[LedgerEntry], state: tuple[str, str | None] | None
) -> str | None:
    if not deposits:
        return "it has no deposit entry on its account's chain (inserted around the ledger)"
    if len(deposits) > 1:
        return f"it has {len(deposits)} deposit entries (seq {', '.join(str(d.seq) for d in deposits)})"
    deposit = deposits[0]
    if deposit.payload.get("batch") != row.batch_id or utc(deposit.at) != utc(row.created_at):
        return "its batch or time differs from its deposit's (they were changed)"
    content = deposit.payload.get("content")
    stored = outcome_digest(
        row.learner_id,
        row.issuer_id,
        row.external_id,
        row.kind,
        row.obtained_on.isoformat(),
        row.attributes,
    )
    if content is None:  # a deposit written before content digests (migration 0003)
        legacy = (row.external_id, row.kind, row.obtained_on.isoformat())
        recorded = tuple(deposit.payload.get(k) for k in ("external_id", "kind", "date"))
        if recorded != legacy:
            return "its external id, kind or date differs from what its deposit recorded"
    elif content != stored:
        return (
            "it differs from what its deposit recorded (its learner, issuer, external id, "
            "kind, date or attributes were changed)"
        )
    if state is not None and (row.status, row.status_reason) != state:
        status, reason = state
        return (
            f"its status is {row.status!r}"
            + (f" ({row.status_reason!r})" if row.status_reason else "")
            + f", but its last ledger entry makes it {status!r}"
            + (f" ({reason!r})" if reason else "")
        )
    return None


def _check_checkpointed(
    learner_id: str,
    chain: list[LedgerEntry],
    checkpointed: tuple[int, str] | None,
    checkpoint_id: int,
    found: AccountsCheck,
) -> None:
    """The head the checkpoint recorded must still be in the chain, unchanged."""
    seq = chain[-1].seq if chain else 0
    if checkpointed is None:
        if seq:
            found.moved.append(Moved(learner_id, 0, seq))
        return
    at_seq, at_hash = checkpointed
    recorded = next((e for e in chain if e.seq == at_seq), None)
    if recorded is None:
        found.problems.append(
            Problem(
                learner_id,
                f"entry {at_seq}",
                f"checkpoint {checkpoint_id} recorded this account's chain up to entry "
                f"{at_seq}; it now ends at {seq} (entries were removed)",
            )
        )
    elif recorded.hash != at_hash:
        found.problems.append(
            Problem(
                learner_id,
                f"entry {at_seq} (row {recorded.id})",
                f"its hash differs from the one checkpoint {checkpoint_id} recorded "
                "(the chain was rewritten and re-hashed)",
            )
        )
    elif seq > at_seq:
        found.moved.append(Moved(learner_id, at_seq, seq))
