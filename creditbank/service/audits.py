"""Audit a learner against a programme and keep the decision so it can be re-run later.

The decision row stores the outcomes exactly as the engine saw them and the rule-set version
used; ``rerun_decision`` recomputes from those alone and compares digests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from creditbank.domain import Outcome
from creditbank.engine.audit import compute_audit
from creditbank.engine.decision import Decision
from creditbank.errors import NotFound
from creditbank.service.learners import lock_learner
from creditbank.service.outcomes import to_engine_outcome
from creditbank.service.rulesets import ruleset_of, version_in_force
from creditbank.store.ledger import EntryKind, NewEntry, append
from creditbank.store.session import transaction
from creditbank.store.tables import DecisionRow, OutcomeRow, RuleSetVersion

USABLE = ("verified", "recognised")


def audit_learner(
    engine: Engine,
    *,
    learner_id: str,
    programme: str,
    on: dt.date,
    actor: str,
    now: dt.datetime,
    version_id: int | None = None,
) -> tuple[int, Decision]:
    """Audit and store: the decision's id and the decision."""

    def work(session: Session) -> tuple[int, Decision]:
        learner = lock_learner(session, learner_id)
        if learner is None:
            raise NotFound("learner", learner_id)
        version = (
            session.get(RuleSetVersion, version_id)
            if version_id is not None
            else version_in_force(session, on)
        )
        if version is None:
            raise NotFound("ruleset_version", str(version_id))
        rows = session.scalars(
            select(OutcomeRow)
            .where(OutcomeRow.learner_id == learner_id, OutcomeRow.status.in_(USABLE))
            .order_by(OutcomeRow.id)
        )
        outcomes = [to_engine_outcome(r) for r in rows]
        decision = compute_audit(ruleset_of(version), outcomes, programme, on)
        row = DecisionRow(
            learner_id=learner_id,
            programme=programme,
            application_date=on,
            ruleset_version_id=version.id,
            inputs=[o.model_dump(mode="json", exclude_none=True) for o in outcomes],
            canonical=decision.canonical(),
            digest=decision.digest,
            input_digest=decision.input_digest,
            ruleset_digest=decision.ruleset_digest,
            created_at=now,
        )
        session.add(row)
        session.flush()
        payload = {
            "programme": programme,
            "date": on.isoformat(),
            "digest": decision.digest,
            "transferred": str(decision.totals.transferred),
        }
        append(
            session,
            learner,
            [NewEntry(EntryKind.TRANSFER, payload, decision_id=row.id)],
            actor=actor,
            at=now,
            ruleset_version_id=version.id,
        )
        return row.id, decision

    return transaction(engine, work)


@dataclass(frozen=True)
class Rerun:
    stored_digest: str
    recomputed_digest: str

    @property
    def reproduced(self) -> bool:
        return self.stored_digest == self.recomputed_digest


def rerun_decision(session: Session, decision_id: int) -> Rerun:
    """Recompute a stored decision from its stored inputs and rule-set version."""
    row = session.get(DecisionRow, decision_id)
    if row is None:
        raise NotFound("decision", str(decision_id))
    version = session.get(RuleSetVersion, row.ruleset_version_id)
    assert version is not None  # a foreign key guarantees it
    outcomes = [Outcome.model_validate(o) for o in row.inputs]
    again = compute_audit(ruleset_of(version), outcomes, row.programme, row.application_date)
    return Rerun(row.digest, again.digest)
