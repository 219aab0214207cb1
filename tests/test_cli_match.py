"""``creditbank match``: the table in both languages, the JSON, and a bad learner file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from creditbank.cli import app
from tests.engine.small_rules import FRAME, RULES
from tests.engine.test_match import EXTRA

runner = CliRunner()

LATHE = {
    "id": "c",
    "kind": "skill_certificate",
    "issuer": "skills",
    "date": "2024-01-01",
    "occupation": "lathe",
    "rung": "senior",
}


@pytest.fixture
def args(tmp_path: Path) -> list[str]:
    """``match`` over the small pack and its extra programmes, for a learner with a lathe
    certificate."""
    root = tmp_path / "small"
    root.mkdir()
    for name, text in (("frame.yaml", FRAME), ("rules.yaml", RULES), ("extra.yaml", EXTRA)):
        (root / name).write_text(text, encoding="utf-8")
    learner = tmp_path / "learner.json"
    learner.write_text(json.dumps({"learner": "L1", "outcomes": [LATHE]}), encoding="utf-8")
    return ["match", "--learner", str(learner), "--rules", str(root), "--date", "2026-09-01"]


def test_table_ranks_programmes_with_their_largest_grants(args: list[str]) -> None:
    en = runner.invoke(app, args)
    assert en.exit_code == 0, en.output
    lines = en.output.splitlines()
    assert lines[0] == "Programmes in force on 2026-09-01, closest first (rules small)"
    assert lines[1] == (
        "  1. Programme shop (shop): remaining 3; counted 3 / 6; groups met 1, unmet 0"
    )
    assert lines[2].startswith("       Course M2 Machining practice (3 credits, exempt) is granted")
    ranked = [re.match(r"\s+(\d+)\. .* \((\w+)\): remaining", line) for line in lines]
    assert [m.groups() for m in ranked if m] == [
        ("1", "shop"),
        ("2", "b_twin"),
        ("3", "drafting"),
        ("4", "a_tie"),
        ("5", "mech"),
    ]
    zh = runner.invoke(app, [*args, "--lang", "zh"])
    assert "2026-09-01 有效的专业，按尚差学分从少到多（规则 small）" in zh.output
    assert "尚差 3；已计 3 / 6；已满足 1 项，未满足 0 项" in zh.output
    assert "课程M2“Machining practice”（3学分，免考）" in zh.output


def test_json_is_the_canonical_ranking(args: list[str]) -> None:
    out = runner.invoke(app, [*args, "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert [p["programme"] for p in data["programmes"]] == [
        "shop",
        "b_twin",
        "drafting",
        "a_tie",
        "mech",
    ]
    assert data["programmes"][0]["top_grants"][0]["credits"] == "3"
    assert out.output.strip() == json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def test_a_bad_learner_file_is_named_with_its_place(args: list[str], tmp_path: Path) -> None:
    learner = Path(args[2])
    learner.write_text(
        json.dumps({"learner": "L1", "outcomes": [{**LATHE, "date": "24/01/2024"}]}),
        encoding="utf-8",
    )
    bad = runner.invoke(app, args)
    assert bad.exit_code == 1
    assert str(learner) in bad.output
    assert "$.outcomes[0].date" in bad.output
    learner.write_text('{"learner": "L1",\n "outcomes": [}', encoding="utf-8")
    broken = runner.invoke(app, args)
    assert broken.exit_code == 1
    assert "line 2" in broken.output
