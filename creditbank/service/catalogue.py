"""The public catalogue: programmes in force with their courses and requirements, and
equivalence queries both ways, each read from the rule-set versions in force on a date.

Answers are plain JSON-ready data: this is what the bank publishes to anyone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from creditbank.domain import Label, Outcome
from creditbank.engine.equivalence import (
    Answer,
    counts_as_for_course,
    counts_as_for_outcome,
    counts_toward,
)
from creditbank.ruleset.ruleset import RuleSetAt
from creditbank.service.rulesets import ruleset_of, version_for_programme, versions_in_force


def programmes(session: Session, on: dt.date) -> list[dict[str, Any]]:
    """Every programme in force on ``on``, in id order, with its pack and version."""
    found = []
    for version in versions_in_force(session, on):
        for programme in ruleset_of(version).at(on).programmes.values():
            found.append(
                {
                    "id": programme.id,
                    "name": _label(programme.name),
                    "institution": programme.institution,
                    "level": str(programme.level),
                    "total_credits": programme.total_credits,
                    "pack": version.pack_id,
                    "version": version.id,
                }
            )
    return sorted(found, key=lambda p: p["id"])


def programme(session: Session, programme_id: str, on: dt.date) -> dict[str, Any]:
    """One programme as in force on ``on``: categories, courses (as its institution's
    catalogue describes them) and requirements."""
    version = version_for_programme(session, programme_id, on)
    rules = ruleset_of(version).at(on)
    found = rules.programmes[programme_id]
    catalogue = rules.catalogue_of(found)
    return {
        "id": found.id,
        "name": _label(found.name),
        "institution": found.institution,
        "level": str(found.level),
        "total_credits": found.total_credits,
        "pack": version.pack_id,
        "version": version.id,
        "categories": [
            {
                "id": c.id,
                "name": c.name.model_dump(exclude_none=True),
                "min_credits": c.min_credits,
                "max_credits": c.max_credits,
            }
            for c in found.categories
        ],
        "courses": [
            {
                "code": c.code,
                "category": c.category,
                "exemptable": c.exemptable,
                "name": catalogue[c.code].name.model_dump(exclude_none=True)
                if c.code in catalogue
                else None,
                "credits": catalogue[c.code].credits if c.code in catalogue else None,
            }
            for c in found.courses
        ],
        "requirements": [
            {
                "id": r.id,
                "name": r.name.model_dump(exclude_none=True),
                "courses": list(r.courses),
                "credits": r.credits,
            }
            for r in found.requirements
        ],
    }


def _label(label: Label | None) -> dict[str, str] | None:
    return None if label is None else label.model_dump(exclude_none=True)


def _rules(session: Session, programme_id: str, on: dt.date) -> RuleSetAt:
    return ruleset_of(version_for_programme(session, programme_id, on)).at(on)


def equivalence_from_course(
    session: Session, programme_id: str, course: str, on: dt.date
) -> list[dict[str, Any]]:
    """What course ``course`` (``INSTITUTION:CODE``) counts as in the programme."""
    return _answers(counts_as_for_course(_rules(session, programme_id, on), programme_id, course))


def equivalence_from_outcome(
    session: Session, programme_id: str, outcome: Outcome, on: dt.date
) -> list[dict[str, Any]]:
    """What an outcome (never stored) counts as in the programme."""
    rules = _rules(session, programme_id, on)
    return _answers(counts_as_for_outcome(rules, programme_id, outcome))


def equivalence_toward(
    session: Session, programme_id: str, course: str, on: dt.date
) -> list[dict[str, Any]]:
    """What counts toward course ``course`` of the programme."""
    return _answers(counts_toward(_rules(session, programme_id, on), programme_id, course))


def _answers(answers: list[Answer]) -> list[dict[str, Any]]:
    return [
        {
            "source": a.source,
            "target": a.target,
            "target_kind": a.target_kind,
            "credits": a.credits,
            "chain": [{"id": r.id, "at": r.at} for r in a.chain],
            "note": a.note,
        }
        for a in answers
    ]
