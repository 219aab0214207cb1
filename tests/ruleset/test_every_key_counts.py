"""No key of the rule format is parsed and then ignored: changing any key changes something.

The fields are enumerated from the models (RuleFile and every model it reaches), so a new key
without an entry here fails :func:`test_every_key_has_a_scenario`. Each scenario changes one
key's value in the pack of ``every_key_pack.py`` (after an optional ``setup`` applied to both
sides) and must change what the engine or the checker says: the audit of the learner (without
its digests), an equivalence answer, or a checker finding (without its position). The changed
pack must still be valid item by item (``RuleFile`` validates it), so a scenario cannot pass
by merely writing a value the schema refuses.

Keys that are only read by people (names, publication references) are listed in
:data:`FOR_PEOPLE`: they must change the rule-set digest that every decision records, and
nothing else. :data:`PENDING` lists keys whose meaning another change is settling.
"""

from __future__ import annotations

import copy
import dataclasses
import typing
from dataclasses import dataclass, field
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from creditbank.credentials import intake
from creditbank.engine.audit import compute_audit
from creditbank.engine.equivalence import counts_as_for_course, counts_toward
from creditbank.errors import CreditBankError
from creditbank.ruleset import schema
from creditbank.ruleset.loader import check_sources
from tests.ruleset.every_key_pack import LEARNER, ON, PACK, badge

DROP = object()
"""A value that removes the key."""


@dataclass(frozen=True)
class Change:
    """Set ``path`` (dotted; list items by index) to ``value``, after ``setup`` on both sides."""

    path: str
    value: Any
    setup: dict[str, Any] = field(default_factory=dict)


def _models(root: type[BaseModel]) -> dict[str, type[BaseModel]]:
    """Every model reachable from ``root`` through its fields' annotations, by name."""
    found: dict[str, type[BaseModel]] = {}

    def inner(annotation: Any) -> list[type[BaseModel]]:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return [annotation]
        return [m for arg in typing.get_args(annotation) for m in inner(arg)]

    def walk(model: type[BaseModel]) -> None:
        if model.__name__ in found:
            return
        found[model.__name__] = model
        for info in model.model_fields.values():
            for sub in inner(info.annotation):
                walk(sub)

    walk(root)
    return found


MODELS = _models(schema.RuleFile)
KEYS = sorted((name, key) for name, model in MODELS.items() for key in model.model_fields)

P = "programmes.0"
TR_AWARD = "transfers.4.from.outcome"  # tr.award: {kind: competition_award, max_rank: 3}
DRAWING = "transfers.2.conditions"  # tr.drawing: {min_grade: C} for p2 (C) and p3 (B)
LIM = "limits.0"  # lim.enterprise: enterprise_training, max 3 credits
SUB = "limits.0.sub_limits.0"
RECENCY = "recency.0.scope"  # rcy.courses: academic_course within 8 years ('old' is not)
MINIMUM = f"{P}.source_minimums.0"  # from_courses: academic_course, 4 credits
WITH_SUB = {f"{LIM}.sub_limits": [{"max_credits": 2}]}
SHARE = {f"{LIM}.max_credits": DROP, f"{LIM}.max_share": 0.5}
ORDER = "limits.2"
IN_ORDER = {
    ORDER: {
        "id": "lim.order",
        "effective": {"from": "2020-01-01"},
        "programme": "mech",
        "scope": {"courses": ["M1", "M2", "M3"]},
        "max_credits": 5,
    }
}
"""At most 5 credits of M1 (4, u1 of 2021), M2 (3, lathe of 2023) and M3 (2, p2 and p3 of
2022): optimally M2 and M3 (5); in date order M1 first, then neither fits (4)."""
IN_ORDER_SUB = {
    ORDER: {
        **IN_ORDER[ORDER],
        "max_credits": 100,
        "sub_limits": [{"max_credits": 5}],
    }
}


def _limit_body(prefix: str, setup: dict[str, Any]) -> dict[tuple[str, str], Change]:
    """The measure keys of a limit or a sub-limit (``prefix``), with ``setup`` first."""
    share = {f"{prefix}.max_credits": DROP, f"{prefix}.max_share": 0.5}
    model = "Limit" if prefix == LIM else "LimitBody"
    return {
        (model, "scope"): Change(f"{prefix}.scope", {"delivery": ["online"]}, setup),
        (model, "max_credits"): Change(f"{prefix}.max_credits", 1, setup),
        (model, "max_share"): Change(f"{prefix}.max_share", 0.01, {**setup, **share}),
        (model, "pool"): Change(
            f"{prefix}.pool", ["M1", "M2"], {**setup, **share, f"{prefix}.pool": ["M3"]}
        ),
        (model, "max_count"): Change(
            f"{prefix}.max_count",
            0,
            {**setup, f"{prefix}.max_credits": DROP, f"{prefix}.max_count": 1},
        ),
        (model, "per"): Change(f"{prefix}.per", "kind", {**setup, f"{prefix}.per": "issuer"}),
        (model, "period"): Change(f"{prefix}.period", {"unit": "year"}, setup),
    }


SCENARIOS: dict[tuple[str, str], Change] = {
    # --- sections: each one's rules are used ---------------------------------------------
    **{("RuleFile", s): Change(s, []) for s in schema.SECTIONS},
    ("RuleFile", "pack"): Change("pack", DROP),
    # --- the pack and the frame -----------------------------------------------------------
    ("Pack", "id"): Change("pack.id", "other"),
    ("Pack", "framework"): Change("pack.framework", "eqf"),
    ("Pack", "accreditation_required_for"): Change("pack.accreditation_required_for", []),
    ("Pack", "duplicates"): Change("pack.duplicates", {"match_on": ["code"]}),
    ("Duplicates", "match_on"): Change("pack.duplicates.match_on", ["code"]),
    ("Duplicates", "abbreviations"): Change("pack.duplicates.abbreviations", {"CAM": "x"}),
    # px repeats p2 (code P2): kept, it is refused with its own reason; not kept, as a duplicate
    ("Duplicates", "keep"): Change("pack.duplicates.keep", "first"),
    # acme's accreditation ends 2024-12-31: on the application date its training is refused
    ("Pack", "accreditation_at"): Change("pack.accreditation_at", "application_date"),
    ("Pack", "fill"): Change("pack.fill", "chronological", IN_ORDER),
    ("Label", "en"): Change(f"{P}.name.en", "Mechanics"),
    ("Label", "zh"): Change(f"{P}.name.zh", "机械"),
    ("Framework", "id"): Change("frameworks.0.id", "eqf"),
    ("Framework", "levels"): Change("frameworks.0.levels", [{"level": 3, "name": {"en": "3"}}]),
    ("FrameworkLevel", "level"): Change("frameworks.0.levels.0.level", 7),
    ("Ladder", "id"): Change("ladders.0.id", "other", {"ladders.1": {
        "id": "other", "name": {"en": "Other"}, "framework": "nf",
        "rungs": [{"id": "a", "name": {"en": "A"}, "framework_level": 3},
                  {"id": "b", "name": {"en": "B"}, "framework_level": 4}]}}),
    ("Ladder", "framework"): Change("ladders.0.framework", "eqf"),
    ("Ladder", "rungs"): Change("ladders.0.rungs", [
        {"id": "junior", "name": {"en": "Junior"}, "framework_level": 3},
        {"id": "intermediate", "name": {"en": "Intermediate"}, "framework_level": 4}]),
    ("Ladder", "occupations"): Change("ladders.0.occupations", []),
    ("Ladder", "subsumes_lower"): Change("ladders.0.subsumes_lower", False),
    ("Rung", "id"): Change("ladders.0.rungs.2.id", "master"),
    ("Rung", "name"): Change("ladders.0.rungs.1.name", {"zh": "四级"}, {
        "ladders.0.rungs.1.aliases": []}),  # lathe1's rung is 四级
    ("Rung", "framework_level"): Change("ladders.0.rungs.2.framework_level", 6),
    ("Rung", "aliases"): Change("ladders.0.rungs.1.aliases", []),
    ("Occupation", "code"): Change("ladders.0.occupations.0.code", "turner"),
    ("Issuer", "id"): Change("issuers.4.id", "contests"),
    ("Issuer", "type"): Change("issuers.4.type", "enterprise"),
    ("Issuer", "accreditations"): Change("issuers.7.accreditations", []),
    # beta registers the key of its badges: the badge of every_key_pack.badge() is accepted
    ("Issuer", "badges"): Change("issuers.6.badges", DROP),
    ("BadgeIssuer", "id"): Change("issuers.6.badges.id", "https://beta.example/other"),
    ("BadgeIssuer", "keys"): Change(
        "issuers.6.badges.keys", ["z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"]
    ),
    ("BadgeIssuer", "kind"): Change("issuers.6.badges.kind", "enterprise_training"),
    ("BadgeIssuer", "by_type"): Change("issuers.6.badges.by_type", {"Course": "academic_course"}),
    ("Accreditation", "effective"): Change(
        "issuers.7.accreditations.0.effective", {"from": "2020-01-01", "to": "2024-06-30"}),
    ("Accreditation", "kinds"): Change("issuers.7.accreditations.0.kinds", ["competition_award"]),
    ("Effective", "from_"): Change("transfers.0.effective.from", "2025-07-01"),
    ("Effective", "to"): Change("transfers.0.effective.to", "2024-12-31"),
    ("GradeScale", "id"): Change("grade_scales.1.id", "letter"),
    ("GradeScale", "name"): Change("grade_scales.0.name", {"en": "ECTS"}),
    ("GradeScale", "grades"): Change("grade_scales.0.grades", ["F", "C", "B", "A"]),
    # --- catalogues and the programme ---------------------------------------------------------
    ("Catalogue", "institution"): Change("catalogues.1.institution", "polytechnic"),
    ("Catalogue", "courses"): Change("catalogues.2.courses", [
        {"code": "U1", "name": {"en": "Statics"}, "credits": 4}]),
    ("Course", "code"): Change("catalogues.0.courses.0.code", "M9"),
    ("Course", "name"): Change("catalogues.0.courses.0.name", {"en": "Statics"}),
    ("Course", "credits"): Change("catalogues.0.courses.0.credits", 3),
    ("Course", "level"): Change("catalogues.0.courses.0.level", 9),
    ("Course", "field"): Change("catalogues.0.courses.1.field", "machining"),
    ("Programme", "id"): Change(f"{P}.id", "mechanics"),
    ("Programme", "name"): Change(f"{P}.name", {"zh": "机械"}),
    ("Programme", "effective"): Change(f"{P}.effective.from", "2025-07-01"),
    ("Programme", "institution"): Change(f"{P}.institution", "poly"),
    ("Programme", "level"): Change(f"{P}.level", 9),
    ("Programme", "total_credits"): Change(f"{P}.total_credits", 30),
    ("Programme", "categories"): Change(f"{P}.categories.1", DROP),
    ("Programme", "courses"): Change(f"{P}.courses.5", DROP),
    ("Programme", "requirements"): Change(f"{P}.requirements", []),
    ("Programme", "source_minimums"): Change(f"{P}.source_minimums", []),
    ("Programme", "residency"): Change(f"{P}.residency", DROP),
    ("Residency", "min_credits"): Change(f"{P}.residency.min_credits", 9),
    # g1 (earned 2024-06) is before train2 (2024-09): with last, it no longer counts
    ("Residency", "last"): Change(f"{P}.residency.last", True),
    ("Programme", "statuses"): Change(f"{P}.statuses", []),
    ("Programme", "articulation"): Change(f"{P}.articulation", {"chain": False}),
    ("Category", "id"): Change(f"{P}.categories.3.id", "thesis"),
    ("Category", "name"): Change(f"{P}.categories.0.name", {"en": "Major"}),
    ("Category", "min_credits"): Change(f"{P}.categories.0.min_credits", 6),
    ("Category", "max_credits"): Change(f"{P}.categories.2.max_credits", 5),
    ("ProgrammeCourse", "code"): Change(f"{P}.courses.0.code", "M9"),
    ("ProgrammeCourse", "category"): Change(f"{P}.courses.5.category", "general"),
    ("ProgrammeCourse", "exemptable"): Change(f"{P}.courses.0.exemptable", False),
    ("Requirement", "id"): Change(f"{P}.requirements.0.id", "core"),
    ("Requirement", "name"): Change(f"{P}.requirements.0.name", {"en": "Core"}),
    ("Requirement", "courses"): Change(f"{P}.requirements.0.courses", ["M1", "M3"]),
    ("Requirement", "credits"): Change(f"{P}.requirements.2.credits", 30),
    ("Requirement", "exemptable"): Change(f"{P}.requirements.1.exemptable", False),
    ("SourceMinimum", "id"): Change(f"{MINIMUM}.id", "from_study"),
    ("SourceMinimum", "name"): Change(f"{MINIMUM}.name", {"en": "From study"}),
    ("SourceMinimum", "min_credits"): Change(f"{MINIMUM}.min_credits", 20),
    ("SourceMinimum", "count_in_programme"): Change(f"{MINIMUM}.count_in_programme", False),
    ("SourceMinimum", "kinds"): Change(f"{MINIMUM}.kinds", ["competition_award"]),
    ("SourceMinimum", "issuer_types"): Change(f"{MINIMUM}.issuer_types", ["university"]),
    ("SourceMinimum", "issuers"): Change(f"{MINIMUM}.issuers", ["poly"]),
    ("SourceMinimum", "accredited"): Change(f"{MINIMUM}.accredited", True),
    ("SourceMinimum", "fields"): Change(f"{MINIMUM}.fields", ["mech"]),
    ("SourceMinimum", "delivery"): Change(f"{MINIMUM}.delivery", ["online"]),
    ("SourceMinimum", "min_level"): Change(f"{MINIMUM}.min_level", 6),
    ("SourceMinimum", "max_level"): Change(f"{MINIMUM}.max_level", 4),
    ("StatusThreshold", "id"): Change(f"{P}.statuses.0.id", "started"),
    ("StatusThreshold", "at_credits"): Change(f"{P}.statuses.0.at_credits", 30),
    ("Articulation", "chain"): Change(f"{P}.articulation.chain", False),
    ("Articulation", "max_depth"): Change(f"{P}.articulation.max_depth", 1),
    ("Articulation", "min_grade"): Change(f"{P}.articulation.min_grade", "C"),
    ("Articulation", "min_overlap"): Change(f"{P}.articulation.min_overlap", 0.9),
    # --- recognition -----------------------------------------------------------------------------
    ("Recognition", "id"): Change("recognitions.0.id", "rec.lathe_certificates"),
    ("Recognition", "effective"): Change("recognitions.0.effective.to", "2024-12-31"),
    ("Recognition", "match"): Change("recognitions.0.match", {"kind": "work_experience"}),
    ("Recognition", "conditions"): Change("recognitions.1.conditions", {"min_hours": 30}),
    ("Recognition", "credits"): Change("recognitions.5.credits", 3),
    ("Recognition", "by_rung"): Change("recognitions.0.by_rung.senior", 5),
    ("Recognition", "by_grade"): Change("recognitions.2.by_grade.gold", 4),
    ("Recognition", "per_hours"): Change("recognitions.1.per_hours", {"hours": 8}),
    ("Recognition", "ratio"): Change("recognitions.3.ratio", {"factor": "1/2"}),
    ("Recognition", "level"): Change("recognitions.3.level", 6),
    ("Recognition", "field"): Change("recognitions.0.field", "turning"),
    ("Recognition", "priority"): Change("recognitions.4.priority", 1),
    ("HoursRate", "hours"): Change("recognitions.1.per_hours.hours", 8),
    ("HoursRate", "credits"): Change("recognitions.1.per_hours.credits", 2),
    ("HoursRate", "rounding"): Change(
        "recognitions.1.per_hours.rounding", "up", {"recognitions.1.per_hours.step": 1}),
    ("HoursRate", "step"): Change("recognitions.1.per_hours.step", 1),
    ("HoursRate", "max"): Change("recognitions.1.per_hours.max", 2),
    ("CreditRatio", "factor"): Change("recognitions.3.ratio.factor", "1/2"),
    ("CreditRatio", "rounding"): Change("recognitions.3.ratio.rounding", "up"),
    ("CreditRatio", "step"): Change("recognitions.3.ratio.step", 1),
    ("Placement", "id"): Change("placements.0.id", "rec.cert"),
    ("Placement", "effective"): Change("placements.0.effective.from", "2025-07-01"),
    ("Placement", "match"): Change("placements.0.match", {"kind": "work_experience"}),
    ("Placement", "level"): Change("placements.0.level", 3),
    # --- selectors and conditions ------------------------------------------------------------
    ("OutcomeMatch", "kind"): Change(f"{TR_AWARD}.kind", "work_experience"),
    ("OutcomeMatch", "issuer"): Change(f"{TR_AWARD}.issuer", "acme"),
    ("OutcomeMatch", "issuer_type"): Change(f"{TR_AWARD}.issuer_type", "university"),
    ("OutcomeMatch", "code"): Change(f"{TR_AWARD}.code", "X1"),
    ("OutcomeMatch", "title"): Change(f"{TR_AWARD}.title", "Robotics"),
    ("OutcomeMatch", "occupation"): Change(f"{TR_AWARD}.occupation", "lathe"),
    ("OutcomeMatch", "rung"): Change(f"{TR_AWARD}.rung", "senior"),
    ("OutcomeMatch", "min_rung"): Change(f"{TR_AWARD}.min_rung", "senior"),
    ("OutcomeMatch", "programme"): Change(f"{TR_AWARD}.programme", "robotics"),
    ("OutcomeMatch", "field"): Change(f"{TR_AWARD}.field", "robotics"),
    ("OutcomeMatch", "delivery"): Change(f"{TR_AWARD}.delivery", "online"),
    ("OutcomeMatch", "tier"): Change(f"{TR_AWARD}.tier", "national"),
    ("OutcomeMatch", "max_rank"): Change(f"{TR_AWARD}.max_rank", 1),
    ("OutcomeMatch", "min_level"): Change(f"{TR_AWARD}.min_level", 6),
    ("OutcomeMatch", "exam_based"): Change(f"{TR_AWARD}.exam_based", False),
    ("OutcomeMatch", "requires_degree"): Change(f"{TR_AWARD}.requires_degree", True),
    ("Condition", "all"): Change(DRAWING, {"all": [{"min_grade": "C"}, {"min_grade": "B"}]}),
    ("Condition", "any"): Change(DRAWING, {"any": [{"min_grade": "A"}, {"min_hours": 1}]}),
    ("Condition", "not_"): Change(DRAWING, {"not": {"min_grade": "C"}}),
    ("Condition", "min_grade"): Change(f"{DRAWING}.min_grade", "B"),
    ("Condition", "min_score"): Change(DRAWING, {"min_score": 50}),
    ("Condition", "min_overlap"): Change(
        f"{DRAWING}.min_overlap", 0.5, {DRAWING: {"min_overlap": 0.3}, "transfers.2.overlap": 0.4}
    ),
    ("Condition", "issuer_accredited"): Change(DRAWING, {"issuer_accredited": True}),
    ("Condition", "max_age_years"): Change(
        f"{DRAWING}.max_age_years", 2, {DRAWING: {"max_age_years": 5}}),
    ("Condition", "obtained_after"): Change(DRAWING, {"obtained_after": "2022-07-01"}),
    ("Condition", "obtained_before"): Change(DRAWING, {"obtained_before": "2022-05-01"}),
    ("Condition", "min_hours"): Change(DRAWING, {"min_hours": 10}),
    ("Condition", "min_years"): Change(DRAWING, {"min_years": 1}),
    ("Condition", "min_rung"): Change(DRAWING, {"min_rung": "junior"}),
    ("Condition", "assessed"): Change(DRAWING, {"assessed": True}),
    # --- exclusions and transfers --------------------------------------------------------------
    ("Exclusion", "id"): Change("exclusions.0.id", "ex.without_exam"),
    ("Exclusion", "effective"): Change("exclusions.0.effective.from", "2025-07-01"),
    ("Exclusion", "match"): Change("exclusions.0.match.exam_based", True),
    ("Exclusion", "conditions"): Change(
        "exclusions.0.conditions", {"obtained_before": "2023-01-01"}),
    ("Exclusion", "programme"): Change("exclusions.0.programme", ["robotics"]),
    ("Exclusion", "reason"): Change("exclusions.0.reason", {"en": "not examined"}),
    ("Transfer", "id"): Change("transfers.0.id", "tr.lathe_senior"),
    ("Transfer", "effective"): Change("transfers.0.effective.from", "2025-07-01"),
    ("Transfer", "programme"): Change("transfers.0.programme", "robotics"),
    ("Transfer", "from_"): Change("transfers.4.from", {"outcome": {"kind": "work_experience"}}),
    ("Transfer", "to"): Change("transfers.4.to", {"category": ["elective"], "credits": 2}),
    ("Transfer", "conditions"): Change("transfers.2.conditions", {"min_grade": "A"}),
    ("Transfer", "overlap"): Change(
        "transfers.2.overlap", 0.4, {DRAWING: {"min_overlap": 0.5}, "transfers.2.overlap": 0.6}),
    ("Transfer", "priority"): Change("transfers.1.priority", 1),
    # lathe -> M2 (mech) and G2: whole, it crowds u1's M1 out of the mech-field cap; each,
    # G2 alone goes beside M1
    ("Transfer", "grant"): Change(
        "transfers.0.grant", "each", {"transfers.0.to": {"courses": ["M2", "G2"]}}
    ),
    ("Transfer", "grade_mark"): Change("transfers.5.grade_mark", {"en": "credited"}),
    ("TransferSource", "outcome"): Change("transfers.4.from.outcome", {"kind": "work_experience"}),
    ("TransferSource", "all_of"): Change(
        "transfers.2.from.all_of.1", {"kind": "academic_course", "code": "P4"}),
    ("TransferTarget", "courses"): Change("transfers.5.to.courses", ["E2"]),
    ("TransferTarget", "category"): Change("transfers.4.to.category", ["elective"]),
    ("TransferTarget", "credits"): Change("transfers.5.to.credits", 2),
    ("TransferTarget", "reject"): Change(
        "transfers.4.to", {"reject": True, "reason": {"en": "no"}}),
    ("TransferTarget", "reason"): Change("transfers.6.to.reason", {"en": "too short"}),
    # --- equivalences -------------------------------------------------------------------------
    ("Equivalence", "id"): Change("equivalences.0.id", "eq.mechanics"),
    ("Equivalence", "effective"): Change("equivalences.0.effective.from", "2025-07-01"),
    ("Equivalence", "from_"): Change("equivalences.0.from", "poly:P2"),
    ("Equivalence", "to"): Change("equivalences.0.to", "ou:M2"),
    ("Equivalence", "both_ways"): Change("equivalences.3.both_ways", False),
    ("Equivalence", "chain"): Change("equivalences.1.chain", False),
    ("Equivalence", "max_depth"): Change("equivalences.1.max_depth", 1),
    ("Equivalence", "overlap"): Change("equivalences.1.overlap", 0.4),
    ("Equivalence", "ratio"): Change("equivalences.2.ratio", 1),
    # --- limits -------------------------------------------------------------------------------
    ("Limit", "id"): Change(f"{LIM}.id", "lim.training"),
    ("Limit", "effective"): Change(f"{LIM}.effective.from", "2025-07-01"),
    ("Limit", "programme"): Change(f"{LIM}.programme", "robotics"),
    ("Limit", "sub_limits"): Change(f"{LIM}.sub_limits", [{"max_credits": 1}]),
    **_limit_body(LIM, {}),
    ("LimitBody", "id"): Change(f"{SUB}.id", "lim.enterprise.small", WITH_SUB),
    **_limit_body(SUB, WITH_SUB),
    **{
        ("LimitScope", key): Change(f"{LIM}.scope.{key}", value)
        for key, value in {
            "kinds": ["training_certificate"],
            "issuer_types": ["university"],
            "issuers": ["beta"],
            "accredited": False,
            "fields": ["mech"],
            "delivery": ["online"],
            "min_level": 3,
            "max_level": 3,
            "categories": ["core"],
            "courses": ["M1"],
            "rules": ["tr.award"],
        }.items()
    },
    ("Limit", "fill"): Change(f"{ORDER}.fill", "chronological", IN_ORDER),
    ("LimitBody", "fill"): Change(f"{ORDER}.sub_limits.0.fill", "chronological", IN_ORDER_SUB),
    # train2 (2024-09-01) starts a new year from 09-01: the 3-credit yearly cap takes it too
    ("Period", "year_starts"): Change(
        f"{LIM}.period.year_starts", "09-01", {f"{LIM}.period": {"unit": "year"}}
    ),
    ("Period", "unit"): Change(f"{LIM}.period.unit", "semester", {f"{LIM}.period.unit": "year"}),
    ("Period", "semester_starts"): Change(
        f"{LIM}.period.semester_starts", ["04-01"], {f"{LIM}.period.unit": "semester"}),
    ("Period", "windows"): Change(f"{LIM}.period.windows.0.to", "2024-06-30", {
        f"{LIM}.period": {"windows": [{"from": "2024-01-01", "to": "2024-12-31"}]}}),
    ("Window", "name"): Change(f"{LIM}.period.windows.0.name", {"en": "first"}, {
        f"{LIM}.period": {"windows": [{"from": "2024-01-01", "to": "2024-12-31"}]}}),
    ("Window", "from_"): Change(f"{LIM}.period.windows.0.from", "2024-06-01", {
        f"{LIM}.period": {"windows": [{"from": "2024-01-01", "to": "2024-12-31"}]}}),
    ("Window", "to"): Change(f"{LIM}.period.windows.0.to", "2024-06-30", {
        f"{LIM}.period": {"windows": [{"from": "2024-01-01", "to": "2024-12-31"}]}}),
    # --- recency, sameness -------------------------------------------------------------------
    ("Recency", "id"): Change("recency.0.id", "rcy.academic"),
    ("Recency", "effective"): Change("recency.0.effective.from", "2025-07-01"),
    ("Recency", "programme"): Change("recency.0.programme", "robotics"),
    ("Recency", "scope"): Change(RECENCY, {"kinds": ["enterprise_training"]}),
    ("Recency", "max_age_years"): Change("recency.0.max_age_years", 11),
    ("Recency", "obtained_after"): Change("recency.0.obtained_after", "2022-01-01"),
    ("Recency", "obtained_before"): Change("recency.0.obtained_before", "2020-01-01"),
    **{
        ("OutcomeScope", key): Change(f"{RECENCY}.{key}", value)
        for key, value in {
            "kinds": ["enterprise_training"],
            "issuer_types": ["university"],
            "issuers": ["uni"],
            "accredited": True,
            "fields": ["mech"],
            "delivery": ["online"],
            "min_level": 6,
            "max_level": 4,
        }.items()
    },
    ("Subsumption", "id"): Change("subsumptions.0.id", "sub.awards"),
    ("Subsumption", "effective"): Change("subsumptions.0.effective.from", "2025-07-01"),
    ("Subsumption", "levels"): Change("subsumptions.0.levels.0.max_rank", 3),
    ("Substitute", "id"): Change("substitutes.0.id", "rec.cert"),
    ("Substitute", "effective"): Change("substitutes.0.effective.from", "2025-07-01"),
    ("Substitute", "programme"): Change("substitutes.0.programme", "robotics"),
    ("Substitute", "courses"): Change("substitutes.0.courses", ["E2", "M3"]),
}  # fmt: skip

FOR_PEOPLE: set[tuple[str, str]] = {
    *(
        (model, key)
        for model in MODELS
        for key in ("name", "reference", "description")
        if key in MODELS[model].model_fields and (model, key) not in SCENARIOS
    ),
    ("Rung", "implies_education"),  # recorded for recruitment and further study, not used
    ("Placement", "education_level"),  # idem
    ("Course", "hours"),  # contact hours, for people; recognitions use the outcome's hours
}
"""Keys read by people only: they change the rule-set digest (recorded in every decision)
and nothing the engine decides. A name that a decision shows (programme, category, course,
requirement, source minimum, a window's) has a scenario instead."""

PENDING: set[tuple[str, str]] = set()
"""Keys whose meaning another change is settling; each gets a scenario when it lands."""


def test_every_key_has_a_scenario() -> None:
    """A key added to the schema fails here until it has a scenario (or is for people)."""
    missing = set(KEYS) - set(SCENARIOS) - FOR_PEOPLE - PENDING
    assert not missing, f"keys without a scenario: {sorted(missing)}"
    unknown = (set(SCENARIOS) | FOR_PEOPLE | PENDING) - set(KEYS)
    assert not unknown, f"scenarios for keys the schema does not have: {sorted(unknown)}"


def _set(doc: Any, path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node = doc
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    if isinstance(node, list):
        index = int(last)
        if value is DROP:
            del node[index]
        elif index == len(node):
            node.append(copy.deepcopy(value))
        else:
            node[index] = copy.deepcopy(value)
    elif value is DROP:
        del node[last]
    else:
        node[last] = copy.deepcopy(value)


def _pack(changes: dict[str, Any]) -> dict[str, Any]:
    doc = yaml.safe_load(PACK)
    for path, value in changes.items():
        _set(doc, path, value)
    return doc


def _observe(doc: dict[str, Any]) -> tuple[Any, ...]:
    """What the pack decides for the learner and says about itself, without digests."""
    report = check_sources({"pack.yaml": yaml.safe_dump(doc, allow_unicode=True)})
    findings = tuple(f"{f.severity} {f.code} {f.key} {f.message}" for f in report.findings)
    if report.ruleset is None:
        return (findings,)
    try:
        decision = compute_audit(report.ruleset, LEARNER, "mech", ON)
    except CreditBankError as exc:
        return findings, str(exc)
    audit = dataclasses.replace(decision, ruleset_digest="", digest="").canonical()
    rules = report.ruleset.at(ON)
    queries = [
        (a.source, a.target, a.credits, tuple(r.id for r in a.chain), a.note)
        for source in ("uni:U1", "uni:U2", "poly:P1")
        for a in counts_as_for_course(rules, "mech", source)
    ] + [
        (a.source, a.target, a.credits, tuple(r.id for r in a.chain), a.note)
        for a in counts_toward(rules, "mech", "M1")
    ]
    return findings, audit, tuple(queries), _badge_verdict(report.ruleset)


def _badge_verdict(ruleset: Any) -> str:
    """What the bank says of beta's badge: the outcome it becomes, or why it is refused."""
    issuers = list(ruleset.at(ON).issuers.values())
    try:
        return repr(intake.accept(badge(), issuers, "L1", ON).row)
    except intake.Refused as exc:
        return str(exc)


def test_the_pack_is_clean() -> None:
    findings = _observe(_pack({}))[0]
    assert findings == ()


@pytest.mark.parametrize("key", sorted(SCENARIOS), ids=lambda k: ".".join(k))
def test_changing_the_key_changes_a_decision_or_a_finding(key: tuple[str, str]) -> None:
    change = SCENARIOS[key]
    before = _pack(change.setup)
    after = _pack({**change.setup, change.path: change.value})
    assert before != after, "the scenario changes nothing in the pack"
    for doc in (before, after):
        schema.RuleFile.model_validate(doc)  # a value the schema refuses proves nothing
    assert _observe(before) != _observe(after)


_FOR_PEOPLE_PATHS = {
    "Pack": "pack",
    "Framework": "frameworks.0",
    "FrameworkLevel": "frameworks.0.levels.0",
    "Ladder": "ladders.0",
    "Rung": "ladders.0.rungs.2",
    "Occupation": "ladders.0.occupations.0",
    "Issuer": "issuers.0",
    "Accreditation": "issuers.7.accreditations.0",
    "Course": "catalogues.0.courses.0",
    "Programme": P,
    "StatusThreshold": f"{P}.statuses.0",
    "Recognition": "recognitions.0",
    "Placement": "placements.0",
    "Exclusion": "exclusions.0",
    "Transfer": "transfers.0",
    "Equivalence": "equivalences.0",
    "Limit": LIM,
    "LimitBody": SUB,
    "Recency": "recency.0",
    "Subsumption": "subsumptions.0",
    "Substitute": "substitutes.0",
}
_TEXT = {"reference": "changed", "implies_education": "changed", "education_level": "changed"}


@pytest.mark.parametrize("key", sorted(FOR_PEOPLE), ids=".".join)
def test_a_key_for_people_changes_the_digest_and_nothing_else(key: tuple[str, str]) -> None:
    """Such a key is kept (the digest, hence every decision, names the rules' exact text), but
    the engine and the checker ignore it: listed here, so that ignoring it is a choice."""
    model, name = key
    path = f"{_FOR_PEOPLE_PATHS[model]}.{name}"
    value = _TEXT.get(name, 99 if name == "hours" else {"en": "changed"})
    before, after = _pack(WITH_SUB), _pack({**WITH_SUB, path: value})
    assert before != after
    digests = []
    for doc in (before, after):
        report = check_sources({"pack.yaml": yaml.safe_dump(doc, allow_unicode=True)})
        assert report.ruleset is not None, report.findings
        digests.append(report.ruleset.digest)
    assert digests[0] != digests[1]
    assert _observe(before) == _observe(after)
