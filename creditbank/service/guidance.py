"""What a learner can do next, in sentences for a page: the outcomes that would add the most
credits toward a programme and the courses still to take ("what would it take"), and the
programmes of the same rule set closest to a degree.

Inputs are read in one read-only snapshot and the engine computes after it is closed, as for
what-if audits; nothing is stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Engine

from creditbank.domain import Lang
from creditbank.engine.explain_suggest import explain_suggestion, explain_to_take
from creditbank.engine.match import match
from creditbank.engine.suggest import suggest
from creditbank.service.audits import Inputs, read_inputs
from creditbank.service.learners import learner_key
from creditbank.service.rulesets import ruleset_of
from creditbank.store.session import session_scope


@dataclass(frozen=True)
class Step:
    """One suggestion: the credits it adds and the sentence that says what and why."""

    credits: Decimal
    text: str


@dataclass(frozen=True)
class WhatItTakes:
    remaining: Decimal
    steps: list[Step]
    to_take: list[str]


@dataclass(frozen=True)
class Closest:
    """A programme's place among those of the rule set, closest to a degree first."""

    rank: int
    programme: str
    name: str
    counted: Decimal
    required: Decimal
    remaining: Decimal
    groups_unmet: int


def _inputs(engine: Engine, learner_id: str, programme: str, on: dt.date) -> Inputs:
    with session_scope(engine, read_only=True) as session:
        return read_inputs(session, learner_key(learner_id), programme, on, None)


def what_it_takes(
    engine: Engine, *, learner_id: str, programme: str, on: dt.date, lang: Lang, top: int = 5
) -> WhatItTakes:
    """The ``top`` outcomes that would add the most credits, and the courses to study."""
    inputs = _inputs(engine, learner_id, programme, on)
    found = suggest(ruleset_of(inputs.version), inputs.outcomes, programme, on, top)
    return WhatItTakes(
        remaining=found.remaining,
        steps=[Step(s.credits, explain_suggestion(s, lang)) for s in found.suggestions],
        to_take=[explain_to_take(t, lang) for t in found.to_take],
    )


def closest(
    engine: Engine, *, learner_id: str, programme: str, on: dt.date, lang: Lang
) -> list[Closest]:
    """Every programme of ``programme``'s rule set in force on ``on``, closest first."""
    inputs = _inputs(engine, learner_id, programme, on)
    found = match(ruleset_of(inputs.version), inputs.outcomes, on)
    return [
        Closest(
            rank=m.rank,
            programme=m.programme,
            name=m.programme_name.text(lang),
            counted=m.counted,
            required=m.required,
            remaining=m.remaining,
            groups_unmet=m.groups_unmet,
        )
        for m in found.programmes
    ]
