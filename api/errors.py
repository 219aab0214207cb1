"""The one place where errors become HTTP: RFC 9457 ``application/problem+json`` with a
``type`` per error code, a title, a detail for a person and an ``errors`` list naming each
offending field, row, line or file:line.

Statuses come from one table keyed by error code (``STATUS``), then by the error's class; the
core knows nothing of HTTP.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from creditbank.errors import CreditBankError, InputInvalid, NotFound, RuleSetInvalid
from creditbank.service.errors import BatchInvalid, Conflict
from creditbank.text import printable

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:creditbank:problem:"
log = logging.getLogger("creditbank.api")


class ProblemItem(BaseModel):
    """One thing wrong, and where: a field (JSON path), a row or line, a file:line."""

    message: str
    field: str | None = None
    row: int | None = None
    line: int | None = None
    file: str | None = None
    code: str | None = None


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(examples=[f"{TYPE_PREFIX}batch.invalid"])
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[ProblemItem] = []


STATUS: dict[str, int] = {
    "auth.missing": 401,
    "auth.invalid": 401,
    "auth.forbidden": 403,
    "exception.not_your_programme": 403,
    "request.too_large": 413,
    "audit.busy": 503,
    "audit.timeout": 503,
    "db.unreachable": 503,
    "db.not_current": 503,
    "db.missing": 503,
    "config.id_hash_key": 503,
    "config.issuer_key": 503,
    "ruleset.mismatch": 500,
    "ruleset.fails_checker": 500,
    "ledger.mismatch": 409,
    "outcome.reason_required": 422,
    "ruleset.pack_required": 422,
    "request.invalid": 422,
}
"""Statuses by error code; otherwise by class (``_status``)."""
RETRY_AFTER = {"audit.busy": 1, "audit.timeout": 5}
"""Seconds a client should wait before sending again, by error code (``Retry-After``)."""

TITLES = {
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    413: "Request too large",
    422: "Invalid input",
    500: "The bank found a problem in its own data",
    503: "Not available",
}


class ApiError(CreditBankError):
    """An error the API itself raises (authentication, permission, limits)."""


def _status(exc: CreditBankError) -> int:
    if exc.code in STATUS:
        return STATUS[exc.code]
    if isinstance(exc, NotFound) or exc.code.endswith(".not_found"):
        return 404
    if isinstance(exc, Conflict):
        return 409
    if isinstance(exc, InputInvalid | BatchInvalid | RuleSetInvalid):
        return 422
    return 400


def items_of(exc: CreditBankError) -> list[ProblemItem]:
    """Each offending place of an error, as the problem's ``errors``."""
    if isinstance(exc, InputInvalid):
        return [_input_item(path, message, exc.source) for path, message in exc.problems]
    if isinstance(exc, BatchInvalid):
        return [
            ProblemItem(
                message=printable(e["message"]),
                field=e["field"],
                row=r.get("row"),
                line=r.get("line"),
            )
            for r in exc.rows
            for e in r["errors"]
        ]
    if isinstance(exc, RuleSetInvalid):
        return [
            ProblemItem(
                message=f"{f.severity}: {f.message}",
                file=str(f.location),
                field=f.key or None,
                code=f.code,
            )
            for f in exc.findings
        ]
    return [ProblemItem(message=printable(exc.message), field=exc.loc or None)]


def _input_item(path: str, message: str, source: str) -> ProblemItem:
    item = ProblemItem(message=printable(message), file=source or None)
    head, _, number = path.partition(" ")
    if head == "line" and number.isdigit():
        item.line = int(number)
    elif head == "row" and number.isdigit():
        item.row = int(number)
    else:
        item.field = printable(path)
    return item


def problem_response(
    status: int,
    code: str,
    detail: str,
    errors: list[ProblemItem] | None = None,
    instance: str | None = None,
) -> JSONResponse:
    body = Problem(
        type=TYPE_PREFIX + code,
        title=TITLES.get(status, "Bad request"),
        status=status,
        detail=printable(detail, keep_newlines=True),
        instance=instance,
        errors=errors or [],
    )
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    if code in RETRY_AFTER:
        headers["Retry-After"] = str(RETRY_AFTER[code])
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


async def _bank_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CreditBankError)
    status = _status(exc)
    if status >= 500:
        log.error("%s: %s", exc.code, exc.message)
    return problem_response(status, exc.code, exc.message, items_of(exc), request.url.path)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    items = [
        ProblemItem(
            message=printable(str(e["msg"])),
            field=".".join(str(p) for p in e["loc"]),
        )
        for e in exc.errors()
    ]
    detail = f"{len(items)} problem(s) in the request"
    return problem_response(422, "request.invalid", detail, items, request.url.path)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "route.not_found", 405: "route.method_not_allowed"}.get(
        exc.status_code, "request.refused"
    )
    return problem_response(exc.status_code, code, str(exc.detail), None, request.url.path)


def install(app: FastAPI) -> None:
    """Answer every error of the core, of request validation and of routing as a problem,
    and declare them so in the OpenAPI document."""
    app.add_exception_handler(CreditBankError, _bank_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            declare_problems(generate())
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]


PROBLEM_CONTENT = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")
"""The models FastAPI declares for its 422, which this API never sends (a problem instead)."""


def declare_problems(document: dict[str, Any]) -> None:
    """Every error answer (4xx, 5xx) as what it is: ``application/problem+json``, a
    ``Problem``; FastAPI's own declaration of its 422 would say ``application/json`` and a
    model it never sends."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                if status[0] in "45":
                    response["content"] = PROBLEM_CONTENT
                    if status == "422":
                        response["description"] = TITLES[422]
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in FASTAPI_VALIDATION:
        schemas.pop(name, None)


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` declaring the problem model for ``statuses``."""
    return {s: {"model": Problem, "description": TITLES.get(s, "Bad request")} for s in statuses}
