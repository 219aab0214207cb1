"""Policy staff's pages: upload a rule directory (zip) to check it (findings with
file:line:column), run its rule tests, or store it as a draft; the stored versions, with
publishing a draft from a date; and a semantic diff of two versions."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from api.deps import EngineDep, Now, ReadSession, RowId, actor, get_settings
from api.web.access import PageError, PolicyViewer, check_form, day
from api.web.i18n import choose, translator
from api.web.problems import problem_text
from api.web.render import page, redirect
from creditbank.config import Settings
from creditbank.errors import CreditBankError, Finding, RuleSetInvalid, Severity
from creditbank.service import impact_report, rule_packs, rulesets, version_diff
from creditbank.service.impact import in_force_against, run_impact

router = APIRouter(prefix="/web/policy", include_in_schema=False)
Text = Annotated[str, Form()]
ACTIONS = ("check", "test", "store")


def _policy_page(request: Request, session: Any, *, status: int = 200, **extra: Any) -> Response:
    context: dict[str, Any] = {"result": None, "error": "", "diff": None, "notice": "", **extra}
    versions = rulesets.versions_page(session, limit=1000)
    return page(request, "policy.html", status=status, versions=versions, **context)


@router.get("")
def policy(request: Request, who: PolicyViewer, session: ReadSession) -> Response:
    published = request.query_params.get("published", "")
    notice = translator(choose(request))("published", id=published) if published.isdigit() else ""
    return _policy_page(request, session, notice=notice)


def _findings(found: tuple[Finding, ...] | list[Finding]) -> dict[str, Any]:
    rows = [
        {"severity": str(f.severity), "code": f.code, "message": f.message, "at": str(f.location)}
        for f in sorted(found, key=Finding.sort_key)
    ]
    errors = sum(f.severity is Severity.ERROR for f in found)
    return {"findings": rows, "errors": errors, "warnings": len(rows) - errors}


@router.post("/upload")
async def upload(
    request: Request,
    who: PolicyViewer,
    engine: EngineDep,
    session: ReadSession,
    at: Now,
    csrf: Text = "",
    action: Text = "check",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Check, test or store the uploaded rule directory; the answer is on the same page."""
    check_form(who, csrf)
    t = translator(choose(request))
    if action not in ACTIONS:
        raise PageError(404, "not_found")
    data = await file.read() if file is not None else b""
    if not data:
        return _policy_page(request, session, status=422, error=t("no_file"))
    result: dict[str, Any] = {"action": action, "file": (file.filename if file else "") or "zip"}
    try:
        result |= await run_in_threadpool(_act, action, data, engine, actor(who.caller), at)
    except RuleSetInvalid as exc:
        result |= _findings(exc.findings) | {"refused": True}
    except CreditBankError as exc:
        return _policy_page(request, session, status=422, error=problem_text(t, exc))
    return _policy_page(request, session, result=result)


@router.post("/versions/{version_id}/publish")
def publish(
    request: Request,
    version_id: RowId,
    who: PolicyViewer,
    engine: EngineDep,
    session: ReadSession,
    at: Now,
    csrf: Text = "",
    effective_from: Text = "",
) -> Response:
    check_form(who, csrf)
    t = translator(choose(request))
    try:
        on = day(effective_from, at)
        rulesets.publish(
            engine, version_id=version_id, effective_from=on, actor=actor(who.caller), now=at
        )
    except (CreditBankError, PageError) as exc:
        return _policy_page(request, session, status=422, error=problem_text(t, exc))
    return redirect(f"/web/policy?published={version_id}")


def _act(action: str, data: bytes, engine: Engine, who: str, at: dt.datetime) -> dict[str, Any]:
    """What an upload's action finds (run in a worker thread: it reads and checks a pack)."""
    if action == "check":
        return _findings(rule_packs.findings_of(data))
    if action == "test":
        return {"tests": rule_packs.run_tests(data)}
    version, found = rule_packs.upload_draft(data=data, engine=engine, actor=who, now=at)
    return _findings(found) | {"version": version.id}


@router.post("/versions/{version_id}/impact")
async def impact(
    request: Request,
    version_id: RowId,
    who: PolicyViewer,
    session: ReadSession,
    settings: Annotated[Settings, Depends(get_settings)],
    at: Now,
    csrf: Text = "",
) -> Response:
    """The impact report of a draft against its pack's version in force today (the offline
    HTML report `creditbank rules impact --html` writes), or the page with why not."""
    check_form(who, csrf)
    t = translator(choose(request))
    try:
        against = in_force_against(session, version_id, at.date())
        found = await run_in_threadpool(
            lambda: run_impact(settings.database_url, draft_id=version_id, against_id=against)
        )
    except CreditBankError as exc:
        return _policy_page(request, session, status=422, error=problem_text(t, exc))
    return HTMLResponse(impact_report.as_html(found))


@router.get("/diff")
def diff(
    request: Request,
    who: PolicyViewer,
    session: ReadSession,
    old: Annotated[int, Query(ge=0, lt=2**31)] = 0,
    new: Annotated[int, Query(ge=0, lt=2**31)] = 0,
) -> Response:
    t = translator(choose(request))
    try:
        found = version_diff.diff_versions(session, old, new)
    except CreditBankError as exc:
        return _policy_page(request, session, status=404, error=problem_text(t, exc))
    return _policy_page(request, session, diff=found)
