"""The canonical encoder (msgspec) writes exactly the bytes pydantic writes for a decision.

pydantic's ``TypeAdapter(Decision)`` was the canonical serialiser when the stored decisions and
the golden digests were written; msgspec replaced it for speed, so every decision must keep
its bytes: the benchmark workload's decisions, and generated ones with any text and decimal.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import random
import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from creditbank.domain import Label, LearnerException, Outcome, OutcomeKind
from creditbank.engine.audit import compute_audit
from creditbank.engine.decision import (
    Because,
    Decision,
    Earned,
    ExceptionStatus,
    Grant,
    GroupStatus,
    LimitStatus,
    Recognised,
    Totals,
    Unused,
    input_digest,
    outcomes_json,
)
from creditbank.engine.reasons import Reason
from creditbank.engine.trace import RuleRef
from creditbank.ruleset.loader import load_ruleset
from tests.engine.test_exceptions import exception
from tests.engine.test_golden import ON, load_script

PYDANTIC = TypeAdapter(Decision)


def pydantic_text(decision: Decision) -> str:
    """pydantic's bytes; a decision without learner exceptions leaves their two fields out
    (``Decision.canonical``), as every decision did before exceptions existed."""
    if decision.exceptions:
        return PYDANTIC.dump_json(decision).decode()
    unset = {"exceptions": True, "totals": {"by_exception"}}
    return PYDANTIC.dump_json(decision, exclude=unset).decode()


def test_golden_workload_decisions_have_pydantics_bytes() -> None:
    bench = load_script("bench_engine")
    rnd = random.Random(20261123)
    with tempfile.TemporaryDirectory() as tmp:
        bench.write_workload(Path(tmp), rnd)
        ruleset = load_ruleset(Path(tmp))
    learners = [bench.learner(rnd) for _ in range(40)] + [bench.learner(rnd, 60) for _ in range(10)]
    for programme in ("prog00", "prog07"):
        for learner in learners:
            decision = compute_audit(ruleset, learner, programme, ON)
            assert decision.canonical() == pydantic_text(decision)


texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
ids = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=8)
decimals = st.decimals(allow_nan=True, allow_infinity=True) | st.decimals(places=6)
labels = st.builds(Label, zh=st.none() | texts.filter(bool), en=texts.filter(bool)) | st.builds(
    Label, zh=texts.filter(bool)
)
refs = st.builds(RuleRef, id=ids, at=texts)
ref_tuples = st.lists(refs, max_size=3).map(tuple)
id_tuples = st.lists(ids, max_size=3).map(tuple)
params = st.dictionaries(ids, texts, max_size=4)
groups = st.builds(
    GroupStatus,
    id=ids,
    name=labels,
    met=st.booleans(),
    credits=decimals,
    required_credits=st.none() | decimals,
    missing_credits=decimals,
    courses_missing=id_tuples,
)
decisions = st.builds(
    Decision,
    programme=ids,
    programme_name=labels,
    application_date=st.dates(),
    ruleset=ids,
    ruleset_digest=ids,
    input_digest=ids,
    grants=st.lists(
        st.builds(
            Grant,
            target=ids,
            target_kind=st.sampled_from(["course", "category"]),
            target_name=labels,
            category=ids,
            credits=decimals,
            outcomes=id_tuples,
            rules=ref_tuples,
            grade_mark=labels,
        ),
        max_size=3,
    ).map(tuple),
    earned=st.lists(
        st.builds(Earned, course=ids, category=ids, credits=decimals, outcome=ids), max_size=2
    ).map(tuple),
    unused=st.lists(
        st.builds(
            Unused,
            outcome=ids,
            reason=st.sampled_from(Reason),
            params=params,
            rules=ref_tuples,
            also=st.lists(
                st.builds(Because, reason=st.sampled_from(Reason), params=params, rules=ref_tuples),
                max_size=2,
            ).map(tuple),
        ),
        max_size=3,
    ).map(tuple),
    recognised=st.lists(
        st.builds(
            Recognised,
            outcome=ids,
            credits=decimals,
            level=st.none() | st.integers(-(2**70), 2**70),
            field=st.none() | texts,
            rule=refs,
        ),
        max_size=2,
    ).map(tuple),
    requirements=st.lists(groups, max_size=2).map(tuple),
    categories=st.lists(groups, max_size=2).map(tuple),
    source_minimums=st.lists(groups, max_size=1).map(tuple),
    residency=st.none() | groups,
    limits=st.lists(
        st.builds(
            LimitStatus,
            id=ids,
            instance=texts,
            bound=decimals,
            used=decimals,
            unit=st.sampled_from(["credits", "count"]),
            binding=st.booleans(),
            rule=refs,
        ),
        max_size=2,
    ).map(tuple),
    statuses=id_tuples,
    totals=st.builds(
        Totals,
        transferred=decimals,
        earned_in_programme=decimals,
        counted=decimals,
        required=decimals,
        remaining=decimals,
        transferred_by_kind=st.dictionaries(ids, decimals, max_size=4),
        by_exception=decimals,
    ),
    exceptions=st.lists(
        st.builds(
            ExceptionStatus,
            id=ids,
            kind=st.sampled_from(["waiver", "substitution", "petition"]),
            granted_for=texts,
            reason=texts,
            applied=st.booleans(),
            target_kind=st.sampled_from(["course", "requirement", "category"]),
            target=texts,
            category=texts,
            credits=decimals,
            outcome=texts,
            via=ref_tuples,
            why_not=texts,
            params=params,
        ),
        max_size=2,
    ).map(tuple),
    digest=ids,
)


@settings(max_examples=300, deadline=None)
@given(decisions)
def test_generated_decisions_have_pydantics_bytes(decision: Decision) -> None:
    assert decision.canonical() == pydantic_text(decision)


@settings(max_examples=20, deadline=None)
@given(decisions)
def test_mappings_in_key_order_and_rules_without_position(decision: Decision) -> None:
    totals = dataclasses.replace(
        decision.totals, transferred_by_kind={"b": Decimal("2.50"), "a": Decimal("1E+1")}
    )
    ref = RuleRef(id="r1", at="rules/x.yaml:3")
    because = Because(Reason.CAP_REACHED, {"é": "3", "b": "2", "a": "1"}, (ref,))
    text = dataclasses.replace(
        decision, totals=totals, unused=(Unused("o1", Reason.NO_RULE, also=(because,)),)
    ).canonical()
    assert '"transferred_by_kind":{"a":"1E+1","b":"2.50"}' in text
    assert '"params":{"a":"1","b":"2","é":"3"},"rules":[{"id":"r1"}]' in text


@settings(max_examples=20, deadline=None)
@given(decisions)
def test_exception_fields_are_written_only_when_there_are_exceptions(decision: Decision) -> None:
    text = decision.canonical()
    assert ('"exceptions":' in text) == bool(decision.exceptions)
    assert ('"by_exception":' in text) == bool(decision.exceptions)


@dataclasses.dataclass(frozen=True)
class AuditInput:
    """How the input digest was written when it was made (pydantic, one dataclass): the
    reference its faster writing must match byte for byte."""

    programme: str
    date: dt.date
    outcomes: tuple[Outcome, ...]
    exceptions: tuple[LearnerException, ...] | None = None


texts = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=12)


@st.composite
def asked_outcomes(draw: st.DrawFn) -> list[Outcome]:
    """Outcomes with any text and decimal an outcome accepts, some fields unset."""
    count = draw(st.integers(0, 6))
    return [
        Outcome(
            id=f"o{draw(st.integers(0, 99))}-{i}",
            kind=draw(st.sampled_from(list(OutcomeKind))),
            issuer="ou",
            date=draw(st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31))),
            title=draw(st.none() | texts),
            credits=draw(st.none() | st.decimals(0, 300, places=2)),
            hours=draw(st.none() | st.decimals("0.5", 9999, places=1)),
            assessed=draw(st.none() | st.booleans()),
        )
        for i in range(count)
    ]


@settings(max_examples=200, deadline=None)
@given(
    programme=texts,
    on=st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)),
    outcomes=asked_outcomes(),
    reasons=st.lists(texts, max_size=3),
)
def test_the_input_digest_is_written_as_pydantic_wrote_it(
    programme: str, on: dt.date, outcomes: list[Outcome], reasons: list[str]
) -> None:
    exceptions = [
        exception(f"X{i}", "waiver", "M3", reason=reason) for i, reason in enumerate(reasons)
    ]
    asked = AuditInput(
        programme,
        on,
        tuple(sorted(outcomes, key=lambda o: o.id)),
        tuple(sorted(exceptions, key=lambda e: e.id)) or None,
    )
    text = TypeAdapter(AuditInput).dump_json(asked, exclude_none=True)
    expected = hashlib.sha256(text).hexdigest()
    assert input_digest(programme, on, outcomes, exceptions) == expected
    written = outcomes_json(list(reversed(outcomes)))
    assert input_digest(programme, on, outcomes, exceptions, written) == expected
