"""The sample rule sets under rules/ load cleanly and every policy case in them passes."""

from __future__ import annotations

from pathlib import Path

import pytest

from creditbank.ruleset.loader import check_rules
from creditbank.service.rule_tests import case_files, read_cases, run_case

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
