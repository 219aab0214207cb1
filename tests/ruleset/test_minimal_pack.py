"""The minimal rule set loads cleanly and every item knows the file and line it came from."""

from __future__ import annotations

from pathlib import Path

from creditbank.ruleset.loader import check_rules
from creditbank.ruleset.ruleset import RuleSet


def test_minimal_pack_has_no_finding(rules_min: Path) -> None:
    report = check_rules(rules_min)
    assert report.findings == ()
    assert report.ruleset is not None
    assert len(report.ruleset.digest) == 64


def test_minimal_pack_holds_every_kind_of_rule_the_tests_rely_on(min_ruleset: RuleSet) -> None:
    s = min_ruleset.sections
    assert min_ruleset.pack.id == "min"
    assert [f.id for f in s["frameworks"]] == ["nf"]
    (ladder,) = s["ladders"]
    assert [r.id for r in ladder.rungs] == ["junior", "intermediate", "senior"]
    assert [o.code for o in ladder.occupations] == ["lathe"]
    assert [i.id for i in s["issuers"]] == ["ou", "poly"]
    assert [g.grades for g in s["grade_scales"]] == [("F", "D", "C", "B", "A")]
    assert [c.institution for c in s["catalogues"]] == ["ou", "poly"]
    (programme,) = s["programmes"]
    assert [c.id for c in programme.categories] == ["core", "elective", "project"]
    assert [c.code for c in programme.courses if not c.exemptable] == ["T1"]
    assert [r.id for r in programme.requirements] == ["core_all", "thesis"]
    assert [r.id for r in s["recognitions"]] == ["rec.lathe"]
    assert [t.id for t in s["transfers"]] == ["tr.poly-drawing", "tr.senior-lathe"]
    assert [e.id for e in s["equivalences"]] == ["eq.mechanics"]
    assert [lim.id for lim in s["limits"]] == ["lim.transfer"]


def test_values_are_read_exactly(min_ruleset: RuleSet) -> None:
    ou = min_ruleset.sections["catalogues"][0]
    credits = {c.code: c.credits for c in ou.courses}
    assert str(credits["M3"]) == "2.5"
    assert sum(credits.values()) == 15.5
    (programme,) = min_ruleset.sections["programmes"]
    assert programme.total_credits == sum(credits.values())
    assert min_ruleset.sections["ladders"][0].rank("三级") == 2


def test_each_item_knows_where_it_was_written(min_ruleset: RuleSet) -> None:
    s = min_ruleset.sections
    where = {
        "pack": min_ruleset.where(min_ruleset.pack),
        "ou": min_ruleset.where(s["catalogues"][0]),
        "poly-issuer": min_ruleset.where(s["issuers"][1]),
        "tr.poly-drawing": min_ruleset.where(s["transfers"][0]),
        "tr.senior-lathe": min_ruleset.where(s["transfers"][1]),
    }
    assert {k: str(v) for k, v in where.items()} == {
        "pack": "pack.yaml:2:1",
        "ou": "catalogues.yaml:2:5",
        "poly-issuer": "frame.yaml:14:5",
        "tr.poly-drawing": "rules.yaml:14:5",
        "tr.senior-lathe": "rules.yaml:8:5",
    }
