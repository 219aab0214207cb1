"""Learning accounts: pseudonymous ids; a national ID number only as a keyed hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from creditbank.errors import CreditBankError, NotFound
from creditbank.service.errors import Conflict
from creditbank.store.session import transaction
from creditbank.store.tables import Issuer, Learner


def hash_national_id(national_id: str, key: str | None) -> str:
    """HMAC-SHA256 of a normalised national ID number: matchable, not reversible.

    >>> hash_national_id(" 11010519491231002x ", "k") == hash_national_id("11010519491231002X", "k")
    True
    """
    if not key:
        raise CreditBankError(
            "no key to hash national ID numbers with: set CREDITBANK_ID_HASH_KEY",
            code="config.id_hash_key",
        )
    normal = national_id.strip().upper().encode("utf-8")
    return hmac.new(key.encode("utf-8"), normal, hashlib.sha256).hexdigest()


def register_learner(
    engine: Engine,
    *,
    learner_id: str,
    now: dt.datetime,
    national_id: str | None = None,
    id_hash_key: str | None = None,
    employer_id: str | None = None,
) -> Learner:
    """Open an account (idempotent for the same id and national ID)."""
    digest = hash_national_id(national_id, id_hash_key) if national_id else None

    def work(session: Session) -> Learner:
        existing = session.get(Learner, learner_id)
        if existing is not None:
            if digest and existing.national_id_hash not in (None, digest):
                raise Conflict(
                    f"learner '{learner_id}' exists with another national ID",
                    code="learner.conflict",
                )
            return existing
        if digest and session.scalar(select(Learner).where(Learner.national_id_hash == digest)):
            raise Conflict("this national ID already has an account", code="learner.conflict")
        if employer_id and session.get(Issuer, employer_id) is None:
            raise NotFound("issuer", employer_id)
        learner = Learner(
            id=learner_id,
            national_id_hash=digest,
            employer_id=employer_id,
            ledger_seq=0,
            ledger_head="",
            created_at=now,
        )
        session.add(learner)
        session.flush()
        return learner

    return transaction(engine, work)


def lock_learner(session: Session, learner_id: str) -> Learner | None:
    """The account, locked for this transaction (a row lock on PostgreSQL; on SQLite the
    transaction holds the write lock already); None if there is no such account."""
    return session.scalar(select(Learner).where(Learner.id == learner_id).with_for_update())


def learners_by_national_id(
    session: Session, national_ids: Iterable[str], id_hash_key: str | None
) -> dict[str, str]:
    """The accounts of those national ID numbers that have one: number as given -> learner.
    Only keyed hashes are compared (``hash_national_id``)."""
    spellings: dict[str, list[str]] = {}
    for number in national_ids:
        spellings.setdefault(hash_national_id(number, id_hash_key), []).append(number)
    found: dict[str, str] = {}
    hashes = sorted(spellings)
    for start in range(0, len(hashes), 1000):
        query = select(Learner.national_id_hash, Learner.id).where(
            Learner.national_id_hash.in_(hashes[start : start + 1000])
        )
        for digest, learner in session.execute(query):
            if digest in spellings:  # always: it was asked for
                found.update((number, learner) for number in spellings[digest])
    return found
