"""`creditbank audit --suggest N` on the sample learner and the sample rules."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from creditbank.cli import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parent.parent
ARGS = [
    "audit",
    "--learner",
    str(ROOT / "scripts" / "examples" / "learner-zhang.json"),
    "--programme",
    "ouc-mechatronics-associate",
    "--rules",
    str(ROOT / "rules" / "cn-open-university"),
    "--date",
    "2026-09-01",
]


def test_json_with_suggest_wraps_the_unchanged_decision_and_adds_the_suggestions() -> None:
    plain = runner.invoke(app, [*ARGS, "--json"])
    assert plain.exit_code == 0, plain.output
    decision = json.loads(plain.output)
    assert "totals" in decision and "suggestions" not in decision
    both = runner.invoke(app, [*ARGS, "--json", "--suggest", "3"])
    assert both.exit_code == 0, both.output
    data = json.loads(both.output)
    assert data["decision"] == decision
    found = data["suggestions"]
    assert len(found["suggestions"]) == 3
    credits = [float(s["credits"]) for s in found["suggestions"]]
    assert credits == sorted(credits, reverse=True) and credits[-1] > 0
    top = found["suggestions"][0]
    assert [r["id"] for r in top["rules"]] == ["mecha.lathe-technician.cnc-module"]
    assert top["outcomes"][0]["outcome"]["rung"] == "technician"
    assert {"course": "54603", "reason": "not_exemptable"}.items() <= next(
        t for t in found["to_take"] if t["course"] == "54603"
    ).items()
    again = runner.invoke(app, [*ARGS, "--json", "--suggest", "3"])
    assert again.output == both.output


def test_the_table_lists_the_suggestions_in_the_chosen_language() -> None:
    en = runner.invoke(app, [*ARGS, "--suggest", "2"])
    assert en.exit_code == 0, en.output
    assert "What would it take (most credits first)" in en.output
    assert (
        "  1. +6     A skill certificate as Lathe operator at rung Technician (技师)" in en.output
    )
    assert "  3. +" not in en.output
    assert "Still to take" in en.output
    zh = runner.invoke(app, [*ARGS, "--suggest", "2", "--lang", "zh"])
    assert "建议（按增加的学分排序）" in zh.output
    assert "  1. +6     取得湖南省职业技能鉴定中心颁发的车工技师证书，可依据" in zh.output
    assert "课程54603“毕业综合实践（机电）”（6学分）须修读：本专业不可免修。" in zh.output


def test_suggest_takes_a_positive_count() -> None:
    result = runner.invoke(app, [*ARGS, "--suggest", "0"])
    assert result.exit_code == 2
    assert "--suggest" in result.output
