"""Outcomes as the audit reads them: a plain record per outcome, made once an audit.

An audit reads an outcome's fields about 80 times over (about 1,600 reads for a learner of 20
outcomes). On the pydantic ``Outcome`` each read is a dictionary lookup behind
``BaseModel.__getattr__``'s hook, about 330 instructions (callgrind); on an
:class:`OutcomeRecord` (a C struct once ``scripts/compile.py`` has compiled this module) it is
a descriptor read of about 60. The engine's functions take either (:data:`OutcomeFields`),
so callers outside the audit (the impact's selection, suggestions) pass pydantic outcomes as
they are; an audit makes its records with ``memo.recall``, so the audits sharing a memo read
the same record objects.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from creditbank.domain import Delivery, Outcome, OutcomeKind, OutcomeStatus


class OutcomeRecord:
    """An outcome's fields, copied from a validated ``Outcome`` (never built otherwise, so
    it holds nothing the model would refuse)."""

    id: str
    kind: OutcomeKind
    issuer: str
    date: dt.date
    start_date: dt.date | None
    status: OutcomeStatus
    title: str | None
    code: str | None
    credits: Decimal | None
    grade: str | None
    score: Decimal | None
    level: int | None
    hours: Decimal | None
    occupation: str | None
    rung: str | None
    certificate_number: str | None
    programme: str | None
    field: str | None
    assessed: bool | None
    delivery: Delivery | None
    tier: str | None
    rank: int | None
    years: Decimal | None
    exam_based: bool
    requires_degree: bool

    def __init__(self, outcome: Outcome) -> None:
        values = outcome.__dict__
        self.id = values["id"]
        self.kind = values["kind"]
        self.issuer = values["issuer"]
        self.date = values["date"]
        self.start_date = values["start_date"]
        self.status = values["status"]
        self.title = values["title"]
        self.code = values["code"]
        self.credits = values["credits"]
        self.grade = values["grade"]
        self.score = values["score"]
        self.level = values["level"]
        self.hours = values["hours"]
        self.occupation = values["occupation"]
        self.rung = values["rung"]
        self.certificate_number = values["certificate_number"]
        self.programme = values["programme"]
        self.field = values["field"]
        self.assessed = values["assessed"]
        self.delivery = values["delivery"]
        self.tier = values["tier"]
        self.rank = values["rank"]
        self.years = values["years"]
        self.exam_based = values["exam_based"]
        self.requires_degree = values["requires_degree"]


OutcomeFields = Outcome | OutcomeRecord
"""What the engine reads an outcome as: a record in the audit, the pydantic model elsewhere
(the impact's selection, suggestions); both have ``domain.Outcome``'s fields."""
