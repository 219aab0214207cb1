"""Equivalence look-up for anyone (registrars first): what a course of another institution
counts as in a programme, or what counts toward a course of the programme, each answer with
the chain of rules (id and file:line) that gives it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.deps import Now, ReadSession
from api.web.access import MaybeViewer, PageError, day
from api.web.i18n import choose, translator
from api.web.problems import problem_text
from api.web.render import page
from creditbank.errors import CreditBankError
from creditbank.service import catalogue

router = APIRouter(prefix="/web", include_in_schema=False)


@router.get("/equivalence")
def equivalence(
    request: Request,
    _who: MaybeViewer,
    session: ReadSession,
    at: Now,
    programme: str = "",
    course: str = "",
    direction: str = "from",
    date: str = "",
) -> Response:
    t = translator(choose(request))
    direction = direction if direction in ("from", "toward") else "from"
    answers: list[dict[str, Any]] | None = None
    error = ""
    try:
        on = day(date, at)
        if programme and not course.strip():
            error = t("course_empty")
        elif programme and direction == "from" and ":" not in course:
            error = t("course_needs_institution")
        elif programme and direction == "from":
            answers = catalogue.equivalence_from_course(session, programme, course.strip(), on)
        elif programme:
            answers = catalogue.equivalence_toward(session, programme, course.strip(), on)
        programmes = catalogue.programmes(session, on)
    except (CreditBankError, PageError) as exc:
        error = problem_text(t, exc)
        programmes = catalogue.programmes(session, at.date())
    return page(
        request,
        "equivalence.html",
        status=422 if error else 200,
        programmes=programmes,
        programme=programme,
        course=course,
        direction=direction,
        date=date,
        answers=answers,
        error=error,
    )
