"""A registrar's pages (an institution's key): the outcomes of enrolled learners waiting to be
verified or rejected, the enrolled learners, a learner's outcomes with verify and reject
forms, the learner's exceptions with forms to grant and withdraw them, and auditing the
learner (the decision is stored, as the API's audit stores it). A learner not enrolled at the
institution is a page that does not exist."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Form, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from api.deps import EngineDep, Now, ReadSession, RowId, actor
from api.web.access import PageError, RegistrarViewer, Viewer, check_form, day, party
from api.web.i18n import choose, translator
from api.web.learner import course_names
from api.web.problems import problem_text
from api.web.render import page, redirect
from creditbank.errors import CreditBankError
from creditbank.service import accounts, audits, decisions, enrolments, exceptions, parties
from creditbank.service.learners import learner_key

router = APIRouter(prefix="/web/registrar", include_in_schema=False)
Text = Annotated[str, Form()]
T = TypeVar("T")


@router.get("")
def registrar(request: Request, who: RegistrarViewer, session: ReadSession) -> Response:
    return page(
        request,
        "registrar.html",
        institution=party(who),
        queue=parties.review_queue(session, party(who)),
        enrolled=enrolments.enrolments_of(session, party(who)),
        done=_done(request),
    )


def _done(request: Request) -> str:
    """The notice after a verify or reject (``?done=verify:12``), in the person's language."""
    action, _, ident = request.query_params.get("done", "").partition(":")
    if action in ("verify", "reject", "exception", "withdrawn") and ident.isdigit():
        return translator(choose(request))(f"done_{action}", id=ident)
    return ""


def _enrolled(session: Session, who: Viewer, learner_id: str) -> str:
    try:
        wanted = learner_key(learner_id)
    except CreditBankError:
        raise PageError(404, "not_found") from None
    if not enrolments.is_enrolled(session, wanted, party(who)):
        raise PageError(404, "not_found")
    return wanted


def _learner_page(
    request: Request, session: Session, who: Viewer, learner: str, **extra: Any
) -> Response:
    programmes = [
        e.programme
        for e in enrolments.enrolments_of_learner(session, learner)
        if e.institution == party(who)
    ]
    context = {"error": "", "audit": None, "date": "", "done": _done(request), **extra}
    return page(
        request,
        "registrar_learner.html",
        status=422 if context["error"] else 200,
        statement=accounts.statement(session, learner),
        exceptions=exceptions.exceptions_of(session, learner),
        programmes=programmes,
        **context,
    )


@router.get("/learners/{learner_id}")
def learner(
    request: Request, learner_id: str, who: RegistrarViewer, session: ReadSession
) -> Response:
    return _learner_page(request, session, who, _enrolled(session, who, learner_id))


@router.post("/outcomes/{outcome_id}/{action}")
def review(
    request: Request,
    outcome_id: RowId,
    action: str,
    who: RegistrarViewer,
    engine: EngineDep,
    session: ReadSession,
    at: Now,
    csrf: Text = "",
    learner: Text = "",
    reason: Text = "",
) -> Response:
    """Verify or reject an outcome, then back to the learner's page (or the queue)."""
    check_form(who, csrf)
    if action not in ("verify", "reject"):
        raise PageError(404, "not_found")
    back = f"/web/registrar/learners/{learner}" if learner else "/web/registrar"
    t = translator(choose(request))
    error = ""
    if action == "reject" and not reason.strip():
        error = t("reason_needed", id=outcome_id)
    else:
        try:
            parties.review_outcome(
                engine,
                institution=party(who),
                outcome_id=outcome_id,
                action=action,
                reason=reason.strip() or None,
                actor=actor(who.caller),
                now=at,
            )
        except CreditBankError as exc:
            error = problem_text(t, exc)
    if not error:
        return redirect(f"{back}?done={action}:{outcome_id}")
    if learner:
        return _learner_page(request, session, who, _enrolled(session, who, learner), error=error)
    raise PageError(422, "problem_with", detail=error)


@router.post("/learners/{learner_id}/audit")
def audit(
    request: Request,
    learner_id: str,
    who: RegistrarViewer,
    engine: EngineDep,
    session: ReadSession,
    at: Now,
    csrf: Text = "",
    programme: Text = "",
    date: Text = "",
) -> Response:
    """Audit an enrolled learner and store the decision."""
    check_form(who, csrf)
    wanted = _enrolled(session, who, learner_id)
    lang = choose(request)
    try:
        on = day(date, at)
        ident, decision = audits.audit_learner(
            engine, learner_id=wanted, programme=programme, on=on, actor=actor(who.caller), now=at
        )
    except (CreditBankError, PageError) as exc:
        error = problem_text(translator(lang), exc)
        return _learner_page(request, session, who, wanted, error=error, date=date)
    result = {
        "id": ident,
        "d": decision,
        "why": decisions.explanations(decision, lang),
        "courses": course_names(session, programme, on),
    }
    return _learner_page(request, session, who, wanted, audit=result, date=date)


@router.post("/learners/{learner_id}/exceptions")
def grant_exception(
    request: Request,
    learner_id: str,
    who: RegistrarViewer,
    engine: EngineDep,
    session: ReadSession,
    at: Now,
    csrf: Text = "",
    kind: Text = "",
    programme: Text = "",
    target_kind: Text = "",
    target: Text = "",
    outcome: Text = "",
    credits: Text = "",
    reason: Text = "",
    date: Text = "",
) -> Response:
    """Grant the learner an exception in one of the institution's programmes."""
    check_form(who, csrf)
    wanted = _enrolled(session, who, learner_id)
    try:
        grant = exceptions.Grant(
            kind=kind,
            programme=programme,
            target_kind=target_kind,
            target=target.strip(),
            reason=reason.strip(),
            on=day(date, at),
            outcome=_number(outcome, int),
            credits=_number(credits, Decimal),
        )
        info = exceptions.record_exception(
            engine,
            learner_id=wanted,
            grant=grant,
            actor=actor(who.caller),
            now=at,
            granted_by=party(who),
        )
    except (CreditBankError, PageError) as exc:
        error = problem_text(translator(choose(request)), exc)
        return _learner_page(request, session, who, wanted, error=error)
    return redirect(f"/web/registrar/learners/{wanted}?done=exception:{info.id}")


@router.post("/exceptions/{exception_id}/withdraw")
def withdraw_exception(
    request: Request,
    exception_id: RowId,
    who: RegistrarViewer,
    engine: EngineDep,
    session: ReadSession,
    at: Now,
    csrf: Text = "",
    learner: Text = "",
    reason: Text = "",
) -> Response:
    """Withdraw an exception the institution granted, with the reason."""
    check_form(who, csrf)
    wanted = _enrolled(session, who, learner)
    try:
        exceptions.withdraw_exception(
            engine,
            exception_id=exception_id,
            reason=reason.strip(),
            actor=actor(who.caller),
            now=at,
            granted_by=party(who),
        )
    except CreditBankError as exc:
        error = problem_text(translator(choose(request)), exc)
        return _learner_page(request, session, who, wanted, error=error)
    return redirect(f"/web/registrar/learners/{wanted}?done=withdrawn:{exception_id}")


def _number(text: str, kind: Callable[[str], T]) -> T | None:
    """A number typed in a form (empty: none)."""
    if not text.strip():
        return None
    try:
        return kind(text.strip())
    except (ValueError, ArithmeticError):
        raise PageError(422, "not_a_number", value=text.strip()[:40]) from None
