"""Batches under different keys that carry the same external ids, sent by 8 processes at once.

On PostgreSQL they touch different accounts, so no lock makes one wait for another before
they insert; the outcomes' unique (issuer, external id) then did, and the losers got an
IntegrityError traceback. Every loser must answer as on SQLite, where the batches run one
after another: its rows "already stored (batch N)"."""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import Engine, select

from creditbank.service import learners, submissions
from creditbank.service.errors import BatchInvalid
from creditbank.store.session import session_scope
from creditbank.store.tables import OutcomeRow
from tests.store.conftest import NOW, Bank, verified
from tests.store.test_concurrency import counts, run_together, training

SENDERS = 8
SHARED = 40
OWN = 10


def _job_race(
    engine: Engine, key: str, rows: list[dict[str, Any]], keep_valid: bool
) -> tuple[str, Any]:
    """Submit; the answer as plain data: ("stored", batch id, results) or ("invalid", rows)."""
    try:
        result = submissions.submit_batch(
            engine,
            issuer_id="acme",
            idempotency_key=key,
            rows=rows,
            submitter="acme-hr",
            now=NOW,
            keep_valid=keep_valid,
        )
    except BatchInvalid as exc:
        return "invalid", exc.rows
    return "stored", (result.batch_id, result.rows)


def test_batches_racing_with_the_same_external_ids_answer_already_stored(bank: Bank) -> None:
    for n in range(SENDERS):
        learners.register_learner(bank.engine, learner_id=f"P{n}", now=NOW)
    jobs = []
    for n in range(SENDERS):
        shared = [training(f"P{n}", f"shared{i}") for i in range(SHARED)]
        random.Random(n).shuffle(shared)  # each in its own order
        own = [training(f"P{n}", f"own{n}-{i}") for i in range(OWN)]
        jobs.append((f"sender{n}", _job_race, (f"key{n}", shared + own, n % 2 == 0)))
    answers = run_together(bank.url, jobs)

    stored = {tag: value for tag, (kind, value) in answers.items() if kind == "stored"}
    refused = {tag: value for tag, (kind, value) in answers.items() if kind == "invalid"}
    with session_scope(bank.engine) as s:
        owners = dict(s.execute(select(OutcomeRow.external_id, OutcomeRow.batch_id)).all())
    winner = owners["shared0"]
    assert {owners[f"shared{i}"] for i in range(SHARED)} == {winner}
    already = f"already stored (batch {winner})"
    winners = 0
    for tag, (batch_id, rows) in stored.items():
        keep_valid = int(tag.removeprefix("sender")) % 2 == 0
        if batch_id == winner:
            winners += 1
            assert all(r["status"] == "accepted" for r in rows)
            continue
        assert keep_valid, f"{tag} stored a batch with rejected rows without keep_valid"
        errors = {
            r["external_id"]: r.get("errors") for r in rows if r["external_id"].startswith("shared")
        }
        assert errors == {
            f"shared{i}": [{"field": "external_id", "message": already}] for i in range(SHARED)
        }
        assert [r["status"] for r in rows[SHARED:]] == ["accepted"] * OWN
    assert winners == 1
    for tag, rows in refused.items():
        assert int(tag.removeprefix("sender")) % 2 == 1, f"{tag} kept valid rows, yet was refused"
        assert [r["errors"] for r in rows] == [
            [{"field": "external_id", "message": already}]
        ] * SHARED
    batches = len(stored)
    outcomes = SHARED + OWN * batches
    assert counts(bank.engine) == {"batches": batches, "outcomes": outcomes, "ledger": outcomes}
    assert verified(bank.engine) == (outcomes, [])
