"""Enterprises may name a learner by national ID number: matched through its keyed hash,
never stored, never echoed in results (which are stored)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from creditbank.errors import CreditBankError, InputInvalid
from creditbank.ruleset.ruleset import canonical_json, sha256_text
from creditbank.service import batch_files, learners, submissions
from creditbank.service.errors import BatchInvalid, Conflict
from creditbank.store.base import Base
from creditbank.store.session import session_scope
from creditbank.store.tables import Batch, OutcomeRow
from tests.store import conftest
from tests.store.conftest import NOW, Bank

KEY = "test-key-of-16-chars"
NUMBER = "11010519491231002X"


@pytest.fixture
def known(bank: Bank) -> Bank:
    """The bank with learner N1 registered with ``NUMBER``."""
    learners.register_learner(
        bank.engine, learner_id="N1", now=NOW, national_id=NUMBER, id_hash_key=KEY
    )
    return bank


def row(external_id: str, **account: Any) -> dict[str, Any]:
    return {"external_id": external_id, "date": "2024-05-01", "hours": 8, **account}


def submit(bank: Bank, rows: list[dict[str, Any]], **options: Any) -> submissions.BatchResult:
    return conftest.submit(bank, rows, id_hash_key=KEY, **options)


def everything_stored(bank: Bank) -> str:
    """Every value of every table, as text."""
    with session_scope(bank.engine) as s:
        return repr(
            [s.execute(select(table)).all() for table in Base.metadata.sorted_tables]
        ).upper()


def test_rows_named_by_national_id_go_to_its_account_and_the_number_is_not_stored(
    known: Bank,
) -> None:
    rows = [
        row("a", national_id=" 11010519491231002x "),  # spaces and a small x: the same number
        row("b", national_id=NUMBER, learner="N1"),  # both, agreeing
        row("c", learner="L1"),
    ]
    result = submit(known, rows)
    assert (result.accepted, result.rejected) == (3, 0)
    with session_scope(known.engine) as s:
        owners = dict(s.execute(select(OutcomeRow.external_id, OutcomeRow.learner_id)).all())
    assert owners == {"a": "N1", "b": "N1", "c": "L1"}
    assert NUMBER not in everything_stored(known)
    assert "11010519491231002" not in everything_stored(known)
    assert submit(known, rows).replayed


def test_a_national_id_that_matches_no_account_or_another_is_refused_without_echoing_it(
    known: Bank,
) -> None:
    learners.register_learner(
        known.engine, learner_id="N2", now=NOW, national_id="310101199001011234", id_hash_key=KEY
    )
    rows = [
        row("unknown", national_id="440101199001019999"),
        row("other", national_id=NUMBER, learner="L1"),
        row("other2", national_id="310101199001011234", learner="N1"),
        row("number", national_id=110105194912310021),  # a JSON number loses zeros and X
        row("bool", national_id=True),
        row("object", national_id={"n": NUMBER}),
        row("long", national_id="1" * 41),
        row("misplaced", learner=NUMBER),  # the number in the learner column
        row("null", national_id=None, learner="L2"),  # null or blank is no national ID
        row("blank", national_id=" ", learner="L2"),
        row("blank-learner", national_id=NUMBER, learner=""),
        row("ok", national_id=NUMBER),
    ]
    result = submit(known, rows, keep_valid=True)
    problems = {r["external_id"]: r.get("errors") for r in result.rows}
    text_only = [{"field": "national_id", "message": submissions.NATIONAL_ID_AS_TEXT}]
    not_theirs = [
        {"field": "national_id", "message": "it is not the national ID of the row's learner"}
    ]
    assert problems == {
        "unknown": [{"field": "national_id", "message": "no account has this national ID"}],
        "other": not_theirs,
        "other2": not_theirs,
        "number": text_only,
        "bool": text_only,
        "object": text_only,
        "long": text_only,
        "misplaced": [{"field": "learner", "message": submissions.UNKNOWN_LEARNER}],
        "null": None,
        "blank": None,
        "blank-learner": None,
        "ok": None,
    }
    stored = everything_stored(known)
    for number in (NUMBER, "440101199001019999", "310101199001011234", "110105194912310021"):
        assert number not in stored


def test_the_batch_digest_cannot_be_recomputed_from_a_guessed_number(known: Bank) -> None:
    """The stored digest covers national IDs only through their keyed hashes: without the
    key, trying numbers against it finds nothing."""
    rows = [row("a", national_id=NUMBER)]
    submit(known, rows)
    with session_scope(known.engine) as s:
        (stored,) = s.scalars(select(Batch.content_digest)).all()
    plain = sha256_text(canonical_json({"rows": rows, "keep_valid": False}))
    assert stored != plain
    assert submit(known, rows).replayed  # the same content with the same key is recognised
    assert submit(known, [row("a", national_id=NUMBER.lower())]).replayed  # the same number


def test_national_ids_need_the_banks_key(known: Bank) -> None:
    with pytest.raises(CreditBankError, match="CREDITBANK_ID_HASH_KEY"):
        conftest.submit(known, [row("a", national_id=NUMBER)])  # no id_hash_key


def test_errors_land_on_their_rows_across_validation_chunks(known: Bank) -> None:
    rows = [row(f"r{i}", learner="L1") for i in range(3 * submissions.CHUNK)]
    rows[0] = row("r0", national_id="440101199001019999")
    rows[150] = {**row("r150", learner="L1"), "hours": -1}
    rows[151] = row("r151", national_id=NUMBER)  # fine: N1's
    rows[250] = row("r250", national_id=NUMBER, learner="L2")
    rows[299] = {**row("r299", learner="L1"), "date": "2024/05/01"}
    result = submit(known, rows, keep_valid=True)
    wrong = {r["row"]: [e["field"] for e in r["errors"]] for r in result.rows if "errors" in r}
    assert wrong == {1: ["national_id"], 151: ["hours"], 251: ["national_id"], 300: ["date"]}
    assert (result.accepted, result.rejected) == (296, 4)


def test_a_row_without_learner_or_national_id_is_refused(known: Bank) -> None:
    with pytest.raises(BatchInvalid) as exc:
        submit(known, [row("x")])
    assert [e["field"] for e in exc.value.rows[0]["errors"]] == ["learner"]
    assert exc.value.rows[0]["errors"][0]["message"] == "required (or national_id)"


def test_a_csv_may_name_learners_by_national_id_only() -> None:
    rows = batch_files.parse_csv(
        b"national_id,external_id,date\n" + NUMBER.encode() + b",a,2024-05-01\n"
    ).rows
    assert rows == [{"national_id": NUMBER, "external_id": "a", "date": "2024-05-01"}]
    with pytest.raises(InputInvalid, match=r"missing column\(s\): learner \(or national_id\)"):
        batch_files.parse_csv(b"external_id,date\na,2024-05-01\n")


def test_one_national_id_opens_one_account(known: Bank) -> None:
    with pytest.raises(Conflict, match="already has an account"):
        learners.register_learner(
            known.engine, learner_id="N9", now=NOW, national_id=NUMBER.lower(), id_hash_key=KEY
        )
