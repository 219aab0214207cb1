"""The parts of a decision an audit makes by the dozen that hold no mapping: grants, an
outcome's bank credits, group statuses and limit statuses.

They live apart from ``decision.py`` so that the compiled engine compiles them
(``scripts/compile.py``): built from compiled modules, a compiled record costs a fraction of
the plain ``__init__`` that ``decision.py`` (left to Python) runs for its own parts. pydantic reads
them as it reads the rest of the decision (``TypeAdapter(Decision)`` loads stored decisions);
the parts with a mapping stay in ``decision.py``, whose serialisers a compiled module would
lose. Values, as ``decision.py`` explains: nothing assigns to them once built, and they hash
by their fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from creditbank.domain import Label
from creditbank.engine.trace import RuleRef


@dataclass(unsafe_hash=True, slots=True)
class Grant:
    """Credit granted toward the programme: a course (exempted) or category credits."""

    target: str
    target_kind: str  # "course" or "category"
    target_name: Label
    category: str
    credits: Decimal
    outcomes: tuple[str, ...]
    rules: tuple[RuleRef, ...]
    grade_mark: Label

    def __init__(
        self,
        target: str,
        target_kind: str,
        target_name: Label,
        category: str,
        credits: Decimal,
        outcomes: tuple[str, ...],
        rules: tuple[RuleRef, ...],
        grade_mark: Label,
    ) -> None:
        self.target = target
        self.target_kind = target_kind
        self.target_name = target_name
        self.category = category
        self.credits = credits
        self.outcomes = outcomes
        self.rules = rules
        self.grade_mark = grade_mark


@dataclass(unsafe_hash=True, slots=True)
class Recognised:
    """An outcome's bank credits (independent of the programme): amount, framework level,
    field, and the rule that recognised it. Recognition makes them (as ``BankCredit``) and
    the decision lists them as they are."""

    outcome: str
    credits: Decimal
    level: int | None
    field: str | None
    rule: RuleRef

    def __init__(
        self, outcome: str, credits: Decimal, level: int | None, field: str | None, rule: RuleRef
    ) -> None:
        self.outcome = outcome
        self.credits = credits
        self.level = level
        self.field = field
        self.rule = rule


@dataclass(unsafe_hash=True, slots=True)
class GroupStatus:
    """A requirement, category or source minimum: met, and what is missing."""

    id: str
    name: Label
    met: bool
    credits: Decimal
    required_credits: Decimal | None = None
    missing_credits: Decimal = Decimal(0)
    courses_missing: tuple[str, ...] = ()

    def __init__(
        self,
        id: str,
        name: Label,
        met: bool,
        credits: Decimal,
        required_credits: Decimal | None = None,
        missing_credits: Decimal = Decimal(0),
        courses_missing: tuple[str, ...] = (),
    ) -> None:
        self.id = id
        self.name = name
        self.met = met
        self.credits = credits
        self.required_credits = required_credits
        self.missing_credits = missing_credits
        self.courses_missing = courses_missing


@dataclass(unsafe_hash=True, slots=True)
class LimitStatus:
    """A cap instance (per value or period when the limit says so), its use and whether it bound."""

    id: str
    instance: str
    bound: Decimal
    used: Decimal
    unit: str  # "credits" or "count"
    binding: bool
    rule: RuleRef

    def __init__(
        self,
        id: str,
        instance: str,
        bound: Decimal,
        used: Decimal,
        unit: str,
        binding: bool,
        rule: RuleRef,
    ) -> None:
        self.id = id
        self.instance = instance
        self.bound = bound
        self.used = used
        self.unit = unit
        self.binding = binding
        self.rule = rule
