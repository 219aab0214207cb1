"""The digest names the content: form never changes it, meaning always does.

(a) Splitting the pack into other files, renaming them, reordering items and keys, writing
    ``x`` for ``[x]``, ``4.0`` for ``4``, quoting dates, adding comments and blank lines,
    repeating a block through an anchor and aliases: same digest.
(b) Any meaningful edit (credits, priority, dates, names, grade order...): another digest.
(c) ``as_documents()`` dumped to YAML and read again: same digest, equal sections.
(d) Decimals count to the last digit: no rounding to 28 digits makes two values one.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from creditbank.ruleset.loader import check_sources, load_ruleset
from creditbank.ruleset.ruleset import RuleSet, canonical_json
from creditbank.ruleset.schema import DATED_SECTIONS
from tests.ruleset.conftest import RULES_MIN
from tests.ruleset.yamlgen import Entry, layout, read_entries, sources_of

BASE_ENTRIES: list[Entry] = read_entries(RULES_MIN)
BASE: RuleSet = load_ruleset(RULES_MIN)

Draw = Callable[[st.SearchStrategy[Any]], Any]

# --- (a) form does not matter ---------------------------------------------------------------

file_names = st.lists(
    st.builds(
        lambda folder, stem, ext: f"{folder}{stem}{ext}",
        st.sampled_from(["", "a/", "b/c/", "规则/"]),
        st.text(alphabet="abcxyz-_019转换规则", min_size=1, max_size=8),
        st.sampled_from([".yaml", ".yml"]),
    ),
    min_size=1,
    max_size=5,
    unique=True,
)


@st.composite
def laid_out(draw: Draw, entries: list[Entry]) -> tuple[dict[str, str], str]:
    """``entries`` written in a random form; also returns the file that holds the pack."""
    ordered = draw(st.permutations(entries))
    files = draw(file_names)
    placement = draw(
        st.lists(st.integers(0, len(files) - 1), min_size=len(ordered), max_size=len(ordered))
    )
    rnd = random.Random(draw(st.integers(0, 2**32 - 1)))  # comments, key order, number forms
    pack_file = files[placement[[s for s, _ in ordered].index("pack")]]
    return layout(ordered, files, placement, rnd), pack_file


@settings(max_examples=50, deadline=None)
@given(case=laid_out(BASE_ENTRIES))
def test_digest_ignores_files_order_keys_comments_and_spacing(
    case: tuple[dict[str, str], str],
) -> None:
    sources, pack_file = case
    report = check_sources(sources)
    assert report.findings == (), "\n".join(map(str, report.findings))
    assert report.ruleset is not None
    assert report.ruleset.digest == BASE.digest
    # the positions do follow the files: they are kept beside the content, not in it
    assert report.ruleset.where(report.ruleset.pack).file == pack_file


def test_the_generated_forms_really_differ() -> None:
    """Guard for the property above: its inputs do vary in every way it claims."""
    seen: list[dict[str, str]] = []

    @settings(max_examples=20, deadline=None, database=None)
    @given(case=laid_out(BASE_ENTRIES))
    def collect(case: tuple[dict[str, str], str]) -> None:
        seen.append(case[0])

    collect()
    texts = ["".join(sources.values()) for sources in seen]
    assert len(set(texts)) >= 10
    assert any(len(sources) > 1 for sources in seen)
    assert any("# " in text for text in texts)
    assert any("\n\n" in text for text in texts)
    assert any("from: 2020-01-01" in text for text in texts)  # bare date
    assert any("'2020-01-01'" in text for text in texts)  # quoted date


def test_reordering_the_courses_of_a_catalogue_keeps_the_digest(
    min_sources: dict[str, str],
) -> None:
    text = min_sources["catalogues.yaml"]
    m1 = "      - {code: M1, name: {en: Mechanics}, credits: 4}\n"
    t1 = "      - {code: T1, name: {en: Thesis}, credits: 6}\n"
    moved = text.replace(m1, "").replace(t1, t1 + m1)
    assert moved != text
    report = check_sources({**min_sources, "catalogues.yaml": moved})
    assert report.ruleset is not None
    assert report.ruleset.digest == BASE.digest


def test_a_block_repeated_through_an_anchor_reads_as_written_out(
    min_sources: dict[str, str],
) -> None:
    text = min_sources["rules.yaml"]
    since = "effective: {from: 2020-01-01}"
    assert text.count(since) > 2
    head, tail = text.split(since, 1)
    aliased = (
        head + "effective: &since {from: 2020-01-01}" + tail.replace(since, "effective: *since")
    )
    report = check_sources({**min_sources, "rules.yaml": aliased})
    assert report.findings == ()
    assert report.ruleset is not None
    assert report.ruleset.digest == BASE.digest


# --- (b) meaning does ---------------------------------------------------------------------

TRICKY = [
    "yes",
    "No",
    "null",
    "~",
    "2024-01-01",
    "1.5",
    "0x1F",
    "1_000",
    "#hash",
    "a: b",
    "- item",
    "'quoted'",
    '"double"',
    "  padded  ",
    "{x}",
    "[y]",
    "&anchor",
    "*alias",
    "!tag",
    "%pct",
    "|",
    ">",
    "机械制图：第Ⅱ部分",
    "Ⅳ级",
]
texts = st.one_of(
    st.sampled_from(TRICKY),
    st.text(
        alphabet=st.characters(categories=["L", "N", "P", "S"], include_characters=" "),
        min_size=1,
        max_size=12,
    ),
).filter(lambda s: s.strip())


def _items(entries: list[Entry], section: str) -> list[Any]:
    return [item for name, item in entries if name == section]


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(str(text))


def edit_course_credits(draw: Draw, entries: list[Entry]) -> None:
    course = draw(
        st.sampled_from([c for cat in _items(entries, "catalogues") for c in cat["courses"]])
    )
    old = Decimal(course["credits"])
    course["credits"] = draw(
        st.decimals(Decimal("0.5"), Decimal("100"), places=1).filter(lambda d: d != old)
    )


def edit_priority(draw: Draw, entries: list[Entry]) -> None:
    rule = draw(st.sampled_from(_items(entries, "transfers") + _items(entries, "recognitions")))
    old = rule.get("priority", 0)
    rule["priority"] = draw(st.integers(-9, 9).filter(lambda p: p != old))


def _dated(entries: list[Entry]) -> list[Any]:
    return [item for name, item in entries if name in DATED_SECTIONS]


def edit_effective_from(draw: Draw, entries: list[Entry]) -> None:
    effective = draw(st.sampled_from(_dated(entries)))["effective"]
    old = _date(effective["from"])
    end = _date(effective["to"]) if "to" in effective else dt.date(2100, 1, 1)
    new = draw(st.dates(dt.date(2000, 1, 1), end).filter(lambda d: d != old))
    effective["from"] = new.isoformat()


def edit_effective_to(draw: Draw, entries: list[Entry]) -> None:
    effective = draw(st.sampled_from(_dated(entries)))["effective"]
    old = effective.get("to")
    new = draw(
        st.one_of(st.none(), st.dates(_date(effective["from"]), dt.date(2100, 1, 1))).filter(
            lambda d: (d.isoformat() if d else None) != old
        )
    )
    if new is None:
        del effective["to"]
    else:
        effective["to"] = new.isoformat()


def edit_name(draw: Draw, entries: list[Entry]) -> None:
    named = [item for _, item in entries if isinstance(item.get("name"), dict)]
    name = draw(st.sampled_from(named))["name"]
    language = draw(st.sampled_from(["zh", "en"]))
    old = name.get(language)
    name[language] = draw(texts.filter(lambda s: s != old))


def edit_grade_order(draw: Draw, entries: list[Entry]) -> None:
    scale = _items(entries, "grade_scales")[0]
    old = list(scale["grades"])
    scale["grades"] = draw(st.permutations(old).filter(lambda p: list(p) != old))


def edit_rung_order(draw: Draw, entries: list[Entry]) -> None:
    ladder = _items(entries, "ladders")[0]
    old = list(ladder["rungs"])
    ladder["rungs"] = draw(st.permutations(old).filter(lambda p: list(p) != old))


def edit_exemptable(draw: Draw, entries: list[Entry]) -> None:
    programme = _items(entries, "programmes")[0]
    course = next(c for c in programme["courses"] if c["code"] == "M1")  # no transfer targets M1
    course["exemptable"] = not course.get("exemptable", True)


def edit_limit(draw: Draw, entries: list[Entry]) -> None:
    limit = _items(entries, "limits")[0]
    old = Decimal(limit["max_credits"])
    limit["max_credits"] = draw(
        st.decimals(Decimal(0), Decimal(1000), places=2).filter(lambda d: d != old)
    )


def edit_equivalence(draw: Draw, entries: list[Entry]) -> None:
    eq = _items(entries, "equivalences")[0]
    if draw(st.booleans()):
        eq["both_ways"] = not eq.get("both_ways", False)
    else:
        old = Decimal(eq.get("ratio", 1))
        eq["ratio"] = draw(
            st.decimals(Decimal("0.1"), Decimal(5), places=2).filter(lambda d: d != old)
        )


def edit_drop_rule(draw: Draw, entries: list[Entry]) -> None:
    entries.remove(draw(st.sampled_from([e for e in entries if e[0] == "transfers"])))


def edit_requirement(draw: Draw, entries: list[Entry]) -> None:
    core = _items(entries, "programmes")[0]["requirements"][0]
    core["courses"] = [draw(st.sampled_from(core["courses"]))]


def edit_add_course(draw: Draw, entries: list[Entry]) -> None:
    catalogue = draw(st.sampled_from(_items(entries, "catalogues")))
    taken = {c["code"] for c in catalogue["courses"]}
    course = {
        "code": draw(
            st.from_regex(r"[A-Z]{1,3}[0-9]{1,4}", fullmatch=True).filter(lambda c: c not in taken)
        ),
        "name": draw(
            st.one_of(
                st.fixed_dictionaries({"en": texts}),
                st.fixed_dictionaries({"zh": texts}),
                st.fixed_dictionaries({"zh": texts, "en": texts}),
            )
        ),
        "credits": draw(st.decimals(Decimal("0.001"), Decimal(1000), places=3).filter(bool)),
    }
    if draw(st.booleans()):
        course["level"] = draw(st.integers(3, 6))  # a level of the framework (nf)
    if draw(st.booleans()):
        course["hours"] = draw(st.decimals(Decimal(1), Decimal(500), places=1))
    catalogue["courses"].append(course)


EDITS = [
    edit_course_credits,
    edit_priority,
    edit_effective_from,
    edit_effective_to,
    edit_name,
    edit_grade_order,
    edit_rung_order,
    edit_exemptable,
    edit_limit,
    edit_equivalence,
    edit_drop_rule,
    edit_requirement,
    edit_add_course,
]


@pytest.mark.parametrize("edit", EDITS, ids=lambda e: e.__name__.removeprefix("edit_"))
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_a_meaningful_edit_changes_the_digest(
    edit: Callable[[Draw, list[Entry]], None], data: st.DataObject
) -> None:
    entries = copy.deepcopy(BASE_ENTRIES)
    edit(data.draw, entries)
    report = check_sources(sources_of(entries))
    assert report.errors == (), "\n".join(map(str, report.errors))
    assert report.ruleset is not None
    assert report.ruleset.digest != BASE.digest


@st.composite
def edited_layouts(draw: Draw) -> dict[str, str]:
    """The minimal pack after 0-3 meaningful edits, written in a random form."""
    entries = copy.deepcopy(BASE_ENTRIES)
    for edit in draw(st.lists(st.sampled_from(EDITS), max_size=3, unique=True)):
        edit(draw, entries)
    sources, _ = draw(laid_out(entries))
    return sources


@settings(max_examples=30, deadline=None)
@given(sources=edited_layouts(), data=st.data())
def test_digest_depends_on_content_only(sources: dict[str, str], data: st.DataObject) -> None:
    """Edited content, written in two random forms: the two digests agree."""
    first = check_sources(sources)
    assert first.errors == (), "\n".join(map(str, first.errors))
    assert first.ruleset is not None
    docs = first.ruleset.as_documents()
    # read the content back as entries, and write it in another random form
    entries = [
        (section, item)
        for doc in docs.values()
        for section, value in doc.items()
        for item in ([value] if section == "pack" else value)
    ]
    again, _ = data.draw(laid_out(entries))
    second = check_sources(again)
    assert second.ruleset is not None, "\n".join(map(str, second.findings))
    assert second.ruleset.digest == first.ruleset.digest


# --- (c) round trip -----------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(sources=edited_layouts())
def test_as_documents_round_trip(sources: dict[str, str]) -> None:
    first = check_sources(sources)
    assert first.ruleset is not None, "\n".join(map(str, first.findings))
    dumped = {
        name: yaml.safe_dump(doc, allow_unicode=True)
        for name, doc in first.ruleset.as_documents().items()
    }
    second = check_sources(dumped)
    assert second.findings == (), "\n".join(map(str, second.findings))
    assert second.ruleset is not None
    assert second.ruleset.digest == first.ruleset.digest
    assert second.ruleset.pack == first.ruleset.pack
    assert dict(second.ruleset.sections) == dict(first.ruleset.sections)
    assert second.ruleset.as_documents() == first.ruleset.as_documents()


def test_round_trip_of_the_minimal_pack_keeps_every_value() -> None:
    docs = BASE.as_documents()
    assert set(docs) == {
        "pack.yaml",
        "frameworks.yaml",
        "ladders.yaml",
        "issuers.yaml",
        "grade_scales.yaml",
        "catalogues.yaml",
        "programmes.yaml",
        "recognitions.yaml",
        "transfers.yaml",
        "equivalences.yaml",
        "limits.yaml",
    }
    dumped = {name: yaml.safe_dump(doc, allow_unicode=True) for name, doc in docs.items()}
    assert "机加工实训" in dumped["catalogues.yaml"]  # readable, not \u escapes
    again = check_sources(dumped).ruleset
    assert again is not None
    assert again.digest == BASE.digest
    assert again.sections["catalogues"][0].courses[2].credits == Decimal("2.5")
    assert again.sections["transfers"][0].effective.to == dt.date(2030, 12, 31)


# --- (d) exact decimals -------------------------------------------------------------------

LONG = "4.0000000000000000000000000001"
"""29 significant digits: the default decimal context (28) rounded it to 4."""


def test_a_decimal_beyond_28_digits_changes_the_digest_and_stays_exact(
    min_sources: dict[str, str],
) -> None:
    m1 = "{code: M1, name: {en: Mechanics}, credits: 4}"
    text = min_sources["catalogues.yaml"]
    assert m1 in text
    edited = text.replace(m1, m1.replace("credits: 4", f"credits: {LONG}"))
    report = check_sources({**min_sources, "catalogues.yaml": edited})
    assert report.ruleset is not None, "\n".join(map(str, report.findings))
    assert report.ruleset.digest != BASE.digest
    # read from YAML and validated by the schema without losing a digit
    assert report.ruleset.sections["catalogues"][0].courses[0].credits == Decimal(LONG)


@pytest.mark.parametrize(
    ("one", "other"),
    [("1.50", "1.5"), ("4.0", "4"), ("2E+1", "20"), ("0.000", "0"), (LONG + "000", LONG)],
)
def test_equal_decimals_have_one_canonical_text(one: str, other: str) -> None:
    assert canonical_json(Decimal(one)) == canonical_json(Decimal(other))


def test_unequal_decimals_never_share_a_canonical_text() -> None:
    assert canonical_json(Decimal(LONG)) == f'"{LONG}"'
    assert canonical_json(Decimal("1E-30")) != canonical_json(Decimal("1E-31"))
