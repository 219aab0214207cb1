"""What an issuer or an institution may do to outcomes: an enterprise revokes the records it
issued; an institution verifies or rejects outcomes of learners enrolled in its programmes.
Anything else is answered as if the outcome did not exist."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from creditbank.service.enrolments import is_enrolled
from creditbank.service.outcomes import change_status
from creditbank.store.tables import Enrolment, OutcomeRow


def revoke_issued(
    engine: Engine,
    *,
    issuer_id: str,
    outcome_id: int,
    reason: str,
    actor: str,
    now: dt.datetime,
) -> OutcomeRow:
    """Revoke an outcome ``issuer_id`` issued."""
    return change_status(
        engine,
        outcome_id=outcome_id,
        action="revoke",
        actor=actor,
        now=now,
        reason=reason,
        visible=lambda _session, row: row.issuer_id == issuer_id,
    )


def review_outcome(
    engine: Engine,
    *,
    institution: str,
    outcome_id: int,
    action: str,
    reason: str | None,
    actor: str,
    now: dt.datetime,
) -> OutcomeRow:
    """Verify or reject (``action``) an outcome of a learner enrolled at ``institution``."""

    def visible(session: Session, row: OutcomeRow) -> bool:
        return is_enrolled(session, row.learner_id, institution)

    return change_status(
        engine,
        outcome_id=outcome_id,
        action=action,
        actor=actor,
        now=now,
        reason=reason,
        visible=visible,
    )


def review_queue(session: Session, institution: str, *, limit: int = 200) -> list[dict[str, Any]]:
    """Submitted outcomes of learners enrolled at ``institution``, oldest first: what its
    registrars have to verify or reject."""
    enrolled = select(Enrolment.learner_id).where(Enrolment.institution == institution)
    rows = session.scalars(
        select(OutcomeRow)
        .where(OutcomeRow.status == "submitted", OutcomeRow.learner_id.in_(enrolled))
        .order_by(OutcomeRow.id)
        .limit(limit)
    )
    return [
        {
            "id": r.id,
            "learner": r.learner_id,
            "issuer": r.issuer_id,
            "external_id": r.external_id,
            "kind": r.kind,
            "date": r.obtained_on.isoformat(),
        }
        for r in rows
    ]
