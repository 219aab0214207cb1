"""Bulk writes (driver executemany on SQLite, COPY on PostgreSQL) store what SQLAlchemy would,
and the ledger's written-out JSON is the canonical JSON its hash is defined on."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from creditbank.ruleset.ruleset import canonical_json, sha256_text
from creditbank.service import submissions
from creditbank.store import bulk, ledger
from creditbank.store.session import session_scope
from creditbank.store.tables import Batch, LedgerEntry, OutcomeRow
from tests.store.conftest import NOW, Bank, submit, verified

BEIJING = dt.timezone(dt.timedelta(hours=8))


def submitted(external_id: str, **fields: Any) -> submissions.Record:
    row = {"learner": "L1", "external_id": external_id, "date": "2024-05-01", **fields}
    (record,), errors = submissions.validate([row], "acme", NOW.date())
    assert record is not None, errors
    return record


def stored(bank: Bank, outcome_id: int) -> dict[str, Any]:
    with session_scope(bank.engine) as s:
        row = s.get(OutcomeRow, outcome_id)
        assert row is not None
        values = {c: getattr(row, c) for c in submissions.OUTCOME_COLUMNS if c != "id"}
    return {**values, "created_at": ledger.utc(values["created_at"])}


def new_batch(bank: Bank) -> int:
    with session_scope(bank.engine) as s:
        batch = Batch(
            issuer_id="acme",
            idempotency_key="k",
            content_digest="0" * 64,
            submitter="hr",
            keep_valid=False,
            accepted=0,
            rejected=0,
            results=[],
            created_at=NOW,
        )
        s.add(batch)
        s.flush()
        return batch.id


@pytest.mark.parametrize("now", [NOW, NOW.astimezone(BEIJING)], ids=["utc", "utc+8"])
def test_a_bulk_outcome_reads_back_as_the_same_row_written_by_sqlalchemy(
    bank: Bank, now: dt.datetime
) -> None:
    batch_id = new_batch(bank)
    row = submitted('x"1"数控', hours=16, title="数控编程 \\ tab\there", assessed=True)
    _learner, external_id, _kind, obtained_on, attributes = row
    with session_scope(bank.engine) as s:
        created_at = bulk.driver_value(s, OutcomeRow.created_at, now)
        bulk.insert(
            s,
            OutcomeRow,
            submissions.OUTCOME_COLUMNS,
            [submissions.outcome_values(1, row, "acme", batch_id, created_at)],
        )
        core = dict(
            zip(
                submissions.OUTCOME_COLUMNS,
                submissions.outcome_values(2, row, "acme", batch_id, now),
                strict=True,
            )
        )
        s.execute(
            insert(OutcomeRow),
            {
                **core,
                "external_id": "core",
                "obtained_on": dt.date.fromisoformat(obtained_on),
                "attributes": json.loads(attributes),
            },
        )
    by_bulk, by_core = stored(bank, 1), stored(bank, 2)
    assert by_bulk == {**by_core, "external_id": external_id}
    assert by_bulk["obtained_on"] == dt.date(2024, 5, 1)
    assert by_bulk["attributes"] == {
        "kind": "enterprise_training",
        "date": "2024-05-01",
        "hours": "16",
        "title": "数控编程 \\ tab\there",
        "assessed": True,
        "exam_based": True,
        "requires_degree": False,
    }
    # the stored text of dates and times is the same too (SQL compares and sorts it)
    with bank.engine.connect() as conn:
        raw = conn.execute(
            text("SELECT CAST(created_at AS TEXT), CAST(obtained_on AS TEXT) FROM outcomes")
        ).all()
    assert raw[0] == raw[1]


def test_a_batch_sent_with_a_local_time_is_stored_in_utc(bank: Bank) -> None:
    submit(
        bank,
        [{"learner": "L1", "external_id": "r1", "date": "2024-05-01", "hours": 8}],
        now=NOW.astimezone(BEIJING),
    )
    assert stored(bank, 1)["created_at"] == NOW
    with session_scope(bank.engine) as s:
        assert [ledger.utc(at) for at in s.scalars(select(LedgerEntry.at))] == [NOW]
        assert [ledger.utc(at) for at in s.scalars(select(Batch.created_at))] == [NOW]
    assert verified(bank.engine) == (1, [])


def test_a_bulk_insert_that_breaks_a_constraint_raises_sqlalchemys_integrity_error(
    bank: Bank,
) -> None:
    batch_id = new_batch(bank)
    row = submitted("twice")
    with session_scope(bank.engine) as s:
        created_at = bulk.driver_value(s, OutcomeRow.created_at, NOW)
    rows = [submissions.outcome_values(n, row, "acme", batch_id, created_at) for n in (1, 2)]
    with pytest.raises(IntegrityError, match="external_id"), session_scope(bank.engine) as s:
        bulk.insert(s, OutcomeRow, submissions.OUTCOME_COLUMNS, rows)
    with session_scope(bank.engine) as s:
        assert s.scalars(select(OutcomeRow)).all() == []


def test_the_written_out_entry_json_is_the_canonical_json_of_the_entry() -> None:
    payload = {"reason": 'a "quoted"\nreason 理由', "credits": Decimal("1.50"), "n": 3}
    body = ["f" * 64, "L-1", 12, "verification", "hr\\x", "2026-09-01T08:00:00+00:00"]
    written = ledger.entry_json(*body, None, 7, None, canonical_json(payload))  # type: ignore[arg-type]
    assert written == canonical_json([*body, None, 7, None, payload])
    assert ledger.entry_hash(
        "f" * 64, "L-1", 12, "verification", "hr\\x", NOW, None, 7, None, payload
    ) == sha256_text(written)


def test_a_deposit_payload_is_written_as_canonical_json() -> None:
    row = submitted('a"b\\c数控\u00e9')
    learner, external_id, kind, date, attributes = row
    content = ledger.outcome_digest(learner, "acme", external_id, kind, date, attributes)
    assert submissions.deposit_payload(42, "acme", row) == canonical_json(
        {"batch": 42, "external_id": external_id, "kind": kind, "date": date, "content": content}
    )


def test_one_row_with_several_problems_reports_each(bank: Bank) -> None:
    rows = [
        {"learner": "L1", "external_id": "dup", "date": "2023-06-01", "hours": 8},
        {"learner": "nobody", "external_id": "dup", "date": "2023-06-01", "hours": -1},
    ]
    with pytest.raises(submissions.BatchInvalid) as exc:
        submissions.submit_batch(
            bank.engine, issuer_id="acme", idempotency_key="k", rows=rows, submitter="x", now=NOW
        )
    assert [(r["row"], sorted(e["field"] for e in r["errors"])) for r in exc.value.rows] == [
        (2, ["external_id", "hours", "learner"])
    ]
