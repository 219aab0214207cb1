"""Hypothesis strategies for batch files: valid CSV or JSON batches, then mutated the ways a
file goes wrong in the wild or in an attacker's hands (cut short, quotes and separators
dropped in, control and invisible characters, byte order marks, bytes that are not UTF-8,
fields given twice, deep nesting, huge numbers, dates as numbers, look-alike identifiers)."""

from __future__ import annotations

import csv
import io
import itertools
import json
from typing import Any

from hypothesis import strategies as st

_fresh = itertools.count()


def mostly(valid: list[Any], odd: list[Any]) -> st.SearchStrategy[Any]:
    """A value of ``valid`` nine times in ten, else one of ``odd``."""
    return st.sampled_from(valid * len(odd) * 9 + odd * len(valid))


learner = mostly(["L1", "L2", "L3"], ["nobody", "Ｌ１", "L\u2060", 7, None])
external_id = st.integers(0, 9).flatmap(
    lambda n: (
        st.sampled_from(["r1", "ｒ1", "r\u200b1", "x" * 121, "a b", ""])
        if n == 0
        else st.uuids().map(lambda u: f"e-{u.hex[:12]}")
    )  # a new id, mostly
)
row = st.fixed_dictionaries(
    {
        "learner": learner,
        "external_id": external_id,
        "date": mostly(["2024-01-02", "2023-06-01"], ["2026-09-02", "2024/01/02", "20240101"]),
    },
    optional={
        "hours": mostly([16, 8.5, "12"], [0, -1, 20000, "1e3", [1]]),
        "title": mostly(
            ["Lathe", "数控编程, 高级", 'say "hi"', ""], ["a\nb", "\x1b[2Jx", "\u202eevil"]
        ),
        "kind": mostly(["enterprise_training"], ["skill_certificate", "nope"]),
        "assessed": mostly([True, "true"], ["yes", "2"]),
        "national_id": mostly([""], ["11010519491231002X", "123", 110105]),
    },
)
rows = st.lists(row, min_size=1, max_size=4)

SNIPPETS = [
    b'"',
    b",",
    b"\n",
    b"\r",
    b"\r\n",
    b"\x00",
    b"\x1b[2J",
    "\u202e".encode(),
    "\u200b".encode(),
    b"\xef\xbb\xbf",
    b"\xff",
    b"\xc3",
    b"\xed\xa0\x80",  # a surrogate, encoded: not UTF-8
    b"{",
    b"}",
    b"[",
    b"]",
    b"[" * 25,
    b"[" * 3000,
    b"9" * 5000,
    b"1e999999",
    b"-1e-999999",
    b"NaN",
    b"Infinity",
    b'"\\ud800"',
    b"\\udfff",
    b'"learner": "L2", ',
    b'"date": 1704067200, ',
    b'"hours": 16, "hours": -1, ',
    b"1704067200",
    "Ｌ１".encode(),
    "㍿".encode() * 40,
    b"x" * 140_000,  # over the csv module's field size limit
    b"learner,external_id,date\n",
    b",,,,,,,,",
    b"null",
    b"true",
    b"{}",
    b"[]",
]

mutation = st.one_of(
    st.tuples(st.just("cut"), st.integers(0, 10**6)),
    st.tuples(st.just("insert"), st.integers(0, 10**6), st.sampled_from(SNIPPETS)),
    st.tuples(st.just("after_brace"), st.integers(0, 10**6), st.sampled_from(SNIPPETS)),
    st.tuples(st.just("byte"), st.integers(0, 10**6), st.integers(0, 255)),
    st.tuples(st.just("delete"), st.integers(0, 10**6), st.integers(1, 40)),
    st.tuples(st.just("repeat"), st.integers(0, 10**6), st.integers(1, 80), st.integers(0, 10**6)),
)


def as_csv(records: list[dict[str, Any]]) -> bytes:
    columns: list[str] = []
    for record in records:
        columns.extend(k for k in record if k not in columns)
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue().encode("utf-8")


def as_json(records: list[dict[str, Any]], *, ascii_only: bool, wrapped: bool) -> bytes:
    value: Any = {"rows": records} if wrapped else records
    return json.dumps(value, ensure_ascii=ascii_only, indent=1).encode("utf-8")


def mutate(data: bytes, how: tuple[Any, ...]) -> bytes:
    """``data`` changed by one mutation (positions are taken modulo the length)."""
    kind, at, *rest = how
    at %= len(data) + 1
    if kind == "cut":
        return data[:at]
    if kind == "insert":
        return data[:at] + rest[0] + data[at:]
    if kind == "after_brace":
        braces = [i + 1 for i, b in enumerate(data) if b == ord("{")] or [at]
        at = braces[at % len(braces)]
        return data[:at] + rest[0] + data[at:]
    if kind == "byte":
        return data[:at] + bytes([rest[0]]) + data[at + 1 :]
    if kind == "delete":
        return data[:at] + data[at + rest[0] :]
    size, to = rest
    to %= len(data) + 1
    return data[:to] + data[at : at + size] + data[to:]


@st.composite
def batch_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """A file name (``batch.csv`` or ``batch.json``) and its bytes: a batch, maybe mutated."""
    records = draw(rows)
    if draw(st.booleans()):
        name, data = "batch.csv", as_csv(records)
    else:
        data = as_json(records, ascii_only=draw(st.booleans()), wrapped=draw(st.booleans()))
        name = "batch.json"
    for how in draw(st.lists(mutation, max_size=3)) if draw(st.booleans()) else []:
        data = mutate(data, how)
    return name, data
