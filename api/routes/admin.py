"""Administrators: API keys (create with an expiry, list, revoke) and learning accounts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import Admin, EngineDep, IdHashKey, Now, ReadSession, RowId
from api.errors import responses
from api.pagination import Cursor, Limit, Page, decode, decode_int, page
from api.schemas import KeyOut, KeyRequest, LearnerOut, LearnerRequest, NewKey
from creditbank.service import keys, learners

router = APIRouter(prefix="/admin", tags=["admin"])
AUTH = responses(401, 403)


@router.post("/keys", response_model=NewKey, status_code=201, responses={**AUTH, **responses(422)})
def create_key(body: KeyRequest, who: Admin, engine: EngineDep, at: Now) -> NewKey:
    """A new key for a role and party; the key is in this answer only."""
    key, info = keys.create_key_info(
        engine, role=body.role, scope_id=body.scope, now=at, expires_at=body.expires_at
    )
    return NewKey(key=key, **info.__dict__)


@router.get("/keys", response_model=Page[KeyOut], responses=AUTH)
def list_keys(
    who: Admin, session: ReadSession, limit: Limit = 100, cursor: Cursor = None
) -> Page[Any]:
    """Every key (never the key itself), in order of creation."""
    found = keys.list_keys(session, after=decode_int(cursor), limit=limit)
    return page(found, limit, found[-1].id if found else None)


@router.post(
    "/keys/{key_id}/revoke", response_model=KeyOut, responses={**AUTH, **responses(404, 409)}
)
def revoke_key(key_id: RowId, who: Admin, engine: EngineDep, at: Now) -> Any:
    """Revoke a key from now on."""
    return keys.revoke_key(engine, key_id=key_id, now=at)


@router.post(
    "/learners",
    response_model=LearnerOut,
    status_code=201,
    responses={**AUTH, **responses(404, 409, 422, 503)},
)
def add_learner(
    body: LearnerRequest, who: Admin, engine: EngineDep, at: Now, id_key: IdHashKey
) -> Any:
    """Open a learning account (the same id again returns it)."""
    return learners.register_learner(
        engine,
        learner_id=body.learner_id,
        now=at,
        national_id=body.national_id,
        id_hash_key=id_key,
        employer_id=body.employer,
    )


@router.get("/learners", response_model=Page[LearnerOut], responses=AUTH)
def list_learners(
    who: Admin, session: ReadSession, limit: Limit = 100, cursor: Cursor = None
) -> Page[Any]:
    """Accounts in id order."""
    found = learners.learners_page(session, after=decode(cursor), limit=limit)
    return page(found, limit, found[-1].id if found else None)
