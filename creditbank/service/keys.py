"""API keys: shown once, stored only as a SHA-256 hash, with a role, a scope, an expiry.

A key reads ``cb_<prefix>_<secret>``: the prefix finds the row, the hash of the whole key is
compared in constant time. A revoked or expired key authenticates no one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from creditbank.errors import InputInvalid, NotFound
from creditbank.service.errors import Conflict
from creditbank.store.ledger import utc
from creditbank.store.session import transaction
from creditbank.store.tables import ApiKey

ROLES = ("institution", "enterprise", "learner", "policy", "admin")
SCOPED = {"institution", "enterprise", "learner"}


@dataclass(frozen=True)
class Caller:
    """Who a valid key speaks for: its id (never the key), role and party."""

    key_id: int
    role: str
    scope_id: str | None


@dataclass(frozen=True)
class KeyInfo:
    """A stored key as an administrator sees it (never the key itself)."""

    id: int
    prefix: str
    role: str
    scope_id: str | None
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(
    engine: Engine,
    *,
    role: str,
    scope_id: str | None,
    now: dt.datetime,
    expires_at: dt.datetime | None = None,
) -> str:
    """A new key for ``role`` speaking for ``scope_id``; the plain key is returned only here."""
    return create_key_info(engine, role=role, scope_id=scope_id, now=now, expires_at=expires_at)[0]


def create_key_info(
    engine: Engine,
    *,
    role: str,
    scope_id: str | None,
    now: dt.datetime,
    expires_at: dt.datetime | None = None,
) -> tuple[str, KeyInfo]:
    """As ``create_key``, with the stored key's description."""
    if role not in ROLES:
        raise InputInvalid([("role", f"'{role}' is not one of {', '.join(ROLES)}")])
    if (role in SCOPED) != bool(scope_id):
        need = "needs" if role in SCOPED else "takes no"
        raise InputInvalid(
            [("scope", f"role '{role}' {need} an --enterprise/--institution/--learner")]
        )
    if expires_at is not None and utc(expires_at) <= utc(now):
        raise InputInvalid([("expires_at", "give a time in the future")])
    prefix = secrets.token_hex(4)
    key = f"cb_{prefix}_{secrets.token_urlsafe(24)}"

    def work(session: Session) -> KeyInfo:
        row = ApiKey(
            prefix=prefix,
            key_hash=hash_key(key),
            role=role,
            scope_id=scope_id,
            created_at=now,
            expires_at=expires_at,
        )
        session.add(row)
        session.flush()
        return _info(row)

    return key, transaction(engine, work)


def authenticate(session: Session, key: str, now: dt.datetime) -> Caller | None:
    """The caller a key speaks for; None for a malformed, unknown, revoked or expired key
    (the caller is told only that the key is not valid)."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != "cb" or not parts[1].isalnum():
        return None
    row = session.scalar(select(ApiKey).where(ApiKey.prefix == parts[1]))
    if row is None or not hmac.compare_digest(row.key_hash, hash_key(key)):
        return None
    if row.revoked_at is not None or (
        row.expires_at is not None and utc(row.expires_at) <= utc(now)
    ):
        return None
    return Caller(row.id, row.role, row.scope_id)


def list_keys(session: Session, *, after: int = 0, limit: int = 100) -> list[KeyInfo]:
    """Keys in id order after ``after`` (a cursor), at most ``limit``."""
    rows = session.scalars(select(ApiKey).where(ApiKey.id > after).order_by(ApiKey.id).limit(limit))
    return [_info(r) for r in rows]


def revoke_key(engine: Engine, *, key_id: int, now: dt.datetime) -> KeyInfo:
    """Revoke a key from now on; revoking it again is refused (it is already revoked)."""

    def work(session: Session) -> KeyInfo:
        row = session.get(ApiKey, key_id, with_for_update=True)
        if row is None:
            raise NotFound("key", str(key_id))
        if row.revoked_at is not None:
            raise Conflict(f"key {key_id} is already revoked", code="key.revoked")
        row.revoked_at = now
        return _info(row)

    return transaction(engine, work)


def _info(row: ApiKey) -> KeyInfo:
    return KeyInfo(
        row.id, row.prefix, row.role, row.scope_id, row.created_at, row.expires_at, row.revoked_at
    )
