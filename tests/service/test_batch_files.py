"""Reading batch files: every way a CSV or JSON file can go wrong is a located refusal."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from creditbank.errors import InputInvalid
from creditbank.service import batch_files
from creditbank.service.batch_files import parse_csv, parse_json, read_batch

HEADER = b"learner,external_id,date,hours,title\n"


def problems(read: object, data: bytes) -> list[tuple[str, str]]:
    with pytest.raises(InputInvalid) as exc:
        read(data)  # type: ignore[operator]
    return list(exc.value.problems)


# ---------------------------------------------------------------------------------------- CSV


def test_csv_rows_carry_the_line_they_start_on() -> None:
    data = (
        HEADER
        + b'\nL1,r1,2024-01-02,16,a\r\n\r\nL2,r2,2024-01-02,8,"b, ""c"""\n,,,,\nL3,r3,2024-01-03,4,d'
    )
    batch = parse_csv(data)
    assert batch.lines == [3, 5, 7]
    assert [r["title"] for r in batch.rows] == ["a", 'b, "c"', "d"]


def test_an_unclosed_quote_that_swallows_lines_is_refused_at_the_line_it_opens() -> None:
    # Before, rows r3 to r5 vanished inside r2's title and the batch was stored without them.
    data = HEADER + (
        b"L1,r1,2024-01-02,16,Lathe\n"
        b'L1,r2,2024-01-02,16,"Milling\n'
        b"L1,r3,2024-01-02,16,Welding\n"
        b"L1,r4,2024-01-02,16,Safety\n"
        b'L1,r5,2024-01-02,16,PLC"\n'
        b"L1,r6,2024-01-02,16,CNC\n"
    )
    assert problems(parse_csv, data) == [
        (
            "line 3",
            "title: the value runs on to line 6, but no field may hold a line break: "
            "is a quote left open?",
        )
    ]


def test_a_quote_never_closed_is_refused_at_its_line() -> None:
    data = HEADER + b'L1,r1,2024-01-02,16,Lathe\nL1,r2,2024-01-02,16,"Milling\n'
    assert problems(parse_csv, data) == [
        ("line 3", "a quote opened in this record is never closed (the file ends inside it)")
    ]


def test_text_after_a_closing_quote_is_refused_at_its_line() -> None:
    data = HEADER + b'L1,r1,2024-01-02,16,"Lathe" I\n'
    assert problems(parse_csv, data) == [
        ("line 2", "a quoted value must be followed by a comma or the end of the line")
    ]


def test_a_cell_over_the_csv_modules_limit_is_a_located_error() -> None:
    huge = b"x" * (csv.field_size_limit() + 1)
    data = HEADER + b"L1,r1,2024-01-02,16,a\nL1,r2,2024-01-02,16," + huge + b"\n"
    assert problems(parse_csv, data) == [
        ("line 3", f"a value longer than {csv.field_size_limit():,} characters")
    ]


def test_more_values_than_columns_names_the_line() -> None:
    data = HEADER + b"\nL1,r1,2024-01-02,16,a,extra\n"
    assert problems(parse_csv, data) == [("line 3", "6 values but 5 columns")]


def test_header_problems_name_the_header_line_and_show_names_escaped() -> None:
    found = problems(parse_csv, b"\n\x1b[2Jlearner,external_id,date\n")
    assert [where for where, _ in found] == ["line 2 (header)", "line 2 (header)"]
    assert found[0][1] == "missing column(s): learner (or national_id)"
    assert found[1][1].startswith("unknown column(s): '\\u001b[2Jlearner'; allowed: learner,")


# --------------------------------------------------------------------------------------- JSON


def test_a_field_given_twice_is_refused_naming_it() -> None:
    # Before, the last value won: the record went silently to L2.
    data = b'[{"learner": "L1", "external_id": "a", "date": "2024-01-02"},\n'
    data += b' {"learner": "L1", "external_id": "b", "learner": "L2", "date": "2024-01-02"}]'
    assert problems(parse_json, data) == [
        ("$[1].learner", "the field 'learner' is given twice in one object; give it once")
    ]
    nested = b'{"rows": [{"title": {"zh": 1, "zh": 2}}]}'
    assert problems(parse_json, nested)[0][0] == "$.rows[0].title.zh"
    # too deep as well: the depth is reported (checked first, before any walk of the document)
    deep = b'[{"a": 1, "a": 2, "b": ' + b"[" * 900 + b"]" * 900 + b"}]"
    assert problems(parse_json, deep)[0][1].startswith("arrays and objects nested deeper")


@pytest.mark.parametrize("depth", [batch_files.MAX_DEPTH + 1, 100_000])
def test_nesting_deeper_than_the_limit_is_refused_where_it_goes_too_deep(depth: int) -> None:
    data = b'[{"title":\n ' + b"[" * depth + b"]" * depth + b"}]"
    assert problems(parse_json, data) == [
        (
            f"line 2 column {batch_files.MAX_DEPTH}",  # the opening that goes one too deep
            f"arrays and objects nested deeper than {batch_files.MAX_DEPTH} levels",
        )
    ]
    deepest = batch_files.MAX_DEPTH - 2  # with the array of rows and the row: the limit
    value = parse_json(b'[{"title":' + b"[" * deepest + b"]" * deepest + b"}]").rows[0]["title"]
    assert isinstance(value, list)


@pytest.mark.parametrize(
    ("number", "message"),
    [
        (b"9" * 5000, "a number of 5000 digits; at most 40"),
        (b"1e999999", "the number 1e999999 is too large"),
        (b"-1.5e400", "the number -1.5e400 is too large"),
        (b"1e-999999", "the number 1e-999999 is too small to be kept (it would become 0)"),
        (b"0." + b"0" * 60 + b"1", "a number written with 63 characters; at most 40"),
        (b"NaN", "NaN is not a number JSON allows"),
        (b"-Infinity", "-Infinity is not a number JSON allows"),
    ],
)
def test_numbers_are_bounded_with_their_place(number: bytes, message: str) -> None:
    data = b'[{"title": "1e999999 9999", "hours": 8},\n {"hours": ' + number + b"}]"
    assert problems(parse_json, data) == [("line 2 column 12", message)]


def test_half_of_an_escaped_character_is_refused_at_its_path() -> None:
    assert problems(parse_json, b'[{"hours": 1}, {"title": "ok \\ud800"}]') == [
        (
            "$[1].title",
            "holds half of a character (a lone surrogate such as \\ud800); send whole characters",
        )
    ]
    assert problems(parse_json, b'[{"\\udc00": 1}]')[0][0] == "$[0].\\udc00"
    # whole characters, escaped as pairs, and ordinary numbers are read as they were
    rows = parse_json(b'[{"hours": 16.5, "level": 3, "title": "\\u6570\\ud83d\\ude00 0e5"}]').rows
    assert rows == [{"hours": 16.5, "level": 3, "title": "数😀 0e5"}]


def test_json_with_a_byte_order_mark_is_read_and_other_encodings_are_refused() -> None:
    assert parse_json(b'\xef\xbb\xbf[{"hours": 1}]').rows == [{"hours": 1}]
    assert problems(parse_json, b'[{"title": "caf\xe9"}]') == [
        ("byte 15", "the file is not UTF-8 text; save it as UTF-8 and send it again")
    ]


def test_json_that_is_not_an_array_of_objects_is_refused_with_its_path() -> None:
    assert problems(parse_json, b'[{"a": 1}, [2]]') == [("$[1]", "expected an object (one record)")]
    assert problems(parse_json, b'{"rows": 3}') == [
        ("$.rows", "expected a JSON array of objects (one per record)")
    ]
    assert problems(parse_json, b'[{"a": 1},]')[0][0] == "line 1 column 11"


@pytest.mark.parametrize("scalar", [b"2", b'"rows"', b"true", b"null"])
def test_a_json_document_that_is_a_single_value_is_refused_not_a_crash(scalar: bytes) -> None:
    (problem,) = problems(parse_json, scalar)
    assert problem[1].startswith("expected a JSON array")


# ------------------------------------------------------------------------------- the format


def test_the_format_is_the_file_names_else_the_first_character(tmp_path: Path) -> None:
    csv_data = HEADER + b"L1,r1,2024-01-02,16,a\n"
    json_data = json.dumps([{"learner": "L1"}]).encode()
    assert read_batch(csv_data).lines == [2]
    assert read_batch(b"\xef\xbb\xbf \n" + json_data).rows == [{"learner": "L1"}]
    assert read_batch(json_data, name="x.JSON").lines is None
    with pytest.raises(InputInvalid, match="missing column"):
        read_batch(json_data, name="x.csv")
    path = tmp_path / "batch.txt"
    path.write_bytes(json_data)
    assert batch_files.read_batch_file(path).rows == [{"learner": "L1"}]
    with pytest.raises(InputInvalid, match="cannot read it") as exc:
        batch_files.read_batch_file(tmp_path / "missing.csv")
    assert exc.value.source.endswith("missing.csv")


def test_a_file_over_the_size_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch_files, "MAX_BATCH_BYTES", 100)
    data = HEADER + b"L1,r1,2024-01-02,16,a\n" * 4
    for read in (parse_csv, parse_json, read_batch):
        assert problems(read, data) == [
            ("file", "more than 100 bytes; send the records in smaller batches")
        ]
