"""Batches whose content could hurt: empty files, identifiers that look alike or hide
characters, lengths the database would not check, dates given as numbers, long error lists,
escape sequences. Each is refused with its place, or stored normalised, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from creditbank.cli import app
from creditbank.config import get_settings
from creditbank.errors import InputInvalid
from creditbank.service import batch_files, learners
from creditbank.service.errors import BatchInvalid
from creditbank.store.session import session_scope
from creditbank.store.tables import Learner, OutcomeRow
from tests.store.conftest import NOW, Bank, submit, verified
from tests.store.test_bank import counts, training


def rejected(result: Any) -> dict[str, list[tuple[str, str]]]:
    """The rejected rows' errors by external id."""
    return {
        r["external_id"]: [(e["field"], e["message"]) for e in r["errors"]]
        for r in result.rows
        if r["status"] == "rejected"
    }


def test_a_file_of_only_a_header_stores_nothing_and_leaves_its_key_free(bank: Bank) -> None:
    for empty in (
        batch_files.parse_csv(b"learner,external_id,date,hours\n"),
        batch_files.parse_json(b"[]"),
    ):
        with pytest.raises(InputInvalid, match="the batch has no records; nothing was stored"):
            submit(bank, empty.rows, key="monday", lines=empty.lines)
    assert counts(bank) == (0, 0, 0)
    result = submit(bank, [training("L1", "r1")], key="monday")
    assert (result.accepted, result.replayed) == (1, False)


@pytest.mark.parametrize("key", ["", "k" * 201, "k\x00", "k\u202e"])
def test_an_idempotency_key_with_hidden_characters_is_refused(bank: Bank, key: str) -> None:
    # on PostgreSQL a NUL in the key was a DataError traceback
    with pytest.raises(InputInvalid, match="give a key of 1 to 200 characters, without"):
        submit(bank, [training("L1", "r1")], key=key)
    assert counts(bank) == (0, 0, 0)


def test_identifiers_are_stored_in_their_normal_form(bank: Bank) -> None:
    rows = [
        training("Ｌ１", "ｒ－１"),  # full width: L1 and r-1
        training("L2", "r-1"),  # the same external id, spelt otherwise
        training("L3", "r-3"),
    ]
    result = submit(bank, rows, keep_valid=True)
    assert rejected(result) == {"r-1": [("external_id", "repeats row 1 of this batch")]}
    with session_scope(bank.engine) as s:
        stored = s.execute(select(OutcomeRow.learner_id, OutcomeRow.external_id)).all()
    assert sorted(stored) == [("L1", "r-1"), ("L3", "r-3")]
    with pytest.raises(BatchInvalid, match=r"row 1: external_id: already stored \(batch 1\)"):
        submit(bank, [training("L1", "ｒ－１")], key="again")
    assert verified(bank.engine) == (2, [])


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("external_id", "r\u200b1", "holds an invisible formatting character (\\u200b, "),
        ("external_id", "r\u202e1", "holds an invisible formatting character (\\u202e, "),
        ("external_id", "r\x1b[2J", "holds a control character (\\u001b) at character 2"),
        ("external_id", "r\x00", "holds a control character (\\u0000) at character 2"),
        ("external_id", "r 1", "holds a space at character 2"),
        ("external_id", "r\u00a01", "holds a space at character 2"),  # NFKC: a plain space
        ("external_id", "", "must not be empty"),
        ("learner", "L\u20601", "holds an invisible formatting character (\\u2060, "),
        ("learner", "L1\ufeff", "holds an invisible formatting character (\\ufeff, "),
        # look like 'j1' though Python calls them printable: a variation selector, the
        # combining grapheme joiner, a Hangul filler, the blank braille pattern
        ("external_id", "j1\ufe0f", "holds an invisible character (\\ufe0f, which shows as"),
        ("external_id", "j1\u034f", "holds an invisible character (\\u034f, which shows as"),
        ("external_id", "j1\u3164", "holds an invisible character (\\u1160, which shows as"),
        ("learner", "\u2800L1", "holds an invisible character (\\u2800, which shows as"),
        # 31 characters, 124 after normalisation: over the column's 120 on either database
        ("external_id", "㍿" * 31, "has 124 characters (after Unicode NFKC normalisation)"),
        ("learner", "x" * 121, "has 121 characters (after Unicode NFKC normalisation)"),
    ],
)
def test_identifiers_with_hidden_characters_or_too_long_are_refused_by_field(
    bank: Bank, field: str, value: str, message: str
) -> None:
    row = {**training("L1", "bad"), field: value}
    result = submit(bank, [row, training("L2", "good")], keep_valid=True)
    ((errors),) = rejected(result).values()
    assert [f for f, _ in errors] == [field]
    assert errors[0][1].startswith(message)
    assert (result.accepted, result.rejected) == (1, 1)
    assert counts(bank) == (1, 1, 1)


@pytest.mark.parametrize("date", [1704067200, 20240101, 1704067200.0])
def test_a_date_given_as_a_number_is_refused(bank: Bank, date: object) -> None:
    # pydantic's lax mode read 1704067200 as the Unix time of 2024-01-01
    with pytest.raises(BatchInvalid) as exc:
        submit(bank, [{**training("L1", "r1"), "date": date}])
    ((field, message),) = rejected_rows(exc.value)
    assert field == "date"
    assert "YYYY-MM-DD" in message
    assert counts(bank) == (0, 0, 0)


def rejected_rows(exc: BatchInvalid) -> list[tuple[str, str]]:
    return [(e["field"], e["message"]) for r in exc.rows for e in r["errors"]]


def test_a_long_error_list_says_how_many_errors_it_leaves_out(bank: Bank) -> None:
    rows = [training("L1", f"r{i}", hours=-1) for i in range(60)]
    rows[7] = {**rows[7], "date": "yesterday"}  # a second error on one row
    with pytest.raises(BatchInvalid) as exc:
        submit(bank, rows)
    lines = str(exc.value).splitlines()
    assert lines[0] == "60 row(s) are invalid; nothing was stored"
    assert len(lines) == 1 + BatchInvalid.SHOWN + 1
    assert lines[-1] == "... and 11 more error(s), not listed here"
    assert len(exc.value.rows) == 60  # every row is in the answer


def test_csv_results_and_messages_name_file_lines(bank: Bank) -> None:
    data = (
        b"learner,external_id,date,hours\n\n"
        b"L1,r1,2024-01-02,16\n"
        b"L2,r2,2024-01-02,-3\n\n\n"
        b"L3,r1,2024-01-02,16\n"
    )
    batch = batch_files.parse_csv(data)
    result = submit(bank, batch.rows, lines=batch.lines, keep_valid=True)
    assert [(r["row"], r["line"], r["status"]) for r in result.rows] == [
        (1, 3, "accepted"),
        (2, 4, "rejected"),
        (3, 7, "rejected"),
    ]
    assert result.rows[2]["errors"] == [
        {"field": "external_id", "message": "repeats line 3 of this batch"}
    ]
    with pytest.raises(BatchInvalid) as exc:
        submit(bank, batch.rows, lines=batch.lines, key="strict")
    assert str(exc.value).splitlines()[1:] == [
        "line 3: external_id: already stored (batch 1)",
        "line 4: hours: Input should be greater than 0",
        "line 7: external_id: repeats line 3 of this batch",
    ]


def test_messages_quoting_a_submitted_value_show_it_escaped(bank: Bank) -> None:
    rows = [{**training("L1", "r1"), "date": "\x1b[2J2024\u202e", "\x1b]0;title\x07": 1}]
    with pytest.raises(BatchInvalid) as exc:
        submit(bank, rows)
    assert rejected_rows(exc.value) == [
        ("date", "'\\u001b[2J2024\\u202e' is not a date written YYYY-MM-DD"),
        ("\\u001b]0;title\\u0007", "unknown field"),
    ]
    assert "\x1b" not in str(exc.value) and "\u202e" not in str(exc.value)


def test_learner_ids_are_normalised_and_checked_when_an_account_is_opened(bank: Bank) -> None:
    learners.register_learner(bank.engine, learner_id="Ｌ－０００９", now=NOW)
    with session_scope(bank.engine) as s:
        assert s.get(Learner, "L-0009") is not None
    for bad in ("L\u202e9", "L 9", "L\x1b9", "x" * 121, "㍿" * 31):
        with pytest.raises(InputInvalid) as exc:
            learners.register_learner(bank.engine, learner_id=bad, now=NOW)
        assert exc.value.problems[0][0] == "learner"
    with session_scope(bank.engine) as s:
        assert len(s.scalars(select(Learner.id)).all()) == 4  # L1, L2, L3, L-0009


# ------------------------------------------------------------------------------- the command

runner = CliRunner()


@pytest.fixture
def cli_bank(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    from tests.store.conftest import write_small_pack

    monkeypatch.setenv("CREDITBANK_DATABASE_URL", f"sqlite:///{tmp_path / 'bank.sqlite3'}")
    monkeypatch.setenv("CREDITBANK_ID_HASH_KEY", "a-test-key-of-24-chars..")
    get_settings.cache_clear()
    for args in (
        ["db", "upgrade"],
        ["versions", "load", str(write_small_pack(tmp_path / "pack"))],
        ["versions", "publish", "1", "--from", "2020-01-01"],
        ["learners", "add", "L1"],
    ):
        assert runner.invoke(app, args).exit_code == 0
    yield tmp_path
    get_settings.cache_clear()


def test_import_names_lines_and_prints_nothing_raw(cli_bank: Path) -> None:
    batch = cli_bank / "batch.csv"
    batch.write_bytes(
        b"learner,external_id,date,hours,title\nL1,r1,2024-01-02,16,ok\n\nL1,r2,\x1b[2J2024,16,x\n"
    )
    result = runner.invoke(app, ["import", str(batch), "--enterprise", "acme", "--keep-valid"])
    assert result.exit_code == 0, result.output
    assert "1 accepted, 1 rejected" in result.output
    assert "  line 4: date: '\\u001b[2J2024' is not a date written YYYY-MM-DD" in result.output
    assert "\x1b" not in result.output
    swallowed = cli_bank / "swallowed.csv"
    swallowed.write_bytes(
        b'learner,external_id,date,title\nL1,r3,2024-01-02,"a\nL1,r4,2024-01-02,b"\n'
    )
    result = runner.invoke(app, ["import", str(swallowed), "--enterprise", "acme"])
    assert result.exit_code == 1
    assert f"{swallowed}: line 2: title: the value runs on to line 3" in result.output
    added = runner.invoke(app, ["learners", "add", "L\u202e2"])
    assert added.exit_code == 1
    assert "learner: holds an invisible formatting character (\\u202e" in added.output
