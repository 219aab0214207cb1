"""Enrolments: a learner applies to a programme on a date; the programme's institution then
has access to the learner (its outcomes to verify or reject, its audits)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from creditbank.errors import NotFound
from creditbank.service.learners import learner_key
from creditbank.service.rulesets import ruleset_of, version_for_programme
from creditbank.store.session import transaction
from creditbank.store.tables import Enrolment, Learner


@dataclass(frozen=True)
class EnrolmentInfo:
    id: int
    learner_id: str
    programme: str
    institution: str
    enrolled_on: dt.date


def enrol(
    engine: Engine, *, learner_id: str, programme: str, on: dt.date, now: dt.datetime
) -> EnrolmentInfo:
    """Enrol the learner in a programme in force on ``on``; enrolling again returns the
    first enrolment unchanged."""
    learner_id = learner_key(learner_id)

    def work(session: Session) -> EnrolmentInfo:
        if session.get(Learner, learner_id) is None:
            raise NotFound("learner", learner_id)
        version = version_for_programme(session, programme, on)
        institution = ruleset_of(version).at(on).programmes[programme].institution
        existing = session.scalar(
            select(Enrolment).where(
                Enrolment.learner_id == learner_id, Enrolment.programme == programme
            )
        )
        if existing is not None:
            return _info(existing)
        row = Enrolment(
            learner_id=learner_id,
            programme=programme,
            institution=institution,
            enrolled_on=on,
            created_at=now,
        )
        session.add(row)
        session.flush()
        return _info(row)

    return transaction(engine, work)


def is_enrolled(session: Session, learner_id: str, institution: str) -> bool:
    """Whether the learner is enrolled in any programme of ``institution``."""
    found = session.scalar(
        select(Enrolment.id)
        .where(Enrolment.learner_id == learner_id, Enrolment.institution == institution)
        .limit(1)
    )
    return found is not None


def enrolments_of(
    session: Session, institution: str, *, after: int = 0, limit: int = 100
) -> list[EnrolmentInfo]:
    """The institution's enrolments in id order after the cursor ``after``."""
    rows = session.scalars(
        select(Enrolment)
        .where(Enrolment.institution == institution, Enrolment.id > after)
        .order_by(Enrolment.id)
        .limit(limit)
    )
    return [_info(r) for r in rows]


def enrolments_of_learner(session: Session, learner_id: str) -> list[EnrolmentInfo]:
    """The programmes the learner is enrolled in, first enrolment first."""
    rows = session.scalars(
        select(Enrolment)
        .where(Enrolment.learner_id == learner_key(learner_id))
        .order_by(Enrolment.id)
    )
    return [_info(r) for r in rows]


def _info(row: Enrolment) -> EnrolmentInfo:
    return EnrolmentInfo(row.id, row.learner_id, row.programme, row.institution, row.enrolled_on)
