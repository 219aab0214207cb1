"""Dependencies of the routes: the bank's engine, a read-only session, the clock, and the
caller (from ``Authorization: Bearer <key>``) with the roles a route admits.

401 for a missing, unknown, revoked or expired key; 403 for a role the route does not admit;
a party's own data is checked by the route (or the service) and answered 404 to others, so
that its existence does not leak.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.errors import ApiError
from creditbank.config import Settings
from creditbank.errors import NotFound
from creditbank.service import keys
from creditbank.service.keys import Caller
from creditbank.service.learners import learner_key
from creditbank.store.session import session_scope

_bearer = HTTPBearer(auto_error=False, description="an API key: `Authorization: Bearer cb_...`")


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def now() -> dt.datetime:
    """The request's time (one place, so tests can fix it)."""
    return dt.datetime.now(dt.UTC)


def read_session(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Session]:
    """A read-only snapshot: takes no write lock."""
    with session_scope(engine, read_only=True) as session:
        yield session


EngineDep = Annotated[Engine, Depends(get_engine)]
ReadSession = Annotated[Session, Depends(read_session)]
Now = Annotated[dt.datetime, Depends(now)]


def caller(
    request: Request,
    engine: EngineDep,
    at: Now,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    """The valid key's caller; 401 otherwise. The key never reaches a log."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiError("send an API key: `Authorization: Bearer <key>`", code="auth.missing")
    with session_scope(engine, read_only=True) as session:
        found = keys.authenticate(session, credentials.credentials, at)
    if found is None:
        raise ApiError(
            "the API key is not valid (unknown, revoked or expired)", code="auth.invalid"
        )
    request.state.caller = found
    return found


def role(*allowed: str) -> Callable[..., Caller]:
    """A dependency admitting callers whose key has one of the ``allowed`` roles."""

    def admitted(who: Annotated[Caller, Depends(caller)]) -> Caller:
        if who.role not in allowed:
            raise ApiError(
                f"a key of role '{who.role}' may not do this (it needs {' or '.join(allowed)})",
                code="auth.forbidden",
            )
        return who

    return admitted


Learner = Annotated[Caller, Depends(role("learner"))]
Enterprise = Annotated[Caller, Depends(role("enterprise"))]
Institution = Annotated[Caller, Depends(role("institution"))]
Policy = Annotated[Caller, Depends(role("policy"))]
Admin = Annotated[Caller, Depends(role("admin"))]


def own_learner(who: Caller, learner_id: str) -> str:
    """The learner id if it is the caller's own account; another's is 'not found'."""
    learner_id = learner_key(learner_id)
    if who.scope_id != learner_id:
        raise NotFound("learner", learner_id)
    return learner_id


def actor(who: Caller) -> str:
    """How the ledger names an API caller: role, party and key id (never the key)."""
    party = f":{who.scope_id}" if who.scope_id else ""
    return f"api:{who.role}{party}#{who.key_id}"[:200]


def scope(who: Caller) -> str:
    """The party a scoped key speaks for (always set for scoped roles)."""
    assert who.scope_id is not None
    return who.scope_id


def id_hash_key(settings: Annotated[Settings, Depends(get_settings)]) -> str | None:
    """The national-ID key ring, for batches and accounts that name a national ID."""
    key = settings.id_hash_key
    return None if key is None else key.get_secret_value()


async def audit_deadline(settings: Annotated[Settings, Depends(get_settings)]) -> float:
    """When an audit request must be done (``time.monotonic()``): its budget from arrival.
    Async, so it is taken on arrival, not once a worker thread is free."""
    return time.monotonic() + settings.api_audit_seconds


AuditDeadline = Annotated[float, Depends(audit_deadline)]
IdHashKey = Annotated[str | None, Depends(id_hash_key)]
RowId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the bank's number of it")]
"""A stored row's id: the columns are 32-bit integers on PostgreSQL."""
