"""A learner's own account: statement, ledger, audits (stored, or what-if and never stored),
decisions with explanations in zh or en, enrolments. Another learner's account answers 404."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import AuditDeadline, EngineDep, Learner, Now, ReadSession, RowId, actor, own_learner
from api.errors import responses
from api.pagination import Cursor, Limit, Page, decode_int, page
from api.schemas import (
    AuditRequest,
    DecisionOut,
    DecisionSummary,
    Enrolment,
    EnrolmentRequest,
    ExceptionOut,
    LedgerEntry,
    Rerun,
    Statement,
    WhatIfRequest,
)
from creditbank.domain import Lang
from creditbank.service import accounts, audits, decisions, enrolments, exceptions, what_if

router = APIRouter(prefix="/learners/{learner_id}", tags=["learner"])
AUTH = responses(401, 403, 404)
LangQuery = Annotated[Lang, Query(description="language of the explanations")]


def decision_out(ident: int | None, decision: decisions.Decision, lang: Lang) -> DecisionOut:
    """A decision with its explanations (``ident`` None: a what-if, not stored)."""
    return DecisionOut(id=ident, stored=ident is not None, **decisions.document(decision, lang))


@router.get("/statement", response_model=Statement, responses=AUTH)
def statement(learner_id: str, who: Learner, session: ReadSession) -> Any:
    """Outcomes, bank credits by level, field and kind."""
    return accounts.statement(session, own_learner(who, learner_id)).__dict__


@router.get("/ledger", response_model=Page[LedgerEntry], responses=AUTH)
def ledger(
    learner_id: str, who: Learner, session: ReadSession, limit: Limit = 100, cursor: Cursor = None
) -> Page[Any]:
    """The account's ledger entries with their hashes, in order."""
    entries = accounts.ledger_page(
        session, own_learner(who, learner_id), after=decode_int(cursor), limit=limit
    )
    return page(entries, limit, entries[-1]["seq"] if entries else None)


@router.post(
    "/audits",
    response_model=DecisionOut,
    status_code=201,
    responses={**AUTH, **responses(409, 422, 503)},
)
def audit(
    deadline: AuditDeadline,
    learner_id: str,
    body: AuditRequest,
    who: Learner,
    engine: EngineDep,
    at: Now,
    lang: LangQuery = Lang.EN,
) -> DecisionOut:
    """Audit the account's verified outcomes against a programme and store the decision."""
    ident, decision = audits.audit_learner(
        engine,
        learner_id=own_learner(who, learner_id),
        programme=body.programme,
        on=body.date or at.date(),
        actor=actor(who),
        now=at,
        deadline=deadline,
    )
    return decision_out(ident, decision, lang)


@router.post(
    "/audits/what-if", response_model=DecisionOut, responses={**AUTH, **responses(409, 422, 503)}
)
def audit_what_if(
    deadline: AuditDeadline,
    learner_id: str,
    body: WhatIfRequest,
    who: Learner,
    engine: EngineDep,
    at: Now,
    lang: LangQuery = Lang.EN,
) -> DecisionOut:
    """What an audit would decide with another programme, date or hypothetical outcomes;
    nothing is stored."""
    decision = what_if.what_if(
        engine,
        learner_id=own_learner(who, learner_id),
        programme=body.programme,
        on=body.date or at.date(),
        extra=body.extra_outcomes,
        deadline=deadline,
    )
    return decision_out(None, decision, lang)


@router.get("/decisions", response_model=Page[DecisionSummary], responses=AUTH)
def list_decisions(
    learner_id: str, who: Learner, session: ReadSession, limit: Limit = 100, cursor: Cursor = None
) -> Page[Any]:
    """The account's stored decisions."""
    found = decisions.decisions_of(
        session, own_learner(who, learner_id), after=decode_int(cursor), limit=limit
    )
    return page(found, limit, found[-1]["id"] if found else None)


@router.get("/decisions/{decision_id}", response_model=DecisionOut, responses=AUTH)
def get_decision(
    learner_id: str,
    decision_id: RowId,
    who: Learner,
    session: ReadSession,
    lang: LangQuery = Lang.EN,
) -> DecisionOut:
    """A stored decision and its explanations."""
    ident, decision = decisions.decision_of(session, own_learner(who, learner_id), decision_id)
    return decision_out(ident, decision, lang)


@router.post("/decisions/{decision_id}/rerun", response_model=Rerun, responses=AUTH)
def rerun(learner_id: str, decision_id: RowId, who: Learner, session: ReadSession) -> Rerun:
    """Check a stored decision against its digest and ledger entry, and recompute it."""
    ident, _ = decisions.decision_of(session, own_learner(who, learner_id), decision_id)
    result = audits.rerun_decision(session, ident)
    return Rerun(
        id=ident,
        reproduced=result.reproduced,
        stored_digest=result.stored_digest,
        recomputed_digest=result.recomputed_digest,
        problems=list(result.problems),
    )


@router.post(
    "/enrolments",
    response_model=Enrolment,
    status_code=201,
    responses={**AUTH, **responses(409, 422)},
)
def enrol(learner_id: str, body: EnrolmentRequest, who: Learner, engine: EngineDep, at: Now) -> Any:
    """Apply to a programme: its institution then has access to the account."""
    return enrolments.enrol(
        engine,
        learner_id=own_learner(who, learner_id),
        programme=body.programme,
        on=body.date or at.date(),
        now=at,
    )


@router.get("/exceptions", response_model=list[ExceptionOut], responses=AUTH)
def list_exceptions(learner_id: str, who: Learner, session: ReadSession) -> Any:
    """The exceptions institutions granted the learner (waivers, substitutions, credit by
    petition), withdrawn ones included; each audit says how it applies."""
    return exceptions.exceptions_of(session, own_learner(who, learner_id))
