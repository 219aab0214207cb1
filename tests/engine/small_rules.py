"""A small rule set in YAML, built in memory, for engine tests (no files, no database)."""

from __future__ import annotations

from creditbank.ruleset.loader import load_ruleset_from_sources
from creditbank.ruleset.ruleset import RuleSet

FRAME = """
pack:
  id: small
  name: {en: Small test pack}
  framework: nf
  accreditation_required_for: [enterprise]
  duplicates: {match_on: [code, title], abbreviations: {CAD: Computer Aided Design}}
frameworks:
  - id: nf
    name: {en: National framework}
    levels: [{level: 3, name: {en: three}}, {level: 4, name: {en: four}},
             {level: 5, name: {en: five}}, {level: 6, name: {en: six}}]
ladders:
  - id: worker
    name: {zh: 职业技能等级, en: Worker ladder}
    framework: nf
    occupations: [{code: lathe, name: {zh: 车工, en: Lathe operator}}]
    rungs:
      - {id: junior, name: {zh: 初级工, en: Junior}, framework_level: 3, aliases: [五级]}
      - {id: intermediate, name: {zh: 中级工, en: Intermediate}, framework_level: 4, aliases: [四级]}
      - {id: senior, name: {zh: 高级工, en: Senior}, framework_level: 5, aliases: [三级]}
issuers:
  - {id: ou, name: {en: Open University}, type: open_university}
  - {id: poly, name: {en: Polytechnic}, type: vocational_college}
  - {id: skills, name: {en: Skills body}, type: skill_evaluation_body}
  - id: acme
    name: {en: Acme Machinery}
    type: enterprise
    accreditations: [{effective: {from: 2020-01-01, to: 2024-12-31}}]
grade_scales:
  - {id: letter, name: {en: Letters}, grades: [F, D, C, B, A]}
catalogues:
  - institution: ou
    courses:
      - {code: M1, name: {en: Mechanics}, credits: 4}
      - {code: M2, name: {en: Machining practice}, credits: 3}
      - {code: M3, name: {en: Drawing}, credits: 2}
      - {code: G1, name: {en: English}, credits: 3}
      - {code: T1, name: {en: Thesis}, credits: 6}
  - institution: poly
    courses:
      - {code: P1, name: {en: Engineering mechanics}, credits: 4}
      - {code: P2, name: {en: Technical drawing}, credits: 3}
programmes:
  - id: mech
    name: {en: Mechanics associate}
    institution: ou
    level: 5
    total_credits: 20
    effective: {from: 2020-01-01}
    categories:
      - {id: core, name: {en: Core}, min_credits: 9}
      - {id: general, name: {en: General}, min_credits: 3}
      - {id: elective, name: {en: Electives}, max_credits: 4}
      - {id: project, name: {en: Project}}
    courses:
      - {code: M1, category: core}
      - {code: M2, category: core}
      - {code: M3, category: core}
      - {code: G1, category: general}
      - {code: T1, category: project, exemptable: false}
    requirements:
      - {id: core_all, name: {en: Core courses}, courses: [M1, M2, M3]}
      - {id: thesis, name: {en: Thesis}, courses: [T1], exemptable: false}
    residency: {min_credits: 8}
    statuses: [{id: half_way, name: {en: Half way}, at_credits: 10}]
"""

RULES = """
recognitions:
  - id: rec.lathe
    effective: {from: 2020-01-01}
    match: {kind: skill_certificate, occupation: lathe}
    by_rung: {junior: 2, intermediate: 4, senior: 6}
  - id: rec.training
    effective: {from: 2020-01-01}
    match: {kind: enterprise_training}
    per_hours: {hours: 16, credits: 1, step: 0.5}
transfers:
  - id: tr.senior_lathe
    effective: {from: 2020-01-01}
    programme: mech
    from: {outcome: {kind: skill_certificate, occupation: lathe, min_rung: intermediate}}
    to: {courses: [M2]}
  - id: tr.poly_bundle
    effective: {from: 2020-01-01}
    programme: mech
    from: {all_of: [{kind: academic_course, issuer: poly, code: P1},
                    {kind: academic_course, issuer: poly, code: P2}]}
    to: {courses: [M1, M3]}
    conditions: {min_grade: C}
  - id: tr.training_elective
    effective: {from: 2020-01-01}
    programme: mech
    from: {outcome: {kind: enterprise_training}}
    to: {category: elective}
equivalences:
  - id: eq.p2_m3
    effective: {from: 2020-01-01}
    from: poly:P2
    to: ou:M3
limits:
  - id: lim.enterprise
    effective: {from: 2020-01-01}
    programme: mech
    scope: {kinds: [enterprise_training]}
    max_credits: 3
"""


def small_ruleset(extra: str = "") -> RuleSet:
    """The small pack, with optional extra YAML (a file of its own)."""
    sources = {"frame.yaml": FRAME, "rules.yaml": RULES}
    if extra:
        sources["extra.yaml"] = extra
    return load_ruleset_from_sources(sources)
