"""The strict YAML reader: dates stay text, decimals are exact, duplicates are reported, and
no text, however written, makes it crash, recurse without end or fill the memory."""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml

from creditbank.ruleset import yaml_io
from creditbank.ruleset.yaml_io import MAX_ALIAS_VALUES, MAX_DEPTH, MAX_FILE_BYTES, read_yaml


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


# --- inputs that cannot hurt ----------------------------------------------------------------


def _problems(text: str) -> list[tuple[str, int, int]]:
    """Code, line and column of each problem; the text must have been refused whole."""
    doc = read_yaml(text)
    assert doc.data is None
    assert doc.positions == {}  # nothing was built
    return [(p.code, p.line, p.column) for p in doc.problems]


def _laughs(levels: int) -> str:
    """ "Billion laughs": each level is nine aliases of the one before (9**levels strings)."""
    lines = ['l1: &l1 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"l{n}: &l{n} [{','.join([f'*l{n - 1}'] * 9)}]" for n in range(2, levels + 1)]
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_before_anything_is_expanded() -> None:
    text = _laughs(9)  # 9**9 = 387,420,489 strings written out, from under 500 bytes
    assert len(text) < 500
    assert _problems(text) == [("rules.yaml_alias", 6, 10)]
    message = read_yaml(text).problems[0].message
    assert f"aliases repeat more than {MAX_ALIAS_VALUES:,} values" in message
    assert "'*l5' copies everything under '&l5'" in message


def test_aliases_may_add_values_up_to_the_budget() -> None:
    text = "one: &v 1\nmany:\n" + "  - *v\n" * MAX_ALIAS_VALUES
    doc = read_yaml(text)
    assert doc.problems == []
    assert doc.data["many"] == [1] * MAX_ALIAS_VALUES
    assert _problems(text + "  - *v\n") == [("rules.yaml_alias", MAX_ALIAS_VALUES + 3, 5)]


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        pytest.param("a: &a [*a]\n", 1, 8, id="itself"),
        pytest.param("a: &a\n  b: [1, {c: *a}]\n", 2, 14, id="deeper-inside"),
        pytest.param("a: &a\n  b: &b [*b]\nc: *a\n", 2, 10, id="inner-anchor"),
    ],
)
def test_an_alias_inside_its_own_anchor_is_refused(text: str, line: int, column: int) -> None:
    assert _problems(text) == [("rules.yaml_alias", line, column)]
    assert "is inside its own anchor" in read_yaml(text).problems[0].message


LOADERS = [
    yaml.SafeLoader,
    pytest.param(
        getattr(yaml, "CSafeLoader", None),
        marks=pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml"),
        id="CSafeLoader",
    ),
]


@pytest.fixture(params=LOADERS, ids=lambda p: getattr(p, "__name__", "CSafeLoader"))
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both PyYAML parsers: the pure one is used where PyYAML was built without libyaml."""
    monkeypatch.setattr(yaml_io, "_BaseLoader", request.param)


def _nested(depth: int) -> str:
    """A mapping holding lists in lists: ``depth`` levels in all."""
    return "a: " + "[" * (depth - 1) + "x" + "]" * (depth - 1) + "\n"


@pytest.mark.usefixtures("parser")
def test_nesting_up_to_the_limit_is_read() -> None:
    doc = read_yaml(_nested(MAX_DEPTH))
    assert doc.problems == []
    assert str(doc.data).count("[") == MAX_DEPTH - 1


@pytest.mark.usefixtures("parser")
@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 990])
def test_deeper_nesting_is_refused_before_the_composer_recurses(depth: int) -> None:
    # 990 levels made the recursive composer or builder raise RecursionError
    assert _problems(_nested(depth)) == [("rules.yaml_limit", 1, 3 + MAX_DEPTH)]
    assert f"more than {MAX_DEPTH} levels" in read_yaml(_nested(depth)).problems[0].message


@pytest.mark.usefixtures("parser")
def test_a_hundred_thousand_levels_are_refused_too() -> None:
    (problem,) = _problems("a: " + "[" * 100_000 + "\n")
    assert problem[0] in {"rules.yaml_limit", "rules.yaml_syntax"}  # libyaml stops at 1000


def test_depth_counts_what_aliases_repeat() -> None:
    text = f"a: &a {_nested(21)[3:]}b: {'[' * 15}*a{']' * 15}\n"
    assert _problems(text) == [("rules.yaml_limit", 2, 19)]


@pytest.mark.parametrize(
    ("value", "tag"),
    [
        ("!!python/object:os.system x", "!!python/object:os.system"),
        ("!!python/name:os.system ''", "!!python/name:os.system"),
        ("!!python/object/apply:os.system [ls]", "!!python/object/apply:os.system"),
        ("!custom {a: 1}", "!custom"),
        ("!!str 5", "!!str"),
        ("!!int '5'", "!!int"),
        ("! x", "!"),
        ("!<tag:example.com,2024:x> y", "tag:example.com,2024:x"),
    ],
)
def test_a_tag_is_refused_where_it_is(value: str, tag: str) -> None:
    text = f"ok: 1\nbad: {value}\n"
    assert _problems(text) == [("rules.yaml_tag", 2, 6)]
    assert f"tag '{tag}' is not allowed" in read_yaml(text).problems[0].message


def test_every_tag_is_reported() -> None:
    text = "a: !!str 1\nb: [!x 2, 3]\nc: !!map {d: !!int '4'}\n"
    assert _problems(text) == [("rules.yaml_tag", *at) for at in [(1, 4), (2, 5), (3, 4), (3, 14)]]


def test_a_text_over_the_size_limit_is_refused_unread() -> None:
    text = "a: " + "é" * (MAX_FILE_BYTES // 2)  # fewer characters than the limit, more bytes
    assert len(text) < MAX_FILE_BYTES
    assert _problems(text) == [("rules.yaml_limit", 1, 1)]
    assert "larger than 1 MiB" in read_yaml(text).problems[0].message
