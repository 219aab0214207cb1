"""Learning accounts: pseudonymous ids; a national ID number only as a keyed hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from creditbank.domain import normal_ident
from creditbank.errors import CreditBankError, InputInvalid, NotFound
from creditbank.service.errors import Conflict
from creditbank.store import bulk
from creditbank.store.session import transaction
from creditbank.store.tables import Issuer, KeyFingerprint, Learner

ID_HASH_PURPOSE = "national_id"
"""The ``key_fingerprints`` row of the national-ID key ring."""
MIN_KEY_LENGTH = 16
NEW_KEY_HINT = 'python3 -c "import secrets; print(secrets.token_urlsafe(32))" makes one'


@dataclass(frozen=True)
class IdHashKeys:
    """The key ring national ID numbers are hashed with, oldest key first.

    A number's stored hash is HMAC-SHA256 under the first key, re-hashed under each later key
    in turn: rotating to a new key (``rehash``) wraps every stored hash once more, without the
    numbers themselves, and from then on a dump of the database is useless without the new
    key, even to someone who holds the old ones."""

    keys: tuple[bytes, ...]

    @classmethod
    def parse(cls, text: str | None, source: str = "CREDITBANK_ID_HASH_KEY") -> IdHashKeys:
        """The ring from ``source`` (keys separated by spaces)."""
        keys = (text or "").split()
        if not keys:
            raise CreditBankError(
                f"no key to hash national ID numbers with: set {source} to a "
                f"secret of at least {MIN_KEY_LENGTH} characters ({NEW_KEY_HINT})",
                code="config.id_hash_key",
            )
        for number, key in enumerate(keys, 1):
            if len(key) < MIN_KEY_LENGTH:
                raise CreditBankError(
                    f"key {number} of {source} has {len(key)} characters; a key "
                    f"needs at least {MIN_KEY_LENGTH} (a short key can be guessed; "
                    f"{NEW_KEY_HINT})",
                    code="config.id_hash_key",
                )
        return cls(tuple(k.encode("utf-8") for k in keys))

    def hash(self, national_id: str) -> str:
        """The stored form of a number: matchable, not reversible.

        >>> ring = IdHashKeys.parse("0123456789abcdef")
        >>> ring.hash(" 11010519491231002x ") == ring.hash("11010519491231002X")
        True
        >>> ring.hash("１１０１０５１９４９１２３１００２Ｘ") == ring.hash("11010519491231002X")
        True
        """
        return self.wrap(unicodedata.normalize("NFKC", national_id).strip().upper())

    def fingerprint(self) -> str:
        """What the bank stores to recognise this ring (a hash of a fixed text that is no
        national ID number); it reveals neither the keys nor any number."""
        return self.wrap("creditbank:key-fingerprint")

    def wrap(self, text: str) -> str:
        """HMAC-SHA256 (hex) of ``text`` under each key in turn."""
        for key in self.keys:
            text = hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()
        return text


def checked_keys(session: Session, key: str | None, now: dt.datetime) -> IdHashKeys:
    """The key ring, once it is known to be the one the bank's stored hashes were made with
    (the first ring the bank hashes with is remembered by its fingerprint). Another ring
    would silently open second accounts for the same people: it is refused."""
    keys = IdHashKeys.parse(key)
    # a share lock: a rotation (which takes it exclusively) waits for hashes made with the
    # ring in use to commit, and then wraps them too
    stored = session.get(KeyFingerprint, ID_HASH_PURPOSE, with_for_update={"read": True})
    if stored is None:
        try:
            with session.begin_nested():
                session.add(
                    KeyFingerprint(
                        purpose=ID_HASH_PURPOSE,
                        fingerprint=keys.fingerprint(),
                        keys=len(keys.keys),
                        changed_at=now,
                    )
                )
        except IntegrityError:  # another process remembered its ring first
            stored = session.get(KeyFingerprint, ID_HASH_PURPOSE)
    if stored is not None and stored.fingerprint != keys.fingerprint():
        raise CreditBankError(
            "CREDITBANK_ID_HASH_KEY is not the key this bank's national ID numbers were "
            f"hashed with (the bank's key ring has {stored.keys} key(s), fingerprint "
            f"{stored.fingerprint[:12]}; this one {keys.fingerprint()[:12]}). Set the bank's "
            "key again; to change keys, use `creditbank learners rehash` (README, 'Keys')",
            code="config.id_hash_key_changed",
        )
    return keys


def rehash(
    engine: Engine, *, key: str | None, new_key: str, now: dt.datetime
) -> tuple[int, IdHashKeys]:
    """Rotate to ``new_key``: every stored national-ID hash is wrapped under it, and the
    ring ``key`` + ``new_key`` becomes the bank's, in one transaction. Returns how many hashes
    were re-keyed, and the new ring (which CREDITBANK_ID_HASH_KEY must hold from now on)."""
    added = IdHashKeys.parse(new_key, source="the new key")
    if len(added.keys) != 1:
        raise InputInvalid([("new key", "give one key (no spaces)")])

    def work(session: Session) -> tuple[int, IdHashKeys]:
        session.get(KeyFingerprint, ID_HASH_PURPOSE, with_for_update=True)
        keys = checked_keys(session, key, now)
        if added.keys[0] in keys.keys:
            raise InputInvalid([("new key", "it is already in the key ring; give a new one")])
        ring = IdHashKeys(keys.keys + added.keys)
        rows = session.execute(
            select(Learner.id, Learner.national_id_hash).where(
                Learner.national_id_hash.is_not(None)
            )
        ).all()
        bulk.update(
            session,
            Learner,
            ("national_id_hash",),
            "id",
            [(added.wrap(str(digest)), learner) for learner, digest in rows],
        )
        stored = session.get(KeyFingerprint, ID_HASH_PURPOSE)
        assert stored is not None  # checked_keys remembered it
        stored.fingerprint, stored.keys, stored.changed_at = ring.fingerprint(), len(ring.keys), now
        return len(rows), ring

    return transaction(engine, work)


def register_learner(
    engine: Engine,
    *,
    learner_id: str,
    now: dt.datetime,
    national_id: str | None = None,
    id_hash_key: str | None = None,
    employer_id: str | None = None,
) -> Learner:
    """Open an account (idempotent for the same id and national ID). The id is kept in its
    normal form (``domain.normal_ident``: ``Ｌ１`` opens ``L1``); one that cannot be an id is
    refused."""
    learner_id = learner_key(learner_id)

    def work(session: Session) -> Learner:
        digest = checked_keys(session, id_hash_key, now).hash(national_id) if national_id else None
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


def learner_key(learner_id: str) -> str:
    """A learner id as the bank keeps it (``domain.normal_ident``), so that every way in
    (``Ｌ１`` typed on a Chinese keyboard, say) finds the account ``L1``."""
    try:
        return normal_ident(learner_id)
    except ValueError as exc:
        raise InputInvalid([("learner", str(exc))]) from None


def lock_learner(session: Session, learner_id: str) -> Learner | None:
    """The account, locked for this transaction (a row lock on PostgreSQL; on SQLite the
    transaction holds the write lock already); None if there is no such account."""
    return session.scalar(select(Learner).where(Learner.id == learner_id).with_for_update())


def learners_by_national_id(
    session: Session, national_ids: Iterable[str], id_hash_key: str | None, now: dt.datetime
) -> dict[str, str]:
    """The accounts of those national ID numbers that have one: number as given -> learner.
    Only keyed hashes are compared (``checked_keys``)."""
    numbers = list(national_ids)
    if not numbers:
        return {}
    keys = checked_keys(session, id_hash_key, now)
    spellings: dict[str, list[str]] = {}
    for number in numbers:
        spellings.setdefault(keys.hash(number), []).append(number)
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


def learners_page(session: Session, *, after: str = "", limit: int = 100) -> list[Learner]:
    """Accounts in id order after the cursor ``after`` (a learner id)."""
    return list(
        session.scalars(select(Learner).where(Learner.id > after).order_by(Learner.id).limit(limit))
    )
