"""The decision an audit returns: data only, serialised to canonical JSON with digests.

Plain frozen dataclasses, built by the engine from values it already checked (no validation
per object, which an audit would otherwise pay dozens of times). msgspec writes them out: the
same bytes as pydantic's ``TypeAdapter(Decision)`` (tests/engine/test_canonical.py proves it on
the golden workload and on generated decisions) in about 70% of its time
(scripts/bench_serialiser.py).

The parts an audit builds by the dozen, like the engine's options, caps and failures, write
their own ``__init__`` of plain stores: a frozen dataclass's generated one calls
``object.__setattr__`` for every field and stays interpreted even in the compiled engine
(about a microsecond an object, a tenth of an audit in all), where a plain one costs a third
of that here (this module stays Python, ``scripts/compile.py`` says why) and a twentieth in
the compiled modules. Those without a mapping (grants, recognitions, group and limit
statuses) are in ``decision_parts.py``, which is compiled; the unused outcomes and their
reasons are here. They are not frozen at run time; they are values all the same: nothing
assigns to them once built, and they hash by their fields (``unsafe_hash``) as frozen ones
did.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import operator
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any

import msgspec
from pydantic import BaseModel, PlainSerializer

from creditbank.domain import Label, LearnerException, Outcome
from creditbank.engine.canonical import CANONICAL, PLAIN
from creditbank.engine.decision_parts import Grant, GroupStatus, LimitStatus, Recognised
from creditbank.engine.reasons import Reason
from creditbank.engine.trace import RuleRef
from creditbank.ruleset.ruleset import sha256_text

IN_KEY_ORDER = PlainSerializer(lambda mapping: dict(sorted(mapping.items())))
"""Writes a mapping in key order, so equal mappings always give equal bytes (for pydantic,
which serialises a decision inside a model; the canonical encoder sorts every mapping)."""


@dataclass(frozen=True, slots=True)
class Earned:
    """A programme course the learner completed in the programme itself (not a transfer)."""

    course: str
    category: str
    credits: Decimal
    outcome: str


@dataclass(unsafe_hash=True, slots=True)
class Because:
    """One further reason an unused outcome does not count: code, parameters, rules."""

    reason: Reason
    params: Annotated[dict[str, str], IN_KEY_ORDER] = field(default_factory=dict)
    rules: tuple[RuleRef, ...] = ()

    def __init__(
        self,
        reason: Reason,
        params: dict[str, str] | None = None,
        rules: tuple[RuleRef, ...] = (),
    ) -> None:
        self.reason = reason
        self.params = {} if params is None else params
        self.rules = rules


@dataclass(unsafe_hash=True, slots=True)
class Unused:
    """An outcome that does not count: the primary reason code, its parameters and the rules
    involved, then every further reason that applies (``also``, in the documented order of
    ``reasons.SEVERITY``; empty when there is one)."""

    outcome: str
    reason: Reason
    params: Annotated[dict[str, str], IN_KEY_ORDER] = field(default_factory=dict)
    rules: tuple[RuleRef, ...] = ()
    also: tuple[Because, ...] = ()

    def __init__(
        self,
        outcome: str,
        reason: Reason,
        params: dict[str, str] | None = None,
        rules: tuple[RuleRef, ...] = (),
        also: tuple[Because, ...] = (),
    ) -> None:
        self.outcome = outcome
        self.reason = reason
        self.params = {} if params is None else params
        self.rules = rules
        self.also = also


@dataclass(frozen=True, slots=True)
class ExceptionStatus:
    """A learner exception as this audit applied it, or why it could not apply.

    ``granted_for`` is what the institution granted (``programme/target``); ``target`` is
    what it applies to here, reached through the equivalence rules ``via`` when the learner
    changed programme or the course left the programme. ``why_not`` is a code of
    ``engine/exceptions.py`` (empty when applied), with its ``params``."""

    id: str
    kind: str
    granted_for: str
    reason: str
    applied: bool
    target_kind: str
    target: str
    category: str
    credits: Decimal
    outcome: str
    via: tuple[RuleRef, ...] = ()
    why_not: str = ""
    params: Annotated[dict[str, str], IN_KEY_ORDER] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Totals:
    """``counted`` is ``transferred`` (by the rules) plus ``earned_in_programme`` plus
    ``by_exception`` (credit the institution granted by substitution or petition)."""

    transferred: Decimal
    earned_in_programme: Decimal
    counted: Decimal
    required: Decimal
    remaining: Decimal
    transferred_by_kind: Annotated[dict[str, Decimal], IN_KEY_ORDER]
    by_exception: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class Decision:
    """Everything a learner, registrar or auditor needs, and the digests to reproduce it."""

    programme: str
    programme_name: Label
    application_date: dt.date
    ruleset: str
    ruleset_digest: str
    input_digest: str
    grants: tuple[Grant, ...]
    earned: tuple[Earned, ...]
    unused: tuple[Unused, ...]
    recognised: tuple[Recognised, ...]
    requirements: tuple[GroupStatus, ...]
    categories: tuple[GroupStatus, ...]
    source_minimums: tuple[GroupStatus, ...]
    residency: GroupStatus | None
    limits: tuple[LimitStatus, ...]
    statuses: tuple[str, ...]
    totals: Totals
    exceptions: tuple[ExceptionStatus, ...] = ()
    digest: str = ""

    def canonical(self) -> str:
        """Canonical JSON: fields in declaration order, mappings in key order, no spaces;
        identical inputs give identical bytes. A decision without learner exceptions leaves
        out ``exceptions`` and ``totals.by_exception``, so it keeps the bytes (and digest) it
        had before exceptions existed."""
        return _canonical_json(self).decode()

    def sealed(self) -> Decision:
        """This decision with ``digest`` set to the hash of its canonical form without it."""
        body = dataclasses.replace(self, digest="") if self.digest else self
        return dataclasses.replace(self, digest=hashlib.sha256(_canonical_json(body)).hexdigest())


def _canonical_json(decision: Decision) -> bytes:
    """``Decision.canonical`` as bytes. Without learner exceptions, the last fields written,
    ``totals.by_exception`` and ``exceptions``, are cut out of the text rather than left out of
    copies of the decision and its totals (a tenth of the time). A JSON string holds no bare
    quote, so ``,"by_exception":`` and ``,"digest":`` occur only as keys, and their last
    occurrences are the totals' and the decision's: only a decimal, ``"exceptions":[]`` and
    the digest come after them."""
    written = CANONICAL.encode(decision)
    if decision.exceptions:
        return written
    head = written[: written.rindex(b',"by_exception":')]
    return head + b"}" + written[written.rindex(b',"digest":') :]


def _rows_unless_none(model: type[BaseModel]) -> Any:
    """A struct whose ``rows``, converted by msgspec from ``model`` field mappings, msgspec
    writes as pydantic's ``dump_json(exclude_none=True)`` wrote the models: fields in order,
    None left out, the same text, dates, decimals and enums (tests/engine/test_canonical.py),
    in half the time. The list sits in a struct because msgspec keeps a struct's field types
    but reads a bare ``list[...]`` again at each call; rows hold scalars only, so the garbage
    collector need not track them."""
    fields = [(name, Any, None) for name in model.model_fields]
    row = msgspec.defstruct(f"{model.__name__}Row", fields, omit_defaults=True, gc=False)
    return msgspec.defstruct(f"{model.__name__}Rows", [("rows", list[row])])  # type: ignore[valid-type]


_OUTCOME_ROWS = _rows_unless_none(Outcome)
_EXCEPTION_ROWS = _rows_unless_none(LearnerException)
_ID = operator.attrgetter("id")


def _in_id_order(models: Sequence[Outcome] | Sequence[LearnerException], rows: Any) -> bytes:
    """``models`` in id order, written as ``rows`` (:func:`_rows_unless_none`) writes them."""
    ordered = sorted(models, key=_ID)
    return PLAIN.encode(msgspec.convert({"rows": [m.__dict__ for m in ordered]}, rows).rows)


def outcomes_json(outcomes: Sequence[Outcome]) -> bytes:
    """The outcomes as the input digest writes them: in id order, unset fields left out."""
    return _in_id_order(outcomes, _OUTCOME_ROWS)


def input_digest(
    programme: str,
    on: dt.date,
    outcomes: Sequence[Outcome],
    exceptions: Sequence[LearnerException] = (),
    written: bytes | None = None,
) -> str:
    """Digest of what was asked: ``{"programme", "date", "outcomes"}`` and ``"exceptions"``
    when there are some (so an audit without them has the digest it had before they
    existed), each list in id order, unset fields left out. ``written``: the outcomes'
    :func:`outcomes_json`, when the caller has it already (``match`` asks for one learner's
    outcomes in every programme)."""
    parts = [
        b'{"programme":',
        PLAIN.encode(programme),
        b',"date":',
        PLAIN.encode(on),
        b',"outcomes":',
        outcomes_json(outcomes) if written is None else written,
    ]
    if exceptions:
        parts += [b',"exceptions":', _in_id_order(exceptions, _EXCEPTION_ROWS)]
    parts.append(b"}")
    return hashlib.sha256(b"".join(parts)).hexdigest()


def digest_of(canonical: str) -> str:
    """The digest a decision's canonical text must carry: the hash of that text with its
    digest (the last field) left empty, as ``Decision.sealed`` made it; ``""`` for a text
    that does not end with a digest.

    >>> text = '{"programme":"p","digest":"' + "0" * 64 + '"}'
    >>> digest_of(text) == sha256_text('{"programme":"p","digest":""}')
    True
    """
    head, found, tail = canonical.rpartition(',"digest":"')
    if not found or len(tail) != 66 or not tail.endswith('"}'):
        return ""
    return sha256_text(head + ',"digest":""}')
