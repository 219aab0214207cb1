"""Policy staff: a rule directory sent as a zip (checked, its tests run, stored as a draft),
publishing with an effective date, retiring, listing versions, and a semantic diff."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import EngineDep, Now, Policy, ReadSession, RowId, actor, get_settings
from api.errors import responses
from api.pagination import Cursor, Limit, Page, decode_int, page
from api.schemas import (
    DraftOut,
    Findings,
    ImpactRequest,
    PublishRequest,
    TestRunOut,
    Version,
    VersionDiff,
)
from creditbank.config import Settings
from creditbank.service import impact_report, rule_packs, rulesets, version_diff
from creditbank.service.impact import in_force_against, run_impact

router = APIRouter(prefix="/policy", tags=["policy"])
AUTH = responses(401, 403)
ZIP_BODY = {
    "requestBody": {
        "required": True,
        "description": "the rule directory as a zip archive (pack.yaml, ..., tests/)",
        "content": {
            "application/zip": {
                "schema": {"type": "string", "format": "binary"},
                "example": "<zip of rules/cn-open-university>",
            }
        },
    }
}


def _finding(f: Any) -> dict[str, str]:
    return {
        "severity": str(f.severity),
        "code": f.code,
        "message": f.message,
        "at": str(f.location),
    }


@router.post(
    "/check",
    response_model=Findings,
    responses={**AUTH, **responses(413, 422)},
    openapi_extra=ZIP_BODY,
)
async def check(request: Request, who: Policy) -> Findings:
    """Every error and warning in the rules, with file:line:column; nothing is stored."""
    found = await run_in_threadpool(rule_packs.findings_of, await request.body())
    errors = sum(f.severity == "error" for f in found)
    return Findings(
        errors=errors, warnings=len(found) - errors, findings=[_finding(f) for f in found]
    )


@router.post(
    "/tests",
    response_model=TestRunOut,
    responses={**AUTH, **responses(413, 422)},
    openapi_extra=ZIP_BODY,
)
async def run_tests(request: Request, who: Policy) -> Any:
    """Run the worked cases under the pack's tests/ against its rules."""
    return (await run_in_threadpool(rule_packs.run_tests, await request.body())).__dict__


@router.post(
    "/versions",
    response_model=DraftOut,
    status_code=201,
    responses={**AUTH, **responses(413, 422)},
    openapi_extra=ZIP_BODY,
)
async def upload_draft(request: Request, who: Policy, engine: EngineDep, at: Now) -> DraftOut:
    """Store the rules as a draft version (refused, with every error, if the checker finds
    any); the answer lists the warnings."""
    data = await request.body()
    version, found = await run_in_threadpool(
        lambda: rule_packs.upload_draft(engine, data, actor=actor(who), now=at)
    )
    return DraftOut(version=Version.model_validate(version), findings=[_finding(f) for f in found])


@router.get("/versions", response_model=Page[Version], responses=AUTH)
def list_versions(
    who: Policy, session: ReadSession, limit: Limit = 100, cursor: Cursor = None
) -> Page[Any]:
    """Every stored version: drafts, published and retired."""
    found = rulesets.versions_page(session, after=decode_int(cursor), limit=limit)
    return page(found, limit, found[-1].id if found else None)


@router.post(
    "/versions/{version_id}/publish",
    response_model=Version,
    responses={**AUTH, **responses(404, 409, 422)},
)
def publish(
    version_id: RowId, body: PublishRequest, who: Policy, engine: EngineDep, at: Now
) -> Any:
    """Publish a draft from a date; it never changes again."""
    return rulesets.publish(
        engine, version_id=version_id, effective_from=body.effective_from, actor=actor(who), now=at
    )


@router.post(
    "/versions/{version_id}/retire",
    response_model=Version,
    responses={**AUTH, **responses(404, 409)},
)
def retire(version_id: RowId, who: Policy, engine: EngineDep) -> Any:
    """Take a published version out of force; past decisions keep naming it."""
    return rulesets.retire(engine, version_id=version_id)


@router.post(
    "/versions/{version_id}/impact",
    responses={
        **AUTH,
        **responses(404, 409, 422),
        200: {
            "description": "the impact report (JSON; CSV or HTML with `format`)",
            "content": {"application/json": {}, "text/csv": {}, "text/html": {}},
        },
    },
)
async def impact(
    version_id: RowId,
    body: ImpactRequest,
    who: Policy,
    session: ReadSession,
    settings: Annotated[Settings, Depends(get_settings)],
    at: Now,
    report: Annotated[Literal["json", "csv", "html"], Query(alias="format")] = "json",
) -> Any:
    """Audit the enrolled learners under this draft and the version it is compared with, and
    report who gains or loses credit, statuses or exceptions, by which rules (the report of
    `creditbank rules impact`). It runs in the API's process: a province's worth belongs to
    the CLI on Dask distributed."""
    against = body.against or in_force_against(session, version_id, at.date())
    found = await run_in_threadpool(
        lambda: run_impact(
            settings.database_url,
            draft_id=version_id,
            against_id=against,
            on=body.date,
            full=body.full,
        )
    )
    if report == "csv":
        return Response(impact_report.as_csv(found), media_type="text/csv")
    if report == "html":
        return HTMLResponse(impact_report.as_html(found))
    return impact_report.as_json(found)


@router.get(
    "/versions/{version_id}/diff/{other_id}",
    response_model=VersionDiff,
    responses={**AUTH, **responses(404)},
)
def diff(version_id: RowId, other_id: RowId, who: Policy, session: ReadSession) -> Any:
    """What changed from this version to the other: rules added, removed, changed fields."""
    return version_diff.diff_versions(session, version_id, other_id)
