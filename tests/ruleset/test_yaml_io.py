"""The strict YAML reader: dates stay text, decimals are exact, duplicates are reported."""

from __future__ import annotations

from decimal import Decimal

from creditbank.ruleset.yaml_io import read_yaml


def test_dates_stay_text() -> None:
    doc = read_yaml("effective: {from: 2024-01-01, to: 2025-12-31}\nat: 2024-01-01 10:30:00\n")
    assert doc.data == {
        "effective": {"from": "2024-01-01", "to": "2025-12-31"},
        "at": "2024-01-01 10:30:00",
    }
    assert all(type(v) is str for v in doc.data["effective"].values())


def test_decimals_are_exact() -> None:
    doc = read_yaml("a: 0.1\nb: 0.2\nc: 2.50\nd: 1_000.5\nshare: .5\n")
    assert doc.data == {
        "a": Decimal("0.1"),
        "b": Decimal("0.2"),
        "c": Decimal("2.50"),
        "d": Decimal("1000.5"),
        "share": Decimal("0.5"),
    }
    assert all(type(v) is Decimal for v in doc.data.values())
    assert doc.data["a"] + doc.data["b"] == Decimal("0.3")
    assert str(doc.data["c"]) == "2.50"


def test_integers_booleans_nulls_and_quoted_text() -> None:
    doc = read_yaml(
        "n: 4\nneg: -2\nt: true\nf: false\ny: yes\nswitch: off\nnil: ~\nnothing: null\n"
        'code: "51301"\nbare: 51301\nleading_zero: 0101\nword: senior\n'
    )
    assert doc.data == {
        "n": 4,
        "neg": -2,
        "t": True,
        "f": False,
        "y": True,
        "switch": False,
        "nil": None,
        "nothing": None,
        "code": "51301",
        "bare": 51301,
        "leading_zero": "0101",  # a code, never the octal number 65
        "word": "senior",
    }


def test_duplicate_keys_are_reported_with_both_lines() -> None:
    text = (
        "catalogues:\n"  # 1
        "  - institution: ou\n"  # 2
        "    courses:\n"  # 3
        "      - code: M1\n"  # 4
        "        credits: 2\n"  # 5
        "        credits: 3\n"  # 6
        "  - institution: poly\n"  # 7
        "    institution: ou\n"  # 8
    )
    doc = read_yaml(text)
    problems = [(p.message, p.line, p.column) for p in doc.problems]
    assert problems == [
        ("duplicate key 'credits' (first at line 5)", 6, 9),
        ("duplicate key 'institution' (first at line 7)", 8, 5),
    ]
    # the rest of the file is still read, so its other errors can be reported in the same run
    assert doc.data["catalogues"][0]["courses"][0]["code"] == "M1"
    assert doc.data["catalogues"][1] == {"institution": "poly"}


def test_duplicate_top_level_section() -> None:
    doc = read_yaml("transfers: []\nlimits: []\ntransfers: []\n")
    assert [(p.message, p.line, p.column) for p in doc.problems] == [
        ("duplicate key 'transfers' (first at line 1)", 3, 1)
    ]


def test_positions_of_keys_and_items() -> None:
    doc = read_yaml("a:\n  - x: 1\n    y: [p, q]\n  - {x: 2}\n")
    assert doc.position(("a",)) == (1, 1)
    assert doc.position(("a", 0)) == (2, 5)
    assert doc.position(("a", 0, "y")) == (3, 5)
    assert doc.position(("a", 0, "y", 1)) == (3, 12)
    assert doc.position(("a", 1)) == (4, 5)
    assert doc.position(("a", 1, "x")) == (4, 6)
    # a key that is not there: the nearest enclosing place
    assert doc.position(("a", 1, "missing", 3)) == (4, 5)


def test_syntax_errors_are_problems_not_exceptions() -> None:
    doc = read_yaml("a: [1, 2\nb: 3\n")
    assert doc.data is None
    (problem,) = doc.problems
    assert problem.message.startswith("YAML syntax error: ")
    assert problem.line == 2

    doc = read_yaml("a: 1\n---\nb: 2\n")
    (problem,) = doc.problems
    assert "another document" in problem.message
    assert problem.line == 2


def test_keys_must_be_plain_text() -> None:
    doc = read_yaml("? [a, b]\n: 1\nok: 2\nyes: 3\n")
    assert doc.data == {"ok": 2}
    assert [(p.message, p.line) for p in doc.problems] == [
        ("a key must be plain text", 1),
        ("a key must be plain text", 4),  # YAML 1.1 reads a bare yes/no/on/off as true/false
    ]


def test_empty_text() -> None:
    doc = read_yaml("# only a comment\n")
    assert doc.data is None
    assert doc.problems == []
