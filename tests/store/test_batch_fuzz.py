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
from creditbank.service.errors import BatchInvalid
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
    say which answer it was."""
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
        return "refused: " + answer.problems[0][1][:30]
    if isinstance(answer, BatchInvalid):
        assert not keep_valid
        assert answer.rows
        for row in answer.rows:
            assert row["errors"]
            assert all(e["field"] and e["message"] for e in row["errors"])
            assert ("line" in row) == name.endswith(".csv")
        shown_safely(str(answer))
        assert counts(bank) == before
        return "refused with row errors"
    assert isinstance(answer, submissions.BatchResult)
    assert not answer.replayed
    assert answer.accepted + answer.rejected == len(batch.rows) == len(answer.rows)
    assert keep_valid or answer.rejected == 0
    outcomes, ledger, batches = before
    assert counts(bank) == (outcomes + answer.accepted, ledger + answer.accepted, batches + 1)
    assert verified(bank.engine)[1] == []
    return "accepted whole" if not answer.rejected else "accepted with row errors"


def shown_safely(message: str) -> None:
    assert printable(message, keep_newlines=True) == message, "a raw hidden character"


@pytest.fixture
def known(bank: Bank) -> Bank:
    """The bank, with a learner registered with a national ID number."""
    learners.register_learner(
        bank.engine, learner_id="N1", now=NOW, national_id="11010519491231002X", id_hash_key=KEY
    )
    return bank


NASTY = [
    ("batch.json", b"[" * 100_000 + b"]" * 100_000),
    (
        "batch.json",
        b'[{"learner": "L1", "external_id": "a", "date": "2024-01-02", ' * 1
        + b'"hours": 1'
        + b"0" * 5000
        + b"}]",
    ),
    (
        "batch.json",
        b'[{"learner": "L1", "external_id": "a", "date": "2024-01-02", "hours": 1e999999}]',
    ),
    (
        "batch.json",
        b'[{"learner": "L1", "external_id": "a", "learner": "L2", "date": "2024-01-02"}]',
    ),
    (
        "batch.json",
        b'[{"learner": "L1", "external_id": "a", "date": "2024-01-02", "title": "\\ud800"}]',
    ),
    ("batch.json", b'[{"learner": "L1", "external_id": "a", "date": "2024-01-02", "hours": NaN}]'),
    ("batch.json", b'[{"learner": "L1", "external_id": "a\\u0000", "date": "2024-01-02"}]'),
    ("batch.json", b'[{"learner": "L1", "external_id": "a", "date": 1704067200}]'),
    ("batch.json", b"[]"),
    ("batch.csv", b'learner,external_id,date,title\nL1,a,2024-01-02,"x\nL1,b,2024-01-02,y"\n'),
    ("batch.csv", b"learner,external_id,date,title\nL1,a,2024-01-02," + b"x" * 140_000 + b"\n"),
    ("batch.csv", b"learner,external_id,date\n"),
    ("batch.csv", b"learner,external_id,date\nL1,\xff,2024-01-02\n"),
    ("batch.csv", "learner,external_id,date\nL1,ａ,2024-01-02\nL1,a,2024-01-02\n".encode()),
    (
        "batch.csv",
        "learner,external_id,date\nL1,㍿㍿㍿㍿㍿㍿㍿㍿㍿㍿㍿㍿㍿㍿㍿㍿㍿㍿㍿㍿㍿㍿㍿㍿㍿㍿㍿㍿㍿㍿㍿,2024-01-02\n".encode(),
    ),
]


@pytest.mark.parametrize("keep_valid", [False, True])
@pytest.mark.parametrize(("name", "data"), NASTY, ids=[f"nasty{i}" for i in range(len(NASTY))])
def test_known_nasty_files_get_one_of_the_three_answers(
    known: Bank, name: str, data: bytes, keep_valid: bool
) -> None:
    send(known, name, data, keep_valid)


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
    event(f"{name}: {send(known, name, data, keep_valid)}")
