"""Learner files are read strictly, within documented sizes, with a JSON path for each problem."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from creditbank.errors import InputInvalid
from creditbank.service import learner_file
from creditbank.service.learner_file import read_learner

OUTCOME = {
    "id": "train-1",
    "kind": "enterprise_training",
    "issuer": "xcmg",
    "date": "2025-01-20",
    "hours": 48,
}


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "learner.json"
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def problems(path: Path) -> list[tuple[str, str]]:
    with pytest.raises(InputInvalid) as exc:
        read_learner(path)
    assert exc.value.source == str(path)
    return list(exc.value.problems)


def learner(**changes: Any) -> dict[str, Any]:
    return {"learner": "L-0001", "outcomes": [{**OUTCOME, **changes}]}


def test_a_field_given_twice_is_refused(tmp_path: Path) -> None:
    text = '{"learner": "L-0001",\n "outcomes": [], "learner": "L-0002"}'
    assert problems(write(tmp_path, text)) == [
        ("$.learner", "the field 'learner' is given twice in one object; give it once")
    ]


def test_deep_nesting_and_huge_numbers_are_located_errors(tmp_path: Path) -> None:
    deep = '{"learner": "L", "outcomes": ' + "[" * 100_000 + "]" * 100_000 + "}"
    ((where, message),) = problems(write(tmp_path, deep))
    assert (where, message) == (
        "line 1 column 49",
        "arrays and objects nested deeper than 20 levels",
    )
    big = json.dumps(learner()).replace("48", "1e999999")
    assert problems(write(tmp_path, big))[0][1] == "the number 1e999999 is too large"


@pytest.mark.parametrize("date", [20240101, 1704067200, 1704067200.0, "1704067200"])
def test_a_date_given_as_a_number_is_refused(tmp_path: Path, date: object) -> None:
    # 1704067200 is 2024-01-01 as a Unix time: pydantic's lax mode took it as that date.
    found = problems(write(tmp_path, json.dumps(learner(date=date))))
    assert [where for where, _ in found] == ["$.outcomes[0].date"]
    assert "YYYY-MM-DD" in found[0][1]


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("1e-999999999", "no more than 12 digits in total"),
        ("1" + "0" * 3 + "." + "1" * 40, "no more than 12 digits in total"),
        ("16.0000001", "no more than 6 decimal places"),
    ],
)
def test_a_decimal_with_absurd_precision_is_refused(
    tmp_path: Path, hours: str, message: str
) -> None:
    found = problems(write(tmp_path, json.dumps(learner(hours=hours))))
    assert [where for where, _ in found] == ["$.outcomes[0].hours"]
    assert message in found[0][1]


def test_a_date_with_a_time_of_day_is_refused(tmp_path: Path) -> None:
    found = problems(write(tmp_path, json.dumps(learner(date="2025-01-20T00:00:00"))))
    assert found == [
        ("$.outcomes[0].date", "'2025-01-20T00:00:00' is not a date written YYYY-MM-DD")
    ]


def test_identifiers_are_normalised_and_hidden_characters_refused(tmp_path: Path) -> None:
    data = learner()
    data["learner"] = "Ｌ－０００１"  # full width
    read = read_learner(write(tmp_path, json.dumps(data)))
    assert read.learner == "L-0001"
    bidi = json.dumps(learner(id="train\u202e1", issuer="x\u200bcmg"))
    assert problems(write(tmp_path, bidi)) == [
        (
            "$.outcomes[0].id",
            "holds an invisible formatting character (\\u202e, zero-width or bidirectional) "
            "at character 6",
        ),
        (
            "$.outcomes[0].issuer",
            "holds an invisible formatting character (\\u200b, zero-width or bidirectional) "
            "at character 2",
        ),
    ]
    # a length is counted after normalisation: each ㍿ becomes 株式会社
    long = json.dumps(learner(issuer="㍿" * 31))
    assert problems(write(tmp_path, long)) == [
        (
            "$.outcomes[0].issuer",
            "has 124 characters (after Unicode NFKC normalisation); at most 120",
        )
    ]


def test_an_unknown_field_is_shown_escaped(tmp_path: Path) -> None:
    found = problems(write(tmp_path, json.dumps(learner(**{"\x1b[31mred": 1}))))
    assert found == [("$.outcomes[0].\\u001b[31mred", "unknown field '\\u001b[31mred'")]


def test_a_file_above_the_documented_sizes_is_refused(tmp_path: Path) -> None:
    many = {"learner": "L", "outcomes": [OUTCOME] * (learner_file.MAX_OUTCOMES + 1)}
    assert problems(write(tmp_path, json.dumps(many))) == [
        (
            "$.outcomes",
            f"{learner_file.MAX_OUTCOMES + 1} outcomes; a learner file may hold at most "
            f"{learner_file.MAX_OUTCOMES}",
        )
    ]
    padded = json.dumps(learner()) + " " * learner_file.MAX_FILE_BYTES
    assert problems(write(tmp_path, padded)) == [
        (
            "file",
            f"larger than {learner_file.MAX_FILE_BYTES:,} bytes, the most a learner file may have",
        )
    ]
    assert len(read_learner(write(tmp_path, json.dumps(learner()))).outcomes) == 1
