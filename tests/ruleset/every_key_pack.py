"""The pack and learner of tests/ruleset/test_every_key_counts.py: every section, every model.

Each rule is written so that its keys are binding for :data:`LEARNER` on :data:`ON` (a cap
that holds something back, a condition that one outcome just meets...), so that changing a
key's value changes the audit, an equivalence answer or a checker finding.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from creditbank.credentials.badges import OB, VC
from creditbank.credentials.proof import public_multibase, sign
from creditbank.domain import Outcome

ON = dt.date(2025, 6, 1)

PACK = """
pack:
  id: every
  name: {zh: 每键, en: Every key}
  framework: nf
  description: {en: Each key changes something}
  accreditation_required_for: [enterprise]
  duplicates: {match_on: [code, title], abbreviations: {CAD: Computer Aided Design}}
frameworks:
  - id: nf
    name: {en: National framework}
    levels: [{level: 3, name: {en: three}}, {level: 4, name: {en: four}},
             {level: 5, name: {en: five}}, {level: 6, name: {en: six}}]
ladders:
  - id: worker
    name: {en: Worker ladder}
    framework: nf
    occupations: [{code: lathe, name: {en: Lathe operator}}]
    subsumes_lower: true
    rungs:
      - {id: junior, name: {zh: 初级工, en: Junior}, framework_level: 3, aliases: [五级]}
      - {id: intermediate, name: {zh: 中级工, en: Intermediate}, framework_level: 4,
         aliases: [四级]}
      - {id: senior, name: {zh: 高级工, en: Senior}, framework_level: 5, implies_education: 专科}
issuers:
  - {id: ou, name: {en: Open University}, type: open_university}
  - {id: poly, name: {en: Polytechnic}, type: vocational_college}
  - {id: uni, name: {en: University}, type: university}
  - {id: skills, name: {en: Skills body}, type: skill_evaluation_body}
  - {id: contest, name: {en: Contest}, type: competition_organiser}
  - {id: trainer, name: {en: Trainer}, type: training_provider}
  - id: beta
    name: {en: Beta}
    type: enterprise
    badges: {id: "https://beta.example/issuer", keys: [BADGE_KEY], kind: training_certificate}
  - id: acme
    name: {en: Acme}
    type: enterprise
    accreditations:
      - {effective: {from: 2020-01-01, to: 2024-12-31}, kinds: [enterprise_training],
         reference: licence 7}
grade_scales:
  - {id: letter, name: {en: Letters}, grades: [F, D, C, B, A]}
  - {id: medals, name: {en: Medals}, grades: [bronze, silver, gold]}
catalogues:
  - institution: ou
    courses:
      - {code: M1, name: {en: Mechanics}, credits: 4, level: 5, field: mech, hours: 64}
      - {code: M2, name: {en: Machining practice}, credits: 3, field: mech}
      - {code: M3, name: {en: Drawing}, credits: 2}
      - {code: G1, name: {en: English}, credits: 3}
      - {code: G2, name: {en: Writing}, credits: 3}
      - {code: E1, name: {en: Workshop}, credits: 2}
      - {code: E2, name: {en: Drafting}, credits: 2}
      - {code: T1, name: {en: Thesis}, credits: 6}
  - institution: poly
    courses:
      - {code: P1, name: {en: Engineering mechanics}, credits: 4}
      - {code: P2, name: {en: Technical drawing}, credits: 3}
      - {code: P3, name: {en: Drawing lab}, credits: 1}
      - {code: P4, name: {en: Workshop basics}, credits: 3}
  - institution: uni
    courses:
      - {code: U1, name: {en: Statics}, credits: 4}
      - {code: U2, name: {en: Rhetoric}, credits: 3}
programmes:
  - id: mech
    name: {en: Mechanics associate}
    effective: {from: 2020-01-01}
    reference: senate 12
    institution: ou
    level: 5
    total_credits: 40
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
      - {code: G2, category: general}
      - {code: E1, category: elective}
      - {code: E2, category: elective}
      - {code: T1, category: project, exemptable: false}
    requirements:
      - {id: core_all, name: {en: Core courses}, courses: [M1, M2, M3]}
      - {id: drawing, name: {en: Drawing}, courses: [E2]}
      - {id: some, name: {en: Some credits}, credits: 8}
    source_minimums:
      - {id: from_courses, name: {en: From courses}, kinds: [academic_course], min_credits: 4}
    residency: {min_credits: 8}
    statuses: [{id: half_way, name: {en: Half way}, at_credits: 10}]
    articulation: {chain: true, max_depth: 2, min_grade: D, min_overlap: 0.5}
recognitions:
  - id: rec.lathe
    name: {en: Lathe certificates}
    effective: {from: 2020-01-01}
    match: {kind: skill_certificate, occupation: lathe}
    by_rung: {junior: 2, intermediate: 4, senior: 6}
    field: machining
  - id: rec.training
    effective: {from: 2020-01-01}
    match: {kind: enterprise_training}
    conditions: {assessed: true}
    per_hours: {hours: 16, credits: 1, step: 0.5, rounding: down, max: 4}
  - id: rec.award
    effective: {from: 2020-01-01}
    match: {kind: competition_award}
    by_grade: {silver: 2, gold: 3}
  - id: rec.course
    effective: {from: 2020-01-01}
    match: {kind: academic_course}
    ratio: {factor: 2/3, rounding: half_up, step: 0.5}
    level: 5
  - id: rec.cert
    effective: {from: 2020-01-01}
    match: {kind: training_certificate}
    credits: 2
  - id: rec.cert_trainer
    effective: {from: 2020-01-01}
    match: {kind: training_certificate, issuer: trainer}
    credits: 1
placements:
  - id: pl.cert
    effective: {from: 2020-01-01}
    match: {kind: training_certificate}
    level: 4
    education_level: 中专
exclusions:
  - id: ex.no_exam
    effective: {from: 2020-01-01}
    match: {kind: training_certificate, exam_based: false}
    programme: [mech]
    reason: {en: no exam}
transfers:
  - id: tr.lathe
    effective: {from: 2020-01-01}
    programme: mech
    from: {outcome: {kind: skill_certificate, occupation: lathe}}
    conditions: {min_rung: intermediate}
    to: {courses: [M2]}
  - id: tr.lathe_part
    effective: {from: 2020-01-01}
    programme: mech
    from: {outcome: {kind: skill_certificate, occupation: lathe}}
    to: {courses: [M2], credits: 2}
    priority: -1
  - id: tr.drawing
    effective: {from: 2020-01-01}
    programme: mech
    from: {all_of: [{kind: academic_course, issuer: poly, code: P2},
                    {kind: academic_course, issuer: poly, code: P3}]}
    to: {courses: [M3]}
    conditions: {min_grade: C}
  - id: tr.training
    effective: {from: 2020-01-01}
    programme: mech
    from: {outcome: {kind: enterprise_training}}
    to: {category: [elective]}
  - id: tr.award
    effective: {from: 2020-01-01}
    programme: mech
    from: {outcome: {kind: competition_award, max_rank: 3}}
    to: {category: [general], credits: 2}
  - id: tr.workshop
    effective: {from: 2020-01-01}
    programme: mech
    from: {outcome: {kind: academic_course, issuer: poly, code: P4}}
    to: {courses: [E1], credits: 1}
    grade_mark: {en: exempt}
  - id: tr.cert_reject
    effective: {from: 2020-01-01}
    programme: mech
    from: {outcome: {kind: training_certificate, issuer: trainer}}
    to: {reject: true, reason: {en: not at degree level}}
equivalences:
  - {id: eq.p1_m1, effective: {from: 2020-01-01}, from: "poly:P1", to: "ou:M1"}
  - {id: eq.u1_p1, effective: {from: 2020-01-01}, from: "uni:U1", to: "poly:P1", overlap: 0.8}
  - {id: eq.u2_g2, effective: {from: 2020-01-01}, from: "uni:U2", to: "ou:G2", ratio: 0.5}
  - {id: eq.e2_u2, effective: {from: 2020-01-01}, from: "ou:E2", to: "uni:U2", both_ways: true}
limits:
  - id: lim.enterprise
    effective: {from: 2020-01-01}
    programme: mech
    scope: {kinds: [enterprise_training]}
    max_credits: 3
  - id: lim.mech_field
    effective: {from: 2020-01-01}
    programme: mech
    scope: {fields: [mech]}
    max_credits: 6
recency:
  - id: rcy.courses
    effective: {from: 2020-01-01}
    programme: mech
    scope: {kinds: [academic_course]}
    max_age_years: 8
subsumptions:
  - id: sub.award
    effective: {from: 2020-01-01}
    levels: [{kind: competition_award}, {kind: competition_award, max_rank: 3}]
substitutes:
  - {id: subst.drawing, effective: {from: 2020-01-01}, programme: mech, courses: [E2, E1]}
"""

OUTCOMES: list[dict[str, Any]] = [
    {"id": "lathe", "kind": "skill_certificate", "issuer": "skills", "date": "2023-01-01",
     "occupation": "lathe", "rung": "senior"},
    {"id": "lathe0", "kind": "skill_certificate", "issuer": "skills", "date": "2022-01-01",
     "occupation": "lathe", "rung": "五级"},
    {"id": "lathe1", "kind": "skill_certificate", "issuer": "skills", "date": "2022-02-01",
     "occupation": "lathe", "rung": "四级"},
    {"id": "old", "kind": "academic_course", "issuer": "poly", "code": "P1", "credits": 4,
     "grade": "A", "date": "2015-06-01"},
    {"id": "px", "kind": "academic_course", "issuer": "poly", "code": "P2", "credits": 3,
     "grade": "良好", "date": "2023-06-01"},
    {"id": "p2", "kind": "academic_course", "issuer": "poly", "code": "P2", "credits": 3,
     "grade": "C", "date": "2022-06-01", "title": "Technical drawing"},
    {"id": "p3", "kind": "academic_course", "issuer": "poly", "code": "P3", "credits": 1,
     "grade": "B", "date": "2022-06-01"},
    {"id": "p4", "kind": "academic_course", "issuer": "poly", "code": "P4", "credits": 3,
     "grade": "B", "date": "2022-06-01"},
    {"id": "u1", "kind": "academic_course", "issuer": "uni", "code": "U1", "credits": 4,
     "grade": "D", "date": "2021-06-01", "field": "mech"},
    {"id": "u2", "kind": "academic_course", "issuer": "uni", "code": "U2", "credits": 3,
     "grade": "B", "date": "2021-06-01"},
    {"id": "g1", "kind": "academic_course", "issuer": "ou", "code": "G1", "credits": 3,
     "grade": "B", "date": "2024-06-01"},
    {"id": "train1", "kind": "enterprise_training", "issuer": "acme", "date": "2024-03-01",
     "hours": 40, "assessed": True, "delivery": "online", "title": "CAD basics"},
    {"id": "train2", "kind": "enterprise_training", "issuer": "acme", "date": "2024-09-01",
     "hours": 24, "assessed": True, "delivery": "in_person"},
    {"id": "train3", "kind": "enterprise_training", "issuer": "beta", "date": "2024-03-01",
     "hours": 16, "assessed": True},
    {"id": "train4", "kind": "enterprise_training", "issuer": "acme", "date": "2024-04-01",
     "hours": 40, "assessed": True, "title": "Computer Aided Design basics"},
    {"id": "award", "kind": "competition_award", "issuer": "contest", "date": "2024-05-01",
     "grade": "gold", "rank": 2},
    {"id": "award2", "kind": "competition_award", "issuer": "contest", "date": "2024-05-01",
     "grade": "silver", "rank": 5},
    {"id": "cert", "kind": "training_certificate", "issuer": "trainer", "date": "2024-01-01"},
    {"id": "cert2", "kind": "training_certificate", "issuer": "skills", "date": "2024-01-01",
     "exam_based": False},
]  # fmt: skip

LEARNER = [Outcome.model_validate(o) for o in OUTCOMES]

BADGE_SIGNER = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
"""Beta's badge key (fixed, so the pack's text is too)."""
PACK = PACK.replace("BADGE_KEY", public_multibase(BADGE_SIGNER.public_key()))


def badge() -> dict[str, Any]:
    """An Open Badge that beta signed (a Course), as beta sends it."""
    document = {
        "@context": [VC, OB],
        "id": "https://beta.example/credentials/1",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "https://beta.example/issuer", "type": ["Profile"]},
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://beta.example/achievements/1",
                "type": ["Achievement"],
                "achievementType": "Course",
                "name": "Welding",
                "description": "Welding",
                "criteria": {"narrative": "Passed"},
            },
        },
    }
    method = "https://beta.example/issuer#" + public_multibase(BADGE_SIGNER.public_key())
    return sign(document, BADGE_SIGNER, method, "2024-01-01T00:00:00Z", as_set=True)
