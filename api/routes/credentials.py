"""Verifiable credentials: the bank's issuer document and revocation status lists (public, as
verifiers fetch them), a learner's own credentials, and Open Badges an enterprise sends in."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api.deps import EngineDep, Enterprise, Learner, Now, actor, get_settings, own_learner, scope
from api.errors import responses
from api.routes.enterprise import batch_answer
from api.schemas import BatchOut
from creditbank.config import Settings
from creditbank.errors import InputInvalid
from creditbank.service import batch_files, credentials

router = APIRouter(tags=["credentials"])
SettingsDep = Annotated[Settings, Depends(get_settings)]
JsonLd = dict[str, Any]
IMPORT_EXAMPLE = {
    "learner": "L-2026-0001",
    "credential": {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "https://badges.example/credentials/77",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "https://badges.example/issuer", "type": ["Profile"]},
        "validFrom": "2025-01-20T00:00:00Z",
        "credentialSubject": {"type": ["AchievementSubject"], "achievement": {"...": "..."}},
        "proof": [{"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "...": "..."}],
    },
}
IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["learner", "credential"],
                    "properties": {
                        "learner": {"type": "string"},
                        "credential": {"type": "object"},
                        "status_list": {"type": "object"},
                    },
                },
                "example": IMPORT_EXAMPLE,
            }
        },
    }
}


@router.get("/issuer", response_model=JsonLd, responses=responses(503))
def issuer(settings: SettingsDep) -> JsonLd:
    """The bank as an issuer: its profile and the public key (Multikey) its proofs name."""
    return credentials.issuer_document(settings)


@router.get("/issuer/jwks.json", response_model=JsonLd, responses=responses(503))
def issuer_jwks(settings: SettingsDep) -> JsonLd:
    """The same public key as a JSON Web Key Set, for verifiers that take JWK."""
    return credentials.issuer_jwks(settings)


@router.get(
    "/issuer/status/revocation/{number}", response_model=JsonLd, responses=responses(422, 503)
)
def status_list(
    number: Annotated[int, Path(ge=0, lt=2**31)], engine: EngineDep, settings: SettingsDep, at: Now
) -> JsonLd:
    """The signed Bitstring Status List ``number`` of the credentials the bank revoked."""
    return credentials.status_list(engine, settings, number, at)


@router.get(
    "/learners/{learner_id}/credentials",
    response_model=list[JsonLd] | JsonLd,
    responses=responses(401, 403, 404, 503),
)
def export(
    learner_id: str,
    who: Learner,
    engine: EngineDep,
    settings: SettingsDep,
    at: Now,
    record: Annotated[bool, Query(description="the whole record as one CLR 2.0")] = False,
    lang: Annotated[str, Query(pattern="^(zh|en)$")] = "zh",
) -> Any:
    """The learner's recognised outcomes as signed Open Badges 3.0 credentials, or the
    record as a signed CLR 2.0 credential."""
    return credentials.export(
        engine, settings, own_learner(who, learner_id), record=record, lang=lang, now=at
    )


@router.post(
    "/credentials",
    response_model=BatchOut,
    status_code=201,
    responses=responses(401, 403, 409, 413, 422),
    openapi_extra=IMPORT_BODY,
)
async def import_badge(
    request: Request, response: Response, who: Enterprise, engine: EngineDep, at: Now
) -> BatchOut:
    """An Open Badges 3.0 credential the enterprise issued for a learner, verified (proof
    with its registered keys, dates, revocation) and stored once as an outcome; 201 stored,
    200 sent before, 422 refused with the reason (nothing stored)."""
    data = await request.body()

    def work() -> BatchOut:  # canonicalising and verifying must not stall the event loop
        body = batch_files.load_json(data, source="request")
        if not isinstance(body, dict) or not isinstance(body.get("learner"), str):
            raise InputInvalid([("$", "send {learner, credential, status_list?}")])
        listing = body.get("status_list")
        result = credentials.import_badge(
            engine,
            credential=body.get("credential"),
            learner_id=body["learner"],
            issuer_id=scope(who),
            submitter=actor(who),
            now=at,
            status_list=listing if isinstance(listing, dict) else None,
        )
        return batch_answer(result, response)

    return await run_in_threadpool(work)
