"""The bank's use cases end to end on a real database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from creditbank.errors import InputInvalid, NotFound
from creditbank.service import accounts, audits, batch_files, outcomes, rulesets, submissions
from creditbank.service.errors import BatchInvalid, Conflict
from creditbank.store.session import session_scope
from creditbank.store.tables import Batch, LedgerEntry, OutcomeRow
from tests.store.conftest import NOW, Bank, submit, verified


def training(
    learner: str, ext: str, hours: int = 48, date: str = "2023-06-01"
) -> dict[str, object]:
    return {
        "learner": learner,
        "external_id": ext,
        "kind": "enterprise_training",
        "date": date,
        "hours": hours,
        "title": f"Course {ext}",
    }


def counts(bank: Bank) -> tuple[int, int, int]:
    with session_scope(bank.engine) as s:
        return (
            s.scalar(select(func.count()).select_from(OutcomeRow)) or 0,
            s.scalar(select(func.count()).select_from(LedgerEntry)) or 0,
            s.scalar(select(func.count()).select_from(Batch)) or 0,
        )


def test_the_same_batch_twice_is_stored_once_and_replays_the_first_result(bank: Bank) -> None:
    rows = [training("L1", "r1"), training("L2", "r2")]
    first = submit(bank, rows)
    assert (first.accepted, first.rejected, first.replayed) == (2, 0, False)
    before = counts(bank)
    again = submit(bank, rows)
    assert again.replayed
    assert (again.batch_id, again.accepted, again.rows) == (first.batch_id, 2, first.rows)
    assert counts(bank) == before == (2, 2, 1)


def test_the_same_key_with_other_content_is_refused(bank: Bank) -> None:
    submit(bank, [training("L1", "r1")])
    with pytest.raises(Conflict, match="different batch") as exc:
        submit(bank, [training("L1", "r1", hours=8)])
    assert exc.value.code == "batch.idempotency_conflict"


def test_invalid_rows_refuse_the_whole_batch_with_every_rows_errors(bank: Bank) -> None:
    rows = [
        training("L1", "ok"),
        training("nobody", "r2"),
        training("L2", "r3", hours=-4),
        {**training("L3", "r4"), "date": "2023/06/01"},
        training("L1", "ok"),
        training("L2", "r6", date="2026-09-02"),  # the day after NOW
        training("L2", "r7", date="2026-09-01"),
        {**training("L3", "r8"), "status": "recognised", "issuer": "acme"},
    ]
    with pytest.raises(BatchInvalid) as exc:
        submit(bank, rows)
    errors = {(r["row"], e["field"]) for r in exc.value.rows for e in r["errors"]}
    assert errors == {
        (2, "learner"),
        (3, "hours"),
        (4, "date"),
        (5, "external_id"),
        (6, "date"),
        (8, "issuer"),
        (8, "status"),
    }
    assert "YYYY-MM-DD" in str(exc.value)
    assert "row 6: date: 2026-09-02 is in the future" in str(exc.value)
    assert counts(bank) == (0, 0, 0)


def test_a_refused_batch_changes_nothing_already_stored(bank: Bank) -> None:
    submit(bank, [training("L1", "r1")], key="good")
    before = counts(bank)
    with pytest.raises(BatchInvalid):
        submit(bank, [training("L1", "r2"), training("L2", "r3", hours=0)], key="bad")
    assert counts(bank) == before
    assert verified(bank.engine) == (1, [])


def test_keep_valid_stores_the_valid_rows_and_reports_the_others(bank: Bank) -> None:
    submit(bank, [training("L2", "earlier")], key="earlier")
    rows = [training("L1", "a"), training("L1", "b", hours=99999), training("L3", "c")]
    result = submit(bank, rows, keep_valid=True)
    assert (result.accepted, result.rejected) == (2, 1)
    with session_scope(bank.engine) as s:
        stored = dict(s.execute(select(OutcomeRow.external_id, OutcomeRow.id)).all())
    # an accepted row gives the bank's id of its outcome; errors only where there are some
    assert result.rows == [
        {"row": 1, "external_id": "a", "status": "accepted", "outcome": stored["a"]},
        {
            "row": 2,
            "external_id": "b",
            "status": "rejected",
            "errors": [
                {"field": "hours", "message": "Input should be less than or equal to 10000"}
            ],
        },
        {"row": 3, "external_id": "c", "status": "accepted", "outcome": stored["c"]},
    ]
    assert counts(bank)[0] == 3
    assert submit(bank, rows, keep_valid=True).rows == result.rows


def test_external_ids_are_unique_per_issuer_across_batches(bank: Bank) -> None:
    submit(bank, [training("L1", "r1")], key="a")
    with pytest.raises(BatchInvalid, match="already stored"):
        submit(bank, [training("L1", "r1")], key="b")


def test_an_unknown_issuer_is_a_clear_error(bank: Bank) -> None:
    with pytest.raises(NotFound, match="unknown issuer 'ghost'"):
        submissions.submit_batch(
            bank.engine,
            issuer_id="ghost",
            idempotency_key="k",
            rows=[training("L1", "r")],
            submitter="x",
            now=NOW,
        )


def test_csv_with_bom_and_blank_lines_is_read_and_gbk_is_refused_clearly() -> None:
    data = "\ufefflearner,external_id,date,hours,title\n\nL1,r1,2023-06-01,16,数控编程\n\n"
    assert batch_files.parse_csv(data.encode("utf-8")).rows == [
        {
            "learner": "L1",
            "external_id": "r1",
            "date": "2023-06-01",
            "hours": "16",
            "title": "数控编程",
        }
    ]
    with pytest.raises(InputInvalid, match="GBK"):
        batch_files.parse_csv(data.replace("\ufeff", "").encode("gbk"))
    with pytest.raises(InputInvalid, match="unknown column"):
        batch_files.parse_csv(b"learner,external_id,date,hrs\nL1,r1,2023-01-01,3\n")
    with pytest.raises(InputInvalid, match="missing column"):
        batch_files.parse_csv(b"learner,date\nL1,2023-01-01\n")


def test_lifecycle_recognition_statement_and_ledger(bank: Bank) -> None:
    submit(bank, [training("L1", "r1", hours=48), training("L1", "r2", hours=32)])
    with session_scope(bank.engine) as s:
        ids = list(s.scalars(select(OutcomeRow.id).order_by(OutcomeRow.id)))
    for outcome_id in ids:
        outcomes.change_status(
            bank.engine, outcome_id=outcome_id, action="verify", actor="registrar", now=NOW
        )
    report = outcomes.recognise(
        bank.engine, learner_id="L1", on=dt.date(2024, 1, 1), actor="registrar", now=NOW
    )
    assert [r["credits"] for r in report] == ["3", "2"]
    outcomes.change_status(
        bank.engine,
        outcome_id=ids[1],
        action="revoke",
        actor="registrar",
        now=NOW,
        reason="certificate withdrawn",
    )
    with pytest.raises(Conflict, match="cannot be"):
        outcomes.change_status(
            bank.engine, outcome_id=ids[1], action="verify", actor="registrar", now=NOW
        )
    with session_scope(bank.engine) as s:
        account = accounts.statement(s, "L1")
    checked, breaks = verified(bank.engine)
    assert account.total_credits == Decimal(3)
    assert [e["kind"] for e in account.ledger] == [
        "deposit",
        "deposit",
        "verification",
        "verification",
        "recognition",
        "recognition",
        "reversal",
        "revocation",
    ]
    reversal = account.ledger[6]
    assert (reversal["outcome"], reversal["payload"]["credits"]) == (ids[1], "-2")
    assert reversal["payload"]["reverses"] == 6  # the revoked outcome's recognition
    # the ledger alone gives the account's credits: recognitions less reversals
    credits = [e["payload"]["credits"] for e in account.ledger if e["kind"] == "recognition"]
    reversed_ = [e["payload"]["credits"] for e in account.ledger if e["kind"] == "reversal"]
    assert sum(Decimal(c) for c in credits + reversed_) == account.total_credits
    assert (checked, breaks) == (8, [])


def test_a_batch_chains_each_accounts_deposits_in_row_order(bank: Bank) -> None:
    first = ["L1", "L2", "L1", "L3", "L1", "L2"]
    submit(bank, [training(learner, f"a{i}") for i, learner in enumerate(first)], key="one")
    submit(bank, [training("L2", "b0"), training("L1", "b1")], key="two")
    with session_scope(bank.engine) as s:
        chains: dict[str, list[str]] = {}
        query = select(LedgerEntry).order_by(LedgerEntry.learner_id, LedgerEntry.seq)
        for entry in s.scalars(query):
            chains.setdefault(entry.learner_id, []).append(
                f"{entry.seq}:{entry.payload['external_id']}"
            )
    assert verified(bank.engine) == (8, [])
    assert chains == {
        "L1": ["1:a0", "2:a2", "3:a4", "4:b1"],
        "L2": ["1:a1", "2:a5", "3:b0"],
        "L3": ["1:a3"],
    }


def test_revoking_an_outcome_never_recognised_reverses_nothing(bank: Bank) -> None:
    submit(bank, [training("L1", "r1")])
    with session_scope(bank.engine) as s:
        outcome_id = s.scalars(select(OutcomeRow.id)).one()
    outcomes.change_status(bank.engine, outcome_id=outcome_id, action="verify", actor="r", now=NOW)
    outcomes.change_status(
        bank.engine, outcome_id=outcome_id, action="revoke", actor="r", now=NOW, reason="void"
    )
    with session_scope(bank.engine) as s:
        account = accounts.statement(s, "L1")
    assert [e["kind"] for e in account.ledger] == ["deposit", "verification", "revocation"]
    assert account.total_credits == 0


def test_a_stored_decision_names_its_version_and_reruns_to_the_same_digest(bank: Bank) -> None:
    submit(bank, [training("L2", "r1", hours=48)])
    with session_scope(bank.engine) as s:
        outcome_id = s.scalar(select(OutcomeRow.id))
    outcomes.change_status(bank.engine, outcome_id=outcome_id, action="verify", actor="r", now=NOW)
    decision_id, decision = audits.audit_learner(
        bank.engine,
        learner_id="L2",
        programme="mech",
        on=dt.date(2026, 9, 1),
        actor="learner",
        now=NOW,
    )
    assert decision.totals.transferred == Decimal(3)
    with session_scope(bank.engine) as s:
        rerun = audits.rerun_decision(s, decision_id)
    assert rerun.reproduced


def test_tampering_with_the_ledger_is_found_at_the_first_broken_entry(bank: Bank) -> None:
    submit(bank, [training("L1", f"r{i}") for i in range(4)])
    with bank.engine.begin() as conn:  # someone who can drop the database's guard (0002)
        on_table = " ON ledger" if conn.dialect.name == "postgresql" else ""
        conn.execute(text(f"DROP TRIGGER ledger_no_update{on_table}"))
        conn.execute(text("UPDATE ledger SET actor = 'mallory' WHERE seq = 3"))
    assert verified(bank.engine)[1] == [
        "L1 entry 3 (row 3): its content does not match its hash (it was changed)"
    ]


def test_a_published_version_cannot_be_published_again(bank: Bank) -> None:
    with pytest.raises(Conflict, match="only a draft"):
        rulesets.publish(
            bank.engine,
            version_id=bank.version_id,
            effective_from=dt.date(2021, 1, 1),
            actor="p",
            now=NOW,
        )


def test_a_learner_id_typed_in_full_width_finds_the_account(bank: Bank) -> None:
    submit(bank, [training("L1", "r1")])
    with session_scope(bank.engine, read_only=True) as s:
        assert accounts.statement(s, "Ｌ１").learner_id == "L1"
        with pytest.raises(InputInvalid, match="learner"):
            accounts.statement(s, "L1\u202e")
    outcomes.change_status(bank.engine, outcome_id=1, action="verify", actor="r", now=NOW)
    _id, decision = audits.audit_learner(
        bank.engine, learner_id="Ｌ１", programme="mech", on=dt.date(2024, 1, 1), actor="r", now=NOW
    )
    assert decision.totals.transferred == 3
