"""Every mistake a policy author can make is reported with its code, file, line and a hint.

Each case is a folder of tests/data/bad_rules laid over the minimal pack (see conftest). The
table says which finding must come out: its code, severity, file, line, column, words of its
message, and which other findings (if any) the same mistake also produces; nothing else may
be reported.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from creditbank.errors import Finding, RuleSetInvalid, Severity
from creditbank.ruleset.loader import check_rules, check_sources, load_ruleset, read_sources
from creditbank.ruleset.ruleset import RuleSet
from creditbank.ruleset.yaml_io import MAX_FILE_BYTES
from tests.ruleset.conftest import MakeRules, bad_cases


@dataclass(frozen=True)
class Expected:
    code: str
    file: str
    line: int
    column: int
    words: tuple[str, ...]
    severity: Severity = Severity.ERROR
    also: tuple[str, ...] = ()
    """Codes of the other findings the same mistake produces (each once)."""


CASES: dict[str, Expected] = {
    # --- reading the YAML ------------------------------------------------------------------
    "yaml_syntax": Expected("rules.yaml_syntax", "extra.yaml", 4, 9, ("YAML syntax error", "'}'")),
    "yaml_syntax_tab": Expected(
        "rules.yaml_syntax", "extra.yaml", 3, 1, ("YAML syntax error", "tab")
    ),
    "duplicate_key": Expected(
        "rules.duplicate_key", "extra.yaml", 9, 9, ("duplicate key 'credits'", "first at line 8")
    ),
    "encoding": Expected(
        "rules.encoding", "extra.yaml", 3, 16, ("not UTF-8", "GBK", "save it as UTF-8")
    ),
    "yaml_tag": Expected(
        "rules.yaml_tag",
        "extra.yaml",
        4,
        11,
        ("tag '!!python/object/apply:os.system' is not allowed", "plain values"),
    ),
    "yaml_alias_loop": Expected(
        "rules.yaml_alias",
        "extra.yaml",
        9,
        11,
        ("alias '*award' is inside its own anchor '&award'", "never end"),
    ),
    "yaml_alias_bomb": Expected(  # "billion laughs": 9**9 strings once every alias is written out
        "rules.yaml_alias",
        "extra.yaml",
        6,
        8,
        ("aliases repeat more than 100,000 values", "'*e' copies everything under '&e'"),
    ),
    "yaml_too_deep": Expected(
        "rules.yaml_limit", "extra.yaml", 8, 191, ("nested more than 32 levels deep",)
    ),
    # --- the format ---------------------------------------------------------------------------
    "unknown_key": Expected(
        "rules.unknown_key",
        "extra.yaml",
        8,
        9,
        ("unknown key 'credts'", "did you mean 'credits'?", "allowed keys here are: code,"),
    ),
    "unknown_section": Expected(
        "rules.unknown_key",
        "extra.yaml",
        2,
        1,
        ("unknown section 'transfer'", "allowed sections are", "transfers"),
    ),
    "missing_key": Expected(
        "rules.missing_key", "extra.yaml", 2, 5, ("missing required key 'total_credits'",)
    ),
    "wrong_type": Expected("rules.wrong_type", "extra.yaml", 7, 10, ("valid string", "51301")),
    "wrong_type_section": Expected(
        "rules.wrong_type", "extra.yaml", 1, 1, ("'issuers' must be a list", "'- '")
    ),
    "invalid_value": Expected(
        "rules.invalid_value",
        "extra.yaml",
        5,
        5,
        ("'to' (2024-12-31) is before 'from' (2025-01-01)",),
    ),
    "accreditation_at": Expected(
        "rules.invalid_value",
        "pack.yaml",
        7,
        3,
        ("'outcome_date' or 'application_date'", "'award_date'"),
    ),
    "invalid_value_partial": Expected(
        "rules.invalid_value", "extra.yaml", 2, 5, ("grants 5 credits for 'M1'", "only 4")
    ),
    # --- ids and the pack ------------------------------------------------------------------
    "duplicate_id": Expected(
        "rules.duplicate_id",
        "issuers-more.yaml",
        5,
        5,
        ("duplicate id 'poly' in issuers", "first at frame.yaml:14:5"),
    ),
    "duplicate_pack": Expected(
        "rules.duplicate_id",
        "pasted-pack.yaml",
        2,
        1,
        ("a second 'pack' section", "first at pack.yaml:2:1"),
    ),
    "missing_pack": Expected(
        "rules.missing_pack", "catalogues.yaml", 1, 1, ("no file has a 'pack' section",)
    ),
    # --- references ---------------------------------------------------------------------------
    "unknown_programme": Expected(
        "rules.unknown_reference",
        "extra.yaml",
        2,
        5,
        ("unknown programme 'mehc'", "did you mean 'mech'?"),
    ),
    "unknown_course": Expected(
        "rules.unknown_reference",
        "extra.yaml",
        2,
        5,
        ("unknown course of programme 'mech'", "'M11'", "did you mean 'M1'?"),
    ),
    "unknown_rung": Expected(
        "rules.unknown_reference",
        "extra.yaml",
        2,
        5,
        ("unknown rung 'senoir'", "did you mean 'senior'?"),
    ),
    "rung_twice": Expected(
        "rules.duplicate_id",
        "extra.yaml",
        2,
        5,
        ("by_rung names rung 'senior' of ladder", "twice, as 'senior' and as '三级'"),
    ),
    "unknown_issuer": Expected(
        "rules.unknown_reference",
        "extra.yaml",
        2,
        5,
        ("unknown issuer 'polly'", "did you mean 'poly'?"),
    ),
    "unknown_category": Expected(
        "rules.unknown_reference",
        "extra.yaml",
        2,
        5,
        ("unknown category of programme 'mech'", "'electives'", "did you mean 'elective'?"),
    ),
    "unknown_grade": Expected(
        "rules.unknown_reference",
        "extra.yaml",
        2,
        5,
        ("unknown grade 'B+'", "did you mean 'B'?"),
    ),
    # --- the rule set as a whole -------------------------------------------------------------
    "overlapping_dates": Expected(
        "rules.overlapping_dates",
        "extra.yaml",
        3,
        5,
        ("'tr.poly-drawing' has two versions in force", "rules.yaml:14:5"),
    ),
    "conflict": Expected(
        "rules.conflict",
        "extra.yaml",
        2,
        5,
        (
            "'tr.senior-lathe-partial' and 'tr.senior-lathe'",
            "rules.yaml:8:5",
            "course 'M2'",
            "same priority and specificity",
            "set 'priority'",
        ),
    ),
    "credit_cycle": Expected(
        "rules.credit_cycle",
        "extra.yaml",
        6,
        5,
        ("cycle", "more than 1", "ou:M3 -> poly:P2 -> ou:M3"),
    ),
    "shadowed": Expected(
        "rules.shadowed",
        "extra.yaml",
        2,
        5,
        ("'tr.senior-lathe-ou' never applies", "'tr.senior-lathe'", "rules.yaml:8:5"),
        severity=Severity.WARNING,
    ),
    "not_exemptable": Expected(
        "rules.not_exemptable",
        "extra.yaml",
        2,
        5,
        ("course 'T1' of 'mech' is not exemptable", "refused (not_exemptable)"),
        severity=Severity.WARNING,
    ),
    # --- selectors and articulation depth (issue 13) ---------------------------------------
    "source_minimum_no_selector": Expected(
        "rules.invalid_value",
        "extra.yaml",
        13,
        9,
        ("a source minimum needs at least one of 'kinds', 'issuer_types', 'issuers'",),
    ),
    "scope_levels_reversed": Expected(
        "rules.invalid_value", "extra.yaml", 5, 5, ("'max_level' (3) is below 'min_level' (5)",)
    ),
    "recency_scope_course": Expected(
        "rules.unknown_key",
        "extra.yaml",
        5,
        39,
        ("unknown key 'courses'", "allowed keys here are: accredited, delivery, fields"),
    ),
    "max_depth_without_chain": Expected(
        "rules.invalid_value",
        "extra.yaml",
        2,
        5,
        ("'max_depth: 3' with 'chain: false'", "only used alone"),
    ),
    "unknown_level": Expected(
        "rules.unknown_reference",
        "extra.yaml",
        2,
        5,
        ("level 8 is not a level of framework 'nf'", "levels 3, 4, 5, 6"),
    ),
}

MULTI_FILE_CASES = {"many_files", "many_references"}


def test_every_case_folder_has_an_expectation() -> None:
    assert set(bad_cases()) == set(CASES) | MULTI_FILE_CASES


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_rule_is_reported_where_it_is(case: str, rules_dir: MakeRules) -> None:
    want = CASES[case]
    report = check_rules(rules_dir(case))

    found = [f for f in report.findings if f.code == want.code]
    assert len(found) == 1, "\n".join(map(str, report.findings))
    finding = found[0]
    assert finding.severity is want.severity
    assert (finding.location.file, finding.location.line, finding.location.column) == (
        want.file,
        want.line,
        want.column,
    ), str(finding)
    for word in want.words:
        assert word in finding.message, f"{word!r} not in {finding.message!r}"
    assert Counter(f.code for f in report.findings) == Counter((want.code, *want.also))

    if want.severity is Severity.ERROR:
        assert report.ruleset is None
        assert finding in report.errors
    else:  # a warning is advice: the rule set still loads, and carries the warning
        assert report.errors == ()
        assert report.ruleset is not None
        assert finding in report.ruleset.findings


def test_errors_in_several_files_are_all_reported_in_file_order(rules_dir: MakeRules) -> None:
    report = check_rules(rules_dir("many_files"))
    got = [(f.location.file, f.location.line, f.location.column, f.code) for f in report.findings]
    assert got == [
        ("acme.yaml", 5, 5, "rules.duplicate_key"),
        ("acme.yaml", 9, 40, "rules.unknown_key"),
        ("acme.yaml", 10, 41, "rules.invalid_value"),
        ("broken.yaml", 4, 14, "rules.yaml_syntax"),
        ("transfers/awards.yaml", 2, 5, "rules.missing_key"),
        ("transfers/awards.yaml", 9, 17, "rules.invalid_value"),
    ]
    assert list(report.findings) == sorted(report.findings, key=Finding.sort_key)
    assert report.ruleset is None
    messages = [f.message for f in report.findings]
    assert "missing required key 'to'" in messages[4]
    assert "2024-13-01" in messages[5]


def test_reference_errors_in_several_files_are_all_reported(rules_dir: MakeRules) -> None:
    report = check_rules(rules_dir("many_references"))
    got = [(str(f.location), f.code, f.key) for f in report.findings]
    assert got == [
        ("awards.yaml:2:5", "rules.unknown_reference", "programme"),
        ("work.yaml:2:5", "rules.unknown_reference", "from.0.issuer"),
        ("work.yaml:8:5", "rules.not_exemptable", "to.courses"),
        ("work.yaml:8:5", "rules.unknown_reference", "conditions.min_grade"),
    ]


def test_load_ruleset_raises_with_every_error(rules_dir: MakeRules) -> None:
    root = rules_dir("many_files")
    with pytest.raises(RuleSetInvalid) as caught:
        load_ruleset(root)
    error = caught.value
    assert error.code == "rules.invalid"
    assert len(error.findings) == 6
    text = str(error)
    assert "6 error(s)" in text
    assert "acme.yaml:9:40: error: unknown key 'credts'" in text
    assert "transfers/awards.yaml:9:17" in text


def test_finding_text_names_the_place_and_the_code(rules_dir: MakeRules) -> None:
    (finding,) = check_rules(rules_dir("unknown_programme")).findings
    assert str(finding) == (
        "extra.yaml:2:5: error: unknown programme 'mehc'; did you mean 'mech'? "
        "[programme] (rules.unknown_reference)"
    )


def test_missing_folder_and_empty_folder(tmp_path: Path) -> None:
    (missing,) = check_rules(tmp_path / "nope").findings
    assert missing.code == "rules.not_found"
    (empty,) = check_rules(tmp_path).findings
    assert empty.code == "rules.empty"
    assert "no rule files" in empty.message


def test_test_cases_and_other_files_are_not_rules(
    rules_dir: MakeRules, rules_min: Path, min_ruleset: RuleSet
) -> None:
    moved = (rules_min / "rules.yaml").read_text(encoding="utf-8")
    root = rules_dir(
        files={
            "tests/cases.yaml": "cases: [{name: not a rule}]\n",
            "notes.txt": "transfers: [oops\n",
            "rules.yaml": None,
            "more/rules.yml": moved,
        }
    )
    report = check_rules(root)
    assert report.findings == ()
    assert report.ruleset is not None
    assert report.ruleset.digest == min_ruleset.digest
    assert str(report.ruleset.where(report.ruleset.items("limits")[0])) == "more/rules.yml:29:5"


# --- the files of a rule set: none is left out without a word -------------------------------


def _where(findings: tuple[Finding, ...]) -> list[tuple[str, str]]:
    return [(str(f.location), f.code) for f in findings]


def test_links_that_lead_nowhere_are_reported(rules_dir: MakeRules) -> None:
    root = rules_dir()
    (root / "loop.yaml").symlink_to("loop.yaml")
    (root / "more").mkdir()
    (root / "more" / "gone.yml").symlink_to("../missing.yaml")
    report = check_rules(root)
    assert _where(report.findings) == [
        ("loop.yaml", "rules.unreadable"),
        ("more/gone.yml", "rules.unreadable"),
    ]
    assert "cannot read this file" in report.findings[0].message
    assert "leads back to itself" in report.findings[0].message
    assert "does not exist" in report.findings[1].message
    assert report.ruleset is None


def test_a_link_out_of_the_rule_set_is_refused(
    rules_dir: MakeRules, tmp_path: Path, min_ruleset: RuleSet
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "secret.yaml").write_text("issuers: []\n", encoding="utf-8")
    root = rules_dir()
    (root / "again").symlink_to(".", target_is_directory=True)  # inside: not followed, no harm
    read_once = check_rules(root).ruleset
    assert read_once is not None and read_once.digest == min_ruleset.digest
    (root / "extra.yaml").symlink_to(elsewhere / "secret.yaml")
    (root / "shared").symlink_to("../elsewhere", target_is_directory=True)
    report = check_rules(root)
    assert _where(report.findings) == [
        ("extra.yaml", "rules.outside_pack"),
        ("shared", "rules.outside_pack"),
    ]
    assert (
        f"a link to '{elsewhere / 'secret.yaml'}', outside the rule set"
        in report.findings[0].message
    )
    assert report.ruleset is None


def test_an_unreadable_file_or_folder_is_reported(rules_dir: MakeRules) -> None:
    root = rules_dir(files={"extra.yaml": "issuers: []\n", "more/other.yaml": "limits: []\n"})
    (root / "extra.yaml").chmod(0)
    (root / "more").chmod(0)
    try:
        if os.access(root / "more", os.R_OK):
            pytest.skip("running as root, who reads any file and lists any folder")
        report = check_rules(root)
    finally:
        (root / "more").chmod(0o755)
    assert _where(report.findings) == [
        ("extra.yaml", "rules.unreadable"),
        ("more", "rules.unreadable"),
    ]
    assert "cannot read this file (Permission denied" in report.findings[0].message
    assert "cannot list this folder (Permission denied" in report.findings[1].message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_pipe_is_not_read(rules_dir: MakeRules) -> None:
    root = rules_dir()
    os.mkfifo(root / "extra.yaml")  # reading it would wait for a writer for ever
    report = check_rules(root)
    assert _where(report.findings) == [("extra.yaml", "rules.unreadable")]
    assert "not a regular file" in report.findings[0].message


def test_a_file_over_the_size_limit_is_refused(rules_dir: MakeRules) -> None:
    comment = "# " + "x" * 97 + "\n"  # 100 bytes
    at_limit = comment * (MAX_FILE_BYTES // 100) + "#" * (MAX_FILE_BYTES % 100 - 1) + "\n"
    assert len(at_limit.encode()) == MAX_FILE_BYTES
    assert check_rules(rules_dir(files={"extra.yaml": at_limit})).findings == ()
    report = check_rules(rules_dir(files={"extra.yaml": at_limit + "\n"}))
    assert _where(report.findings) == [("extra.yaml:1:1", "rules.yaml_limit")]
    assert "larger than 1 MiB (1,048,576 bytes)" in report.findings[0].message
    assert "split it into several files" in report.findings[0].message


def test_reading_sources_raises_the_findings_not_an_os_error(rules_dir: MakeRules) -> None:
    """``read_sources`` (storing a version) refuses a file it cannot read as loading does."""
    root = rules_dir("encoding")
    (root / "loop.yaml").symlink_to("loop.yaml")
    with pytest.raises(RuleSetInvalid) as caught:
        read_sources(root)
    assert _where(caught.value.findings) == [
        ("extra.yaml:3:16", "rules.encoding"),
        ("loop.yaml", "rules.unreadable"),
    ]
    assert "loop.yaml: error: cannot read this file" in str(caught.value)


# --- the checker's rules, case by case ------------------------------------------------------

EQ = """\
  - id: {id}
    effective: {{from: 2020-01-01{to}}}
    from: {a}
    to: {b}
    ratio: {ratio}
    both_ways: {both}
"""


def _equivalences(*rows: tuple[str, str, str, str, bool], to: str = "") -> str:
    return "equivalences:\n" + "".join(
        EQ.format(id=i, a=a, b=b, ratio=r, both=str(both).lower(), to=to)
        for i, a, b, r, both in rows
    )


def _codes(sources: dict[str, str], extra: str) -> list[str]:
    report = check_sources({**sources, "extra.yaml": extra})
    return [f.code for f in report.findings]


@pytest.mark.parametrize(
    ("rows", "codes"),
    [
        pytest.param(
            [("eq.a", "ou:M2", "poly:P2", "2", False), ("eq.b", "poly:P2", "ou:M2", "0.5", False)],
            [],
            id="product-exactly-1",
        ),
        pytest.param(
            [("eq.a", "ou:M2", "poly:P2", "2", False), ("eq.b", "poly:P2", "ou:M2", "0.4", False)],
            [],
            id="product-below-1",
        ),
        pytest.param(
            [("eq.a", "ou:M2", "poly:P2", "1.5", True)],
            [],
            id="both-ways-inverts-the-ratio",
        ),
        pytest.param(
            [
                ("eq.a", "ou:M2", "poly:P2", "2", False),
                ("eq.b", "poly:P2", "ou:M3", "1", False),
                ("eq.c", "ou:M3", "ou:M2", "0.6", False),
            ],
            ["rules.credit_cycle"],
            id="three-step-cycle-1.2",
        ),
        pytest.param(
            [
                ("eq.a", "ou:M2", "poly:P2", "2", False),
                ("eq.b", "poly:P2", "ou:M3", "1", False),
                ("eq.c", "ou:M3", "ou:M2", "0.5", False),
            ],
            [],
            id="three-step-cycle-1",
        ),
        pytest.param(
            [("eq.b", "ou:M2", "poly:P2", "2", False), ("eq.a", "poly:P2", "ou:M2", "1", True)],
            ["rules.credit_cycle"],
            id="growing-cycle-with-a-both-ways-edge",
        ),
        pytest.param(
            [("eq.a", "ou:M2", "poly:P2", "2", False), ("eq.b", "poly:P2", "ou:M2", "1", True)],
            ["rules.credit_cycle"],
            id="same-cycle-other-ids",
        ),
        pytest.param(
            [
                ("eq.a", "ou:M2", "poly:P2", "2", False),
                ("eq.m", "poly:P2", "ou:M2", "1", False),
                ("eq.z", "ou:M2", "poly:P2", "1", False),
            ],
            ["rules.credit_cycle"],
            id="parallel-equivalences",
        ),
    ],
)
def test_credit_cycles(
    min_sources: dict[str, str], rows: list[tuple[str, str, str, str, bool]], codes: list[str]
) -> None:
    assert _codes(min_sources, _equivalences(*rows)) == codes


TRANSFER = """\
  - id: {id}
    programme: mech
    effective: {{from: {start}}}
    priority: {priority}
    from:
      outcome: {selector}
    to: {to}
{more}"""


def _transfers(*rules: dict[str, object]) -> str:
    defaults = {
        "start": "2020-01-01",
        "priority": 0,
        "selector": "{kind: competition_award}",
        "to": "{category: elective, credits: 2}",
        "more": "",
    }
    return "transfers:\n" + "".join(TRANSFER.format(**{**defaults, **r}) for r in rules)


@pytest.mark.parametrize(
    ("rules", "codes"),
    [
        pytest.param(
            [{"id": "tr.a"}, {"id": "tr.b", "to": "{category: elective, credits: 3}"}],
            ["rules.conflict"],
            id="same-rank-different-credits",
        ),
        pytest.param(
            [{"id": "tr.a"}, {"id": "tr.b"}],
            [],
            id="same-rank-same-result",
        ),
        pytest.param(
            [
                {"id": "tr.a", "priority": 1},
                {
                    "id": "tr.b",
                    "to": "{category: elective, credits: 3}",
                    "selector": "{kind: competition_award, issuer: poly}",
                },
            ],
            ["rules.shadowed"],
            id="higher-priority-general-rule-shadows-a-specific-one",
        ),
        pytest.param(
            [
                {"id": "tr.a"},
                {
                    "id": "tr.b",
                    "to": "{category: elective, credits: 3}",
                    "selector": "{kind: competition_award, issuer: poly}",
                },
            ],
            [],
            id="more-specific-selector-wins",
        ),
        pytest.param(
            [
                {"id": "tr.a", "selector": "{kind: competition_award, issuer: ou}"},
                {
                    "id": "tr.b",
                    "to": "{category: elective, credits: 3}",
                    "selector": "{kind: competition_award, issuer: poly}",
                },
            ],
            [],
            id="disjoint-selectors",
        ),
        pytest.param(
            [
                {"id": "tr.a"},
                {
                    "id": "tr.b",
                    "selector": "{kind: work_experience}",
                    "to": "{category: elective, credits: 3}",
                },
            ],
            [],
            id="different-kinds",
        ),
        pytest.param(
            [
                {"id": "tr.a", "start": "2020-01-01", "to": "{category: elective, credits: 2}"},
                {"id": "tr.b", "start": "2020-01-01", "to": "{category: project, credits: 2}"},
            ],
            [],
            id="different-targets",
        ),
        pytest.param(
            [
                {"id": "tr.a", "priority": 5},
                {"id": "tr.b", "to": "{category: elective, credits: 3}"},
            ],
            ["rules.shadowed"],
            id="higher-priority-same-selector-shadows",
        ),
        pytest.param(
            [
                {"id": "tr.a", "priority": 5, "more": "    conditions: {min_score: 80}\n"},
                {"id": "tr.b", "to": "{category: elective, credits: 3}"},
            ],
            [],
            id="a-conditional-winner-does-not-shadow",
        ),
        pytest.param(
            [
                {"id": "tr.a", "priority": 5, "start": "2024-01-01"},
                {"id": "tr.b", "to": "{category: elective, credits: 3}"},
            ],
            [],
            id="a-winner-in-force-for-fewer-days-does-not-shadow",
        ),
    ],
)
def test_precedence(
    min_sources: dict[str, str], rules: list[dict[str, object]], codes: list[str]
) -> None:
    assert _codes(min_sources, _transfers(*rules)) == codes


def test_conflict_needs_overlapping_dates(min_sources: dict[str, str]) -> None:
    text = _transfers(
        {"id": "tr.a"}, {"id": "tr.b", "to": "{category: elective, credits: 3}"}
    ).replace("{from: 2020-01-01}", "{from: 2020-01-01, to: 2020-12-31}", 1)
    text = text.replace("{from: 2020-01-01}", "{from: 2021-01-01}", 1)
    assert _codes(min_sources, text) == []
    assert _codes(min_sources, text.replace("2021-01-01", "2020-12-31")) == ["rules.conflict"]


def test_same_id_in_two_sections_is_refused(min_sources: dict[str, str]) -> None:
    extra = "limits:\n  - {id: tr.poly-drawing, programme: mech, effective: {from: 2020-01-01}, max_count: 2}\n"
    report = check_sources({**min_sources, "extra.yaml": extra})
    (finding,) = report.findings
    assert finding.code == "rules.duplicate_id"
    assert "several sections (limits, transfers)" in finding.message


def test_versions_that_touch_but_do_not_overlap_are_fine(min_sources: dict[str, str]) -> None:
    path = Path(__file__).parent.parent / "data" / "bad_rules" / "overlapping_dates" / "extra.yaml"
    fixed = path.read_text(encoding="utf-8").replace("2030-12-31", "2031-01-01")
    report = check_sources({**min_sources, "extra.yaml": fixed})
    assert report.findings == ()
    assert report.ruleset is not None
    assert [t.effective.from_.isoformat() for t in report.ruleset.items("transfers")][:2] == [
        "2020-01-01",
        "2031-01-01",
    ]


def test_recognitions_conflict_too(min_sources: dict[str, str]) -> None:
    extra = """\
recognitions:
  - id: rec.lathe-flat
    effective: {from: 2020-01-01}
    match: {kind: skill_certificate, occupation: lathe}
    credits: 5
"""
    report = check_sources({**min_sources, "extra.yaml": extra})
    (finding,) = report.findings
    assert (finding.code, str(finding.location)) == ("rules.conflict", "extra.yaml:2:5")
    assert "'rec.lathe-flat' and 'rec.lathe'" in finding.message
    fixed = extra + "    priority: 1\n"
    assert check_sources({**min_sources, "extra.yaml": fixed}).errors == ()
