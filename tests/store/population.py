"""A small enrolled population on the small test pack plus a second programme, for impact
and re-audit tests: learners with random outcomes of three kinds from three issuers."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from creditbank.service import enrolments, learners, outcomes, rulesets, submissions
from tests.engine.small_rules import FRAME, RULES

NOW = dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC)
SECOND_PROGRAMME = """
programmes:
  - id: draw
    name: {en: Drawing certificate}
    institution: ou
    level: 4
    total_credits: 8
    effective: {from: 2020-01-01}
    categories:
      - {id: core, name: {en: Core}, min_credits: 2}
      - {id: general, name: {en: General}}
    courses:
      - {code: M3, category: core}
      - {code: G1, category: general}
      - {code: T1, category: core, exemptable: false}
    statuses: [{id: started, name: {en: Started}, at_credits: 2}]
transfers:
  - id: tr.draw_p2
    effective: {from: 2020-01-01}
    programme: draw
    from: {outcome: {kind: academic_course, issuer: poly, code: P2}}
    to: {courses: [M3]}
  - id: tr.draw_training
    effective: {from: 2020-01-01}
    programme: draw
    from: {outcome: {kind: enterprise_training}}
    to: {category: general}
limits:
  - id: lim.draw
    effective: {from: 2020-01-01}
    programme: draw
    max_credits: 4
"""
SOURCES = {"frame.yaml": FRAME, "rules.yaml": RULES, "draw.yaml": SECOND_PROGRAMME}
DATES = (dt.date(2024, 1, 1), dt.date(2025, 6, 1))


def write_pack(root: Path, sources: dict[str, str] = SOURCES) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in sources.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def _outcome(rng: random.Random, learner: str, n: int) -> tuple[str, dict[str, Any]]:
    """An issuer and a batch row for one random outcome of ``learner``."""
    row: dict[str, Any] = {"learner": learner, "external_id": f"{learner}-{n}"}
    choice = rng.randrange(3)
    if choice == 0:
        rung = rng.choice(["junior", "intermediate", "senior"])
        year = rng.choice([2018, 2021, 2023])
        row |= {"kind": "skill_certificate", "occupation": "lathe", "rung": rung}
        return "skills", row | {"date": f"{year}-03-01"}
    if choice == 1:
        code, credits = rng.choice([("P1", 4), ("P2", 3)])
        grade = rng.choice(["A", "B", "C", "D"])
        row |= {"kind": "academic_course", "code": code, "credits": credits, "grade": grade}
        return "poly", row | {"date": "2022-07-01"}
    hours = rng.choice([16, 32, 48, 64])
    row |= {"kind": "enterprise_training", "hours": hours, "assessed": True}
    return "acme", row | {"date": rng.choice(["2023-06-01", "2025-02-01"])}


def build(engine: Engine, root: Path, learners_count: int = 40, seed: int = 7) -> int:
    """Publish the pack (from 2020-01-01), add and enrol learners; the version's id."""
    version = rulesets.load_draft(engine, root=write_pack(root), actor="policy", now=NOW)
    rulesets.publish(
        engine, version_id=version.id, effective_from=dt.date(2020, 1, 1), actor="p", now=NOW
    )
    rng = random.Random(seed)
    batches: dict[str, list[dict[str, Any]]] = {}
    for i in range(learners_count):
        learner = f"L{i:03d}"
        learners.register_learner(engine, learner_id=learner, now=NOW)
        for n in range(rng.randrange(5)):
            issuer, row = _outcome(rng, learner, n)
            batches.setdefault(issuer, []).append(row)
        programmes = rng.choice([["mech"], ["mech"], ["draw"], ["mech", "draw"]])
        for programme in programmes:
            enrolments.enrol(
                engine, learner_id=learner, programme=programme, on=rng.choice(DATES), now=NOW
            )
    for issuer, rows in sorted(batches.items()):
        result = submissions.submit_batch(
            engine, issuer_id=issuer, idempotency_key="k", rows=rows, submitter="s", now=NOW
        )
        for row in result.rows:
            outcomes.change_status(
                engine, outcome_id=row["outcome"], action="verify", actor="r", now=NOW
            )
    return version.id
