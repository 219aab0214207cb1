"""Programme matching: which programme in force is closest to a degree for one learner.

``match`` audits the learner against every programme the rule set has in force on the date
(each audit exactly as ``compute_audit`` makes it) and ranks them by what remains:

1. fewer credits remaining (``totals.remaining``);
2. then fewer groups still unmet (requirements, categories, source minimums, residency):
   the same credits to go, with fewer requirements left open, is closer;
3. then the programme id, so that the order never depends on anything else.

Each programme comes with its largest grants (most credits first; equal credits in the
decision's own order, by target) and the digest of its full decision, which ``creditbank
audit`` reproduces. Pure, like the audit: the same inputs give the same bytes, whatever the
order of the outcomes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from creditbank.domain import Label, LearnerException, Outcome
from creditbank.engine.audit import compute_audit
from creditbank.engine.canonical import canonical_text
from creditbank.engine.decision import Decision
from creditbank.engine.decision_parts import Grant
from creditbank.engine.memo import LearnerMemo
from creditbank.ruleset.ruleset import RuleSet


@dataclass(frozen=True, slots=True)
class ProgrammeMatch:
    """One programme's place: what remains, what is met, and its largest grants."""

    rank: int
    programme: str
    programme_name: Label
    remaining: Decimal
    counted: Decimal
    required: Decimal
    groups_met: int
    groups_unmet: int
    top_grants: tuple[Grant, ...]
    decision_digest: str


@dataclass(frozen=True, slots=True)
class Matches:
    """Every programme in force on the application date, closest first."""

    application_date: dt.date
    ruleset: str
    ruleset_digest: str
    programmes: tuple[ProgrammeMatch, ...]

    def canonical(self) -> str:
        """Canonical JSON, written as decisions are (fields in order, no spaces)."""
        return canonical_text(self)


def match(
    ruleset: RuleSet,
    outcomes: list[Outcome],
    on: dt.date,
    top: int = 3,
    *,
    exceptions: Sequence[LearnerException] = (),
) -> Matches:
    """Audit ``outcomes`` (with the learner's ``exceptions``, which follow the learner to each
    programme as far as they can) against every programme in force on ``on``; rank them
    (module doc).

    Refuses what an audit refuses (too many outcomes, two sharing an id: InputInvalid)."""
    rules = ruleset.at(on)
    memo = LearnerMemo(rules, on)  # screening and recognition shared by every programme
    # Each decision is reduced to its entry at once: a hundred full decisions kept alive
    # until the ranking would outlive the collector's young generations and bring on full
    # collections of the whole heap (the rule set's objects too), a fifth of the time.
    entries = [
        _entry(compute_audit(ruleset, outcomes, programme, on, exceptions, memo), top)
        for programme in sorted(rules.programmes)
    ]
    ranked = sorted(entries, key=_closeness)
    return Matches(
        application_date=on,
        ruleset=ruleset.pack.id,
        ruleset_digest=ruleset.digest,
        programmes=tuple(
            dataclasses.replace(entry, rank=rank) for rank, entry in enumerate(ranked, start=1)
        ),
    )


def _groups(decision: Decision) -> list[bool]:
    """Whether each requirement, category, source minimum and residency rule is met."""
    residency = [decision.residency] if decision.residency is not None else []
    groups = [*decision.requirements, *decision.categories, *decision.source_minimums]
    return [g.met for g in groups + residency]


def _closeness(entry: ProgrammeMatch) -> tuple[Decimal, int, str]:
    """The ranking key: credits remaining, groups unmet, programme id."""
    return entry.remaining, entry.groups_unmet, entry.programme


def _entry(decision: Decision, top: int) -> ProgrammeMatch:
    """A programme's entry, not yet ranked."""
    groups = _groups(decision)
    largest = sorted(decision.grants, key=lambda g: -g.credits)[: max(top, 0)]
    return ProgrammeMatch(
        rank=0,
        programme=decision.programme,
        programme_name=decision.programme_name,
        remaining=decision.totals.remaining,
        counted=decision.totals.counted,
        required=decision.totals.required,
        groups_met=groups.count(True),
        groups_unmet=groups.count(False),
        top_grants=tuple(largest),
        decision_digest=decision.digest,
    )
