"""Policy test cases: worked examples kept next to the rules, run against the engine.

An audit case names a programme, a date and a learner's outcomes, and what the decision must
show; an equivalence case asks what a course or an outcome counts as in a programme (or what
counts toward one of its courses) and lists the routes the answer must hold (see
rules/README.md, "Test cases", which documents every key of the models below). Every failed
expectation is reported with the case's file:line, in the spirit of OpenFisca's YAML tests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from creditbank.domain import Ident, Outcome
from creditbank.engine.audit import compute_audit
from creditbank.engine.decision import Decision
from creditbank.engine.decision_parts import GroupStatus
from creditbank.engine.equivalence import (
    Answer,
    counts_as_for_course,
    counts_as_for_outcome,
    counts_toward,
)
from creditbank.engine.reasons import Reason
from creditbank.errors import CreditBankError, Finding, Location
from creditbank.ruleset.loader import TESTS_FOLDER, read_rule_text
from creditbank.ruleset.ruleset import RuleSet
from creditbank.ruleset.yaml_io import read_yaml


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ExpectedGrant(_Strict):
    course: Ident | None = None
    category: Ident | None = None
    outcomes: tuple[Ident, ...]
    credits: Decimal | None = None
    rule: str | None = None

    @model_validator(mode="after")
    def _one_target(self) -> ExpectedGrant:
        if (self.course is None) == (self.category is None):
            raise ValueError("a grant names its 'course' or its 'category' (one of them)")
        return self


class ExpectedUnused(_Strict):
    outcome: Ident
    reason: Reason


class ExpectedUnusedAny(_Strict):
    """Exactly ``count`` of ``outcomes`` unused for ``reason``: when a cap leaves some of equal
    outcomes out, how many is the policy, and which ones only the tie-break."""

    outcomes: tuple[Ident, ...] = Field(min_length=1)
    count: int = Field(ge=0)
    reason: Reason

    @model_validator(mode="after")
    def _count_fits(self) -> ExpectedUnusedAny:
        if len(set(self.outcomes)) != len(self.outcomes):
            raise ValueError("an outcome is listed twice in 'outcomes'")
        if self.count > len(self.outcomes):
            raise ValueError(
                f"count {self.count} is more than the {len(self.outcomes)} outcome(s) listed"
            )
        return self


class ExpectedRecognised(_Strict):
    outcome: Ident
    credits: Decimal
    level: int | None = None
    field: str | None = None


MetOrNot = Literal["met", "not_met"]


class Expect(_Strict):
    transferred_credits: Decimal | None = None
    counted_credits: Decimal | None = None
    remaining_credits: Decimal | None = None
    grants: tuple[ExpectedGrant, ...] = ()
    no_grants: bool = False
    unused: tuple[ExpectedUnused, ...] = ()
    unused_any: tuple[ExpectedUnusedAny, ...] = ()
    recognised: tuple[ExpectedRecognised, ...] = ()
    requirements: dict[Ident, MetOrNot] = Field(default_factory=dict)
    categories: dict[Ident, MetOrNot] = Field(default_factory=dict)
    source_minimums: dict[Ident, MetOrNot] = Field(default_factory=dict)
    residency: MetOrNot | None = None
    binding_limits: tuple[str, ...] = ()
    statuses: tuple[str, ...] | None = None


class Case(_Strict):
    """An audit case: a learner's outcomes and what the decision must show."""

    name: str
    programme: Ident
    date: dt.date
    outcomes: tuple[Outcome, ...] = ()
    expect: Expect


class Query(_Strict):
    """What ``creditbank equivalence`` is asked: exactly one of a course of an institution
    (``from``), an outcome, or a course of the programme that things count ``toward``."""

    from_: str | None = Field(default=None, alias="from")
    outcome: Outcome | None = None
    toward: Ident | None = None

    @model_validator(mode="after")
    def _one_question(self) -> Query:
        asked = [
            k
            for k, v in (("from", self.from_), ("outcome", self.outcome), ("toward", self.toward))
            if v is not None
        ]
        if len(asked) != 1:
            raise ValueError(
                "give exactly one of 'from: INSTITUTION:CODE', 'outcome: {...}' or "
                f"'toward: CODE' (got {', '.join(asked) or 'none'})"
            )
        return self


class ExpectedRoute(_Strict):
    """A route the answer must hold; every key given must equal the route's."""

    source: str | None = None
    target: str | None = None
    kind: Literal["course", "category", "rejection"] | None = None
    credits: Decimal | None = None
    chain: tuple[str, ...] | None = None

    @model_validator(mode="after")
    def _says_something(self) -> ExpectedRoute:
        if all(value is None for value in self.model_dump().values()):
            raise ValueError("a route gives at least one of: " + ", ".join(type(self).model_fields))
        return self


class ExpectRoutes(_Strict):
    routes: tuple[ExpectedRoute, ...] = ()
    no_other_routes: bool = False

    @model_validator(mode="after")
    def _can_fail(self) -> ExpectRoutes:
        if not self.routes and not self.no_other_routes:
            raise ValueError(
                "list the expected 'routes', or say 'no_other_routes: true' (with no routes: "
                "the query finds nothing)"
            )
        return self


class EquivalenceCase(_Strict):
    """An equivalence case: a query on a programme and the routes its answer must hold."""

    name: str
    programme: Ident
    date: dt.date
    equivalence: Query
    expect: ExpectRoutes


AnyCase = Case | EquivalenceCase


@dataclass(frozen=True)
class CaseResult:
    """One case's outcome: where it is, its name, and each failed expectation."""

    location: Location
    name: str
    failures: tuple[str, ...] = ()
    decision: Decision | None = None

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass
class CaseFile:
    """The cases of one file, or the problems that kept them from loading."""

    path: Path
    cases: list[tuple[Location, AnyCase]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def case_files(root: Path) -> list[Path]:
    """Test files of every rule set under ``root`` (``<pack>/tests/*.yaml``), sorted."""
    return sorted(p for p in root.rglob("*.y*ml") if TESTS_FOLDER in p.relative_to(root).parts)


def read_cases(path: Path, label: str | None = None) -> CaseFile:
    """Parse one test file; problems carry file:line."""
    label = label or str(path)
    result = CaseFile(path)
    text = read_rule_text(path, label)
    if isinstance(text, Finding):
        result.problems.append(str(text))
        return result
    doc = read_yaml(text)
    result.problems.extend(f"{label}:{p.line}:{p.column}: {p.message}" for p in doc.problems)
    if doc.problems:
        return result
    raw = doc.data.get("cases") if isinstance(doc.data, dict) else None
    if not isinstance(raw, list):
        line, col = doc.position(("cases",))
        result.problems.append(f"{label}:{line}:{col}: a test file needs a 'cases:' list")
        return result
    for index, item in enumerate(raw):
        line, col = doc.position(("cases", index))
        model = _case_model(item)
        try:
            result.cases.append((Location(label, line, col), model.model_validate(item)))
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                sub_line, sub_col = doc.position(("cases", index, *error["loc"]))
                where = ".".join(map(str, error["loc"])) or f"cases[{index}]"
                message = error["msg"].removeprefix("Value error, ")
                result.problems.append(f"{label}:{sub_line}:{sub_col}: {where}: {message}")
    return result


def _case_model(item: object) -> type[Case] | type[EquivalenceCase]:
    """An item with an ``equivalence`` query is an equivalence case, any other an audit."""
    return EquivalenceCase if isinstance(item, dict) and "equivalence" in item else Case


def run_case(ruleset: RuleSet, location: Location, case: AnyCase) -> CaseResult:
    """Run the case (an audit or an equivalence query) and compare every expectation."""
    if isinstance(case, EquivalenceCase):
        return _run_query(ruleset, location, case)
    try:
        decision = compute_audit(ruleset, list(case.outcomes), case.programme, case.date)
    except CreditBankError as exc:
        return CaseResult(location, case.name, (f"the audit failed: {exc}",))
    return CaseResult(location, case.name, tuple(_compare(case.expect, decision)), decision)


def _run_query(ruleset: RuleSet, location: Location, case: EquivalenceCase) -> CaseResult:
    """Ask the query as ``creditbank equivalence`` does and compare the routes."""
    rules, query = ruleset.at(case.date), case.equivalence
    try:
        if query.from_ is not None:
            answers = counts_as_for_course(rules, case.programme, query.from_)
        elif query.outcome is not None:
            answers = counts_as_for_outcome(rules, case.programme, query.outcome)
        else:
            answers = counts_toward(rules, case.programme, query.toward or "")
    except CreditBankError as exc:
        return CaseResult(location, case.name, (f"the query failed: {exc}",))
    return CaseResult(location, case.name, tuple(_compare_routes(case.expect, answers)))


def _compare_routes(expect: ExpectRoutes, answers: list[Answer]) -> Iterator[str]:
    for want in expect.routes:
        if not any(_route_matches(want, a) for a in answers):
            yield f"routes: expected {_wanted_text(want)}; got {_answers_text(answers)}"
    if expect.no_other_routes:
        for answer in answers:
            if not any(_route_matches(want, answer) for want in expect.routes):
                yield f"routes: unexpected {_answer_text(answer)} (no_other_routes is set)"


def _route_matches(want: ExpectedRoute, answer: Answer) -> bool:
    """Whether every key the expectation gives equals the answer's."""
    got: dict[str, object] = {
        "source": answer.source,
        "target": answer.target,
        "kind": answer.target_kind,
        "credits": answer.credits,
        "chain": tuple(r.id for r in answer.chain),
    }
    return all(value is None or got[key] == value for key, value in want.model_dump().items())


def _wanted_text(want: ExpectedRoute) -> str:
    given = want.model_dump(exclude_none=True)
    if "chain" in given:
        given["chain"] = list(given["chain"])
    return "route " + ", ".join(f"{k} {v}" for k, v in given.items())


def _answer_text(a: Answer) -> str:
    credits = f"{a.credits} credits" if a.credits is not None else "no credits"
    chain = " -> ".join(r.id for r in a.chain)
    return f"{a.source} => {a.target_kind} {a.target} ({credits}) via {chain}"


def _answers_text(answers: list[Answer]) -> str:
    return "; ".join(map(_answer_text, answers)) or "no routes"


def _compare(expect: Expect, decision: Decision) -> Iterator[str]:
    yield from _compare_totals(expect, decision)
    if expect.no_grants and decision.grants:
        yield f"no_grants: expected none, got {_grants_text(decision)}"
    for want in expect.grants:
        yield from _grant_missing(want, decision)
    yield from _compare_unused(expect, decision)
    recognised = {r.outcome: r for r in decision.recognised}
    for want_rec in expect.recognised:
        rec = recognised.get(want_rec.outcome)
        if rec is None:
            yield f"recognised: expected {want_rec.outcome} to be recognised, it was not"
            continue
        for attr in ("credits", "level", "field"):
            wanted = getattr(want_rec, attr)
            if wanted is not None and getattr(rec, attr) != wanted:
                yield (
                    f"recognised: {want_rec.outcome} {attr} expected {wanted}, "
                    f"got {getattr(rec, attr)}"
                )
    for label, wanted_map, groups in (
        ("requirements", expect.requirements, decision.requirements),
        ("categories", expect.categories, decision.categories),
        ("source_minimums", expect.source_minimums, decision.source_minimums),
    ):
        yield from _compare_groups(label, wanted_map, groups)
    if expect.residency is not None:
        yield from _compare_residency(expect.residency, decision.residency)
    binding = sorted({lim.id for lim in decision.limits if lim.binding})
    for limit in expect.binding_limits:
        if limit not in binding:
            yield f"binding_limits: expected {limit} to bind; binding: {binding or 'none'}"
    if expect.statuses is not None and tuple(sorted(expect.statuses)) != tuple(
        sorted(decision.statuses)
    ):
        yield f"statuses: expected {sorted(expect.statuses)}, got {sorted(decision.statuses)}"


def _compare_totals(expect: Expect, decision: Decision) -> Iterator[str]:
    totals = decision.totals
    for key, wanted, got in (
        ("transferred_credits", expect.transferred_credits, totals.transferred),
        ("counted_credits", expect.counted_credits, totals.counted),
        ("remaining_credits", expect.remaining_credits, totals.remaining),
    ):
        if wanted is not None and got != wanted:
            yield f"{key}: expected {wanted}, got {got}"


def _compare_unused(expect: Expect, decision: Decision) -> Iterator[str]:
    unused = {u.outcome: u for u in decision.unused}
    for want_unused in expect.unused:
        got = unused.get(want_unused.outcome)
        if got is None:
            yield f"unused: expected {want_unused.outcome} unused ({want_unused.reason}), but it was used"
        elif got.reason != want_unused.reason:
            yield (
                f"unused: expected {want_unused.outcome} refused for {want_unused.reason}, "
                f"got {got.reason.value} {dict(got.params)}"
            )
    for want_any in expect.unused_any:
        hit = [o for o in want_any.outcomes if o in unused and unused[o].reason == want_any.reason]
        if len(hit) != want_any.count:
            others = {
                o: (unused[o].reason.value if o in unused else "used")
                for o in want_any.outcomes
                if o not in hit
            }
            yield (
                f"unused_any: expected {want_any.count} of {list(want_any.outcomes)} unused for "
                f"{want_any.reason}, got {len(hit)} {hit}; the others: {others}"
            )


def _compare_groups(
    label: str, wanted_map: dict[str, MetOrNot], groups: tuple[GroupStatus, ...]
) -> Iterator[str]:
    status = {g.id: g for g in groups}
    for ident, wanted_status in wanted_map.items():
        group = status.get(ident)
        if group is None:
            known = ", ".join(sorted(status)) or "none"
            yield f"{label}: '{ident}' is not in the decision (it has: {known})"
        elif ("met" if group.met else "not_met") != wanted_status:
            need = f" of {group.required_credits}" if group.required_credits is not None else ""
            yield (
                f"{label}: '{ident}' expected {wanted_status}, got {group.credits} credits{need}"
                + (f", missing {', '.join(group.courses_missing)}" if group.courses_missing else "")
            )


def _compare_residency(wanted: MetOrNot, residency: GroupStatus | None) -> Iterator[str]:
    if residency is None:
        yield "residency: the programme has no residency requirement"
    else:
        yield from _compare_groups("residency", {residency.id: wanted}, (residency,))


def _grant_missing(want: ExpectedGrant, decision: Decision) -> Iterator[str]:
    target = want.course or want.category
    kind = "course" if want.course else "category"
    found = [
        g
        for g in decision.grants
        if g.target == target
        and g.target_kind == kind
        and tuple(sorted(g.outcomes)) == tuple(sorted(want.outcomes))
    ]
    if not found:
        yield (
            f"grants: expected {kind} {target} from {list(want.outcomes)}; "
            f"got {_grants_text(decision)}"
        )
        return
    grant = found[0]
    if want.credits is not None and grant.credits != want.credits:
        yield f"grants: {kind} {target} expected {want.credits} credits, got {grant.credits}"
    if want.rule is not None and want.rule not in {r.id for r in grant.rules}:
        yield f"grants: {kind} {target} expected rule {want.rule}, got {[r.id for r in grant.rules]}"


def _grants_text(decision: Decision) -> str:
    items = [
        f"{g.target_kind} {g.target} <- {list(g.outcomes)} ({g.credits})" for g in decision.grants
    ]
    return "; ".join(items) or "no grants"
