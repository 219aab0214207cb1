"""Registrars' equivalence queries, both ways, each answer with its chain of rules.

"What does this outcome (or this course of institution A) count as in programme P?" and
"what counts toward course C of programme P?". Credits in an answer never exceed the target
course's credits; chains honour direction, the programme's chaining policy and depth.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from creditbank.domain import Outcome, OutcomeKind
from creditbank.engine.graph import course_node, equivalence_graph, outcome_class
from creditbank.engine.matching import check_condition, matches
from creditbank.engine.members import ACADEMIC_COURSE
from creditbank.engine.trace import RuleRef
from creditbank.errors import NotFound
from creditbank.ruleset import schema
from creditbank.ruleset.ruleset import RuleSetAt


@dataclass(frozen=True)
class Answer:
    """One equivalence: source counts as target for ``credits``, by this chain of rules."""

    source: str
    target: str
    target_kind: str
    credits: Decimal | None
    chain: tuple[RuleRef, ...]
    note: str = ""


def programme_at(rules: RuleSetAt, programme_id: str) -> schema.Programme:
    programme = rules.programmes.get(programme_id)
    if programme is None:
        hint = "programmes in force then: " + (", ".join(sorted(rules.programmes)) or "none")
        raise NotFound("programme", programme_id, hint=hint)
    return programme


def counts_as_for_course(rules: RuleSetAt, programme_id: str, source: str) -> list[Answer]:
    """What course ``source`` (``INST:CODE``) counts as in the programme."""
    programme_at(rules, programme_id)
    institution, _, code = source.partition(":")
    if (institution, code) not in rules.courses:
        raise NotFound("course", source, hint="write it as INSTITUTION:CODE of a catalogue")
    course = rules.courses[(institution, code)]
    outcome = Outcome(
        id="query",
        kind=OutcomeKind.ACADEMIC_COURSE,
        issuer=institution,
        code=code,
        title=course.name.text("zh"),
        credits=course.credits,
        date=rules.day,
    )
    return counts_as_for_outcome(rules, programme_id, outcome, label=source)


def counts_as_for_outcome(
    rules: RuleSetAt, programme_id: str, outcome: Outcome, *, label: str | None = None
) -> list[Answer]:
    """What an outcome counts as in the programme, by transfer rules and by articulation."""
    programme = programme_at(rules, programme_id)
    label = label or outcome.id
    answers: list[Answer] = []
    catalogue = rules.catalogue_of(programme)
    for rule in rules.in_force("transfers", programme.id):
        parts = rule.from_.parts()
        if not any(matches(part, outcome, rules) for part in parts):
            continue
        failure = check_condition(rule.conditions, outcome, rules, rules.day, rule.overlap)
        note = f"needs: {failure.reason.value} {failure.params}" if failure else ""
        if len(parts) > 1:
            note = (
                note + "; " if note else ""
            ) + "only together with the other outcomes of the bundle"
        ref = RuleRef.of(rules, rule)
        if rule.to.reject:
            answers.append(Answer(label, "rejected", "rejection", None, (ref,), note))
        for code in rule.to.courses or ():
            course = catalogue.get(code)
            if course is not None:
                credits = min(rule.to.credits or course.credits, course.credits)
                answers.append(Answer(label, code, "course", credits, (ref,), note))
        for category in rule.to.category or ():
            answers.append(Answer(label, category, "category", rule.to.credits, (ref,), note))
    if outcome.kind == ACADEMIC_COURSE and outcome.code:
        graph = equivalence_graph(rules)
        routes = graph.routes_from_course(course_node(outcome.issuer, outcome.code), programme)
        for target, route in sorted(routes.items()):
            answers.append(
                Answer(label, target.split(":", 1)[1], "course", route.credits, route.chain)
            )
    return sorted(answers, key=lambda a: (a.target_kind, a.target, [r.id for r in a.chain]))


def counts_toward(rules: RuleSetAt, programme_id: str, code: str) -> list[Answer]:
    """Everything that counts toward course ``code`` of the programme, with its chain."""
    programme = programme_at(rules, programme_id)
    if code not in {c.code for c in programme.courses}:
        raise NotFound("course", code, hint=f"it is not a course of programme '{programme_id}'")
    graph = equivalence_graph(rules)
    course = rules.courses[(programme.institution, code)]
    answers = []
    for rule in graph.transfer_rules_toward(programme, code):
        credits = min(rule.to.credits or course.credits, course.credits)
        ref = RuleRef.of(rules, rule)
        for part in rule.from_.parts():
            note = "" if len(rule.from_.parts()) == 1 else "part of an all-of bundle"
            answers.append(Answer(outcome_class(part), code, "course", credits, (ref,), note))
    for source, route in graph.sources_toward(programme, code):
        answers.append(Answer(source, code, "course", route.credits, route.chain))
    return sorted(answers, key=lambda a: (a.source, [r.id for r in a.chain]))
