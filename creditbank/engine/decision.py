"""The decision an audit returns: data only, serialised to canonical JSON with digests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainSerializer

from creditbank.domain import Label, Outcome
from creditbank.engine.reasons import Reason
from creditbank.engine.trace import RuleRef
from creditbank.ruleset.ruleset import sha256_text

SortedDict = Annotated[dict[str, Any], PlainSerializer(lambda d: dict(sorted(d.items())))]
"""A mapping written in key order, so equal mappings always give equal bytes."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Grant(_Frozen):
    """Credit granted toward the programme: a course (exempted) or category credits."""

    target: str
    target_kind: str  # "course" or "category"
    target_name: Label
    category: str
    credits: Decimal
    outcomes: tuple[str, ...]
    rules: tuple[RuleRef, ...]
    grade_mark: Label


class Earned(_Frozen):
    """A programme course the learner completed in the programme itself (not a transfer)."""

    course: str
    category: str
    credits: Decimal
    outcome: str


class Unused(_Frozen):
    """An outcome that does not count, the reason code, its parameters and the rules involved."""

    outcome: str
    reason: Reason
    params: Annotated[dict[str, str], SortedDict] = {}
    rules: tuple[RuleRef, ...] = ()


class Recognised(_Frozen):
    """An outcome's bank credits (independent of the programme)."""

    outcome: str
    credits: Decimal
    level: int | None
    field: str | None
    rule: RuleRef


class GroupStatus(_Frozen):
    """A requirement, category or source minimum: met, and what is missing."""

    id: str
    name: Label
    met: bool
    credits: Decimal
    required_credits: Decimal | None = None
    missing_credits: Decimal = Decimal(0)
    courses_missing: tuple[str, ...] = ()


class LimitStatus(_Frozen):
    """A cap instance (per value or period when the limit says so), its use and whether it bound."""

    id: str
    instance: str
    bound: Decimal
    used: Decimal
    unit: str  # "credits" or "count"
    binding: bool
    rule: RuleRef


class Totals(_Frozen):
    transferred: Decimal
    earned_in_programme: Decimal
    counted: Decimal
    required: Decimal
    remaining: Decimal
    transferred_by_kind: Annotated[dict[str, Decimal], SortedDict]


class Decision(_Frozen):
    """Everything a learner, registrar or auditor needs, and the digests to reproduce it."""

    programme: str
    programme_name: Label
    application_date: dt.date
    ruleset: str
    ruleset_digest: str
    input_digest: str
    grants: tuple[Grant, ...]
    earned: tuple[Earned, ...]
    unused: tuple[Unused, ...]
    recognised: tuple[Recognised, ...]
    requirements: tuple[GroupStatus, ...]
    categories: tuple[GroupStatus, ...]
    source_minimums: tuple[GroupStatus, ...]
    limits: tuple[LimitStatus, ...]
    statuses: tuple[str, ...]
    totals: Totals
    digest: str = ""

    def canonical(self) -> str:
        """Canonical JSON: fields in declaration order, mappings in key order, no spaces;
        identical inputs give identical bytes."""
        return self.model_dump_json()

    def sealed(self) -> Decision:
        """This decision with ``digest`` set to the hash of its canonical form without it."""
        body = self.model_copy(update={"digest": ""}) if self.digest else self
        return self.model_copy(update={"digest": sha256_text(body.canonical())})


class AuditInput(_Frozen):
    """What was asked: the programme, the application date and the outcomes in id order."""

    programme: str
    date: dt.date
    outcomes: tuple[Outcome, ...]


def input_digest(programme: str, on: dt.date, outcomes: list[Outcome]) -> str:
    """Digest of what was asked (outcomes in id order, unset fields left out)."""
    asked = AuditInput.model_construct(
        programme=programme, date=on, outcomes=tuple(sorted(outcomes, key=lambda o: o.id))
    )
    return sha256_text(asked.model_dump_json(exclude_none=True))
