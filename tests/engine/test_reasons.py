"""Every reason an outcome does not count: all of them listed, the primary first, each one a
sentence in both languages; accreditation judged on the day the pack says; never-exemptable
courses refused with a reason of their own; all-of bundles whose parts are reordered."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from creditbank.domain import Outcome
from creditbank.engine.audit import compute_audit
from creditbank.engine.decision import Because, Decision, Unused
from creditbank.engine.explain import explain_unused
from creditbank.engine.reasons import SEVERITY, Reason
from creditbank.errors import Severity
from creditbank.ruleset.loader import load_ruleset_from_sources
from creditbank.ruleset.ruleset import RuleSet
from tests.engine.small_rules import FRAME, RULES, small_ruleset

ON = dt.date(2026, 9, 1)

EXTRA = """
exclusions:
  - id: ex.online
    effective: {from: 2020-01-01}
    match: {kind: competition_award, delivery: online}
    reason: {zh: 网络赛事不予认定, en: online contests are not recognised}
recency:
  - id: rc.training
    effective: {from: 2020-01-01}
    programme: mech
    scope: {kinds: [enterprise_training]}
    max_age_years: 5
  - id: rc.awards
    effective: {from: 2020-01-01}
    programme: mech
    scope: {kinds: [competition_award]}
    obtained_before: 2026-06-30
transfers:
  - id: tr.work_thesis
    effective: {from: 2020-01-01}
    programme: mech
    from: {outcome: {kind: work_experience}}
    to: {courses: [T1]}
    conditions: {min_years: 3}
  - id: tr.award_g1
    effective: {from: 2020-01-01}
    programme: mech
    from: {outcome: {kind: competition_award, tier: national}}
    to: {courses: [G1]}
  - id: tr.award_provincial
    effective: {from: 2020-01-01}
    programme: mech
    from: {outcome: {kind: competition_award, tier: provincial}}
    to: {reject: true, reason: {zh: 省级赛事不予转换, en: provincial contests do not transfer}}
  - id: tr.award_recent
    effective: {from: 2020-01-01}
    programme: mech
    from: {outcome: {kind: competition_award, tier: international}}
    to: {category: elective, credits: 1}
    conditions: {obtained_after: 2022-01-01}
  - id: tr.lathe_any
    effective: {from: 2020-01-01}
    programme: mech
    from: {outcome: {kind: skill_certificate, occupation: lathe}}
    to: {category: elective, credits: 1}
    conditions: {min_rung: intermediate}
  - id: tr.poly_m1
    effective: {from: 2020-01-01}
    programme: mech
    from: {outcome: {kind: academic_course, issuer: poly, code: P1}}
    to: {courses: [M1]}
    overlap: 0.5
    conditions: {min_overlap: 0.8}
  - id: tr.training_certificate
    effective: {from: 2020-01-01}
    programme: mech
    from: {outcome: {kind: training_certificate}}
    to: {category: elective, credits: 1}
    conditions: {min_hours: 40}
  - id: tr.qualification
    effective: {from: 2020-01-01}
    programme: mech
    from: {outcome: {kind: vocational_qualification}}
    to: {courses: [M2]}
    conditions: {not: {obtained_before: 2021-01-01}}
"""

RULESET = small_ruleset(EXTRA)


def out(ident: str, kind: str, **attrs: Any) -> Outcome:
    attrs.setdefault("date", "2023-06-01")
    attrs.setdefault(
        "issuer", {"skill_certificate": "skills", "enterprise_training": "acme"}.get(kind, "poly")
    )
    return Outcome(id=ident, kind=kind, **attrs)


def lathe(ident: str, rung: str) -> Outcome:
    return out(ident, "skill_certificate", occupation="lathe", rung=rung, date="2023-01-01")


def award(ident: str, tier: str, **attrs: Any) -> Outcome:
    return out(ident, "competition_award", issuer="skills", tier=tier, rank=1, **attrs)


def audit(*outcomes: Outcome, ruleset: RuleSet = RULESET, on: dt.date = ON) -> Decision:
    return compute_audit(ruleset, list(outcomes), "mech", on)


def unused(decision: Decision, outcome: str) -> Unused:
    return next(u for u in decision.unused if u.outcome == outcome)


def codes(item: Unused) -> list[str]:
    return [item.reason.value, *(b.reason.value for b in item.also)]


# --- every reason ---------------------------------------------------------------------------


def test_an_old_outcome_of_an_unaccredited_issuer_is_told_both() -> None:
    item = unused(audit(out("t", "enterprise_training", hours=32, date="2018-03-01")), "t")
    assert codes(item) == ["issuer_not_accredited", "expired"]
    assert item.params == {"issuer": "acme", "on": "2018-03-01"}
    assert item.also == (Because(Reason.EXPIRED, {"rule": "rc.training", "years": "5"}),)
    assert explain_unused(item, "en") == (
        "t does not count: 'acme' was not accredited for it on 2018-03-01. "
        "Also: t is too old or outside the dates the rules accept: it was obtained more than "
        "5 years before the application."
    )
    assert explain_unused(item, "zh") == (
        "t不予认定：颁发机构“acme”在2018-03-01不在该类成果的认证有效期内。"
        "另外：t超出规则认可的时间范围：取得日期早于申请日5年以上。"
    )


def test_screening_lists_every_failure_primary_first_in_the_documented_order() -> None:
    stray = out(
        "x", "academic_course", issuer="nowhere", code="X", status="submitted", date="2027-01-01"
    )
    item = unused(audit(stray), "x")
    # Checked in the order verified, date, issuer; reported in SEVERITY order.
    assert codes(item) == ["not_verified", "unknown_issuer", "conditions_not_met"]
    assert item.also[1].params == {"need": "obtained by 2026-09-01"}
    online = award("w", "national", delivery="online", date="2026-07-01")
    assert codes(unused(audit(online), "w")) == ["excluded", "expired"]


def test_an_outcome_with_no_option_hears_every_rule_that_passed_it_over() -> None:
    item = unused(audit(out("p1", "academic_course", code="P1", grade="B", credits=4)), "p1")
    assert codes(item) == ["insufficient_overlap", "bundle_incomplete"]
    assert [r.id for r in item.rules] == ["tr.poly_m1"]
    assert [r.id for r in item.also[0].rules] == ["tr.poly_bundle"]
    both_low = audit(
        out("p1", "academic_course", code="P1", grade="D", credits=4),
        out("p2", "academic_course", code="P2", grade="D", credits=3),
    )
    assert codes(unused(both_low, "p1")) == ["below_grade", "insufficient_overlap"]


def test_the_further_reasons_do_not_depend_on_the_order_rules_were_read() -> None:
    learner = [out("p1", "academic_course", code="P1", grade="B", credits=4)]
    again = load_ruleset_from_sources({"z.yaml": FRAME, "a.yaml": EXTRA, "m.yaml": RULES})
    assert audit(*learner).canonical() == audit(*learner, ruleset=again).canonical()


# --- not exemptable ---------------------------------------------------------------------------


def test_a_rule_to_a_never_exempted_course_refuses_with_its_own_reason() -> None:
    for years in ("2", "5"):  # short of the rule's 3 years or not: meeting it changes nothing
        item = unused(audit(out("w", "work_experience", years=years, issuer="acme")), "w")
        assert (item.reason, item.params, item.also) == (
            Reason.NOT_EXEMPTABLE,
            {"course": "T1", "rule": "tr.work_thesis"},
            (),
        )
        assert [r.id for r in item.rules] == ["tr.work_thesis"]
    assert explain_unused(item, "en") == (
        "w cannot be used: rule tr.work_thesis would exempt T1, which this programme never exempts."
    )
    assert (
        explain_unused(item, "zh") == "w不能使用：规则tr.work_thesis对应的课程T1在本专业不可免修。"
    )


def test_the_checker_warns_of_a_rule_to_a_never_exempted_course_with_its_place() -> None:
    (finding,) = [f for f in RULESET.findings if f.code == "rules.not_exemptable"]
    assert finding.severity is Severity.WARNING
    assert (finding.location.file, finding.key) == ("extra.yaml", "to.courses")
    assert "course 'T1' of 'mech' is not exemptable" in finding.message


# --- accreditation date -------------------------------------------------------------------------

ACCREDITED_ON_APPLICATION = FRAME.replace(
    "  accreditation_required_for: [enterprise]\n",
    "  accreditation_required_for: [enterprise]\n  accreditation_at: application_date\n",
)


@pytest.mark.parametrize(
    ("at", "obtained", "on", "refused_on"),
    [
        pytest.param("outcome_date", "2023-06-01", ON, None, id="outcome-date-in-period"),
        pytest.param("outcome_date", "2019-06-01", "2023-01-01", "2019-06-01", id="before"),
        pytest.param("application_date", "2023-06-01", ON, "2026-09-01", id="lapsed-since"),
        pytest.param("application_date", "2019-06-01", "2023-01-01", None, id="accredited-now"),
    ],
)
def test_accreditation_is_judged_on_the_day_the_pack_says(
    at: str, obtained: str, on: dt.date | str, refused_on: str | None
) -> None:
    frame = FRAME if at == "outcome_date" else ACCREDITED_ON_APPLICATION
    ruleset = load_ruleset_from_sources({"frame.yaml": frame, "rules.yaml": RULES})
    assert ruleset.pack.accreditation_at == at
    day = dt.date.fromisoformat(str(on))
    d = audit(out("t", "enterprise_training", hours=48, date=obtained), ruleset=ruleset, on=day)
    if refused_on is None:
        assert [g.outcomes for g in d.grants] == [("t",)]
    else:
        item = unused(d, "t")
        assert (item.reason, item.params["on"]) == (Reason.ISSUER_NOT_ACCREDITED, refused_on)


def test_the_issuer_accredited_condition_uses_the_same_day() -> None:
    condition = """
transfers:
  - id: tr.work_g1
    effective: {from: 2020-01-01}
    programme: mech
    from: {outcome: {kind: work_experience, issuer: poly}}
    to: {courses: [G1]}
    conditions: {issuer_accredited: true}
issuers:
  - id: college
    name: {en: College}
    type: vocational_college
    accreditations: [{effective: {from: 2020-01-01, to: 2024-12-31}}]
"""
    condition = condition.replace("issuer: poly", "issuer: college")
    work = out("w", "work_experience", issuer="college", years=2, date="2023-06-01")
    for frame, want in ((FRAME, None), (ACCREDITED_ON_APPLICATION, "2026-09-01")):
        ruleset = load_ruleset_from_sources(
            {"frame.yaml": frame, "rules.yaml": RULES, "extra.yaml": condition}
        )
        d = audit(work, ruleset=ruleset)
        if want is None:
            assert [g.target for g in d.grants] == ["G1"]
        else:
            assert unused(d, "w").params == {"issuer": "college", "on": want}


# --- all-of bundles ---------------------------------------------------------------------------


def test_an_all_of_bundle_in_another_order_is_the_same_rule() -> None:
    swapped = RULES.replace(
        """    from: {all_of: [{kind: academic_course, issuer: poly, code: P1},
                    {kind: academic_course, issuer: poly, code: P2}]}""",
        """    from: {all_of: [{code: P2, kind: academic_course, issuer: poly},
                    {kind: academic_course, issuer: poly, code: P1}]}""",
    )
    assert swapped != RULES
    before = load_ruleset_from_sources({"frame.yaml": FRAME, "rules.yaml": RULES})
    after = load_ruleset_from_sources({"frame.yaml": FRAME, "rules.yaml": swapped})
    assert after.digest == before.digest
    learners = [
        [
            out("p1", "academic_course", code="P1", grade="B"),
            out("p2", "academic_course", code="P2", grade="A"),
        ],
        [
            out("p1", "academic_course", code="P1", grade="D"),
            out("p2", "academic_course", code="P2", grade="B"),
        ],
        [out("p2", "academic_course", code="P2", grade="B")],
    ]
    for learner in learners:
        assert (
            audit(*learner, ruleset=after).canonical()
            == audit(*learner, ruleset=before).canonical()
        )


# --- every reason, every parameter, both languages -------------------------------------------

PRODUCED: dict[Reason, list[dict[str, str]]] = {
    Reason.NOT_VERIFIED: [{"status": "submitted"}],  # screening
    Reason.UNKNOWN_ISSUER: [{"issuer": "nowhere"}],  # screening
    Reason.ISSUER_NOT_ACCREDITED: [{"issuer": "acme", "on": "2018-03-01"}],  # matching
    Reason.EXCLUDED: [  # screening
        {"rule": "ex.online", "why.zh": "网络赛事不予认定", "why.en": "online contests"}
    ],
    Reason.EXPIRED: [
        {"rule": "rc.training", "years": "5"},  # screening (recency rules)
        {"rule": "rc.early", "after": "2020-01-01"},
        {"rule": "rc.late", "before": "2026-06-30"},
        {"years": "5"},  # matching (conditions)
        {"after": "2022-01-01"},
        {"before": "2021-01-01"},
    ],
    Reason.BELOW_GRADE: [{"need": "C", "have": "D"}, {"need": "80", "have": "-"}],  # matching
    Reason.BELOW_RUNG: [{"need": "intermediate", "have": "junior"}],  # matching
    Reason.BELOW_HOURS: [{"need": "40"}],  # matching
    Reason.INSUFFICIENT_OVERLAP: [{"need": "80%", "have": "50%"}],  # matching
    Reason.GRADE_NOT_ON_SCALE: [  # matching
        {"need": "C", "have": "良好", "scales.zh": "字母制 (F, C, A)", "scales.en": "Letters"}
    ],
    Reason.CONDITIONS_NOT_MET: [
        {"need": "obtained by 2026-09-01"},  # screening
        {"need": "3 years"},  # matching
        {"need": "assessed"},
        {"need": "not {obtained_before: 2021-01-01}"},
    ],
    Reason.SUBSUMED: [{"by": "c2"}, {"by": "c2", "rule": "sub.cad"}],  # screening
    Reason.DUPLICATE: [{"of": "a"}],  # audit
    Reason.REJECTED: [{"why.zh": "省级赛事不予转换", "why.en": "provincial contests"}],
    Reason.NOT_EXEMPTABLE: [{"course": "T1", "rule": "tr.work_thesis"}],  # candidates
    Reason.BUNDLE_INCOMPLETE: [{"rule": "tr.poly_bundle"}],  # candidates
    Reason.NO_RULE: [{}, {"need": "recognition"}],  # audit, candidates
    Reason.CAP_REACHED: [  # audit: a limit with one instance, or one per value or period
        {"limit": "a.certificate-count", "instance": ""},
        {"limit": "a.annual-cap", "instance": "year 2025"},
    ],
    Reason.USED_ELSEWHERE: [{"target": "G1", "by": "n1"}],  # audit
    Reason.NOT_NEEDED: [{}],  # audit
}
"""Every parameter set each producer gives (``Failure(`` and ``Unused(`` in the engine)."""

_STRAY = re.compile(r"\s[,.;:!?)\]，。；：！？）]|\s{2}|\?")


def _sentences(item: Unused) -> list[str]:
    return [explain_unused(item, lang) for lang in ("en", "zh")]


def test_every_reason_has_its_parameters_listed() -> None:
    assert set(PRODUCED) == set(Reason)


@pytest.mark.parametrize("reason", list(Reason))
def test_every_reason_reads_as_a_whole_sentence_in_both_languages(reason: Reason) -> None:
    for params in PRODUCED[reason]:
        for text in _sentences(Unused("o1", reason, params)):
            assert not _STRAY.search(text), text
            assert text.strip() == text and "o1" in text


def test_every_reason_after_another_reads_as_well() -> None:
    also = tuple(Because(r, p) for r in Reason for p in PRODUCED[r])
    en, zh = _sentences(Unused("o1", Reason.NOT_VERIFIED, {"status": "submitted"}, also=also))
    assert en.count("Also: ") == 1 and zh.count("另外：") == 1
    for text in (en, zh):
        assert not _STRAY.search(text), text


def test_what_the_engine_produces_is_what_the_table_lists() -> None:
    """The table is checked against real audits, so a new parameter cannot slip past it."""
    decisions = [
        audit(out("t", "enterprise_training", hours=32, date="2018-03-01")),
        audit(out("x", "academic_course", issuer="nowhere", code="X", status="submitted")),
        audit(award("w", "national", delivery="online", date="2026-07-01")),
        audit(out("w", "work_experience", years=2, issuer="acme")),
        audit(lathe("j", "junior")),
        audit(lathe("low", "junior"), lathe("high", "senior")),
        audit(award("n1", "national"), award("n2", "national")),
        audit(award("p", "provincial"), award("i", "international", date="2021-06-01")),
        audit(out("p1", "academic_course", code="P1", grade="B")),
        audit(
            out("p1", "academic_course", code="P1", grade="良好"),
            out("p2", "academic_course", code="P2", grade="D"),
        ),
        audit(
            out("p1", "academic_course", code="P1", grade="D"),
            out("p2", "academic_course", code="P2", grade="D"),
        ),
        audit(
            out("a", "enterprise_training", hours=48, title="CAD Basics I"),
            out("b", "enterprise_training", hours=32, title="Computer Aided Design basics 1"),
        ),
        audit(out("a", "enterprise_training", hours=40), out("b", "enterprise_training", hours=48)),
        audit(out("e", "enterprise_training")),
        audit(out("h", "training_certificate", hours=20)),
        audit(out("q", "vocational_qualification", date="2020-06-01")),
        audit(award("s", "school")),
    ]
    seen: set[Reason] = set()
    for decision in decisions:
        for item in decision.unused:
            for reason, params in (
                (item.reason, item.params),
                *((b.reason, b.params) for b in item.also),
            ):
                seen.add(reason)
                assert set(params) in [set(p) for p in PRODUCED[reason]], (reason, params)
            assert [SEVERITY[b.reason] for b in item.also] == sorted(
                SEVERITY[b.reason] for b in item.also
            )
            assert all(SEVERITY[item.reason] <= SEVERITY[b.reason] for b in item.also)
    assert set(Reason) - seen == {Reason.NOT_NEEDED}


@pytest.mark.parametrize(("lang", "why"), [("en", "No exam."), ("zh", "未经考试。")])
def test_a_policy_reason_ending_in_a_full_stop_is_not_stopped_twice(lang: str, why: str) -> None:
    item = Unused("c1", Reason.EXCLUDED, {"rule": "ex.r", "why.en": why, "why.zh": why})
    text = explain_unused(item, lang)
    assert why.rstrip(".。") + {"en": " (rule ex.r)", "zh": "（规则ex.r）"}[lang] in text
