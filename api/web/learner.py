"""A learner's own pages: the account (outcomes, bank credits, ledger; printable), the audit
against a programme explained sentence by sentence with what would finish it, and what-if
(another programme or date beside the current one, and the closest programmes). Audits here
are computed live from the verified outcomes and stored nowhere; another learner's pages do
not exist (404)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.responses import Response

from api.deps import EngineDep, Now, ReadSession
from api.web.access import LearnerViewer, PageError, day, own_account
from api.web.i18n import choose, translator
from api.web.problems import problem_text
from api.web.render import page
from creditbank.domain import Lang
from creditbank.errors import CreditBankError
from creditbank.service import accounts, catalogue, decisions, enrolments, guidance, what_if

router = APIRouter(prefix="/web/learners/{learner_id}", include_in_schema=False)


@router.get("")
def account(
    request: Request, learner_id: str, who: LearnerViewer, session: ReadSession
) -> Response:
    me = own_account(who, learner_id)
    return page(
        request,
        "account.html",
        statement=accounts.statement(session, me),
        enrolled=enrolments.enrolments_of_learner(session, me),
    )


def course_names(session: Session, programme: str, on: dt.date) -> dict[str, Any]:
    """The programme's course names by code, for the courses a decision names by code."""
    found = catalogue.programme(session, programme, on)
    return {c["code"]: c["name"] for c in found["courses"]}


def explained(
    engine: Engine, session: Session, learner: str, programme: str, on: dt.date, lang: Lang
) -> dict[str, Any]:
    """A live audit with its sentences and the programme's course names."""
    decision = what_if.what_if(engine, learner_id=learner, programme=programme, on=on)
    return {
        "d": decision,
        "why": decisions.explanations(decision, lang),
        "courses": course_names(session, programme, on),
        "on": on,
    }


@router.get("/audit")
def audit(
    request: Request,
    learner_id: str,
    who: LearnerViewer,
    engine: EngineDep,
    session: ReadSession,
    at: Now,
    programme: str = "",
    date: str = "",
) -> Response:
    me = own_account(who, learner_id)
    lang = choose(request)
    enrolled = enrolments.enrolments_of_learner(session, me)
    programme = programme or (enrolled[0].programme if enrolled else "")
    result: dict[str, Any] | None = None
    takes = None
    error = ""
    if programme:
        try:
            on = day(date, at)
            result = explained(engine, session, me, programme, on, lang)
            takes = guidance.what_it_takes(
                engine, learner_id=me, programme=programme, on=on, lang=lang
            )
        except (CreditBankError, PageError) as exc:
            error = problem_text(translator(lang), exc)
    return page(
        request,
        "audit.html",
        status=422 if error else 200,
        learner=me,
        programmes=catalogue.programmes(session, at.date()),
        programme=programme,
        date=date,
        result=result,
        takes=takes,
        error=error,
    )


@router.get("/what-if")
def compare(
    request: Request,
    learner_id: str,
    who: LearnerViewer,
    engine: EngineDep,
    session: ReadSession,
    at: Now,
    programme: str = "",
    date: str = "",
) -> Response:
    me = own_account(who, learner_id)
    lang = choose(request)
    enrolled = enrolments.enrolments_of_learner(session, me)
    current = None
    closest: list[guidance.Closest] = []
    if enrolled:
        current = explained(engine, session, me, enrolled[0].programme, at.date(), lang)
        closest = guidance.closest(
            engine, learner_id=me, programme=enrolled[0].programme, on=at.date(), lang=lang
        )
    other = None
    error = ""
    if programme:
        try:
            other = explained(engine, session, me, programme, day(date, at), lang)
        except (CreditBankError, PageError) as exc:
            error = problem_text(translator(lang), exc)
    return page(
        request,
        "what_if.html",
        status=422 if error else 200,
        learner=me,
        programmes=catalogue.programmes(session, at.date()),
        programme=programme or (enrolled[0].programme if enrolled else ""),
        date=date,
        current=current,
        other=other,
        closest=closest,
        error=error,
    )
