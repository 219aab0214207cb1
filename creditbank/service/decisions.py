"""Stored decisions as their learner reads them: a page of summaries, one decision in full
with its explanations in Chinese or English.

Explanations are written from the stored canonical text, so they say what was decided then,
whatever the rules say now.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import select
from sqlalchemy.orm import Session

from creditbank.domain import Lang
from creditbank.engine.decision import Decision
from creditbank.engine.explain import (
    explain_earned,
    explain_exception,
    explain_grant,
    explain_unused,
)
from creditbank.errors import NotFound
from creditbank.service.learners import learner_key
from creditbank.store.tables import DecisionRow

_DECISION = TypeAdapter(Decision)
__all__ = ["Decision", "decision_of", "decisions_of", "document", "explanations"]


def decisions_of(
    session: Session, learner_id: str, *, after: int = 0, limit: int = 100
) -> list[dict[str, Any]]:
    """The learner's decisions in id order after the cursor ``after``."""
    rows = session.scalars(
        select(DecisionRow)
        .where(DecisionRow.learner_id == learner_key(learner_id), DecisionRow.id > after)
        .order_by(DecisionRow.id)
        .limit(limit)
    )
    return [_summary(r) for r in rows]


def decision_of(session: Session, learner_id: str, decision_id: int) -> tuple[int, Decision]:
    """One of the learner's decisions; another learner's is as unknown as a missing one."""
    row = session.get(DecisionRow, decision_id)
    if row is None or row.learner_id != learner_key(learner_id):
        raise NotFound("decision", str(decision_id))
    return row.id, _DECISION.validate_json(row.canonical)


def explanations(decision: Decision, lang: Lang) -> dict[str, list[str]]:
    """Every grant, earned course, unused outcome and learner exception in sentences, in
    ``lang``."""
    return {
        "granted": [explain_grant(g, lang) for g in decision.grants]
        + [explain_earned(e, lang) for e in decision.earned],
        "not_used": [explain_unused(u, lang) for u in decision.unused],
        "exceptions": [explain_exception(x, lang) for x in decision.exceptions],
    }


def document(decision: Decision, lang: Lang) -> dict[str, Any]:
    """A decision as a client reads it: digest, canonical content, explanations."""
    return {
        "digest": decision.digest,
        "decision": json.loads(decision.canonical()),
        "explanations": explanations(decision, lang),
    }


def _summary(row: DecisionRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "programme": row.programme,
        "application_date": row.application_date,
        "ruleset_version": row.ruleset_version_id,
        "digest": row.digest,
        "created_at": row.created_at,
    }
