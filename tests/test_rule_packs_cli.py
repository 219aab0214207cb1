"""``rules check`` and ``rules test`` on a folder of several packs: each pack on its own, its
findings and cases under its own heading, and a failure in one never hides the others."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from creditbank.cli import app
from creditbank.ruleset.packs import find_packs, is_pack
from tests.engine.small_rules import FRAME, RULES

runner = CliRunner()
REPO_RULES = Path(__file__).resolve().parent.parent / "rules"

PASSING = """
cases:
  - name: A senior lathe certificate exempts machining practice
    programme: mech
    date: 2026-09-01
    outcomes:
      - {id: c, kind: skill_certificate, issuer: skills, date: 2024-01-01, occupation: lathe, rung: senior}
    expect: {transferred_credits: 3, remaining_credits: 17}
"""
FAILING = """
cases:
  - name: Nothing transfers from nothing
    programme: mech
    date: 2026-09-01
    expect: {transferred_credits: 0}
  - name: A wrong remainder
    programme: mech
    date: 2026-09-01
    expect: {remaining_credits: 19}
"""


def _pack(folder: Path, pack_id: str, cases: str | None, *, pack_file: str = "frame.yaml") -> Path:
    """The small pack in ``folder`` under another id, its 'pack' section in ``pack_file``."""
    (folder / "tests").mkdir(parents=True)
    (folder / pack_file).write_text(FRAME.replace("id: small", f"id: {pack_id}"), "utf-8")
    (folder / "rules.yaml").write_text(RULES, encoding="utf-8")
    if cases is not None:
        (folder / "tests" / "cases.yaml").write_text(cases, encoding="utf-8")
    return folder


@pytest.fixture
def packs(tmp_path: Path) -> Path:
    """``a`` passes; ``group/b`` (its section in pack.yaml) fails a case; ``group/deep/c``
    has a typo in its rules."""
    root = tmp_path / "packs"
    _pack(root / "a", "alpha", PASSING)
    _pack(root / "group" / "b", "beta", FAILING, pack_file="pack.yaml")
    broken = _pack(root / "group" / "deep" / "c", "gamma", PASSING)
    (broken / "typo.yaml").write_text("issuers:\n  - {id: x, name: {en: X}, typ: university}\n")
    return root


def test_find_packs_looks_below_folders_that_are_not_packs(packs: Path) -> None:
    found = find_packs(packs)
    assert [p.relative_to(packs).as_posix() for p in found.packs] == [
        "a",
        "group/b",
        "group/deep/c",
    ]
    assert found.findings == ()
    assert not is_pack(packs / "group")
    assert find_packs(packs / "a").packs == (packs / "a",)


def test_check_reports_each_pack_under_its_heading_and_fails_for_the_broken_one(
    packs: Path,
) -> None:
    result = runner.invoke(app, ["rules", "check", str(packs)])
    assert result.exit_code == 1
    out = result.output
    assert f"== pack alpha ({packs}/a)\n{packs}/a: 0 error(s), 0 warning(s);" in out
    assert f"== pack beta ({packs}/group/b)\n{packs}/group/b: 0 error(s)" in out
    assert f"== pack ({packs}/group/deep/c)\n{packs}/group/deep/c/typo.yaml:2:" in out
    assert "unknown key 'typ'" in out
    assert out.endswith(f"3 packs, 1 failed: {packs}/group/deep/c\n")


def test_check_of_sound_packs_exits_zero(packs: Path) -> None:
    result = runner.invoke(app, ["rules", "check", str(packs / "group" / "b")])
    assert result.exit_code == 0, result.output
    assert "packs," not in result.output
    (packs / "group" / "deep" / "c" / "typo.yaml").unlink()
    result = runner.invoke(app, ["rules", "check", str(packs)])
    assert result.exit_code == 0, result.output
    assert result.output.endswith("3 packs, 0 failed\n")


def test_test_runs_every_pack_against_its_own_rules(packs: Path) -> None:
    result = runner.invoke(app, ["rules", "test", str(packs)])
    assert result.exit_code == 1
    out = result.output
    assert f"== pack alpha ({packs}/a)\n{packs}/a: 1 passed, 0 failed\n" in out
    assert (
        f"== pack beta ({packs}/group/b)\n"
        f"FAIL {packs}/group/b/tests/cases.yaml:7:5: A wrong remainder\n"
        "    remaining_credits: expected 19, got 20\n"
        f"{packs}/group/b: 1 passed, 1 failed\n"
    ) in out
    assert f"{packs}/group/deep/c: 1 error(s) in the rules; no case was run" in out
    assert out.endswith(
        f"2 passed, 2 failed\n3 packs, 2 failed: {packs}/group/b, {packs}/group/deep/c\n"
    )


def test_a_pack_without_cases_fails_rules_test_alone(packs: Path) -> None:
    _pack(packs / "empty", "epsilon", None)
    result = runner.invoke(app, ["rules", "test", str(packs)])
    assert f"{packs}/empty: 0 passed, 0 failed; no cases in its tests/ folder" in result.output
    assert f"4 packs, 3 failed: {packs}/empty, {packs}/group/b" in result.output


def test_files_in_no_pack_are_errors_named_with_their_path(packs: Path) -> None:
    (packs / "loose.yaml").write_text("issuers: []\n", encoding="utf-8")
    (packs / "group" / "tests").mkdir()
    (packs / "group" / "tests" / "stray.yaml").write_text("cases: []\n", encoding="utf-8")
    (packs / "group" / "deep" / "c" / "typo.yaml").unlink()
    for command in ("check", "test"):
        result = runner.invoke(app, ["rules", command, str(packs / "group")])
        assert result.exit_code == 1
        assert f"{packs}/group/tests/stray.yaml: error: this file is in no pack" in result.output
        assert "(rules.no_pack)" in result.output
    result = runner.invoke(app, ["rules", "check", str(packs)])
    assert f"{packs}/loose.yaml: error: this file is in no pack" in result.output
    assert result.output.endswith(f"3 packs, 1 failed: {packs}\n")


def test_a_folder_with_no_pack_below_it_is_checked_as_one(tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "other.yaml").write_text("issuers: []\n", encoding="utf-8")
    assert find_packs(tmp_path).packs == (tmp_path,)
    result = runner.invoke(app, ["rules", "check", str(tmp_path)])
    assert result.exit_code == 1
    assert "(rules.missing_pack)" in result.output
    assert "(rules.no_pack)" not in result.output


def test_the_repository_rules_folder_checks_and_tests_each_sample_pack() -> None:
    check = runner.invoke(app, ["rules", "check", str(REPO_RULES)])
    assert check.exit_code == 0, check.output
    assert f"== pack cn-open-university ({REPO_RULES}/cn-open-university)" in check.output
    assert f"== pack kr-acbs ({REPO_RULES}/kr-acbs)" in check.output
    assert check.output.endswith("2 packs, 0 failed\n")
    test = runner.invoke(app, ["rules", "test", str(REPO_RULES)])
    assert test.exit_code == 0, test.output
    assert test.output.endswith("2 packs, 0 failed\n")
