"""Anyone: health and readiness, the programmes in force, the rule-set versions in force,
and equivalence queries both ways with their chains of rules."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from api.deps import ReadSession, get_settings
from api.errors import responses
from api.schemas import Answer, Health, OutcomeQuery, Programme, ProgrammeDetail, Version
from creditbank.config import Settings
from creditbank.service import catalogue, health, rulesets
from creditbank.service.learner_file import parse_learner

router = APIRouter(tags=["public"])
OnDate = Annotated[dt.date | None, Query(alias="date", description="YYYY-MM-DD; default today")]


def _day(on: dt.date | None) -> dt.date:
    return on or dt.date.today()


@router.get("/health", response_model=Health)
def get_health() -> Health:
    """The process answers."""
    return Health(status="ok")


@router.get("/ready", response_model=Health, responses=responses(503))
def get_ready(settings: Annotated[Settings, Depends(get_settings)]) -> Health:
    """The database answers and its schema is at the latest migration."""
    health.check_ready(settings.database_url)
    return Health(status="ready")


@router.get("/programmes", response_model=list[Programme], responses=responses(422))
def list_programmes(session: ReadSession, on: OnDate = None) -> list[dict[str, Any]]:
    """Every programme in force on the date."""
    return catalogue.programmes(session, _day(on))


@router.get(
    "/programmes/{programme_id}", response_model=ProgrammeDetail, responses=responses(404, 409, 422)
)
def get_programme(programme_id: str, session: ReadSession, on: OnDate = None) -> dict[str, Any]:
    """A programme's categories, courses and requirements as in force on the date."""
    return catalogue.programme(session, programme_id, _day(on))


@router.get("/versions/in-force", response_model=list[Version], responses=responses(422))
def versions_in_force(session: ReadSession, on: OnDate = None) -> list[Any]:
    """Each rule set's version in force on the date."""
    return rulesets.versions_in_force(session, _day(on))


@router.get("/equivalence/from", response_model=list[Answer], responses=responses(404, 409, 422))
def equivalence_from_course(
    session: ReadSession,
    programme: Annotated[str, Query(description="target programme id")],
    course: Annotated[str, Query(description="INSTITUTION:CODE")],
    on: OnDate = None,
) -> list[dict[str, Any]]:
    """What a course of another institution counts as in the programme, with its rules."""
    return catalogue.equivalence_from_course(session, programme, course, _day(on))


@router.post("/equivalence/from", response_model=list[Answer], responses=responses(404, 409, 422))
def equivalence_from_outcome(query: OutcomeQuery, session: ReadSession) -> list[dict[str, Any]]:
    """What an outcome (never stored) counts as in the programme, with its rules."""
    item = parse_learner({"learner": "query", "outcomes": [query.outcome]}, source="outcome")
    return catalogue.equivalence_from_outcome(
        session, query.programme, item.outcomes[0], _day(query.date)
    )


@router.get("/equivalence/toward", response_model=list[Answer], responses=responses(404, 409, 422))
def equivalence_toward(
    session: ReadSession,
    programme: Annotated[str, Query(description="programme id")],
    course: Annotated[str, Query(description="course code in the programme")],
    on: OnDate = None,
) -> list[dict[str, Any]]:
    """What counts toward a course of the programme: outcome classes and other courses."""
    return catalogue.equivalence_toward(session, programme, course, _day(on))
