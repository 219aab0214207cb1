"""API keys: shown once, stored only as a SHA-256 hash, with a role and a scope."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from creditbank.errors import InputInvalid
from creditbank.store.session import transaction
from creditbank.store.tables import ApiKey

ROLES = ("institution", "enterprise", "learner", "policy", "admin")
SCOPED = {"institution", "enterprise", "learner"}


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(engine: Engine, *, role: str, scope_id: str | None, now: dt.datetime) -> str:
    """A new key for ``role`` speaking for ``scope_id``; the plain key is returned only here."""
    if role not in ROLES:
        raise InputInvalid([("role", f"'{role}' is not one of {', '.join(ROLES)}")])
    if (role in SCOPED) != bool(scope_id):
        need = "needs" if role in SCOPED else "takes no"
        raise InputInvalid(
            [("scope", f"role '{role}' {need} an --enterprise/--institution/--learner")]
        )
    prefix = secrets.token_hex(4)
    key = f"cb_{prefix}_{secrets.token_urlsafe(24)}"

    def work(session: Session) -> str:
        session.add(
            ApiKey(
                prefix=prefix, key_hash=hash_key(key), role=role, scope_id=scope_id, created_at=now
            )
        )
        return key

    return transaction(engine, work)
