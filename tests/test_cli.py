"""The command line as policy staff and registrars use it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from creditbank.cli import app
from tests.engine.small_rules import FRAME, RULES

runner = CliRunner()


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    root = tmp_path / "small"
    (root / "tests").mkdir(parents=True)
    (root / "frame.yaml").write_text(FRAME, encoding="utf-8")
    (root / "rules.yaml").write_text(RULES, encoding="utf-8")
    (root / "tests" / "cases.yaml").write_text(
        """
cases:
  - name: A senior lathe certificate exempts machining practice
    programme: mech
    date: 2026-09-01
    outcomes:
      - {id: c, kind: skill_certificate, issuer: skills, date: 2024-01-01, occupation: lathe, rung: senior}
    expect:
      transferred_credits: 3
      grants: [{course: M2, outcomes: [c], credits: 3}]
  - name: A deliberately wrong expectation is reported with its line
    programme: mech
    date: 2026-09-01
    outcomes: []
    expect: {transferred_credits: 99}
""",
        encoding="utf-8",
    )
    return root


def test_check_prints_counts_and_exits_zero_on_a_clean_pack(pack: Path) -> None:
    result = runner.invoke(app, ["rules", "check", str(pack)])
    assert result.exit_code == 0, result.output
    assert "0 error(s), 0 warning(s)" in result.output


def test_check_exits_one_and_names_file_line_of_a_typo(pack: Path) -> None:
    (pack / "typo.yaml").write_text("issuers:\n  - {id: x, name: {en: X}, typ: university}\n")
    result = runner.invoke(app, ["rules", "check", str(pack)])
    assert result.exit_code == 1
    assert "typo.yaml:2:" in result.output
    assert "unknown key 'typ'" in result.output


def test_rules_test_reports_each_failing_expectation_with_its_line(pack: Path) -> None:
    result = runner.invoke(app, ["rules", "test", str(pack)])
    assert result.exit_code == 1
    assert "1 passed, 1 failed" in result.output
    assert "cases.yaml:11:5: A deliberately wrong expectation" in result.output
    assert "expected 99, got 0" in result.output


def test_rules_test_reports_a_case_file_it_cannot_read_and_one_too_large(pack: Path) -> None:
    (pack / "tests" / "gone.yaml").symlink_to(pack / "tests" / "nowhere.yaml")
    (pack / "tests" / "huge.yaml").write_text("cases: []\n" + "#" * 2_000_000 + "\n")
    result = runner.invoke(app, ["rules", "test", str(pack)])
    assert result.exit_code == 1
    assert "gone.yaml: error: cannot read this file (No such file or directory" in result.output
    assert "huge.yaml:1:1: error: the file is larger than" in result.output
    assert "1 passed, 3 failed" in result.output


def test_an_outcome_given_on_the_command_line_is_read_strictly(pack: Path) -> None:
    base = ["equivalence", "from", "--programme", "mech", "--rules", str(pack), "--outcome"]
    twice = runner.invoke(app, [*base, '{"id": "c", "id": "d"}'])
    assert twice.exit_code == 1
    assert "--outcome: $.id: the field 'id' is given twice" in twice.output
    deep = runner.invoke(app, [*base, "[" * 5000 + "]" * 5000])
    assert deep.exit_code == 1
    assert "nested deeper than 20 levels" in deep.output


def test_check_of_a_missing_folder_names_it_once(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    result = runner.invoke(app, ["rules", "check", str(missing)])
    assert result.exit_code == 1
    assert f"{missing.as_posix()}: error: no such rule directory" in result.output
    assert "nowhere/nowhere" not in result.output


def test_schema_is_json_schema_naming_every_section(tmp_path: Path) -> None:
    out = tmp_path / "schema.json"
    assert runner.invoke(app, ["rules", "schema", "-o", str(out)]).exit_code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert {"transfers", "limits", "equivalences", "programmes"} <= set(data["properties"])


def test_equivalence_both_directions_with_rule_chain(pack: Path) -> None:
    forward = runner.invoke(
        app,
        [
            "equivalence",
            "from",
            "--rules",
            str(pack),
            "--programme",
            "mech",
            "--course",
            "poly:P2",
            "--date",
            "2026-09-01",
            "--json",
        ],
    )
    assert forward.exit_code == 0, forward.output
    rows = json.loads(forward.output)
    assert [
        (r["target"], r["credits"], [c["id"] for c in r["chain"]])
        for r in rows
        if r["target_kind"] == "course"
    ] == [
        ("M1", "4", ["tr.poly_bundle"]),
        ("M3", "2", ["eq.p2_m3"]),
        ("M3", "2", ["tr.poly_bundle"]),
    ]
    backward = runner.invoke(
        app,
        [
            "equivalence",
            "toward",
            "--rules",
            str(pack),
            "--programme",
            "mech",
            "--course",
            "M3",
            "--date",
            "2026-09-01",
        ],
    )
    assert backward.exit_code == 0
    assert "poly:P2" in backward.output
    assert "eq.p2_m3 (rules.yaml:" in backward.output


def _write_learner(path: Path, outcome: dict[str, str]) -> None:
    path.write_text(json.dumps({"learner": "L1", "outcomes": [outcome]}), encoding="utf-8")


def test_audit_table_and_json_and_a_bad_learner_file(pack: Path, tmp_path: Path) -> None:
    learner = tmp_path / "learner.json"
    certificate = {"id": "c", "kind": "skill_certificate", "issuer": "skills"}
    _write_learner(
        learner, {**certificate, "date": "2024-01-01", "occupation": "lathe", "rung": "senior"}
    )
    args = [
        "audit",
        "--learner",
        str(learner),
        "--programme",
        "mech",
        "--rules",
        str(pack),
        "--date",
        "2026-09-01",
    ]
    table = runner.invoke(app, [*args, "--lang", "zh"])
    assert table.exit_code == 0, table.output
    assert "课程M2“Machining practice”（3学分，免考）" in table.output
    as_json = runner.invoke(app, [*args, "--json"])
    assert json.loads(as_json.output)["totals"]["transferred"] == "3"
    _write_learner(learner, {**certificate, "date": "24/01/2024"})
    bad = runner.invoke(app, args)
    assert bad.exit_code == 1
    assert "$.outcomes[0].date" in bad.output


def test_audit_text_gives_every_reason_in_both_languages(pack: Path, tmp_path: Path) -> None:
    learner = tmp_path / "learner.json"
    _write_learner(
        learner,
        {"id": "t", "kind": "enterprise_training", "issuer": "nowhere", "date": "2027-01-01"},
    )
    args = ["audit", "--learner", str(learner), "--programme", "mech", "--rules", str(pack)]
    args += ["--date", "2026-09-01"]
    en = runner.invoke(app, args)
    assert en.exit_code == 0, en.output
    assert (
        "t was issued by 'nowhere', which the rules do not know. Also: t does not meet a "
        "condition of the rule (obtained by 2026-09-01)." in en.output
    )
    zh = runner.invoke(app, [*args, "--lang", "zh"])
    assert "t的颁发机构“nowhere”不在规则所列机构中。另外：t不满足规则的条件" in zh.output


def test_audit_applies_the_exceptions_of_a_learner_file(pack: Path, tmp_path: Path) -> None:
    learner = tmp_path / "learner.json"
    course = {"id": "x9", "kind": "academic_course", "issuer": "poly", "date": "2024-01-01"}
    waiver = {"id": "X2", "kind": "waiver", "programme": "mech", "target_kind": "requirement"}
    data = {
        "learner": "L1",
        "outcomes": [{**course, "code": "X9", "credits": 4}],
        "exceptions": [
            {
                "id": "X1",
                "kind": "substitution",
                "programme": "mech",
                "target_kind": "course",
                "target": "M1",
                "institution": "ou",
                "outcome": "x9",
                "reason": "same syllabus",
            },
            {**waiver, "target": "thesis", "reason": "industry project"},
        ],
    }
    learner.write_text(json.dumps(data), encoding="utf-8")
    args = ["audit", "--learner", str(learner), "--programme", "mech", "--rules", str(pack)]
    table = runner.invoke(app, [*args, "--date", "2026-09-01"])
    assert table.exit_code == 0, table.output
    assert "transferred 0 + earned in programme 0 + by exception 4 = 4 / 20" in table.output
    assert "x9 counts for course M1 (4 credits) by exception X1 (same syllabus)." in table.output
    assert "Requirement thesis is waived by exception X2 (industry project)." in table.output
    data["exceptions"][1] = {**waiver, "target": "thesis", "reason": "", "credits": 1}
    learner.write_text(json.dumps(data), encoding="utf-8")
    bad = runner.invoke(app, [*args, "--date", "2026-09-01"])
    assert bad.exit_code == 1
    assert "$.exceptions[1].reason" in bad.output and "$.exceptions[1].credits" not in bad.output
