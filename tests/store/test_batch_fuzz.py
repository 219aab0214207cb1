"""Fuzz: whatever bytes arrive as a CSV or JSON batch, the answer is one of three: accepted
whole, accepted with per-row errors (keep_valid), or refused with a located message; never
another exception, never a half-written batch, and the ledger verifies after each one."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from creditbank.errors import InputInvalid
from creditbank.service import batch_files, learners, submissions
from creditbank.service.errors import BatchInvalid, row_place
from creditbank.text import printable
from tests.store import batchgen
from tests.store.conftest import NOW, Bank, submit, verified
from tests.store.test_bank import counts

KEY = "test-key-of-16-chars"
LOCATED = re.compile(r"line \d+( column \d+| \(header\))?|\$\S*|byte \d+|file|rows")
"""Where a refused file is wrong: a line (and column), a JSON path, a byte, the file as a
whole (its size) or its rows (there are none)."""
_keys = itertools.count()


def send(bank: Bank, name: str, data: bytes, keep_valid: bool) -> str:
    """Read and submit ``data`` as the CLI does, check the answer against the tables, and
    sum it up: ``refused: <where>: <message>``, ``row errors: <place>: <field>: <message>``
    (refused whole, or stored with keep_valid; the first row's first error) or ``accepted``."""
    before = counts(bank)
    answer: Exception | submissions.BatchResult
    try:
        batch = batch_files.read_batch(data, name=name)
        answer = submit(
            bank,
            batch.rows,
            key=f"fuzz-{next(_keys)}",
            lines=batch.lines,
            keep_valid=keep_valid,
            id_hash_key=KEY,
        )
    except (InputInvalid, BatchInvalid) as exc:
        answer = exc
    if isinstance(answer, InputInvalid):
        assert answer.problems
        for where, message in answer.problems:
            assert LOCATED.fullmatch(where), f"not located: {where!r}: {message}"
            assert message
        shown_safely(str(answer))
        assert counts(bank) == before
        return "refused: {}: {}".format(*answer.problems[0])
    if isinstance(answer, BatchInvalid):
        assert not keep_valid
        assert answer.rows
        for row in answer.rows:
            assert row["errors"]
            assert all(e["field"] and e["message"] for e in row["errors"])
            assert ("line" in row) == name.endswith(".csv")
        shown_safely(str(answer))
        assert counts(bank) == before
        return "row errors: " + str(answer).splitlines()[1]
    assert isinstance(answer, submissions.BatchResult)
    assert not answer.replayed
    assert answer.accepted + answer.rejected == len(batch.rows) == len(answer.rows)
    assert keep_valid or answer.rejected == 0
    outcomes, ledger, batches = before
    assert counts(bank) == (outcomes + answer.accepted, ledger + answer.accepted, batches + 1)
    assert verified(bank.engine)[1] == []
    wrong = [r for r in answer.rows if r["status"] == "rejected"]
    if not wrong:
        return "accepted"
    first = wrong[0]["errors"][0]
    return f"row errors: {row_place(wrong[0])}: {first['field']}: {first['message']}"


def shown_safely(message: str) -> None:
    assert printable(message, keep_newlines=True) == message, "a raw hidden character"


@pytest.fixture
def known(bank: Bank) -> Bank:
    """The bank, with a learner registered with a national ID number."""
    learners.register_learner(
        bank.engine, learner_id="N1", now=NOW, national_id="11010519491231002X", id_hash_key=KEY
    )
    return bank


ROW = b'{"learner": "L1", "external_id": "a", "date": "2024-01-02"'
NASTY = [
    (
        "batch.json",
        b"[" * 100_000 + b"]" * 100_000,
        r"refused: line 1 column 21: arrays and objects nested deeper than 20 levels",
    ),
    (
        "batch.json",
        b"[" + ROW + b', "hours": 1' + b"0" * 5000 + b"}]",
        r"refused: line 1 column 71: a number of 5001 digits; at most 40",
    ),
    (
        "batch.json",
        b"[" + ROW + b', "hours": 1e999999}]',
        r"refused: line 1 column 71: the number 1e999999 is too large",
    ),
    (
        "batch.json",
        b'[{"learner": "L1", "external_id": "a", "learner": "L2", "date": "2024-01-02"}]',
        r"refused: \$\[0\]\.learner: the field 'learner' is given twice",
    ),
    (
        "batch.json",
        b"[" + ROW + b', "title": "\\ud800"}]',
        r"refused: \$\[0\]\.title: holds half of a character",
    ),
    (
        "batch.json",
        b"[" + ROW + b', "hours": NaN}]',
        r"refused: line 1 column 71: NaN is not a number JSON allows",
    ),
    (
        "batch.json",
        b'[{"learner": "L1", "external_id": "a\\u0000", "date": "2024-01-02"}]',
        r"row errors: row 1: external_id: holds a control character \(\\u0000\)",
    ),
    (
        "batch.json",
        b'[{"learner": "L1", "external_id": "a", "date": 1704067200}]',
        r"row errors: row 1: date: give the date as text written YYYY-MM-DD, not as a number",
    ),
    ("batch.json", b"[]", r"refused: rows: the batch has no records; nothing was stored"),
    (
        "batch.json",
        b"[" + ROW + b', "title": "caf\xe9"}]',
        r"refused: byte 74: the file is not UTF-8 text",
    ),
    (
        "batch.csv",
        b'learner,external_id,date,title\nL1,a,2024-01-02,"x\nL1,b,2024-01-02,y"\n',
        r"refused: line 2: title: the value runs on to line 3, but no field may hold a line break",
    ),
    (
        "batch.csv",
        b"learner,external_id,date,title\nL1,a,2024-01-02," + b"x" * 140_000 + b"\n",
        r"refused: line 2: a value longer than 131,072 characters",
    ),
    (
        "batch.csv",
        b"learner,external_id,date\n",
        r"refused: rows: the batch has no records; nothing was stored",
    ),
    (
        "batch.csv",
        "learner,external_id,date\n\nL1,ａ,2024-01-02\nL1,a,2024-01-02\n".encode(),
        r"row errors: line 4: external_id: repeats line 3 of this batch",
    ),
    (
        "batch.csv",
        ("learner,external_id,date\nL1," + "㍿" * 31 + ",2024-01-02\n").encode(),
        r"row errors: line 2: external_id: has 124 characters \(after Unicode NFKC",
    ),
]


@pytest.mark.parametrize("keep_valid", [False, True])
@pytest.mark.parametrize(
    ("name", "data", "expected"), NASTY, ids=[f"nasty{i}" for i in range(len(NASTY))]
)
def test_known_nasty_files_get_the_answer_they_deserve(
    known: Bank, name: str, data: bytes, expected: str, keep_valid: bool
) -> None:
    assert re.match(expected, send(known, name, data, keep_valid))


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(file=batchgen.batch_files(), keep_valid=st.booleans())
def test_any_batch_file_gets_one_of_the_three_answers(
    known: Bank, file: tuple[str, bytes], keep_valid: bool
) -> None:
    name, data = file
    event(f"{name}: {send(known, name, data, keep_valid).split(':')[0]}")
