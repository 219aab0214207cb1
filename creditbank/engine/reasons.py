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
    NOT_EXEMPTABLE = "not_exemptable"
    BUNDLE_INCOMPLETE = "bundle_incomplete"
    NO_RULE = "no_rule"
    CAP_REACHED = "cap_reached"
    USED_ELSEWHERE = "used_elsewhere"
    NOT_NEEDED = "not_needed"


SEVERITY: dict[Reason, int] = {reason: rank for rank, reason in enumerate(Reason)}
"""The documented order of reasons (rules/README.md, "Refusal reasons"): an outcome refused for
several reasons reports them all, the earliest in this order first (the primary reason).

What the outcome is comes first (lifecycle, issuer, accreditation, exclusions, age), then what
it falls short of (grade, rung, hours, overlap, other conditions), then sameness (subsumed,
duplicate), then the programme's refusals (``rejected``, ``not_exemptable``), then what is
missing around it (``bundle_incomplete``, ``no_rule``), then what the allocation did with it."""
