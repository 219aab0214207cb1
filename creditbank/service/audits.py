"""Audit a learner against a programme and keep the decision so it can be re-run later.

The decision row stores the outcomes exactly as the engine saw them and the rule-set version
used; ``rerun_decision`` recomputes from those alone and compares digests, after checking the
stored text against its digest and the digest against the one the ledger recorded.

An audit reads its inputs in a read-only snapshot and computes with no transaction open, so
a long audit never holds the database's write lock; the decision is then stored in a short
write transaction, if the account has not moved meanwhile (else it is computed again).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from creditbank.domain import LearnerException, Outcome
from creditbank.engine.audit import MAX_OUTCOMES, compute_audit
from creditbank.engine.decision import Decision, digest_of, input_digest
from creditbank.errors import NotFound
from creditbank.service.errors import Conflict, check_budget
from creditbank.service.exceptions import exceptions_in_force
from creditbank.service.learners import learner_key, lock_learner
from creditbank.service.outcomes import require_vouched, to_engine_outcome
from creditbank.service.rulesets import ruleset_of, version_for_programme
from creditbank.store.integrity import Transfer, transfer_of
from creditbank.store.ledger import EntryKind, NewEntry, append
from creditbank.store.session import session_scope, transaction
from creditbank.store.tables import DecisionRow, Learner, LedgerEntry, OutcomeRow, RuleSetVersion

USABLE = ("verified", "recognised")
ATTEMPTS = 3
"""Audits computed again when the account moved while one was computed."""


@dataclass(frozen=True)
class Inputs:
    """What an audit reads: the account's ledger position, the version, the usable outcomes
    and the exceptions in force."""

    seq: int
    version: RuleSetVersion
    outcomes: list[Outcome]
    exceptions: list[LearnerException] = field(default_factory=list)


class AccountMoved(Exception):
    """The account got a ledger entry between reading an audit's inputs and storing it."""


def audit_learner(
    engine: Engine,
    *,
    learner_id: str,
    programme: str,
    on: dt.date,
    actor: str,
    now: dt.datetime,
    version_id: int | None = None,
    deadline: float | None = None,
) -> tuple[int, Decision]:
    """Audit and store: the decision's id and the decision. The version is the one in
    force on ``on`` of the rule set that defines ``programme``, unless ``version_id``.
    Past ``deadline`` (``time.monotonic()``), checked before and after the engine computes
    and before the decision is written, ``OverBudget`` is raised and nothing is stored."""
    learner_id = learner_key(learner_id)
    what = f"the audit of learner '{learner_id}'"
    for _attempt in range(ATTEMPTS):
        with session_scope(engine, read_only=True) as session:
            inputs = read_inputs(session, learner_id, programme, on, version_id)
        check_budget(deadline, what)
        decision = compute_audit(
            ruleset_of(inputs.version), inputs.outcomes, programme, on, inputs.exceptions
        )
        check_budget(deadline, what)
        try:
            return transaction(
                engine,
                functools.partial(
                    store_decision,
                    inputs=inputs,
                    decision=decision,
                    actor=actor,
                    now=now,
                    learner_id=learner_id,
                    deadline=deadline,
                ),
            )
        except AccountMoved:
            continue
    raise Conflict(
        f"learner '{learner_id}''s account kept changing while it was audited; audit again",
        code="audit.busy",
    )


def read_inputs(
    session: Session, learner_id: str, programme: str, on: dt.date, version_id: int | None
) -> Inputs:
    """An audit's inputs, read in the caller's (read-only) snapshot; shared with what-if."""
    learner = session.get(Learner, learner_id)
    if learner is None:
        raise NotFound("learner", learner_id)
    if version_id is None:
        version = version_for_programme(session, programme, on)
    elif (found := session.get(RuleSetVersion, version_id)) is not None:
        version = found
    else:
        raise NotFound("ruleset_version", str(version_id))
    rows = list(
        session.scalars(
            select(OutcomeRow)
            .where(OutcomeRow.learner_id == learner_id, OutcomeRow.status.in_(USABLE))
            .order_by(OutcomeRow.id)
        )
    )
    if len(rows) > MAX_OUTCOMES:
        raise Conflict(
            f"learner '{learner_id}' has {len(rows)} verified or recognised outcomes; an audit "
            f"takes at most {MAX_OUTCOMES}",
            code="audit.too_many_outcomes",
        )
    require_vouched(session, learner_id, [r.id for r in rows])
    outcomes = [to_engine_outcome(r) for r in rows]
    return Inputs(learner.ledger_seq, version, outcomes, exceptions_in_force(session, learner_id))


def store_decision(
    session: Session,
    *,
    learner_id: str,
    inputs: Inputs,
    decision: Decision,
    actor: str,
    now: dt.datetime,
    deadline: float | None = None,
) -> tuple[int, Decision]:
    """Store ``decision`` and its ledger transfer entry (naming the version and the
    decision) in the caller's transaction, if the account is still where ``inputs`` read it
    and the ``deadline`` (a monotonic time; None: none) has not passed."""
    learner = lock_learner(session, learner_id)
    if learner is None:
        raise NotFound("learner", learner_id)
    if learner.ledger_seq != inputs.seq:
        raise AccountMoved
    check_budget(deadline, f"the audit of learner '{learner_id}'")
    row = DecisionRow(
        learner_id=learner_id,
        programme=decision.programme,
        application_date=decision.application_date,
        ruleset_version_id=inputs.version.id,
        inputs=stored_inputs(inputs.outcomes, inputs.exceptions),
        canonical=decision.canonical(),
        digest=decision.digest,
        input_digest=decision.input_digest,
        ruleset_digest=decision.ruleset_digest,
        created_at=now,
    )
    session.add(row)
    session.flush()
    payload = {
        "programme": decision.programme,
        "date": decision.application_date.isoformat(),
        "digest": decision.digest,
        "transferred": str(decision.totals.transferred),
    }
    append(
        session,
        learner,
        [NewEntry(EntryKind.TRANSFER, payload, decision_id=row.id)],
        actor=actor,
        at=now,
        ruleset_version_id=inputs.version.id,
    )
    return row.id, decision


def stored_decision_problems(
    row: DecisionRow, recorded: Transfer | None, version_digest: str | None
) -> list[str]:
    """What is wrong with a stored decision without re-running it: its canonical text
    against its digest, its inputs against its input digest, its columns against its text,
    its rule-set digest against its version's (``version_digest``), and all of it against
    what its ledger transfer entry recorded (``None``: no entry did). Values written around
    the bank that cannot even be read are reported as such, never raised."""
    problems = []
    canonical = row.canonical if isinstance(row.canonical, str) else ""
    if digest_of(canonical) != row.digest or not canonical.endswith(f'"digest":"{row.digest}"}}'):
        problems.append(
            "its canonical text does not hash to its digest (the text or the digest was changed)"
        )
    problems += _recorded_problems(row, recorded)
    if version_digest is not None and version_digest != row.ruleset_digest:
        problems.append("its rule-set digest is not its version's (the version was changed)")
    asked = _stored_inputs(row)
    if asked is None:
        problems.append("its stored inputs are not valid outcomes (they were changed)")
    elif input_digest(row.programme, row.application_date, *asked) != row.input_digest:
        problems.append("its stored inputs do not match its input digest (they were changed)")
    try:
        text = json.loads(canonical)
    except ValueError:
        text = None
    if not isinstance(text, dict):
        return [*problems, "its canonical text is not a JSON object"]
    columns = {
        "programme": row.programme,
        "application_date": row.application_date.isoformat(),
        "input_digest": row.input_digest,
        "ruleset_digest": row.ruleset_digest,
    }
    if differing := sorted(k for k, v in columns.items() if text.get(k) != v):
        problems.append(f"its {', '.join(differing)} disagree with its canonical text")
    return problems


_NO_TRANSFER = "no transfer entry in the ledger records it (stored around the ledger)"


def _recorded_problems(row: DecisionRow, recorded: Transfer | None) -> list[str]:
    if recorded is None:
        return [_NO_TRANSFER]
    problems = []
    if not recorded.intact:
        problems.append("its transfer entry does not match its hash (the entry was changed)")
    if recorded.learner_id != row.learner_id:
        problems.append(
            f"its transfer entry is on {recorded.learner_id}'s chain (the decision was moved)"
        )
    if recorded.ruleset_version_id != row.ruleset_version_id:
        problems.append(
            f"its transfer entry names rule-set version {recorded.ruleset_version_id}, the "
            f"decision {row.ruleset_version_id} (it was changed)"
        )
    if recorded.digest != row.digest:
        problems.append(
            f"its digest {row.digest[:16]} is not the {recorded.digest[:16]} its ledger "
            "transfer entry recorded (the decision was replaced)"
        )
    return problems


def stored_inputs(
    outcomes: list[Outcome], exceptions: list[LearnerException]
) -> list[Any] | dict[str, Any]:
    """A decision's inputs as stored: the outcomes, and with exceptions an object of both
    (a decision without them is stored as it always was)."""
    written = [o.model_dump(mode="json", exclude_none=True) for o in outcomes]
    if not exceptions:
        return written
    return {
        "outcomes": written,
        "exceptions": [e.model_dump(mode="json", exclude_none=True) for e in exceptions],
    }


def _stored_inputs(row: DecisionRow) -> tuple[list[Outcome], list[LearnerException]] | None:
    """The outcomes and exceptions a stored decision was computed from; None when they are
    not readable (changed around the bank)."""
    stored: Any = row.inputs
    outcomes: Any = stored if isinstance(stored, list) else None
    exceptions: Any = [] if isinstance(stored, list) else None
    if isinstance(stored, dict) and set(stored) == {"outcomes", "exceptions"}:
        outcomes, exceptions = stored["outcomes"], stored["exceptions"]
    if not isinstance(outcomes, list) or not isinstance(exceptions, list):
        return None
    try:
        return (
            [Outcome.model_validate(o) for o in outcomes],
            [LearnerException.model_validate(e) for e in exceptions],
        )
    except ValidationError:
        return None


@dataclass(frozen=True)
class Rerun:
    stored_digest: str
    recomputed_digest: str
    problems: tuple[str, ...] = ()

    @property
    def reproduced(self) -> bool:
        return not self.problems and self.stored_digest == self.recomputed_digest


def rerun_decision(session: Session, decision_id: int) -> Rerun:
    """Check a stored decision (``stored_decision_problems``, against its one transfer entry,
    itself checked against its hash) and recompute it from its stored inputs and version."""
    row = session.get(DecisionRow, decision_id)
    if row is None:
        raise NotFound("decision", str(decision_id))
    entries = session.scalars(
        select(LedgerEntry).where(
            LedgerEntry.decision_id == decision_id, LedgerEntry.kind == EntryKind.TRANSFER.value
        )
    ).all()
    version = session.get(RuleSetVersion, row.ruleset_version_id)
    assert version is not None  # a foreign key guarantees it
    recorded = transfer_of(entries[0]) if len(entries) == 1 else None
    problems = stored_decision_problems(row, recorded, version.digest)
    if len(entries) > 1:
        problems[problems.index(_NO_TRANSFER)] = f"{len(entries)} transfer entries record it"
    asked = _stored_inputs(row)
    if asked is None:
        return Rerun(row.digest, "", tuple(problems))
    again = compute_audit(
        ruleset_of(version), asked[0], row.programme, row.application_date, asked[1]
    )
    return Rerun(row.digest, again.digest, tuple(problems))
