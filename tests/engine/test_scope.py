"""Selectors of limits, recency and source minimums (engine/scope.py), and articulation depth
per equivalence (``max_depth``), in audits and in equivalence queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from creditbank.domain import Outcome
from creditbank.engine.audit import compute_audit
from creditbank.engine.decision import Decision
from creditbank.engine.equivalence import counts_as_for_course, counts_toward
from creditbank.ruleset.loader import load_ruleset_from_sources
from creditbank.ruleset.ruleset import RuleSet
from tests.engine.small_rules import FRAME, RULES, small_ruleset

ON = dt.date(2025, 6, 1)


def out(ident: str, kind: str, **attrs: Any) -> Outcome:
    return Outcome.model_validate(
        {"id": ident, "kind": kind, "issuer": "poly", "date": "2023-01-01", **attrs}
    )


def with_minimum(minimum: str) -> RuleSet:
    """The small pack with one source minimum on its programme."""
    frame = FRAME.replace(
        "    residency: {min_credits: 8}",
        f"    source_minimums: [{minimum}]\n    residency: {{min_credits: 8}}",
    )
    return load_ruleset_from_sources({"frame.yaml": frame, "rules.yaml": RULES})


def minimum_credits(decision: Decision) -> Decimal:
    (status,) = decision.source_minimums
    return status.credits


P1 = out("p1", "academic_course", code="P1", credits=4, grade="B", field="mechanics")
P2 = out("p2", "academic_course", code="P2", credits=3, grade="B", field="drawing")


def test_a_bundle_counts_toward_a_minimum_only_when_it_selects_every_part() -> None:
    both = with_minimum("{id: poly, name: {en: Poly}, issuers: [poly], min_credits: 5}")
    one = with_minimum("{id: draw, name: {en: Drawing}, fields: [drawing], min_credits: 5}")
    alone = with_minimum("{id: draw, name: {en: Drawing}, fields: [drawing], min_credits: 2}")
    decision = compute_audit(both, [P1, P2], "mech", ON)
    assert [g.outcomes for g in decision.grants] == [("p1", "p2"), ("p1", "p2")]
    assert minimum_credits(decision) == 6  # M1 (4) and M3 (2), both parts from poly
    assert minimum_credits(compute_audit(one, [P1, P2], "mech", ON)) == 0  # p1 is mechanics
    # p2 alone reaches M3 by articulation: a grant of that outcome only, which is selected
    assert minimum_credits(compute_audit(alone, [P2], "mech", ON)) == 2


def test_a_minimum_counts_courses_earned_in_the_programme_when_it_says_so() -> None:
    g1 = Outcome.model_validate(
        {"id": "g1", "kind": "academic_course", "issuer": "ou", "code": "G1", "date": "2024-01-01"}
    )
    counted = with_minimum("{id: m, name: {en: M}, kinds: [skill_certificate], min_credits: 3}")
    apart = with_minimum(
        "{id: m, name: {en: M}, kinds: [skill_certificate], min_credits: 3,"
        " count_in_programme: false}"
    )
    assert minimum_credits(compute_audit(counted, [g1], "mech", ON)) == 3
    assert minimum_credits(compute_audit(apart, [g1], "mech", ON)) == 0


def lathe(ident: str, rung: str) -> Outcome:
    return out(ident, "skill_certificate", issuer="skills", occupation="lathe", rung=rung)


@pytest.mark.parametrize(
    ("scope", "capped"),
    [
        ("{min_level: 5}", {"senior"}),  # the rung's framework level: senior 5, intermediate 4
        ("{max_level: 4}", {"mid"}),
        ("{issuer_types: [skill_evaluation_body]}", {"senior", "mid"}),
        ("{accredited: true}", set()),  # the skills body holds no accreditation
        ("{accredited: false}", {"senior", "mid"}),
    ],
)
def test_a_limit_scope_selects_by_level_issuer_type_and_accreditation(
    scope: str, capped: set[str]
) -> None:
    rules = small_ruleset(
        f"""
limits:
  - id: lim.none
    effective: {{from: 2020-01-01}}
    programme: mech
    scope: {scope}
    max_credits: 0
"""
    )
    # one learner each: on one occupation the senior certificate subsumes the other
    for ident, rung in (("senior", "senior"), ("mid", "intermediate")):
        decision = compute_audit(rules, [lathe(ident, rung)], "mech", ON)
        reasons = {u.outcome: u.reason.value for u in decision.unused}
        assert (reasons.get(ident) == "cap_reached") == (ident in capped), decision.unused


def test_recency_selects_by_accreditation_on_the_outcome_date() -> None:
    rules = small_ruleset(
        """
recency:
  - id: rcy.accredited
    effective: {from: 2020-01-01}
    programme: mech
    scope: {accredited: true}
    max_age_years: 1
"""
    )
    training = out(
        "t", "enterprise_training", issuer="acme", hours=48, date="2023-03-01", assessed=True
    )
    course = out("p2", "academic_course", code="P2", credits=3, grade="B", date="2020-03-01")
    decision = compute_audit(rules, [training, course], "mech", ON)
    assert {u.outcome: u.reason.value for u in decision.unused} == {"t": "expired"}


DEPTH = """
issuers: [{{id: ext, name: {{en: Ext}}, type: university}}]
catalogues: [{{institution: ext, courses: [{{code: X1, name: {{en: Sketching}}, credits: 3}}]}}]
equivalences:
  - {{id: eq.x1_p2, effective: {{from: 2020-01-01}}, from: "ext:X1", to: "poly:P2"{first}}}
"""


@pytest.mark.parametrize(
    ("first", "second", "reaches"),
    [
        ("", "", True),  # two steps, within the programme's max_depth (2)
        (", max_depth: 1", "", False),
        (", max_depth: 2", "", True),
        ("", ", max_depth: 1", False),  # the second step's bound holds for the route too
        (", chain: false", "", False),
    ],
)
def test_max_depth_of_an_equivalence_bounds_every_route_through_it(
    first: str, second: str, reaches: bool
) -> None:
    extra = DEPTH.format(first=first)
    rules_text = RULES.replace(
        "    from: poly:P2\n    to: ou:M3", f"    from: poly:P2\n    to: ou:M3\n    {second[2:]}"
    )
    ruleset = load_ruleset_from_sources(
        {"frame.yaml": FRAME, "rules.yaml": rules_text, "extra.yaml": extra}
    )
    at = ruleset.at(ON)
    x1 = out("x1", "academic_course", issuer="ext", code="X1", credits=3, grade="B")
    decision = compute_audit(ruleset, [x1], "mech", ON)
    assert bool(decision.grants) is reaches
    assert any(a.target == "M3" for a in counts_as_for_course(at, "mech", "ext:X1")) is reaches
    assert any(a.source == "ext:X1" for a in counts_toward(at, "mech", "M3")) is reaches
    # the one-step route is never cut: P2 itself still counts as M3
    assert any(a.source == "poly:P2" for a in counts_toward(at, "mech", "M3"))
