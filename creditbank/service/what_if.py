"""What-if audits: a learner's stored outcomes, plus hypothetical ones, against any programme
on any date. Nothing is stored: no decision, no ledger entry, no outcome.

The inputs are read in one read-only snapshot and the engine computes after it is closed, so
a what-if audit never holds a transaction, let alone the write lock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine

from creditbank.engine.audit import MAX_OUTCOMES, compute_audit
from creditbank.engine.decision import Decision
from creditbank.errors import InputInvalid
from creditbank.service.audits import read_inputs
from creditbank.service.errors import check_budget
from creditbank.service.learner_file import parse_learner
from creditbank.service.learners import learner_key
from creditbank.service.rulesets import ruleset_of
from creditbank.store.session import session_scope

HYPOTHETICAL = "what-if:"
"""Prefix of a hypothetical outcome's id, so it never collides with a stored one's."""


def what_if(
    engine: Engine,
    *,
    learner_id: str,
    programme: str,
    on: dt.date,
    extra: Sequence[dict[str, Any]] = (),
    deadline: float | None = None,
) -> Decision:
    """The decision the learner would get with ``extra`` outcomes (learner-file objects)
    added to the stored verified ones; nothing is stored. Past ``deadline``
    (``time.monotonic()``), ``OverBudget`` is raised instead of an answer."""
    learner_id = learner_key(learner_id)
    hypothetical = parse_learner(
        {"learner": learner_id, "outcomes": list(extra)}, source="extra_outcomes"
    ).outcomes
    with session_scope(engine, read_only=True) as session:
        inputs = read_inputs(session, learner_id, programme, on, None)
    outcomes = [
        *inputs.outcomes,
        *(o.model_copy(update={"id": HYPOTHETICAL + o.id}) for o in hypothetical),
    ]
    if len(outcomes) > MAX_OUTCOMES:
        message = (
            f"{len(outcomes)} outcomes with the stored ones; an audit takes at most {MAX_OUTCOMES}"
        )
        raise InputInvalid([("extra_outcomes", message)])
    what = f"the what-if audit of learner '{learner_id}'"
    check_budget(deadline, what)
    decision = compute_audit(ruleset_of(inputs.version), outcomes, programme, on, inputs.exceptions)
    check_budget(deadline, what)
    return decision
