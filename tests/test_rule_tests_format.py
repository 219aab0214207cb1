"""The YAML rule-test format: each key passes when true and fails, at its case's line, when not;
a broken test file is refused with its file:line; rules/README.md documents every key."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from creditbank.ruleset.loader import load_ruleset_from_sources
from creditbank.ruleset.ruleset import RuleSet
from creditbank.service import rule_tests
from creditbank.service.rule_tests import CaseResult, read_cases, run_case
from tests.engine.small_rules import FRAME, RULES

README = Path(__file__).resolve().parent.parent / "rules" / "README.md"

SOURCE_MINIMUM = """    source_minimums:
      - {id: academic, name: {en: Academic courses}, kinds: [academic_course], min_credits: 2}
    residency: {min_credits: 8}
"""
FRAME_WITH_MINIMUM = FRAME.replace("    residency: {min_credits: 8}\n", SOURCE_MINIMUM)

LATHE = (
    "{id: c, kind: skill_certificate, issuer: skills, date: 2024-01-01, "
    "occupation: lathe, rung: senior}"
)
TRAININGS = "\n".join(
    f"      - {{id: t{i}, kind: enterprise_training, issuer: acme, date: 2024-0{i}-01, "
    "hours: 32, assessed: true}"
    for i in (1, 2, 3)
)
"""Three 2-credit trainings at one enterprise, whose cap is 3 credits: one fits."""


@pytest.fixture(scope="module")
def ruleset() -> RuleSet:
    return load_ruleset_from_sources({"frame.yaml": FRAME_WITH_MINIMUM, "rules.yaml": RULES})


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cases.yaml"
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def _problems(tmp_path: Path, text: str) -> list[str]:
    return read_cases(_file(tmp_path, text), "cases.yaml").problems


def _audit(ruleset: RuleSet, tmp_path: Path, expect: str, outcomes: str = "") -> CaseResult:
    """Run one audit case on the small pack; ``expect`` is the YAML under ``expect:``."""
    listed = f"\n    outcomes:\n{outcomes}" if outcomes else ""
    text = (
        "cases:\n  - name: the case\n    programme: mech\n    date: 2026-09-01"
        f"{listed}\n    expect:\n" + textwrap.indent(textwrap.dedent(expect).strip(), "      ")
    )
    return _only(ruleset, tmp_path, text)


def _query(ruleset: RuleSet, tmp_path: Path, question: str, expect: str) -> CaseResult:
    """Run one equivalence case on the small pack."""
    text = (
        "cases:\n  - name: the query\n    programme: mech\n    date: 2026-09-01\n"
        f"    equivalence: {question}\n    expect:\n"
        + textwrap.indent(textwrap.dedent(expect).strip(), "      ")
    )
    return _only(ruleset, tmp_path, text)


def _only(ruleset: RuleSet, tmp_path: Path, text: str) -> CaseResult:
    cases = read_cases(_file(tmp_path, text), "cases.yaml")
    assert cases.problems == []
    [(location, case)] = cases.cases
    assert str(location) == "cases.yaml:2:5"
    return run_case(ruleset, location, case)


def _lathe() -> str:
    return f"      - {LATHE}"


# --- totals --------------------------------------------------------------------------------


def test_remaining_credits_passes_when_equal_and_fails_with_both_figures(
    ruleset: RuleSet, tmp_path: Path
) -> None:
    # A senior lathe certificate exempts M2 (3 credits): 20 - 3 = 17 remain.
    good = _audit(ruleset, tmp_path, "remaining_credits: 17\ncounted_credits: 3", _lathe())
    assert good.passed, good.failures
    bad = _audit(ruleset, tmp_path, "remaining_credits: 16\ncounted_credits: 4", _lathe())
    assert bad.failures == (
        "counted_credits: expected 4, got 3",
        "remaining_credits: expected 16, got 17",
    )


def test_no_grants_fails_naming_the_grants_made(ruleset: RuleSet, tmp_path: Path) -> None:
    assert _audit(ruleset, tmp_path, "no_grants: true").passed
    bad = _audit(ruleset, tmp_path, "no_grants: true", _lathe())
    assert bad.failures == ("no_grants: expected none, got course M2 <- ['c'] (3)",)


# --- groups --------------------------------------------------------------------------------


def test_requirements_categories_and_source_minimums_met_or_not(
    ruleset: RuleSet, tmp_path: Path
) -> None:
    course = (
        "      - {id: p, kind: academic_course, issuer: poly, date: 2024-01-01, code: P2, "
        "credits: 4, grade: B}"
    )
    expect = """
        requirements: {core_all: not_met, thesis: not_met}
        categories: {general: not_met, elective: met}
        source_minimums: {academic: met}
    """
    assert _audit(ruleset, tmp_path, expect, course).passed
    wrong = """
        requirements: {core_all: met}
        categories: {core: met}
        source_minimums: {academic: not_met}
    """
    assert _audit(ruleset, tmp_path, wrong, course).failures == (
        "requirements: 'core_all' expected met, got 2 credits, missing M1, M2",
        "categories: 'core' expected met, got 2 credits of 9",
        "source_minimums: 'academic' expected not_met, got 2 credits of 2",
    )


def test_a_group_the_decision_does_not_hold_is_named_with_those_it_holds(
    ruleset: RuleSet, tmp_path: Path
) -> None:
    result = _audit(ruleset, tmp_path, "source_minimums: {academics: met}")
    assert result.failures == (
        "source_minimums: 'academics' is not in the decision (it has: academic)",
    )


def test_met_is_spelt_met_or_not_met(tmp_path: Path) -> None:
    text = """
    cases:
      - name: x
        programme: mech
        date: 2026-09-01
        expect:
          source_minimums: {academic: yes}
    """
    [problem] = _problems(tmp_path, text)
    assert problem.startswith("cases.yaml:6:25: expect.source_minimums.academic: Input should be")


# --- reasons -------------------------------------------------------------------------------


def test_unused_any_counts_exactly_how_many_of_the_outcomes_a_cap_left_out(
    ruleset: RuleSet, tmp_path: Path
) -> None:
    expect = "unused_any: [{outcomes: [t1, t2, t3], count: 2, reason: cap_reached}]"
    assert _audit(ruleset, tmp_path, expect, TRAININGS).passed
    too_many = "unused_any: [{outcomes: [t1, t2, t3], count: 3, reason: cap_reached}]"
    [failure] = _audit(ruleset, tmp_path, too_many, TRAININGS).failures
    assert failure.startswith(
        "unused_any: expected 3 of ['t1', 't2', 't3'] unused for cap_reached, got 2"
    )
    assert failure.endswith(": 'used'}")
    other_reason = "unused_any: [{outcomes: [t1, t2], count: 1, reason: expired}]"
    [failure] = _audit(ruleset, tmp_path, other_reason, TRAININGS).failures
    assert "unused for expired, got 0 []" in failure


def test_a_reason_that_is_no_reason_code_is_refused_at_its_line(tmp_path: Path) -> None:
    text = """
    cases:
      - name: x
        programme: mech
        date: 2026-09-01
        expect:
          unused_any:
            - {outcomes: [a, b], count: 1, reason: cap_reachd}
          unused:
            - {outcome: a, reason: too_old}
    """
    problems = _problems(tmp_path, text)
    assert len(problems) == 2
    assert problems[0].startswith("cases.yaml:9:24: expect.unused.0.reason: Input should be")
    assert problems[1].startswith("cases.yaml:7:40: expect.unused_any.0.reason: Input should be")
    assert "'cap_reached'" in problems[1]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("{outcomes: [a, b], count: 3, reason: expired}", "count 3 is more than the 2 outcome"),
        ("{outcomes: [a, a], count: 1, reason: expired}", "an outcome is listed twice"),
        (
            "{outcomes: [], count: 0, reason: expired}",
            "outcomes: Tuple should have at least 1 item",
        ),
        ("{outcomes: [a], count: -1, reason: expired}", "count: Input should be greater"),
        ("{outcomes: [a], reason: expired}", "expect.unused_any.0.count: Field required"),
    ],
)
def test_an_unused_any_entry_that_cannot_be_met_is_refused_at_its_line(
    tmp_path: Path, entry: str, message: str
) -> None:
    text = f"""
    cases:
      - name: x
        programme: mech
        date: 2026-09-01
        expect:
          unused_any:
            - {entry}
    """
    [problem] = _problems(tmp_path, text)
    assert problem.startswith("cases.yaml:7:")
    assert message in problem


# --- equivalence queries -------------------------------------------------------------------


def test_routes_from_a_course_pass_and_a_wrong_chain_fails_listing_the_answer(
    ruleset: RuleSet, tmp_path: Path
) -> None:
    expect = """
        routes:
          - {target: M3, kind: course, credits: 2, chain: [eq.p2_m3]}
          - {target: M1, chain: [tr.poly_bundle]}
    """
    assert _query(ruleset, tmp_path, '{from: "poly:P2"}', expect).passed
    wrong = "routes: [{target: M3, chain: [eq.p3_m3]}]"
    [failure] = _query(ruleset, tmp_path, '{from: "poly:P2"}', wrong).failures
    assert failure.startswith("routes: expected route target M3, chain ['eq.p3_m3']; got ")
    assert "poly:P2 => course M3 (2 credits) via eq.p2_m3" in failure


def test_no_other_routes_names_each_route_not_listed(ruleset: RuleSet, tmp_path: Path) -> None:
    expect = "routes: [{target: M3, chain: [eq.p2_m3]}]\nno_other_routes: true"
    result = _query(ruleset, tmp_path, '{from: "poly:P2"}', expect)
    assert result.failures == (
        "routes: unexpected poly:P2 => course M1 (4 credits) via tr.poly_bundle "
        "(no_other_routes is set)",
        "routes: unexpected poly:P2 => course M3 (2 credits) via tr.poly_bundle "
        "(no_other_routes is set)",
    )
    nothing = _query(ruleset, tmp_path, '{from: "poly:P1"}', "no_other_routes: true")
    assert nothing.failures == (
        "routes: unexpected poly:P1 => course M1 (4 credits) via tr.poly_bundle "
        "(no_other_routes is set)",
        "routes: unexpected poly:P1 => course M3 (2 credits) via tr.poly_bundle "
        "(no_other_routes is set)",
    )


def test_routes_toward_a_course_name_their_sources(ruleset: RuleSet, tmp_path: Path) -> None:
    expect = """
        routes:
          - {source: "poly:P2", credits: 2, chain: [eq.p2_m3]}
          - {source: "outcome[code=P1; issuer=poly; kind=academic_course]", chain: [tr.poly_bundle]}
          - {source: "outcome[code=P2; issuer=poly; kind=academic_course]", chain: [tr.poly_bundle]}
        no_other_routes: true
    """
    assert _query(ruleset, tmp_path, "{toward: M3}", expect).passed
    wrong = "routes: [{source: 'poly:P1', chain: [eq.p2_m3]}]"
    [failure] = _query(ruleset, tmp_path, "{toward: M3}", wrong).failures
    assert failure.startswith("routes: expected route source poly:P1, chain ['eq.p2_m3']")


def test_routes_of_an_outcome_reach_categories(ruleset: RuleSet, tmp_path: Path) -> None:
    outcome = (
        "{outcome: {id: t, kind: enterprise_training, issuer: acme, date: 2024-01-01, "
        "hours: 32, assessed: true}}"
    )
    expect = "routes: [{target: elective, kind: category, chain: [tr.training_elective]}]"
    assert _query(ruleset, tmp_path, outcome, expect + "\nno_other_routes: true").passed
    [failure] = _query(ruleset, tmp_path, outcome, "routes: [{kind: course}]").failures
    assert failure == (
        "routes: expected route kind course; got t => category elective (no credits) "
        "via tr.training_elective"
    )


def test_a_query_the_rules_cannot_answer_fails_at_its_case(
    ruleset: RuleSet, tmp_path: Path
) -> None:
    [failure] = _query(ruleset, tmp_path, '{from: "poly:P9"}', "no_other_routes: true").failures
    assert failure.startswith("the query failed: ") and "poly:P9" in failure


@pytest.mark.parametrize(
    ("question", "expect", "where", "message"),
    [
        (
            '{from: "poly:P2", toward: M3}',
            "no_other_routes: true",
            "5:5: equivalence",
            "got from, toward",
        ),
        ("{}", "no_other_routes: true", "5:5: equivalence", "got none"),
        ("{form: x}", "no_other_routes: true", "5:19: equivalence.form", "Extra inputs"),
        ("{toward: M3}", "routes: []", "6:5: expect", "list the expected 'routes'"),
        ("{toward: M3}", "routes: [{}]", "7:16: expect.routes.0", "a route gives at least one"),
        ("{toward: M3}", "routes: [{kind: module}]", "7:17: expect.routes.0.kind", "'course'"),
        ("{toward: M3}", "grants: []", "7:7: expect.grants", "Extra inputs"),
    ],
)
def test_a_malformed_equivalence_case_is_refused_at_its_line(
    tmp_path: Path, question: str, expect: str, where: str, message: str
) -> None:
    text = f"""
    cases:
      - name: x
        programme: mech
        date: 2026-09-01
        equivalence: {question}
        expect:
          {expect}
    """
    problems = _problems(tmp_path, text)
    assert any(p.startswith(f"cases.yaml:{where}: ") and message in p for p in problems), problems


# --- broken files --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cases: [\n", "cases.yaml:2:1: "),
        ("- a\n- b\n", "cases.yaml:1:1: a test file needs a 'cases:' list"),
        ("cases:\n  name: x\n", "cases.yaml:1:1: a test file needs a 'cases:' list"),
        ("cases:\n  - just text\n", "cases.yaml:2:5: cases[0]: Input should be a valid"),
        ("case:\n  - {}\n", "cases.yaml:1:1: a test file needs a 'cases:' list"),
        (
            "cases:\n  - {name: x, programme: mech, date: 2026-02-30, expect: {}}\n",
            "cases.yaml:2:32: date: Input should be a valid date",
        ),
        (
            "cases:\n  - {name: x, programme: mech, date: 2026-09-01,\n"
            "     expect: {grants: [{outcomes: [a]}]}}\n",
            "cases.yaml:3:24: expect.grants.0: a grant names its 'course' or its 'category'",
        ),
        (
            "cases:\n  - {name: x, programme: mech, date: 2026-09-01, expect: {remaining: 3}}\n",
            "cases.yaml:2:59: expect.remaining: Extra inputs are not permitted",
        ),
    ],
)
def test_a_broken_test_file_is_reported_once_with_its_place(
    tmp_path: Path, text: str, expected: str
) -> None:
    problems = read_cases(_file(tmp_path, text), "cases.yaml").problems
    assert len(problems) == 1, problems
    assert problems[0].startswith(expected), problems


# --- the README ----------------------------------------------------------------------------


def _format_models() -> set[type[BaseModel]]:
    """Every model of the test format, from the two kinds of case down (outcomes are
    documented with learner files, in the main README)."""
    found: set[type[BaseModel]] = set()
    todo: list[Any] = [rule_tests.Case, rule_tests.EquivalenceCase]
    while todo:
        item = todo.pop()
        if isinstance(item, type) and issubclass(item, BaseModel):
            if item.__module__ != rule_tests.__name__ or item in found:
                continue
            found.add(item)
            todo.extend(f.annotation for f in item.model_fields.values())
        else:
            todo.extend(getattr(item, "__args__", ()))
    return found


def _test_cases_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Test cases")
    end = text.find("\n## ", start + 1)
    return text[start : end if end >= 0 else len(text)]


def test_every_key_of_the_test_format_has_its_row_in_the_readme() -> None:
    models = _format_models()
    assert {m.__name__ for m in models} >= {"Expect", "ExpectedUnusedAny", "Query", "ExpectedRoute"}
    rows = set(re.findall(r"^\| `([a-z_]+)` \|", _test_cases_section(), re.MULTILINE))
    keys = {f.alias or name for m in models for name, f in m.model_fields.items()}
    assert keys - rows == set(), "keys of the test format missing from rules/README.md"
