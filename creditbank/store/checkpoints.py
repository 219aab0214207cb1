"""Signed checkpoints: every account's ledger head at one moment, signed with a key the
database never holds.

A hash chain shows a change only to someone who holds an older hash: an administrator can
rewrite an entry and re-hash everything after it, or cut entries off the end and move the
head back, and the chain still verifies. A checkpoint holds those older hashes. It records
each account's head (sequence number and hash), keeping a row only for the accounts whose
head moved since the previous checkpoint, and signs (Ed25519) a statement of its sequence
number, time, number of accounts, the ``root`` (SHA-256 over every account's latest head, in
account-id order), and the digest of the previous checkpoint's statement (so checkpoints
form a chain of their own). The private key stays outside the database; whoever checks needs
only the public key.

Each statement also names ``recorded``, the same digest over the rows stored for that
checkpoint alone; with the chain of statements, the newest signature then vouches for every
row of every checkpoint, so no older checkpoint's heads can be changed and built on.

Root: SHA-256 of the lines ``["<account id>",<seq>,"<hash>"]\\n`` (JSON), one per account with
at least one entry, ordered by account id as code points (SQLite's binary order; PostgreSQL
is asked for the "C" collation).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from itertools import groupby
from json.encoder import encode_basestring
from operator import itemgetter
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from creditbank.ruleset.ruleset import canonical_json, sha256_text
from creditbank.store import bulk
from creditbank.store.ledger import GENESIS, utc
from creditbank.store.tables import Checkpoint, CheckpointHead, Learner

STATEMENT_KIND = "creditbank ledger checkpoint v1"


def public_key_hex(key: Ed25519PublicKey) -> str:
    """The raw 32-byte public key in hex: what a checkpoint names its signer by."""
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def latest(session: Session) -> Checkpoint | None:
    return session.scalar(select(Checkpoint).order_by(Checkpoint.id.desc()).limit(1))


def heads_at(
    session: Session, checkpoint_id: int, learner_ids: Sequence[str] | None = None
) -> dict[str, tuple[int, str]]:
    """Each account's head as of checkpoint ``checkpoint_id`` (its latest recorded head)."""
    return {i: (seq, h) for i, seq, h in session.execute(_heads_query(checkpoint_id, learner_ids))}


def _heads_query(
    checkpoint_id: int, learner_ids: Sequence[str] | None = None
) -> Select[str, int, str]:
    last = select(
        CheckpointHead.learner_id, func.max(CheckpointHead.checkpoint_id).label("checkpoint")
    ).where(CheckpointHead.checkpoint_id <= checkpoint_id)
    if learner_ids is not None:
        last = last.where(CheckpointHead.learner_id.in_(learner_ids))
    newest = last.group_by(CheckpointHead.learner_id).subquery()
    return select(CheckpointHead.learner_id, CheckpointHead.seq, CheckpointHead.hash).join(
        newest,
        and_(
            CheckpointHead.learner_id == newest.c.learner_id,
            CheckpointHead.checkpoint_id == newest.c.checkpoint,
        ),
    )


def root_of(heads: Iterable[tuple[str, int, str]]) -> tuple[str, int]:
    """The root over ``(account, seq, hash)`` rows given in account-id order, and their count.

    >>> root_of([("L1", 2, "ab"), ("L2", 1, "cd")])[0] == sha256_text(
    ...     '["L1",2,"ab"]\\n["L2",1,"cd"]\\n')
    True
    """
    digest = hashlib.sha256()
    count = 0
    for learner_id, seq, head in heads:
        digest.update(
            f"[{encode_basestring(learner_id)},{seq:d},{encode_basestring(head)}]\n".encode()
        )
        count += 1
    return digest.hexdigest(), count


def _in_code_point_order(session: Session, column: Any) -> ColumnElement[Any]:
    return column.collate("C") if session.get_bind().dialect.name == "postgresql" else column


def moved_accounts(session: Session, previous: Checkpoint | None) -> list[tuple[str, int, str]]:
    """Accounts whose head is not the one the previous checkpoint recorded (every account
    with entries when there is none), as ``(id, seq, head)``."""
    query = select(Learner.id, Learner.ledger_seq, Learner.ledger_head).where(
        Learner.ledger_seq > 0
    )
    if previous is not None:
        recorded = _heads_query(previous.id).subquery()
        query = query.outerjoin(recorded, recorded.c.learner_id == Learner.id).where(
            or_(
                recorded.c.learner_id.is_(None),
                recorded.c.seq != Learner.ledger_seq,
                recorded.c.hash != Learner.ledger_head,
            )
        )
    return [(i, seq, head) for i, seq, head in session.execute(query.order_by(Learner.id))]


def missing_accounts(session: Session, checkpoint_id: int) -> list[str]:
    """Accounts a checkpoint recorded that no longer exist."""
    recorded = _heads_query(checkpoint_id).subquery()
    query = (
        select(recorded.c.learner_id)
        .outerjoin(Learner, Learner.id == recorded.c.learner_id)
        .where(Learner.id.is_(None))
        .order_by(recorded.c.learner_id)
    )
    return list(session.scalars(query))


def append(
    session: Session,
    previous: Checkpoint | None,
    moved: list[tuple[str, int, str]],
    *,
    key: Ed25519PrivateKey,
    now: dt.datetime,
) -> Checkpoint:
    """Record the moved heads and sign the statement over every account's current head (the
    caller has checked the moved accounts' chains)."""
    number = previous.id + 1 if previous else 1
    previous_digest = sha256_text(previous.statement) if previous else GENESIS
    moved = sorted(moved)  # code-point order, as the digest of the rows wants
    heads = session.execute(
        select(Learner.id, Learner.ledger_seq, Learner.ledger_head)
        .where(Learner.ledger_seq > 0)
        .order_by(_in_code_point_order(session, Learner.id))
    ).yield_per(5000)
    root, accounts = root_of((i, seq, head) for i, seq, head in heads)
    moment = utc(now)
    statement = canonical_json(
        {
            "kind": STATEMENT_KIND,
            "checkpoint": number,
            "at": moment.isoformat(),
            "accounts": accounts,
            "root": root,
            "recorded": root_of(moved)[0],
            "previous": previous_digest,
        }
    )
    checkpoint = Checkpoint(
        id=number,
        at=moment,
        accounts=accounts,
        root=root,
        previous=previous_digest,
        statement=statement,
        public_key=public_key_hex(key.public_key()),
        signature=key.sign(statement.encode()).hex(),
    )
    session.add(checkpoint)
    session.flush()
    bulk.insert(
        session,
        CheckpointHead,
        ("learner_id", "checkpoint_id", "seq", "hash"),
        [(i, number, seq, head) for i, seq, head in moved],
    )
    return checkpoint


def _recorded_digests(session: Session) -> dict[int, str]:
    """For each checkpoint, the digest of the heads stored for it (its own rows, not the ones
    it inherits), as its statement's ``recorded`` names them: one pass over the rows."""
    rows = session.execute(
        select(
            CheckpointHead.checkpoint_id,
            CheckpointHead.learner_id,
            CheckpointHead.seq,
            CheckpointHead.hash,
        ).order_by(
            CheckpointHead.checkpoint_id,
            _in_code_point_order(session, CheckpointHead.learner_id),
        )
    ).yield_per(5000)
    return {
        number: root_of((i, seq, h) for _n, i, seq, h in group)[0]
        for number, group in groupby(rows, key=itemgetter(0))
    }


def problems(session: Session, key: Ed25519PublicKey) -> list[str]:
    """What is wrong with the stored checkpoints, checked with the public ``key``: the newest
    must be signed by it and its root must match the heads stored for it; every statement
    must match its row, name its predecessor's digest (so the newest signature vouches for
    every older statement) and the digest of the heads stored for it (so no older
    checkpoint's rows can be changed and then built on)."""
    found: list[str] = []
    previous_digest = GENESIS
    newest: Checkpoint | None = None
    recorded = _recorded_digests(session)
    nothing = root_of([])[0]
    for number, checkpoint in enumerate(
        session.scalars(select(Checkpoint).order_by(Checkpoint.id)), 1
    ):
        newest = checkpoint
        if checkpoint.id != number:
            found.append(f"checkpoint {number} is missing (the next one is {checkpoint.id})")
        found.extend(
            _statement_problems(checkpoint, previous_digest, recorded.get(checkpoint.id, nothing))
        )
        previous_digest = sha256_text(checkpoint.statement)
    if newest is None:
        return found
    found.extend(signature_problems(newest.id, newest.statement, newest.signature, key))
    heads = session.execute(
        _heads_query(newest.id).order_by(_in_code_point_order(session, CheckpointHead.learner_id))
    ).yield_per(5000)
    root, accounts = root_of((i, seq, h) for i, seq, h in heads)
    if (root, accounts) != (newest.root, newest.accounts):
        found.append(
            f"checkpoint {newest.id}: the account heads stored for it do not match its signed "
            "root (they were changed)"
        )
    return found


def signature_problems(
    number: int, statement: str, signature: str, key: Ed25519PublicKey
) -> list[str]:
    try:
        key.verify(bytes.fromhex(signature), statement.encode())
    except (InvalidSignature, ValueError):
        return [
            f"checkpoint {number}: its signature does not verify with the public key "
            f"{public_key_hex(key)[:16]}… (the statement was changed, or another key signed it)"
        ]
    return []


def _statement_problems(checkpoint: Checkpoint, previous_digest: str, recorded: str) -> list[str]:
    try:
        said = json.loads(checkpoint.statement)
    except ValueError:
        said = None
    if not isinstance(said, dict):
        return [f"checkpoint {checkpoint.id}: its statement is not a JSON object"]
    expected = {
        "kind": STATEMENT_KIND,
        "checkpoint": checkpoint.id,
        "at": utc(checkpoint.at).isoformat(),
        "accounts": checkpoint.accounts,
        "root": checkpoint.root,
        "recorded": recorded,
        "previous": previous_digest,
    }
    if checkpoint.previous != previous_digest:
        said = {**said, "previous (column)": checkpoint.previous}
        expected["previous (column)"] = previous_digest
    if said.get("recorded") != recorded:
        return [
            f"checkpoint {checkpoint.id}: the account heads stored for it do not match its "
            "statement (they were changed)"
        ]
    if said != expected:
        wrong = sorted(k for k in expected.keys() | said.keys() if said.get(k) != expected.get(k))
        return [
            f"checkpoint {checkpoint.id}: its statement disagrees with its row or its "
            f"predecessor on {', '.join(wrong)}"
        ]
    return []
