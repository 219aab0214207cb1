"""Request and response bodies: every route declares its response model, and every request
body has an example (shown at /docs)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from creditbank.domain import Date, ExceptionKind, ExceptionTarget, Ident


def _utc(value: dt.datetime) -> dt.datetime:
    """A time the database gave without its zone (SQLite) is UTC, as the bank stores it."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


UtcTime = Annotated[dt.datetime, AfterValidator(_utc)]
"""A time with its zone, as OpenAPI's date-time requires (RFC 3339)."""

LEARNER_OUTCOME_EXAMPLE: dict[str, Any] = {
    "id": "cert-1",
    "kind": "skill_certificate",
    "issuer": "hn-skill-centre",
    "date": "2024-05-10",
    "occupation": "6-18-01-01",
    "rung": "三级/高级工",
}


class Label(BaseModel):
    zh: str | None = None
    en: str | None = None


class Health(BaseModel):
    status: str = Field(examples=["ok"])


class Programme(BaseModel):
    id: str
    name: Label | None
    institution: str
    level: str
    total_credits: Decimal
    pack: str
    version: int


class Category(BaseModel):
    id: str
    name: Label
    min_credits: Decimal
    max_credits: Decimal | None


class ProgrammeCourse(BaseModel):
    code: str
    category: str
    exemptable: bool
    name: Label | None
    credits: Decimal | None


class Requirement(BaseModel):
    id: str
    name: Label
    courses: list[str]
    credits: Decimal | None


class ProgrammeDetail(Programme):
    categories: list[Category]
    courses: list[ProgrammeCourse]
    requirements: list[Requirement]


class Version(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    pack_id: str
    digest: str
    status: str
    effective_from: dt.date | None
    created_by: str
    created_at: UtcTime
    published_at: UtcTime | None


class RuleRef(BaseModel):
    id: str
    at: str = Field(description="file:line:column where the rule is written")


class Answer(BaseModel):
    source: str
    target: str
    target_kind: str
    credits: Decimal | None
    chain: list[RuleRef]
    note: str


class OutcomeQuery(BaseModel):
    programme: str
    outcome: dict[str, Any] = Field(description="an outcome as in a learner file")
    date: dt.date | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"programme": "cn-ou-bachelor-me", "outcome": LEARNER_OUTCOME_EXAMPLE}]
        }
    )


class StatementOutcome(BaseModel):
    id: int
    external_id: str
    issuer: str
    kind: str
    date: str
    status: str
    reason: str | None
    credits: str | None


class Statement(BaseModel):
    learner_id: str
    outcomes: list[StatementOutcome]
    credits_by_level: dict[str, Decimal]
    credits_by_field: dict[str, Decimal]
    credits_by_kind: dict[str, Decimal]
    total_credits: Decimal


class LedgerEntry(BaseModel):
    seq: int
    kind: str
    actor: str
    at: UtcTime
    outcome: int | None
    decision: int | None
    ruleset_version: int | None
    payload: dict[str, Any]
    prev_hash: str
    hash: str


class AuditRequest(BaseModel):
    programme: str
    date: dt.date | None = Field(default=None, description="application date; default today")

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"programme": "cn-ou-bachelor-me", "date": "2026-09-01"}]}
    )


class WhatIfRequest(AuditRequest):
    extra_outcomes: list[dict[str, Any]] = Field(
        default=[], description="hypothetical outcomes (as in a learner file), never stored"
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "programme": "cn-ou-bachelor-me",
                    "date": "2027-03-01",
                    "extra_outcomes": [LEARNER_OUTCOME_EXAMPLE],
                }
            ]
        }
    )


class Explanations(BaseModel):
    granted: list[str]
    not_used: list[str]
    exceptions: list[str] = Field(
        default=[], description="each learner exception: what it does here, or why it cannot"
    )


class DecisionOut(BaseModel):
    id: int | None = Field(description="the stored decision's id; null for a what-if")
    stored: bool
    digest: str
    decision: dict[str, Any] = Field(description="the canonical decision")
    explanations: Explanations


class DecisionSummary(BaseModel):
    id: int
    programme: str
    application_date: dt.date
    ruleset_version: int
    digest: str
    created_at: UtcTime


class Rerun(BaseModel):
    id: int
    reproduced: bool
    stored_digest: str
    recomputed_digest: str
    problems: list[str]


class EnrolmentRequest(BaseModel):
    programme: str
    date: dt.date | None = None

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"programme": "cn-ou-bachelor-me", "date": "2026-09-01"}]}
    )


class Enrolment(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    learner_id: str
    programme: str
    institution: str
    enrolled_on: dt.date


class RowResult(BaseModel):
    model_config = ConfigDict(extra="allow")

    row: int
    line: int | None = None
    status: str
    outcome: int | None = None
    errors: list[dict[str, str]] = []


class BatchOut(BaseModel):
    batch_id: int
    accepted: int
    rejected: int
    replayed: bool
    rows: list[RowResult]


class BatchSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    idempotency_key: str
    submitter: str
    accepted: int
    rejected: int
    created_at: UtcTime


class Reason(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)

    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "issued in error"}]})


class OptionalReason(BaseModel):
    reason: str | None = Field(default=None, max_length=2000)

    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": None}]})


class OutcomeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    learner_id: str
    issuer_id: str
    external_id: str
    status: str
    status_reason: str | None


class KeyRequest(BaseModel):
    role: str
    scope: str | None = Field(default=None, description="the enterprise, institution or learner")
    expires_at: UtcTime | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "role": "enterprise",
                    "scope": "xiangjiang-heavy",
                    "expires_at": "2027-09-01T00:00:00Z",
                }
            ]
        }
    )


class KeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    prefix: str
    role: str
    scope_id: str | None
    created_at: UtcTime
    expires_at: UtcTime | None
    revoked_at: UtcTime | None


class NewKey(KeyOut):
    key: str = Field(description="shown only now; the bank keeps a hash")


class LearnerRequest(BaseModel):
    learner_id: str
    national_id: str | None = Field(default=None, description="kept only as a keyed hash")
    employer: str | None = None

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"learner_id": "L-2026-0001", "employer": "xcmg"}]}
    )


class LearnerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    employer_id: str | None
    ledger_seq: int
    created_at: UtcTime


class FindingOut(BaseModel):
    severity: str
    code: str
    message: str
    at: str = Field(description="file:line:column")


class DraftOut(BaseModel):
    version: Version
    findings: list[FindingOut]


class Findings(BaseModel):
    errors: int
    warnings: int
    findings: list[FindingOut]


class CaseOut(BaseModel):
    name: str
    at: str
    passed: bool
    failures: list[str]


class TestRunOut(BaseModel):
    passed: int
    failed: int
    problems: list[str]
    cases: list[CaseOut]


class ImpactRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"against": 1, "full": False}]}
    )

    against: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="default: the pack's version in force today"
    )
    date: Date | None = Field(
        default=None, description="audit everyone on this day (default: each enrolment's)"
    )
    full: bool = Field(
        default=False, description="every enrolled learner, not only those the change can touch"
    )


class PublishRequest(BaseModel):
    effective_from: dt.date

    model_config = ConfigDict(json_schema_extra={"examples": [{"effective_from": "2026-09-01"}]})


class SectionDiff(BaseModel):
    section: str
    added: list[str]
    removed: list[str]
    changed: list[dict[str, Any]]


class VersionDiff(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: int = Field(alias="from")
    to: int
    pack_fields_changed: list[str]
    sections: list[SectionDiff]


class ExceptionRequest(BaseModel):
    """An exception the institution grants a learner in one of its programmes: a waiver of a
    course or requirement, a substitution (``outcome`` counts for a course), or credit by
    petition (a course, or ``credits`` in a category)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "substitution",
                    "programme": "ouc-mechatronics-associate",
                    "target_kind": "course",
                    "target": "MECH-1001",
                    "outcome": 12,
                    "reason": "CAD training at work covers the course, assessed by the faculty",
                }
            ]
        },
    )

    kind: ExceptionKind
    programme: Ident
    target_kind: ExceptionTarget
    target: Ident
    reason: str = Field(min_length=1, max_length=500)
    date: Date | None = Field(
        default=None, description="the programme as in force on this day (default: today)"
    )
    outcome: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="the bank's number of the outcome"
    )
    credits: Decimal | None = Field(
        default=None, gt=0, le=300, max_digits=12, decimal_places=6, description="petitions"
    )


class ExceptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    learner_id: str
    kind: str
    programme: str
    target_kind: str
    target: str
    institution: str
    outcome: int | None
    credits: Decimal | None
    reason: str
    actor: str
    created_at: UtcTime
    withdrawn_at: UtcTime | None
    withdrawn_by: str | None
    withdrawn_reason: str | None
