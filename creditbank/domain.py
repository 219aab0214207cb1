"""Value types shared by every layer: kinds of outcome, issuers, labels, the outcome itself.

Credits are ``Decimal``, never float: a transcript must add up to the same figure on every
machine. Everything here is immutable and has no I/O.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Credits = Decimal
Ident = Annotated[str, StringConstraints(min_length=1, max_length=120, pattern=r"^[^\s]+$")]


class OutcomeKind(StrEnum):
    """The kinds of learning outcome a bank records; each has its own attributes."""

    ACADEMIC_COURSE = "academic_course"
    SKILL_CERTIFICATE = "skill_certificate"
    VOCATIONAL_QUALIFICATION = "vocational_qualification"
    TRAINING_CERTIFICATE = "training_certificate"
    ENTERPRISE_TRAINING = "enterprise_training"
    COMPETITION_AWARD = "competition_award"
    WORK_EXPERIENCE = "work_experience"


class IssuerType(StrEnum):
    """Who issued an outcome; rules and caps can select on it."""

    UNIVERSITY = "university"
    OPEN_UNIVERSITY = "open_university"
    VOCATIONAL_COLLEGE = "vocational_college"
    ENTERPRISE = "enterprise"
    SKILL_EVALUATION_BODY = "skill_evaluation_body"
    TRAINING_PROVIDER = "training_provider"
    EXAM_AUTHORITY = "exam_authority"
    COMPETITION_ORGANISER = "competition_organiser"
    GOVERNMENT = "government"


class Delivery(StrEnum):
    """How a course or training was delivered (caps on online certificates select on it)."""

    IN_PERSON = "in_person"
    ONLINE = "online"
    BLENDED = "blended"


class OutcomeStatus(StrEnum):
    """Lifecycle: submitted -> verified -> recognised, or rejected, or later revoked."""

    SUBMITTED = "submitted"
    VERIFIED = "verified"
    RECOGNISED = "recognised"
    REJECTED = "rejected"
    REVOKED = "revoked"


class Lang(StrEnum):
    """Languages every label and explanation exists in."""

    ZH = "zh"
    EN = "en"


class Label(BaseModel):
    """A name a person reads, in Chinese and English; one may be missing, never both."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    zh: str | None = None
    en: str | None = None

    @model_validator(mode="after")
    def _one_language_at_least(self) -> Label:
        if not self.zh and not self.en:
            raise ValueError("a name needs at least one of 'zh' or 'en'")
        return self

    def text(self, lang: Lang | str) -> str:
        """The name in ``lang``, falling back to the other language.

        >>> Label(zh="高级工").text("en")
        '高级工'
        """
        first, second = (self.zh, self.en) if lang == Lang.ZH else (self.en, self.zh)
        return first or second or ""


class Outcome(BaseModel):
    """A learner's learning outcome as the engine sees it; only the kind's attributes are set.

    ``date`` is when it was obtained (for a period, its end); ``start_date`` is optional.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Ident
    kind: OutcomeKind
    issuer: Ident
    date: dt.date
    start_date: dt.date | None = None
    status: OutcomeStatus = OutcomeStatus.VERIFIED
    title: str | None = Field(default=None, max_length=300)
    code: str | None = Field(default=None, max_length=60)
    credits: Decimal | None = Field(default=None, ge=0, le=300)
    grade: str | None = Field(default=None, max_length=20)
    score: Decimal | None = Field(default=None, ge=0, le=100)
    level: int | None = Field(default=None, ge=1, le=12)
    hours: Decimal | None = Field(default=None, gt=0, le=10000)
    occupation: str | None = Field(default=None, max_length=60)
    rung: str | None = Field(default=None, max_length=60)
    certificate_number: str | None = Field(default=None, max_length=80)
    programme: str | None = Field(default=None, max_length=120)
    field: str | None = Field(default=None, max_length=60)
    assessed: bool | None = None
    delivery: Delivery | None = None
    tier: str | None = Field(default=None, max_length=40)
    rank: int | None = Field(default=None, ge=1, le=1000)
    years: Decimal | None = Field(default=None, ge=0, le=60)
    exam_based: bool = True
    requires_degree: bool = False

    @model_validator(mode="after")
    def _dates_in_order(self) -> Outcome:
        if self.start_date and self.start_date > self.date:
            raise ValueError("start_date is after date (the date the outcome was obtained)")
        return self
