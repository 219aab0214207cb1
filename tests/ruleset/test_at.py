"""RuleSet.at(date): the version of each rule in force on a day, both ends inclusive."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creditbank.ruleset.loader import check_sources
from creditbank.ruleset.ruleset import RuleSet

VERSIONS = """\
programmes:
  - id: mech
    name: {en: Mechanics associate (2024 plan)}
    institution: ou
    level: 5
    total_credits: 20
    effective: {from: 2024-09-01}
    categories: [{id: core, name: {en: Core}}, {id: elective, name: {en: Electives}}]
    courses: [{code: M1, category: core}, {code: M2, category: core}, {code: M3, category: elective}]
transfers:
  - id: tr.award
    programme: mech
    effective: {from: 2022-01-01, to: 2023-12-31}
    from: {outcome: {kind: competition_award}}
    to: {category: elective, credits: 2}
  - id: tr.award
    programme: mech
    effective: {from: 2024-01-01}
    from: {outcome: {kind: competition_award}}
    to: {category: elective, credits: 3}
  - id: tr.work
    programme: mech
    effective: {from: 2022-01-01, to: 2022-06-30}
    from: {outcome: {kind: work_experience}}
    to: {category: elective, credits: 1}
  - id: tr.work
    programme: mech
    effective: {from: 2023-01-01, to: 2023-06-30}
    from: {outcome: {kind: work_experience}}
    to: {category: elective, credits: 1.5}
"""
# the minimal pack's programme 'mech' runs from 2020-01-01; end it where the 2024 plan starts
FIRST_PLAN_END = "    effective: {from: 2020-01-01, to: 2024-08-31}\n"


@pytest.fixture(scope="module")
def versioned(min_sources: dict[str, str]) -> RuleSet:
    programme = min_sources["programme.yaml"].replace(
        "    effective: {from: 2020-01-01}\n", FIRST_PLAN_END
    )
    assert programme != min_sources["programme.yaml"]
    report = check_sources({**min_sources, "programme.yaml": programme, "versions.yaml": VERSIONS})
    assert report.findings == ()
    assert report.ruleset is not None
    return report.ruleset


def _credits(ruleset: RuleSet, day: str, ident: str) -> list[str]:
    in_force = ruleset.at(dt.date.fromisoformat(day)).sections["transfers"]
    return [str(t.to.credits) for t in in_force if t.id == ident]


@pytest.mark.parametrize(
    ("day", "credits"),
    [
        ("2021-12-31", []),  # before the first version: nothing
        ("2022-01-01", ["2"]),  # first day of version 1
        ("2023-06-15", ["2"]),
        ("2023-12-31", ["2"]),  # last day of version 1
        ("2024-01-01", ["3"]),  # first day of version 2
        ("2099-12-31", ["3"]),  # no 'to': until further notice
    ],
)
def test_version_in_force(versioned: RuleSet, day: str, credits: list[str]) -> None:
    assert _credits(versioned, day, "tr.award") == credits


@pytest.mark.parametrize(
    ("day", "credits"),
    [
        ("2022-06-30", ["1"]),
        ("2022-07-01", []),  # the gap between two versions
        ("2022-12-31", []),
        ("2023-01-01", ["1.5"]),
        ("2023-06-30", ["1.5"]),
        ("2023-07-01", []),  # after the last version ended
    ],
)
def test_gaps_between_versions(versioned: RuleSet, day: str, credits: list[str]) -> None:
    assert _credits(versioned, day, "tr.work") == credits


def test_programme_version_and_what_names_it(versioned: RuleSet) -> None:
    before = versioned.at(dt.date(2024, 8, 31))
    after = versioned.at(dt.date(2024, 9, 1))
    assert before.programmes["mech"].total_credits == 15.5
    assert after.programmes["mech"].total_credits == 20
    assert [t.id for t in after.in_force("transfers", "mech")] == [
        "tr.award",
        "tr.poly-drawing",
        "tr.senior-lathe",
    ]
    assert after.in_force("transfers", "other") == ()
    every = [t.id for t in after.in_force("transfers")]
    assert every == sorted(every) and {"tr.award", "tr.senior-lathe"} <= set(every)
    assert versioned.at(dt.date(2019, 12, 31)).programmes == {}


def test_undated_sections_are_always_in_force(versioned: RuleSet) -> None:
    early = versioned.at(dt.date(1990, 1, 1))
    assert early.sections["transfers"] == ()
    assert early.sections["limits"] == ()
    assert set(early.issuers) == {"ou", "poly"}
    assert set(early.ladders) == {"worker"}
    assert early.courses[("ou", "M3")].credits == 2.5
    assert early.courses[("poly", "P2")].credits == 3


@settings(max_examples=50, deadline=None)
@given(day=st.dates(min_value=dt.date(2018, 1, 1), max_value=dt.date(2032, 12, 31)))
def test_at_most_one_version_of_each_rule_and_it_covers_the_day(
    versioned: RuleSet, day: dt.date
) -> None:
    in_force = versioned.at(day)
    for section in ("programmes", "transfers", "limits", "equivalences", "recognitions"):
        ids = [item.id for item in in_force.sections[section]]
        assert len(ids) == len(set(ids)), (section, ids)
        expected = [
            item
            for item in versioned.sections[section]
            if item.effective.from_ <= day
            and (item.effective.to is None or day <= item.effective.to)
        ]
        assert list(in_force.sections[section]) == expected
