"""Whatever registrars and enterprises do, in any order (batches, re-sent batches, verify,
reject, revoke, recognise), each account's ledger verifies, says every outcome's status, and
adds up to the account's bank credits."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from creditbank.service import accounts, learners, outcomes, submissions
from creditbank.service.errors import Conflict
from creditbank.store.session import session_scope
from creditbank.store.tables import Learner, LedgerEntry, OutcomeRow
from tests.store.conftest import NOW, Bank, verified

ON = dt.date(2024, 1, 1)
"""Recognition date: inside the enterprise's accreditation (2020 to 2024)."""
LEARNERS = (0, 1)
"""An example's own learners (accounts opened for it: examples share the database)."""
STATUS_OF_ENTRY = {
    "deposit": "submitted",
    "verification": "verified",
    "rejection": "rejected",
    "recognition": "recognised",
    "revocation": "revoked",
}

submit_op = st.tuples(
    st.just("submit"),
    st.lists(
        st.tuples(st.sampled_from(LEARNERS), st.sampled_from((8, 16, 48))), min_size=1, max_size=4
    ),
)
resend_op = st.tuples(st.just("resend"), st.integers(0, 50))
change_op = st.tuples(
    st.sampled_from(("verify", "reject", "revoke")),
    st.tuples(st.integers(0, 50), st.sampled_from((True, True, True, False))),
)
"""An action on the k-th outcome the action is allowed for, or (False) on the k-th of all."""
ALLOWED_FROM = {
    "verify": ("submitted",),
    "reject": ("submitted", "verified"),
    "revoke": ("verified", "recognised"),
}
recognise_op = st.tuples(st.just("recognise"), st.sampled_from(LEARNERS))
operations = st.lists(
    st.one_of(submit_op, resend_op, change_op, recognise_op), min_size=6, max_size=20
)


@dataclass
class Example:
    """One example's accounts and the batches it sent."""

    learners: list[str]
    sent: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)


def open_accounts(bank: Bank) -> Example:
    with session_scope(bank.engine) as s:
        number = s.scalar(select(func.count()).select_from(Learner))
    ids = [f"P{number}-{i}" for i in LEARNERS]
    for learner_id in ids:
        learners.register_learner(bank.engine, learner_id=learner_id, now=NOW)
    return Example(ids)


def run(bank: Bank, example: Example, op: tuple[str, Any]) -> None:
    kind, arg = op
    sent = example.sent
    if kind == "submit":
        key = f"{example.learners[0]}-batch-{len(sent)}"
        rows = [
            {
                "learner": example.learners[learner],
                "external_id": f"{key}-{i}",
                "date": "2023-06-01",
                "hours": hours,
            }
            for i, (learner, hours) in enumerate(arg)
        ]
        result = submissions.submit_batch(
            bank.engine, issuer_id="acme", idempotency_key=key, rows=rows, submitter="hr", now=NOW
        )
        assert not result.replayed
        sent.append((key, rows))
    elif kind == "resend" and sent:
        key, rows = sent[arg % len(sent)]
        result = submissions.submit_batch(
            bank.engine, issuer_id="acme", idempotency_key=key, rows=rows, submitter="hr", now=NOW
        )
        assert result.replayed
    elif kind == "recognise":
        learner_id = example.learners[arg]
        outcomes.recognise(bank.engine, learner_id=learner_id, on=ON, actor="r", now=NOW)
    elif kind in ALLOWED_FROM:
        k, allowed_only = arg
        query = (
            select(OutcomeRow.id)
            .where(OutcomeRow.learner_id.in_(example.learners))
            .order_by(OutcomeRow.id)
        )
        if allowed_only:
            query = query.where(OutcomeRow.status.in_(ALLOWED_FROM[kind]))
        with session_scope(bank.engine) as s:
            ids = list(s.scalars(query))
        if ids:
            with suppress(Conflict):  # not allowed from the outcome's status: nothing changes
                outcomes.change_status(
                    bank.engine,
                    outcome_id=ids[k % len(ids)],
                    action=kind,
                    actor="r",
                    now=NOW,
                    reason="checked",
                )


def check_accounts(bank: Bank, example: Example) -> None:
    assert verified(bank.engine)[1] == []
    with session_scope(bank.engine) as s:
        entries = list(
            s.scalars(
                select(LedgerEntry)
                .where(LedgerEntry.learner_id.in_(example.learners))
                .order_by(LedgerEntry.id)
            )
        )
        for learner in example.learners:
            head = s.get(Learner, learner)
            assert head is not None
            assert head.ledger_seq == sum(e.learner_id == learner for e in entries)
        deposits = Counter(e.outcome_id for e in entries if e.kind == "deposit")
        last_status: dict[int, str] = {}
        for entry in entries:
            if entry.outcome_id is not None and entry.kind in STATUS_OF_ENTRY:
                last_status[entry.outcome_id] = STATUS_OF_ENTRY[entry.kind]
        for row in s.scalars(select(OutcomeRow).where(OutcomeRow.learner_id.in_(example.learners))):
            assert deposits[row.id] == 1
            assert last_status[row.id] == row.status
        for learner in example.learners:
            moved = sum(
                (
                    Decimal(e.payload["credits"])
                    for e in entries
                    if e.learner_id == learner and e.kind in {"recognition", "reversal"}
                ),
                start=Decimal(0),
            )
            assert accounts.statement(s, learner).total_credits == moved


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    # no shrinking: each try replays database work, minutes in all; a failing sequence is
    # reported as found (at most 20 operations)
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
)
@given(ops=operations)
def test_the_ledger_stays_whole_and_adds_up_whatever_happens(
    bank: Bank, ops: list[tuple[str, Any]]
) -> None:
    example = open_accounts(bank)
    for op in ops:
        run(bank, example, op)
    check_accounts(bank, example)
