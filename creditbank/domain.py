"""Value types shared by every layer: kinds of outcome, issuers, labels, the outcome itself.

Credits are ``Decimal``, never float: a transcript must add up to the same figure on every
machine. Everything here is immutable and has no I/O.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)

from creditbank.text import INVISIBLE, printable

Credits = Decimal
IDENT_MAX = 120
"""Characters in an identifier, counted after normalisation (``normal_ident``); the
database columns that hold identifiers are this wide."""


def normal_ident(value: str) -> str:
    """An identifier (a learner's, an outcome's, an external id) in the one form the bank
    keeps: Unicode NFKC, so that full-width ``Ｌ１`` and ``L1`` are one id; refused if it is
    empty, longer than ``IDENT_MAX`` after normalisation, or holds a space, a control
    character or an invisible one (zero-width, bidirectional override, other formatting
    characters), which would make two ids look alike or reorder what is printed around them.
    The check is Python's, so SQLite (which does not enforce VARCHAR widths) and PostgreSQL
    see the same ids.

    >>> normal_ident("Ｌ－０００１")
    'L-0001'
    >>> normal_ident("L1\\u202e")
    Traceback (most recent call last):
    ...
    ValueError: holds an invisible formatting character (\\u202e, zero-width or bidirectional) at character 3
    """
    if not value.isascii():
        value = unicodedata.normalize("NFKC", value)
    hidden = None if value.isascii() else INVISIBLE.search(value)
    if 0 < len(value) <= IDENT_MAX and value.isprintable() and " " not in value and not hidden:
        return value
    if not value:
        raise ValueError("must not be empty")
    if len(value) > IDENT_MAX:
        raise ValueError(
            f"has {len(value)} characters (after Unicode NFKC normalisation); at most {IDENT_MAX}"
        )
    position, char = next(
        (i, c)
        for i, c in enumerate(value, 1)
        if c == " " or not c.isprintable() or INVISIBLE.match(c)
    )
    if char.isspace():
        what = "a space" if char == " " else f"white space ({printable(char)})"
    elif unicodedata.category(char) == "Cc":
        what = f"a control character ({printable(char)})"
    elif unicodedata.category(char) == "Cf":
        what = f"an invisible formatting character ({printable(char)}, zero-width or bidirectional)"
    elif INVISIBLE.match(char):
        what = f"an invisible character ({printable(char)}, which shows as nothing)"
    else:
        what = f"a character that cannot be shown ({printable(char)})"
    raise ValueError(f"holds {what} at character {position}")


Ident = Annotated[
    str,
    AfterValidator(normal_ident),
    WithJsonSchema(
        {"type": "string", "minLength": 1, "maxLength": IDENT_MAX, "pattern": r"^[^\s]+$"}
    ),
]
"""An identifier: see ``normal_ident``."""


def iso_date(value: Any) -> Any:
    """A date as the bank takes it: text written ``YYYY-MM-DD`` (or a ``date``). Without this
    pydantic's lax mode would read a number, or text of digits, as a Unix time (``1704067200``
    is 2024-01-01), and text with a time of day as its date."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            if len(value) == 10:
                return dt.date.fromisoformat(value)
        except ValueError:
            pass
        shown = printable(value[:40]) + ("..." if len(value) > 40 else "")
        raise ValueError(f"'{shown}' is not a date written YYYY-MM-DD")
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        raise ValueError("give the date as text written YYYY-MM-DD, not as a number")
    raise ValueError("give the date as text written YYYY-MM-DD")


Date = Annotated[dt.date, BeforeValidator(iso_date)]
"""A calendar date, given as ``YYYY-MM-DD`` text (see ``iso_date``)."""


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
        first, second = (self.zh, self.en) if lang == "zh" else (self.en, self.zh)
        return first or second or ""


class Outcome(BaseModel):
    """A learner's learning outcome as the engine sees it; only the kind's attributes are set.

    ``date`` is when it was obtained (for a period, its end); ``start_date`` is optional.
    Decimals have at most 12 digits, 6 after the point: no figure an outcome carries needs
    more, and a value such as ``1e-999999999`` is refused where it is given.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Ident
    kind: OutcomeKind
    issuer: Ident
    date: Date
    start_date: Date | None = None
    status: OutcomeStatus = OutcomeStatus.VERIFIED
    title: str | None = Field(default=None, max_length=300)
    code: str | None = Field(default=None, max_length=60)
    credits: Decimal | None = Field(default=None, ge=0, le=300, max_digits=12, decimal_places=6)
    grade: str | None = Field(default=None, max_length=20)
    score: Decimal | None = Field(default=None, ge=0, le=100, max_digits=12, decimal_places=6)
    level: int | None = Field(default=None, ge=1, le=12)
    hours: Decimal | None = Field(default=None, gt=0, le=10000, max_digits=12, decimal_places=6)
    occupation: str | None = Field(default=None, max_length=60)
    rung: str | None = Field(default=None, max_length=60)
    certificate_number: str | None = Field(default=None, max_length=80)
    programme: str | None = Field(default=None, max_length=120)
    field: str | None = Field(default=None, max_length=60)
    assessed: bool | None = None
    delivery: Delivery | None = None
    tier: str | None = Field(default=None, max_length=40)
    rank: int | None = Field(default=None, ge=1, le=1000)
    years: Decimal | None = Field(default=None, ge=0, le=60, max_digits=12, decimal_places=6)
    exam_based: bool = True
    requires_degree: bool = False

    @model_validator(mode="after")
    def _dates_in_order(self) -> Outcome:
        if self.start_date and self.start_date > self.date:
            raise ValueError("start_date is after date (the date the outcome was obtained)")
        return self


class ExceptionKind(StrEnum):
    """What an institution grants a learner beyond the rules (a registrar's exception)."""

    WAIVER = "waiver"  # a course or a requirement is no longer required; no credit
    SUBSTITUTION = "substitution"  # one of the learner's outcomes counts for a course
    PETITION = "petition"  # credit granted by petition: a course, or credits in a category


class ExceptionTarget(StrEnum):
    """What an exception is granted on, in the programme it was granted for."""

    COURSE = "course"
    REQUIREMENT = "requirement"
    CATEGORY = "category"


_EXCEPTION_SHAPES: dict[ExceptionKind, tuple[set[ExceptionTarget], str, str]] = {
    ExceptionKind.WAIVER: ({ExceptionTarget.COURSE, ExceptionTarget.REQUIREMENT}, "no", "no"),
    ExceptionKind.SUBSTITUTION: ({ExceptionTarget.COURSE}, "yes", "no"),
    ExceptionKind.PETITION: ({ExceptionTarget.COURSE, ExceptionTarget.CATEGORY}, "may", "cat"),
}
"""Per kind: the targets it takes, whether it names an outcome (yes, no, may) and whether it
gives ``credits`` (no; cat: exactly when its target is a category)."""


class LearnerException(BaseModel):
    """An institution's decision for one learner that the rules would not make: a waived
    course or requirement, a substitution (outcome X counts for course Y), or credit by
    petition. The audit takes them as inputs and applies them before the rules' allocation
    (``engine/exceptions.py``); ``programme`` is the one it was granted for, and a course
    target (``institution`` and code) follows the learner to another programme or version
    through course equivalences."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Ident
    kind: ExceptionKind
    programme: Ident
    target_kind: ExceptionTarget
    target: Ident
    institution: Ident | None = None
    outcome: Ident | None = None
    credits: Decimal | None = Field(default=None, gt=0, le=300, max_digits=12, decimal_places=6)
    reason: str = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _shape_of_kind(self) -> LearnerException:
        targets, outcome, credits = _EXCEPTION_SHAPES[self.kind]
        kind, target = self.kind.value, self.target_kind.value
        if self.target_kind not in targets:
            allowed = " or ".join(sorted(t.value for t in targets))
            raise ValueError(f"a {kind} is granted on a {allowed}, not a {target}")
        is_course = self.target_kind is ExceptionTarget.COURSE
        if is_course and self.institution is None:
            raise ValueError("a course target needs the 'institution' whose catalogue has it")
        if not is_course and self.institution is not None:
            raise ValueError(f"a {target} has no 'institution': remove it")
        if outcome == "yes" and self.outcome is None:
            raise ValueError(f"a {kind} names the learner's 'outcome' that counts for the course")
        if outcome == "no" and self.outcome is not None:
            raise ValueError(f"a {kind} uses no outcome: remove 'outcome'")
        wants_credits = credits == "cat" and self.target_kind is ExceptionTarget.CATEGORY
        if wants_credits and self.credits is None:
            raise ValueError("credit by petition in a category says how many 'credits'")
        if not wants_credits and self.credits is not None:
            raise ValueError(f"a {kind} on a {target} takes the course's credits: remove 'credits'")
        return self
