"""Policy test cases: worked examples kept next to the rules, run against the engine.

A case names a programme, a date and a learner's outcomes, and what the decision must show
(see rules/README.md). Every failed expectation is reported with the case's file:line, in the
spirit of OpenFisca's YAML tests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from creditbank.domain import Ident, Outcome
from creditbank.engine.audit import compute_audit
from creditbank.engine.decision import Decision
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


class ExpectedUnused(_Strict):
    outcome: Ident
    reason: str


class ExpectedRecognised(_Strict):
    outcome: Ident
    credits: Decimal
    level: int | None = None
    field: str | None = None


class Expect(_Strict):
    transferred_credits: Decimal | None = None
    counted_credits: Decimal | None = None
    grants: tuple[ExpectedGrant, ...] = ()
    no_grants: bool = False
    unused: tuple[ExpectedUnused, ...] = ()
    recognised: tuple[ExpectedRecognised, ...] = ()
    requirements: dict[Ident, Literal["met", "not_met"]] = Field(default_factory=dict)
    categories: dict[Ident, Literal["met", "not_met"]] = Field(default_factory=dict)
    binding_limits: tuple[str, ...] = ()
    statuses: tuple[str, ...] | None = None


class Case(_Strict):
    name: str
    programme: Ident
    date: dt.date
    outcomes: tuple[Outcome, ...] = ()
    expect: Expect


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
    cases: list[tuple[Location, Case]] = field(default_factory=list)
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
    raw = doc.data.get("cases") if isinstance(doc.data, dict) else None
    if not isinstance(raw, list):
        result.problems.append(f"{label}:1:1: a test file needs a 'cases:' list")
        return result
    for index, item in enumerate(raw):
        line, col = doc.position(("cases", index))
        try:
            result.cases.append((Location(label, line, col), Case.model_validate(item)))
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                sub_line, sub_col = doc.position(("cases", index, *error["loc"]))
                where = ".".join(map(str, error["loc"]))
                result.problems.append(f"{label}:{sub_line}:{sub_col}: {where}: {error['msg']}")
    return result


def run_case(ruleset: RuleSet, location: Location, case: Case) -> CaseResult:
    """Audit the case's learner and compare every expectation."""
    try:
        decision = compute_audit(ruleset, list(case.outcomes), case.programme, case.date)
    except CreditBankError as exc:
        return CaseResult(location, case.name, (f"the audit failed: {exc}",))
    return CaseResult(location, case.name, tuple(_compare(case.expect, decision)), decision)


def _compare(expect: Expect, decision: Decision) -> Iterator[str]:
    totals = decision.totals
    if expect.transferred_credits is not None and totals.transferred != expect.transferred_credits:
        yield f"transferred_credits: expected {expect.transferred_credits}, got {totals.transferred}"
    if expect.counted_credits is not None and totals.counted != expect.counted_credits:
        yield f"counted_credits: expected {expect.counted_credits}, got {totals.counted}"
    if expect.no_grants and decision.grants:
        yield f"no_grants: expected none, got {_grants_text(decision)}"
    for want in expect.grants:
        yield from _grant_missing(want, decision)
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
    ):
        status = {g.id: g for g in groups}
        for ident, wanted_status in wanted_map.items():
            group = status.get(ident)
            if group is None:
                yield f"{label}: '{ident}' is not in the decision"
            elif ("met" if group.met else "not_met") != wanted_status:
                yield (
                    f"{label}: '{ident}' expected {wanted_status}, got {group.credits} credits"
                    + (
                        f", missing {', '.join(group.courses_missing)}"
                        if group.courses_missing
                        else ""
                    )
                )
    binding = sorted({lim.id for lim in decision.limits if lim.binding})
    for limit in expect.binding_limits:
        if limit not in binding:
            yield f"binding_limits: expected {limit} to bind; binding: {binding or 'none'}"
    if expect.statuses is not None and tuple(sorted(expect.statuses)) != tuple(
        sorted(decision.statuses)
    ):
        yield f"statuses: expected {sorted(expect.statuses)}, got {sorted(decision.statuses)}"


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
