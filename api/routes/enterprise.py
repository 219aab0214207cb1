"""An enterprise (an issuer): submit batches with an ``Idempotency-Key`` (a JSON body, or a
CSV or JSON file upload in UTF-8 or GBK), read its own batches with per-row results, revoke
outcomes it issued. Another issuer's batch or outcome answers 404."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.deps import EngineDep, Enterprise, IdHashKey, Now, ReadSession, RowId, actor, scope
from api.errors import responses
from api.pagination import Cursor, Limit, Page, decode_int, page
from api.schemas import BatchOut, BatchSummary, OutcomeOut, Reason
from creditbank.errors import InputInvalid
from creditbank.service import batch_files, parties, submissions
from creditbank.service.batch_files import BatchFile
from creditbank.service.keys import Caller

router = APIRouter(tags=["enterprise"])
AUTH = responses(401, 403)
IdempotencyKey = Annotated[
    str, Header(alias="Idempotency-Key", description="same key and content: the first answer again")
]
KeepValid = Annotated[bool, Query(description="store the valid rows, report the others")]
BATCH_EXAMPLE = [
    {
        "learner": "L-2026-0001",
        "external_id": "HR-2025-0107",
        "date": "2025-01-20",
        "kind": "enterprise_training",
        "programme": "PLC-ADV",
        "hours": 48,
        "assessed": True,
    }
]
JSON_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"type": "array", "items": {"type": "object"}},
                "example": BATCH_EXAMPLE,
            }
        },
    }
}
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "encoding": {"type": "string", "enum": list(batch_files.ENCODINGS)},
                    },
                },
                "example": {
                    "file": "learner,external_id,date,hours\nL-2026-0001,HR-1,2025-01-20,48\n",
                    "encoding": "gbk",
                },
            }
        },
    }
}
SUBMIT_RESPONSES = {
    **AUTH,
    **responses(404, 409, 413, 422),
    200: {"model": BatchOut, "description": "a replay"},
}


def _submit(
    engine: Any,
    who: Caller,
    key: str,
    batch: BatchFile,
    options: dict[str, Any],
    response: Response,
) -> BatchOut:
    result = submissions.submit_batch(
        engine,
        issuer_id=scope(who),
        idempotency_key=key,
        rows=batch.rows,
        lines=batch.lines,
        submitter=actor(who),
        **options,
    )
    return batch_answer(result, response)


def batch_answer(result: submissions.BatchResult, response: Response) -> BatchOut:
    """A stored batch's answer: 201 (the route's status) when stored now, 200 and
    ``Idempotent-Replayed`` when it was sent before."""
    if result.replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return BatchOut(**result.__dict__)


@router.post(
    "/batches",
    response_model=BatchOut,
    status_code=201,
    responses=SUBMIT_RESPONSES,
    openapi_extra=JSON_BODY,
)
async def submit_json(
    request: Request,
    response: Response,
    who: Enterprise,
    engine: EngineDep,
    at: Now,
    key: IdempotencyKey,
    id_key: IdHashKey,
    keep_valid: KeepValid = False,
) -> BatchOut:
    """Submit records as a JSON array (or ``{"rows": [...]}``); 201 stored, 200 a replay."""
    body = await request.body()

    def work() -> BatchOut:
        batch = batch_files.parse_json(body)
        options = {"now": at, "keep_valid": keep_valid, "id_hash_key": id_key}
        return _submit(engine, who, key, batch, options, response)

    return await run_in_threadpool(work)  # a large batch must not stall the event loop


@router.post(
    "/batches/upload",
    response_model=BatchOut,
    status_code=201,
    responses=SUBMIT_RESPONSES,
    openapi_extra=UPLOAD_BODY,
)
async def submit_file(
    request: Request,
    response: Response,
    who: Enterprise,
    engine: EngineDep,
    at: Now,
    key: IdempotencyKey,
    id_key: IdHashKey,
    keep_valid: KeepValid = False,
) -> BatchOut:
    """Submit a CSV or JSON file (multipart field ``file``; ``encoding`` utf-8 or gbk)."""
    form = await request.form()
    file, encoding = form.get("file"), form.get("encoding") or "utf-8"
    if not isinstance(file, UploadFile) or not isinstance(encoding, str):
        raise InputInvalid([("file", "send the batch as the multipart field 'file'")])
    data, name = await file.read(), file.filename or ""

    def work() -> BatchOut:
        batch = batch_files.read_batch(data, name=name, encoding=encoding)
        options = {"now": at, "keep_valid": keep_valid, "id_hash_key": id_key}
        return _submit(engine, who, key, batch, options, response)

    return await run_in_threadpool(work)


@router.get("/batches", response_model=Page[BatchSummary], responses=AUTH)
def list_batches(
    who: Enterprise, session: ReadSession, limit: Limit = 100, cursor: Cursor = None
) -> Page[Any]:
    """The enterprise's own batches."""
    found = submissions.batches_of(session, scope(who), after=decode_int(cursor), limit=limit)
    return page(found, limit, found[-1].id if found else None)


@router.get("/batches/{batch_id}", response_model=BatchOut, responses=responses(401, 403, 404))
def get_batch(batch_id: RowId, who: Enterprise, session: ReadSession) -> BatchOut:
    """One of its batches with every row's result."""
    batch = submissions.batch_of(session, scope(who), batch_id)
    return BatchOut(
        batch_id=batch.id,
        accepted=batch.accepted,
        rejected=batch.rejected,
        replayed=False,
        rows=batch.results,
    )


@router.post(
    "/outcomes/{outcome_id}/revoke",
    response_model=OutcomeOut,
    responses=responses(401, 403, 404, 409, 422),
)
def revoke(outcome_id: RowId, body: Reason, who: Enterprise, engine: EngineDep, at: Now) -> Any:
    """Revoke an outcome the enterprise issued (its recognition is reversed in the ledger)."""
    return parties.revoke_issued(
        engine,
        issuer_id=scope(who),
        outcome_id=outcome_id,
        reason=body.reason,
        actor=actor(who),
        now=at,
    )
