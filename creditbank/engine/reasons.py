"""Why an outcome was refused or left unused: a closed set of codes, each one sentence."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Refusal and non-use reasons; ``creditbank.engine.explain`` renders each in zh and en."""

    NOT_VERIFIED = "not_verified"
    UNKNOWN_ISSUER = "unknown_issuer"
    ISSUER_NOT_ACCREDITED = "issuer_not_accredited"
    EXCLUDED = "excluded"
    EXPIRED = "expired"
    BELOW_GRADE = "below_grade"
    BELOW_RUNG = "below_rung"
    BELOW_HOURS = "below_hours"
    INSUFFICIENT_OVERLAP = "insufficient_overlap"
    GRADE_NOT_ON_SCALE = "grade_not_on_scale"
    CONDITIONS_NOT_MET = "conditions_not_met"
    SUBSUMED = "subsumed"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    BUNDLE_INCOMPLETE = "bundle_incomplete"
    NO_RULE = "no_rule"
    CAP_REACHED = "cap_reached"
    USED_ELSEWHERE = "used_elsewhere"
    NOT_NEEDED = "not_needed"


SEVERITY: dict[Reason, int] = {reason: rank for rank, reason in enumerate(Reason)}
"""When several reasons apply, the earliest in this order is the one reported."""
