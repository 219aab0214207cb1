"""The rules an impact names for a learner's change: those whose part in the two decisions
differs, each said to act only before, only after, or differently."""

from __future__ import annotations

import datetime as dt
import re

from creditbank.domain import Outcome
from creditbank.engine.audit import compute_audit
from creditbank.engine.decision import Decision
from creditbank.engine.differences import differing_rules
from creditbank.ruleset.loader import load_ruleset_from_sources
from tests.engine.small_rules import FRAME, RULES, small_ruleset

ON = dt.date(2026, 9, 1)
LEARNER = [
    Outcome(id="lathe", kind="skill_certificate", issuer="skills", date="2023-01-01",
            occupation="lathe", rung="senior"),
    Outcome(id="t1", kind="enterprise_training", issuer="acme", date="2023-03-01", hours=32),
    Outcome(id="t2", kind="enterprise_training", issuer="acme", date="2023-04-01", hours=32),
    Outcome(id="p1", kind="academic_course", issuer="poly", date="2023-06-01", code="P1",
            grade="B", credits=4),
    Outcome(id="p2", kind="academic_course", issuer="poly", date="2023-06-01", code="P2",
            grade="A", credits=3),
]  # fmt: skip


def audit_under(rules_text: str) -> Decision:
    ruleset = load_ruleset_from_sources({"frame.yaml": FRAME, "rules.yaml": rules_text})
    return compute_audit(ruleset, list(LEARNER), "mech", ON)


def draft() -> str:
    """The small pack without the senior-lathe transfer, with a lower enterprise cap."""
    without_lathe = re.sub(r"  - id: tr.senior_lathe\n(    .*\n)+", "", RULES)
    lower_cap = without_lathe.replace("max_credits: 3\n", "max_credits: 1\n")
    assert lower_cap.count("tr.senior_lathe") == 0 and "max_credits: 1\n" in lower_cap
    return lower_cap


def test_each_rule_is_named_for_how_its_part_changed() -> None:
    before, after = audit_under(RULES), audit_under(draft())
    found = {rule: change for rule, _, change in differing_rules(before, after)}
    assert found["tr.senior_lathe"] == "before", "it grants M2 only under the version in force"
    assert found["lim.enterprise"] == "changed", "the cap binds at another level"
    assert found["tr.training_elective"] == "changed", "it grants fewer credits"
    assert "tr.poly_bundle" not in found, "its grants are the same under both"
    reverse = {rule: change for rule, _, change in differing_rules(after, before)}
    assert reverse["tr.senior_lathe"] == "after"
    assert reverse.keys() == found.keys()


def test_rules_come_in_id_order_with_where_they_are_written() -> None:
    found = differing_rules(audit_under(RULES), audit_under(draft()))
    assert [rule for rule, _, _ in found] == sorted(rule for rule, _, _ in found)
    assert all(re.fullmatch(r"(rules|frame)\.yaml:\d+:\d+", at) for _, at, _ in found), found


def test_a_decision_against_itself_or_a_missing_one() -> None:
    decision = compute_audit(small_ruleset(), list(LEARNER), "mech", ON)
    assert differing_rules(decision, decision) == []
    assert differing_rules(None, None) == []
    only_after = differing_rules(None, decision)
    assert only_after and {change for _, _, change in only_after} == {"after"}
