"""The sample rule sets under rules/ load cleanly and every policy case in them passes."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from creditbank.engine.audit import compute_audit
from creditbank.errors import NotFound
from creditbank.ruleset.loader import check_rules
from creditbank.ruleset.ruleset import RuleSet
from creditbank.ruleset.schema import DATED_SECTIONS
from creditbank.service.rule_tests import Case, case_files, read_cases, run_case

RULES = Path(__file__).resolve().parent.parent / "rules"
PACKS = sorted(p for p in RULES.iterdir() if p.is_dir())


def _cases() -> list[object]:
    params = []
    for pack in PACKS:
        for file in case_files(pack):
            for location, case in read_cases(file, file.relative_to(RULES).as_posix()).cases:
                params.append(pytest.param(pack, location, case, id=f"{location}"))
    return params


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.name)
def test_each_sample_pack_loads_without_errors(pack: Path) -> None:
    report = check_rules(pack)
    assert report.errors == (), "\n".join(map(str, report.errors))
    assert report.ruleset is not None


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.name)
def test_each_pack_test_file_parses(pack: Path) -> None:
    files = case_files(pack)
    assert files, f"{pack.name} has no tests/ cases"
    problems = [p for f in files for p in read_cases(f).problems]
    assert problems == []


@pytest.mark.parametrize(("pack", "location", "case"), _cases())
def test_policy_case(pack: Path, location: object, case: object) -> None:
    ruleset = _ruleset(pack)
    result = run_case(ruleset, location, case)  # type: ignore[arg-type]
    assert result.passed, f"{location}: {result.name}\n  " + "\n  ".join(result.failures)


_LOADED: dict[Path, object] = {}


def _ruleset(pack: Path):  # type: ignore[no-untyped-def]
    if pack not in _LOADED:
        _LOADED[pack] = check_rules(pack).ruleset
    return _LOADED[pack]


def _changes_of(ruleset: RuleSet) -> list[dt.date]:
    """The days on which a rule starts, or the day after one ends, read off the rules."""
    days = set()
    for section in DATED_SECTIONS:
        for item in ruleset.sections[section]:
            days.add(item.effective.from_)
            if item.effective.to is not None:
                days.add(item.effective.to + dt.timedelta(days=1))
    return sorted(days)


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.name)
def test_a_pack_decides_on_any_day_as_a_fresh_copy_of_it(pack: Path) -> None:
    """Audits of the pack's own worked cases on the day before, of and after every change of
    its rules, in a shuffled order on one rule set (whose views of days lend each other their
    indexes) give the bytes of the same audits on a copy with nothing built."""
    ruleset = _ruleset(pack)
    assert isinstance(ruleset, RuleSet)
    cases = [c for f in case_files(pack) for _, c in read_cases(f).cases if isinstance(c, Case)]
    learners = random.Random(7).sample(cases, min(6, len(cases)))
    days = [c + dt.timedelta(days=d) for c in _changes_of(ruleset) for d in (-1, 0, 1)]
    audits = [(case, day) for case in learners for day in days]
    random.Random(11).shuffle(audits)
    for case, day in audits:
        fresh = ruleset.with_findings(ruleset.findings)
        assert _decided(ruleset, case, day) == _decided(fresh, case, day), (case.name, day)


def _decided(ruleset: RuleSet, case: Case, day: dt.date) -> str:
    try:
        return compute_audit(ruleset, list(case.outcomes), case.programme, day).canonical()
    except NotFound as missing:
        return f"not found: {missing}"
