"""Tampering as an administrator would: the database's guards dropped first, then rows
changed, forged, re-hashed or cut off. `ledger verify`, `decisions rerun`, audits and
recognitions must notice (issue 12)."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, select, text
from sqlalchemy.exc import IntegrityError

from creditbank.domain import Outcome
from creditbank.engine.audit import compute_audit
from creditbank.errors import CreditBankError
from creditbank.ruleset import checker
from creditbank.ruleset.ruleset import canonical_json
from creditbank.service import audits, integrity, outcomes, rulesets
from creditbank.store import ledger
from creditbank.store.checkpoints import public_key_hex
from creditbank.store.integrity import Moved
from creditbank.store.session import session_scope
from creditbank.store.tables import DecisionRow, Learner, LedgerEntry, RuleSetVersion
from tests.engine.small_rules import FRAME, RULES
from tests.store.conftest import NOW, Bank, submit, verified

KEY = Ed25519PrivateKey.generate()


def training(ext: str, learner: str = "L1", hours: int = 48) -> dict[str, Any]:
    return {"learner": learner, "external_id": ext, "date": "2023-06-01", "hours": hours}


@pytest.fixture
def used(bank: Bank) -> Bank:
    """L1 with two outcomes (one verified, one recognised) and a stored decision; L2 with one
    submitted outcome."""
    submit(bank, [training("r1"), training("r2", hours=32), training("r3", learner="L2")])
    for outcome_id in (1, 2):
        outcomes.change_status(
            bank.engine, outcome_id=outcome_id, action="verify", actor="registrar", now=NOW
        )
    outcomes.recognise(bank.engine, learner_id="L1", on=dt.date(2024, 1, 1), actor="r", now=NOW)
    audit(bank)
    assert verified(bank.engine)[1] == []
    return bank


def audit(bank: Bank, learner_id: str = "L1") -> int:
    decision_id, _ = audits.audit_learner(
        bank.engine,
        learner_id=learner_id,
        programme="mech",
        on=dt.date(2024, 1, 1),
        actor="r",
        now=NOW,
    )
    return decision_id


def as_admin(bank: Bank, *statements: str, **params: Any) -> None:
    """Run SQL as an administrator who first drops every guard trigger (migrations 0002-0003)."""
    with bank.engine.begin() as conn:
        for trigger, table in _triggers(conn):
            on_table = f" ON {table}" if conn.dialect.name == "postgresql" else ""
            conn.execute(text(f"DROP TRIGGER {trigger}{on_table}"))
        for statement in statements:
            conn.execute(text(statement), params)


def _triggers(conn: Connection) -> list[tuple[str, str]]:
    if conn.dialect.name == "postgresql":
        query = "SELECT DISTINCT tgname, relname FROM pg_trigger JOIN pg_class ON tgrelid = pg_class.oid WHERE NOT tgisinternal"
    else:
        query = "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'"
    return [(str(a), str(b)) for a, b in conn.execute(text(query))]


def attributes_of(bank: Bank, outcome_id: int) -> str:
    with bank.engine.connect() as conn:
        return str(
            conn.execute(
                text("SELECT CAST(attributes AS TEXT) FROM outcomes WHERE id = :i"),
                {"i": outcome_id},
            ).scalar_one()
        )


def set_json(bank: Bank, table: str, column: str, value: str, row_id: int) -> None:
    cast = f"CAST(:v AS {'json' if bank.engine.dialect.name == 'postgresql' else 'text'})"
    as_admin(bank, f"UPDATE {table} SET {column} = {cast} WHERE id = :i", v=value, i=row_id)


# ------------------------------------------------------------------ the guards themselves


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE outcomes SET attributes = attributes, learner_id = 'L2' WHERE id = 1",
        "UPDATE outcomes SET external_id = 'other' WHERE id = 1",
        "UPDATE outcomes SET obtained_on = '2020-01-01' WHERE id = 1",
        "UPDATE outcomes SET status = 'recognised' WHERE id = 3",  # submitted: not along the lifecycle
        "UPDATE outcomes SET status = 'submitted' WHERE id = 2",  # back from recognised
        "UPDATE outcomes SET status_reason = 'forged' WHERE id = 1",  # a reason, no move
        "DELETE FROM outcomes WHERE id = 3",
    ],
)
def test_the_database_refuses_to_change_or_remove_an_outcome(used: Bank, statement: str) -> None:
    with pytest.raises(IntegrityError, match="a stored outcome"), used.engine.begin() as conn:
        conn.execute(text(statement))
    assert verified(used.engine)[1] == []


def test_checkpoints_are_append_only(used: Bank) -> None:
    integrity.write_checkpoint(used.engine, key=KEY, now=NOW)
    for statement in ("UPDATE checkpoints SET root = 'x'", "DELETE FROM checkpoint_heads"):
        with pytest.raises(IntegrityError, match="append-only"), used.engine.begin() as conn:
            conn.execute(text(statement))


# ------------------------------------------------------------------ outcomes


def test_changing_an_outcomes_hours_is_found_and_the_outcome_is_no_longer_used(used: Bank) -> None:
    inflated = attributes_of(used, 1).replace('"48"', '"480"')
    assert '"480"' in inflated
    set_json(used, "outcomes", "attributes", inflated, 1)
    assert verified(used.engine)[1] == [
        "L1 outcome 1: it differs from what its deposit recorded (its learner, issuer, "
        "external id, kind, date or attributes were changed)"
    ]
    with pytest.raises(CreditBankError, match="outcome 1: it differs") as refused:
        audit(used)
    assert refused.value.code == "ledger.mismatch"


def test_moving_an_outcome_to_another_learner_is_found_on_both_accounts(used: Bank) -> None:
    as_admin(used, "UPDATE outcomes SET learner_id = 'L2' WHERE id = 1")
    problems = verified(used.engine)[1]
    assert (
        "L1 outcome 1: the ledger records it on this account, but it is not one of the account's outcomes (moved to another account or removed)"
        in problems
    )
    assert (
        "L2 outcome 1: it has no deposit entry on its account's chain (inserted around the ledger)"
        in problems
    )
    with pytest.raises(CreditBankError, match="ledger does not vouch"):
        audit(used, "L2")


def test_a_forged_verified_outcome_is_found_and_never_earns_credit(used: Bank) -> None:
    as_admin(
        used,
        "INSERT INTO outcomes (id, learner_id, issuer_id, external_id, kind, obtained_on, "
        "attributes, status, created_at) VALUES (99, 'L3', 'acme', 'forged', "
        "'enterprise_training', '2023-06-01', :attributes, 'verified', '2026-09-01')",
        attributes='{"kind":"enterprise_training","date":"2023-06-01","hours":"480"}',
    )
    assert verified(used.engine)[1] == [
        "L3 outcome 99: it has no deposit entry on its account's chain (inserted around the ledger)"
    ]
    with pytest.raises(CreditBankError, match="outcome 99"):
        outcomes.recognise(used.engine, learner_id="L3", on=dt.date(2024, 1, 1), actor="r", now=NOW)
    with pytest.raises(CreditBankError, match="outcome 99"):
        audit(used, "L3")


def test_a_status_set_around_the_ledger_is_found(used: Bank) -> None:
    as_admin(used, "UPDATE outcomes SET status = 'recognised' WHERE id = 3")
    assert verified(used.engine)[1] == [
        "L2 outcome 3: its status is 'recognised', but its last ledger entry makes it 'submitted'"
    ]


def test_a_recognised_outcome_whose_recognition_entry_was_cut_off_is_found(used: Bank) -> None:
    """The statement would show credits with no ledger entry behind them."""
    with session_scope(used.engine) as s:
        recognitions = s.scalars(
            select(LedgerEntry).where(LedgerEntry.kind == "recognition").order_by(LedgerEntry.seq)
        ).all()
        last = recognitions[-1]
        later = s.scalar(
            select(LedgerEntry.id).where(LedgerEntry.learner_id == "L1", LedgerEntry.seq > last.seq)
        )
    assert later is not None  # the transfer entry after it: cut both, then re-point the head
    as_admin(
        used,
        "DELETE FROM ledger WHERE learner_id = 'L1' AND seq >= :seq",
        "UPDATE learners SET ledger_seq = :seq - 1, ledger_head = :prev WHERE id = 'L1'",
        "DELETE FROM decisions",
        seq=last.seq,
        prev=last.prev_hash,
    )
    assert verified(used.engine)[1] == [
        f"L1 outcome {last.outcome_id}: its status is 'recognised', but its last ledger entry makes it 'verified'"
    ]


# ------------------------------------------------------------------ decisions


def test_editing_a_stored_decisions_text_is_found_by_rerun_and_verify(used: Bank) -> None:
    with session_scope(used.engine) as s:
        row = s.scalars(select(DecisionRow)).one()
        edited = row.canonical.replace('"transferred":"3"', '"transferred":"30"')
    assert edited != row.canonical
    as_admin(used, "UPDATE decisions SET canonical = :c WHERE id = :i", c=edited, i=row.id)
    with session_scope(used.engine) as s:
        rerun = audits.rerun_decision(s, row.id)
    assert not rerun.reproduced
    assert rerun.problems == (
        "its canonical text does not hash to its digest (the text or the digest was changed)",
    )
    assert verified(used.engine)[1] == [
        f"L1 decision {row.id}: its canonical text does not hash to its digest (the text or the "
        "digest was changed)"
    ]


def test_a_decision_replaced_whole_is_found_against_the_ledgers_transfer_entry(used: Bank) -> None:
    """Inputs, text and digests rewritten together, consistently: the decision re-runs to its
    own digest, but the ledger recorded another one."""
    with session_scope(used.engine) as s:
        row = s.scalars(select(DecisionRow)).one()
        version = s.get(RuleSetVersion, row.ruleset_version_id)
        assert version is not None
        inputs = [Outcome.model_validate(o) for o in row.inputs]
        more = [*inputs, inputs[0].model_copy(update={"id": "acme:extra"})]
        forged = compute_audit(
            rulesets.ruleset_of(version), more, row.programme, row.application_date
        )
        forged_inputs = json.dumps([o.model_dump(mode="json", exclude_none=True) for o in more])
    assert forged.digest != row.digest
    set_json(used, "decisions", "inputs", forged_inputs, row.id)
    as_admin(
        used,
        "UPDATE decisions SET canonical = :c, digest = :d, input_digest = :n WHERE id = :i",
        c=forged.canonical(),
        d=forged.digest,
        n=forged.input_digest,
        i=row.id,
    )
    with session_scope(used.engine) as s:
        rerun = audits.rerun_decision(s, row.id)
    assert rerun.stored_digest == rerun.recomputed_digest  # it re-runs to itself...
    assert not rerun.reproduced  # ...but is not what the ledger recorded
    assert rerun.problems == (
        f"its digest {forged.digest[:16]} is not the {row.digest[:16]} its ledger transfer "
        "entry recorded (the decision was replaced)",
    )
    assert [p.split(":")[0] for p in verified(used.engine)[1]] == [f"L1 decision {row.id}"]


# ------------------------------------------------------------------ re-hashing and cutting


def rehash_chain(bank: Bank, learner_id: str, from_seq: int, change: dict[str, Any]) -> None:
    """Change entry ``from_seq``'s payload and re-hash it and every entry after it, moving
    the account's head: a chain rewritten by someone who knows how it is hashed."""
    with session_scope(bank.engine) as s:
        chain = s.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.learner_id == learner_id)
            .order_by(LedgerEntry.seq)
        ).all()
    prev = chain[from_seq - 2].hash if from_seq > 1 else ledger.GENESIS
    statements, params = [], {}
    for entry in chain[from_seq - 1 :]:
        payload = {**entry.payload, **change} if entry.seq == from_seq else entry.payload
        digest = ledger.entry_hash(
            prev,
            entry.learner_id,
            entry.seq,
            entry.kind,
            entry.actor,
            entry.at,
            entry.ruleset_version_id,
            entry.outcome_id,
            entry.decision_id,
            payload,
        )
        n = entry.seq
        statements.append(
            f"UPDATE ledger SET payload = :p{n}, prev_hash = :r{n}, hash = :h{n} WHERE id = {entry.id}"
        )
        params.update({f"p{n}": canonical_json(payload), f"r{n}": prev, f"h{n}": digest})
        prev = digest
    statements.append(f"UPDATE learners SET ledger_head = :head WHERE id = '{learner_id}'")
    params["head"] = prev
    as_admin(bank, *statements, **params)


def transfer_seq(bank: Bank) -> int:
    with session_scope(bank.engine) as s:
        return int(s.scalar(select(LedgerEntry.seq).where(LedgerEntry.kind == "transfer")) or 0)


def inflate_recognition(bank: Bank) -> None:
    """The recognition's credits inflated, and every hash after it recomputed."""
    with session_scope(bank.engine) as s:
        recognition = s.scalars(
            select(LedgerEntry).where(LedgerEntry.kind == "recognition")
        ).first()
        assert recognition is not None
    rehash_chain(bank, "L1", recognition.seq, {"credits": "30"})


def test_a_rehashed_chain_alone_is_a_true_chain(used: Bank) -> None:
    """Why checkpoints exist: without one, a consistent rewrite cannot be told apart."""
    entries = verified(used.engine)[0]
    inflate_recognition(used)
    assert verified(used.engine) == (entries, [])


def test_a_rehashed_chain_is_found_against_a_checkpoint(used: Bank) -> None:
    assert integrity.write_checkpoint(used.engine, key=KEY, now=NOW) is not None
    inflate_recognition(used)
    report = integrity.verify_bank(used.engine, public_key=KEY.public_key())
    seq = transfer_seq(used)  # the account's last entry, which the checkpoint recorded
    assert [str(p) for p in report.problems] == [
        f"L1 entry {seq} (row {_row_of(used, 'L1', seq)}): its hash differs from the one "
        "checkpoint 1 recorded (the chain was rewritten and re-hashed)"
    ]


def _row_of(bank: Bank, learner_id: str, seq: int) -> int:
    with session_scope(bank.engine) as s:
        return int(
            s.scalar(
                select(LedgerEntry.id).where(
                    LedgerEntry.learner_id == learner_id, LedgerEntry.seq == seq
                )
            )
            or 0
        )


def test_a_decision_cut_off_the_end_of_a_chain_is_found_against_a_checkpoint(used: Bank) -> None:
    integrity.write_checkpoint(used.engine, key=KEY, now=NOW)
    seq = transfer_seq(used)
    with session_scope(used.engine) as s:
        prev = s.scalar(
            select(LedgerEntry.prev_hash).where(
                LedgerEntry.learner_id == "L1", LedgerEntry.seq == seq
            )
        )
    as_admin(
        used,
        "DELETE FROM ledger WHERE kind = 'transfer'",
        "DELETE FROM decisions",
        "UPDATE learners SET ledger_seq = :s, ledger_head = :h WHERE id = 'L1'",
        s=seq - 1,
        h=prev,
    )
    report = integrity.verify_bank(used.engine, public_key=KEY.public_key())
    assert [str(p) for p in report.problems] == [
        f"L1 entry {seq}: checkpoint 1 recorded this account's chain up to entry {seq}; it now "
        f"ends at {seq - 1} (entries were removed)"
    ]


def test_verify_says_which_accounts_moved_since_the_checkpoint(used: Bank) -> None:
    integrity.write_checkpoint(used.engine, key=KEY, now=NOW)
    submit(used, [training("r9", learner="L2"), training("r10", learner="L3")], key="later")
    report = integrity.verify_bank(used.engine, public_key=KEY.public_key())
    assert report.problems == []
    assert report.checkpoint is not None and report.checkpoint.id == 1
    assert report.moved == [Moved("L2", 1, 2), Moved("L3", 0, 1)]
    second = integrity.write_checkpoint(used.engine, key=KEY, now=NOW)
    assert second is not None and second.id == 2
    with session_scope(used.engine) as s:  # only the two moved accounts were recorded again
        heads = (
            s.execute(
                text(
                    "SELECT learner_id FROM checkpoint_heads WHERE checkpoint_id = 2 ORDER BY learner_id"
                )
            )
            .scalars()
            .all()
        )
    assert heads == ["L2", "L3"]
    assert integrity.verify_bank(used.engine, public_key=KEY.public_key()).moved == []
    assert integrity.write_checkpoint(used.engine, key=KEY, now=NOW) is None  # nothing moved


# ------------------------------------------------------------------ the checkpoints themselves


def test_changed_checkpoint_heads_statements_or_keys_are_found(used: Bank) -> None:
    integrity.write_checkpoint(used.engine, key=KEY, now=NOW)
    other = Ed25519PrivateKey.generate().public_key()
    assert [str(p) for p in integrity.verify_bank(used.engine, public_key=other).problems] == [
        f"checkpoints: checkpoint 1: its signature does not verify with the public key "
        f"{public_key_hex(other)[:16]}… (the statement was changed, or another key signed it)"
    ]
    as_admin(used, "UPDATE checkpoint_heads SET seq = 1 WHERE learner_id = 'L1'")
    problems = [
        str(p) for p in integrity.verify_bank(used.engine, public_key=KEY.public_key()).problems
    ]
    assert (
        "checkpoints: checkpoint 1: the account heads stored for it do not match its signed root (they were changed)"
        in problems
    )


def test_checkpoints_removed_from_the_database_are_found_through_the_log(
    used: Bank, tmp_path: Path
) -> None:
    log = tmp_path / "checkpoints.jsonl"
    integrity.write_checkpoint(used.engine, key=KEY, now=NOW, log=log)
    submit(used, [training("r9", learner="L2")], key="later")
    integrity.write_checkpoint(used.engine, key=KEY, now=NOW, log=log)
    assert len(log.read_text().splitlines()) == 2
    as_admin(
        used,
        "DELETE FROM checkpoint_heads WHERE checkpoint_id = 2",
        "DELETE FROM checkpoints WHERE id = 2",
    )
    report = integrity.verify_bank(used.engine, public_key=KEY.public_key(), log=log)
    assert [str(p) for p in report.problems] == [
        f"checkpoint log: checkpoint 2, the newest in {log}, is not in the database (checkpoints were removed)"
    ]


def test_no_checkpoint_is_written_over_a_ledger_that_does_not_verify(used: Bank) -> None:
    as_admin(used, "UPDATE ledger SET actor = 'mallory' WHERE learner_id = 'L2'")
    with pytest.raises(CreditBankError, match="no checkpoint was written") as refused:
        integrity.write_checkpoint(used.engine, key=KEY, now=NOW)
    assert refused.value.code == "ledger.broken"
    with session_scope(used.engine) as s:
        assert s.scalar(text("SELECT count(*) FROM checkpoints")) == 0
        assert s.get(Learner, "L2") is not None


def test_heads_changed_in_an_older_checkpoint_are_never_built_on(used: Bank) -> None:
    """Before, the next checkpoint signed over them and the change became permanent."""
    integrity.write_checkpoint(used.engine, key=KEY, now=NOW)
    inflate_recognition(used)
    with session_scope(used.engine) as s:
        head = s.get(Learner, "L1")
        assert head is not None
        forged_head = head.ledger_head
    as_admin(used, "UPDATE checkpoint_heads SET hash = :h WHERE learner_id = 'L1'", h=forged_head)
    submit(used, [training("r9", learner="L2")], key="later")  # another account moves
    with pytest.raises(CreditBankError, match="no checkpoint was written"):
        integrity.write_checkpoint(used.engine, key=KEY, now=NOW)
    problems = [
        str(p) for p in integrity.verify_bank(used.engine, public_key=KEY.public_key()).problems
    ]
    assert problems == [
        "checkpoints: checkpoint 1: the account heads stored for it do not match its statement "
        "(they were changed)",
        "checkpoints: checkpoint 1: the account heads stored for it do not match its signed "
        "root (they were changed)",
    ]


def test_a_checkpoint_key_takes_over_by_signing_once_with_the_old_key_trusted(used: Bank) -> None:
    integrity.write_checkpoint(used.engine, key=KEY, now=NOW)
    submit(used, [training("r9", learner="L2")], key="later")
    new = Ed25519PrivateKey.generate()
    with pytest.raises(CreditBankError, match="signature does not verify"):
        integrity.write_checkpoint(used.engine, key=new, now=NOW)  # nothing vouches for 1
    assert integrity.write_checkpoint(used.engine, key=new, now=NOW, trusted=KEY.public_key())
    assert integrity.verify_bank(used.engine, public_key=new.public_key()).problems == []


def test_a_decision_moved_to_another_account_or_version_is_found(used: Bank) -> None:
    as_admin(used, "UPDATE decisions SET learner_id = 'L2'")
    assert verified(used.engine)[1] == [
        "L2 decision 1: its transfer entry is on L1's chain (the decision was moved)"
    ]


def test_a_decision_pointed_at_another_version_is_found(used: Bank, tmp_path: Path) -> None:
    root = tmp_path / "other"
    root.mkdir()
    (root / "frame.yaml").write_text(FRAME.replace("total_credits: 20", "total_credits: 30"))
    (root / "rules.yaml").write_text(RULES)
    other = rulesets.load_draft(used.engine, root=root, actor="p", now=NOW)
    as_admin(used, "UPDATE decisions SET ruleset_version_id = :v", v=other.id)
    expected = [
        f"its transfer entry names rule-set version {used.version_id}, the decision {other.id} "
        "(it was changed)",
        "its rule-set digest is not its version's (the version was changed)",
    ]
    assert verified(used.engine)[1] == [f"L1 decision 1: {p}" for p in expected]
    with session_scope(used.engine) as s:
        assert audits.rerun_decision(s, 1).problems == tuple(expected)


def test_rerun_checks_the_transfer_entry_against_its_hash(used: Bank) -> None:
    with session_scope(used.engine) as s:
        row = s.scalars(select(DecisionRow)).one()
        entry = s.scalars(select(LedgerEntry).where(LedgerEntry.kind == "transfer")).one()
        payload = {**entry.payload, "digest": "0" * 64}
    set_json(used, "ledger", "payload", canonical_json(payload), entry.id)
    with session_scope(used.engine) as s:
        rerun = audits.rerun_decision(s, row.id)
    assert rerun.problems[0] == "its transfer entry does not match its hash (the entry was changed)"
    assert not rerun.reproduced


@pytest.mark.parametrize(
    ("statement", "subject"),
    [
        (
            "UPDATE ledger SET payload = 'not json' WHERE seq = 1 AND learner_id = 'L1'",
            "L1 account",
        ),
        ("UPDATE outcomes SET obtained_on = 'garbage' WHERE id = 1", "L1 account"),
        ("UPDATE decisions SET inputs = 'null'", "L1 decision 1"),
        ("UPDATE decisions SET canonical = '[1]'", "L1 decision 1"),
        ("UPDATE ruleset_versions SET sources = '[1]'", "rule-set version 1"),
    ],
)
def test_values_that_cannot_be_read_are_reported_not_raised(
    used: Bank, statement: str, subject: str
) -> None:
    if used.engine.dialect.name == "postgresql" and any(
        value in statement for value in ("'not json'", "'garbage'")
    ):
        pytest.skip("PostgreSQL's column types refuse such a value")
    as_admin(used, statement)
    problems = verified(used.engine)[1]
    assert problems, statement
    assert problems[0].startswith(subject), problems


def test_a_checkpoint_statement_that_is_not_an_object_is_reported(used: Bank) -> None:
    integrity.write_checkpoint(used.engine, key=KEY, now=NOW)
    as_admin(used, "UPDATE checkpoints SET statement = '[1]'")
    problems = [
        str(p) for p in integrity.verify_bank(used.engine, public_key=KEY.public_key()).problems
    ]
    assert "checkpoints: checkpoint 1: its statement is not a JSON object" in problems


def test_two_checkpoints_written_at_once_are_both_answered(used: Bank) -> None:
    results: list[Any] = []
    errors: list[BaseException] = []

    def write() -> None:
        try:
            results.append(integrity.write_checkpoint(used.engine, key=KEY, now=NOW))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(c.id for c in results if c is not None) == [1]
    assert results.count(None) == 3


def test_audits_refuse_rules_whose_stored_sources_were_changed(
    used: Bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_scope(used.engine) as s:
        version = s.get(RuleSetVersion, used.version_id)
        assert version is not None
        sources = dict(version.sources)
    sources["rules.yaml"] = sources["rules.yaml"].replace("max_credits: 3", "max_credits: 30")
    set_json(used, "ruleset_versions", "sources", json.dumps(sources), used.version_id)
    monkeypatch.setattr(rulesets, "_LOADED", {})  # a fresh process: nothing parsed yet
    with pytest.raises(CreditBankError, match="stored sources do not have its digest") as refused:
        audit(used)
    assert refused.value.code == "ruleset.mismatch"


def test_rules_published_before_a_check_was_added_are_refused_as_such_not_as_changed(
    used: Bank, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A check added since a version was published (a by_rung table naming one rung twice)
    stops audits with what to do; its stored sources still have their digest, so verify
    reports no tampering."""
    root = tmp_path / "older"
    root.mkdir()
    (root / "frame.yaml").write_text(FRAME, encoding="utf-8")
    twice = RULES.replace("senior: 6}", "senior: 6, 三级: 9}", 1)
    assert twice != RULES
    (root / "rules.yaml").write_text(twice, encoding="utf-8")
    with monkeypatch.context() as older:
        older.setattr(checker._Checker, "_rung_twice", lambda self, rec: None)
        version = rulesets.load_draft(used.engine, root=root, actor="p", now=NOW)
        rulesets.publish(
            used.engine, version_id=version.id, effective_from=dt.date(2023, 1, 1), actor="p",
            now=NOW,
        )  # fmt: skip
    monkeypatch.setattr(rulesets, "_LOADED", {})  # a fresh process, with today's checker
    with pytest.raises(
        CreditBankError, match="fails a check added since it was published"
    ) as refused:
        audit(used)
    assert refused.value.code == "ruleset.fails_checker"
    assert "by_rung names rung 'senior'" in str(refused.value)
    assert integrity.verify_bank(used.engine).problems == []
