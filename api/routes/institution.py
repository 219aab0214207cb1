"""An institution: its enrolments, verifying or rejecting outcomes of learners enrolled in
its programmes, and auditing those learners. A learner not enrolled there answers 404."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import AuditDeadline, EngineDep, Institution, Now, ReadSession, RowId, actor, scope
from api.errors import responses
from api.pagination import Cursor, Limit, Page, decode_int, page
from api.routes.learner import LangQuery, decision_out
from api.schemas import (
    AuditRequest,
    DecisionOut,
    Enrolment,
    ExceptionOut,
    ExceptionRequest,
    OptionalReason,
    OutcomeOut,
    Reason,
)
from creditbank.domain import Lang
from creditbank.errors import NotFound
from creditbank.service import audits, enrolments, exceptions, parties
from creditbank.service.learners import learner_key

router = APIRouter(prefix="/institution", tags=["institution"])
CHANGE = responses(401, 403, 404, 409, 422)


@router.get("/enrolments", response_model=Page[Enrolment], responses=responses(401, 403))
def list_enrolments(
    who: Institution, session: ReadSession, limit: Limit = 100, cursor: Cursor = None
) -> Page[Any]:
    """Learners enrolled in the institution's programmes."""
    found = enrolments.enrolments_of(session, scope(who), after=decode_int(cursor), limit=limit)
    return page(found, limit, found[-1].id if found else None)


@router.post("/outcomes/{outcome_id}/verify", response_model=OutcomeOut, responses=CHANGE)
def verify(
    outcome_id: RowId, body: OptionalReason, who: Institution, engine: EngineDep, at: Now
) -> Any:
    """Verify a submitted outcome of an enrolled learner."""
    return parties.review_outcome(
        engine,
        institution=scope(who),
        outcome_id=outcome_id,
        action="verify",
        reason=body.reason,
        actor=actor(who),
        now=at,
    )


@router.post("/outcomes/{outcome_id}/reject", response_model=OutcomeOut, responses=CHANGE)
def reject(outcome_id: RowId, body: Reason, who: Institution, engine: EngineDep, at: Now) -> Any:
    """Reject a submitted or verified outcome of an enrolled learner, with the reason."""
    return parties.review_outcome(
        engine,
        institution=scope(who),
        outcome_id=outcome_id,
        action="reject",
        reason=body.reason,
        actor=actor(who),
        now=at,
    )


@router.post(
    "/learners/{learner_id}/audits",
    response_model=DecisionOut,
    status_code=201,
    responses={**CHANGE, **responses(503)},
)
def audit(
    deadline: AuditDeadline,
    learner_id: str,
    body: AuditRequest,
    who: Institution,
    engine: EngineDep,
    session: ReadSession,
    at: Now,
    lang: LangQuery = Lang.EN,
) -> DecisionOut:
    """Audit an enrolled learner against a programme and store the decision."""
    learner_id = learner_key(learner_id)
    if not enrolments.is_enrolled(session, learner_id, scope(who)):
        raise NotFound("learner", learner_id)
    ident, decision = audits.audit_learner(
        engine,
        learner_id=learner_id,
        programme=body.programme,
        on=body.date or at.date(),
        actor=actor(who),
        now=at,
        deadline=deadline,
    )
    return decision_out(ident, decision, lang)


@router.post(
    "/learners/{learner_id}/exceptions",
    response_model=ExceptionOut,
    status_code=201,
    responses=CHANGE,
)
def grant_exception(
    learner_id: str, body: ExceptionRequest, who: Institution, engine: EngineDep, at: Now
) -> Any:
    """Record an exception for an enrolled learner in one of the institution's programmes
    (a waiver, a substitution or credit by petition), with its ledger entry; every audit
    applies it from then on, and says so."""
    grant = exceptions.Grant(
        kind=body.kind.value,
        programme=body.programme,
        target_kind=body.target_kind.value,
        target=body.target,
        reason=body.reason,
        on=body.date or at.date(),
        outcome=body.outcome,
        credits=body.credits,
    )
    return exceptions.record_exception(
        engine, learner_id=learner_id, grant=grant, actor=actor(who), now=at, granted_by=scope(who)
    )


@router.get(
    "/learners/{learner_id}/exceptions",
    response_model=list[ExceptionOut],
    responses=responses(401, 403, 404),
)
def list_exceptions(learner_id: str, who: Institution, session: ReadSession) -> Any:
    """The exceptions recorded for an enrolled learner, withdrawn ones included."""
    learner_id = learner_key(learner_id)
    if not enrolments.is_enrolled(session, learner_id, scope(who)):
        raise NotFound("learner", learner_id)
    return exceptions.exceptions_of(session, learner_id)


@router.post("/exceptions/{exception_id}/withdraw", response_model=ExceptionOut, responses=CHANGE)
def withdraw_exception(
    exception_id: RowId, body: Reason, who: Institution, engine: EngineDep, at: Now
) -> Any:
    """Withdraw an exception the institution granted: it stays on record, audits stop
    applying it."""
    return exceptions.withdraw_exception(
        engine,
        exception_id=exception_id,
        reason=body.reason,
        actor=actor(who),
        now=at,
        granted_by=scope(who),
    )
