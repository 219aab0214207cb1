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
from typing import Any, TypeVar

from hypothesis import example, given, reject, settings
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError

from creditbank.domain import (
    Delivery,
    Label,
    LearnerException,
    Outcome,
    OutcomeKind,
    OutcomeStatus,
)
from creditbank.engine.audit import compute_audit
from creditbank.engine.decision import (
    Because,
    Decision,
    Earned,
    ExceptionStatus,
    Totals,
    Unused,
    input_digest,
    outcomes_json,
)
from creditbank.engine.decision_parts import Grant, GroupStatus, LimitStatus, Recognised
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


SPECIAL = ["\x00", "\x08", "\x1f", "\x7f", "\x80", "\u2028", "\u2029", '"', "\\", "/"]
SPECIAL += ["\ufeff", "\U0001f600", "\U0010ffff", "é", "中"]
any_text = st.text(st.characters(exclude_categories=("Cs",)) | st.sampled_from(SPECIAL))
idents = st.text(st.sampled_from('ab9_-"\\/é中😀'), min_size=1, max_size=6)


M = TypeVar("M", bound=BaseModel)


def any_decimal(low: str, high: str) -> st.SearchStrategy[Decimal]:
    """Decimals from ``low`` to ``high`` with up to 6 places, written any way: trailing zeros,
    exponents (``1E+2``), and negative zero when ``low`` is zero."""
    plain = st.integers(0, 6).flatmap(lambda places: st.decimals(low, high, places=places))
    written = plain | plain.map(Decimal.normalize)
    return written | st.just(Decimal("-0")) if Decimal(low) == 0 else written


def maybe(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | values


def valid(model: type[M], fields: dict[str, Any]) -> M:
    """``model`` of ``fields``, or the example rejected when the model refuses them (a
    negative zero where more than zero is asked, a date before the start)."""
    try:
        return model.model_validate(fields)
    except ValidationError:
        reject()


@st.composite
def any_outcome(draw: st.DrawFn) -> Outcome:
    """An outcome with any of its fields set or unset, any text and any decimal it accepts."""
    date = draw(st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)))
    fields = {
        "id": draw(idents),
        "kind": draw(st.sampled_from(OutcomeKind)),
        "issuer": draw(idents),
        "date": date,
        "start_date": draw(maybe(st.dates(max_value=date))),
        "status": draw(st.sampled_from(OutcomeStatus)),
        "title": draw(maybe(any_text.filter(lambda t: len(t) <= 300))),
        "code": draw(maybe(any_text.filter(lambda t: len(t) <= 60))),
        "credits": draw(maybe(any_decimal("0", "300"))),
        "grade": draw(maybe(any_text.filter(lambda t: len(t) <= 20))),
        "score": draw(maybe(any_decimal("0", "100"))),
        "level": draw(maybe(st.integers(1, 12))),
        "hours": draw(maybe(any_decimal("0.000001", "10000"))),
        "occupation": draw(maybe(any_text.filter(lambda t: len(t) <= 60))),
        "rung": draw(maybe(any_text.filter(lambda t: len(t) <= 60))),
        "certificate_number": draw(maybe(any_text.filter(lambda t: len(t) <= 80))),
        "programme": draw(maybe(any_text.filter(lambda t: len(t) <= 120))),
        "field": draw(maybe(any_text.filter(lambda t: len(t) <= 60))),
        "assessed": draw(maybe(st.booleans())),
        "delivery": draw(maybe(st.sampled_from(Delivery))),
        "tier": draw(maybe(any_text.filter(lambda t: len(t) <= 40))),
        "rank": draw(maybe(st.integers(1, 1000))),
        "years": draw(maybe(any_decimal("0", "60"))),
        "exam_based": draw(st.booleans()),
        "requires_degree": draw(st.booleans()),
    }
    return valid(Outcome, fields)


@st.composite
def any_exception(draw: st.DrawFn) -> LearnerException:
    """A learner exception of any kind and target, any reason text, optional fields as its
    kind allows."""
    kind, target_kind = draw(
        st.sampled_from(
            [
                ("waiver", "course"),
                ("waiver", "requirement"),
                ("substitution", "course"),
                ("petition", "course"),
                ("petition", "category"),
            ]
        )
    )
    outcome = {"waiver": st.none(), "substitution": idents}.get(kind, maybe(idents))
    fields = {
        "id": draw(idents),
        "kind": kind,
        "programme": draw(idents),
        "target_kind": target_kind,
        "target": draw(idents),
        "institution": draw(idents) if target_kind == "course" else None,
        "outcome": draw(outcome),
        "credits": draw(any_decimal("0.000001", "300")) if target_kind == "category" else None,
        "reason": draw(any_text.filter(lambda t: 0 < len(t) <= 500)),
    }
    return valid(LearnerException, fields)


ALL_SET = Outcome(
    id="L1",
    kind=OutcomeKind.SKILL_CERTIFICATE,
    issuer="ou",
    date=dt.date(2024, 6, 30),
    start_date=dt.date(2024, 1, 1),
    status=OutcomeStatus.RECOGNISED,
    title='a "title"\u2028\x00\U0001f600',
    code="C\\1",
    credits=Decimal("1E+2"),
    grade="A\x7f",
    score=Decimal("99.500000"),
    level=12,
    hours=Decimal("0.000001"),
    occupation="o",
    rung="r",
    certificate_number="n",
    programme="p",
    field="f",
    assessed=False,
    delivery=Delivery.ONLINE,
    tier="t",
    rank=1000,
    years=Decimal("-0"),
    exam_based=False,
    requires_degree=True,
)


@settings(max_examples=300, deadline=None)
@given(
    programme=any_text,
    on=st.dates(),
    outcomes=st.lists(any_outcome(), max_size=5),
    exceptions=st.lists(any_exception(), max_size=3),
)
@example(programme="p", on=dt.date(2026, 9, 1), outcomes=[ALL_SET], exceptions=[])
def test_any_input_is_written_as_pydantic_wrote_it(
    programme: str, on: dt.date, outcomes: list[Outcome], exceptions: list[LearnerException]
) -> None:
    """msgspec writes the outcomes and exceptions as pydantic's ``exclude_none`` did, for any
    text (control characters, U+2028, outside the BMP), decimal, date and set of fields."""
    ordered = tuple(sorted(outcomes, key=lambda o: o.id))
    expected = TypeAdapter(tuple[Outcome, ...]).dump_json(ordered, exclude_none=True)
    assert outcomes_json(outcomes) == expected
    asked = AuditInput(
        programme, on, ordered, tuple(sorted(exceptions, key=lambda e: e.id)) or None
    )
    text = TypeAdapter(AuditInput).dump_json(asked, exclude_none=True)
    assert input_digest(programme, on, outcomes, exceptions) == hashlib.sha256(text).hexdigest()


KEYS = ["by_exception", "exceptions", "digest", ',"by_exception":', ',"digest":"', '"}', "\\"]


@settings(max_examples=100, deadline=None)
@given(decisions, st.lists(st.sampled_from(KEYS), min_size=1, max_size=4, unique=True))
def test_the_fields_left_out_are_found_whatever_text_holds_their_names(
    decision: Decision, keys: list[str]
) -> None:
    """A decision without exceptions has ``totals.by_exception`` and ``exceptions`` cut out of
    its text: mappings keyed by those names and texts holding them leave the cut where it is,
    and sealing hashes the text pydantic writes."""
    tricky = "".join(keys)
    totals = dataclasses.replace(
        decision.totals, transferred_by_kind={key: Decimal(1) for key in keys}
    )
    unused = (Unused(tricky, Reason.NO_RULE, dict.fromkeys(keys, tricky)),)
    decision = dataclasses.replace(
        decision, programme=tricky, totals=totals, unused=unused, digest=tricky
    )
    for each in (decision, dataclasses.replace(decision, exceptions=())):
        assert each.canonical() == pydantic_text(each)
        body = pydantic_text(dataclasses.replace(each, digest=""))
        assert each.sealed().digest == hashlib.sha256(body.encode()).hexdigest()
