"""A demo bank for newcomers (``scripts/run``): the sample packs published, learners with
verified outcomes sent in by their issuers as batches, one enrolment, and one API key per
role. Every step looks before it writes, so seeding a seeded bank adds nothing and says so.

The demo keys are kept in plain text by the caller (a local, clearly labelled file), so that
the same keys work across restarts; a stored key the bank no longer accepts (revoked, expired,
another database) is replaced by a new one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from creditbank.service import enrolments, keys, learners, outcomes, rulesets, submissions
from creditbank.service.batch_files import BANK_FIELDS
from creditbank.service.learner_file import LearnerFile, read_learner
from creditbank.store.session import session_scope
from creditbank.store.tables import Learner, OutcomeRow

EFFECTIVE_FROM = dt.date(2020, 9, 1)
"""The sample packs' publication date: before every demo outcome and application date."""
ENROLMENT = ("L-2026-0001", "ouc-mechatronics-associate", dt.date(2026, 9, 1))
"""The demo learner's application: what lets the demo institution see and verify its outcomes."""
PACK = "cn-open-university"
"""The pack the demo recognises outcomes under (bank credits, which credentials export)."""
EMPLOYER = "xiangjiang-heavy"
ACTOR = "demo"
CALLERS: dict[str, tuple[str, str | None]] = {
    "ENTERPRISE_KEY": ("enterprise", EMPLOYER),
    "INSTITUTION_KEY": ("institution", "ouc"),
    "LEARNER_KEY": ("learner", ENROLMENT[0]),
    "POLICY_KEY": ("policy", None),
    "ADMIN_KEY": ("admin", None),
}
"""The demo's callers by the shell variable the README's walkthrough uses for their key."""


@dataclass
class SeedReport:
    """What a seeding stored, and what it found already there."""

    added: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)

    def note(self, new: bool, what: str) -> None:
        (self.added if new else self.present).append(what)


def seed(
    engine: Engine, *, packs: Iterable[Path], learner_files: Iterable[Path], now: dt.datetime
) -> SeedReport:
    """Publish ``packs``, open each learner file's account, send its outcomes as one batch
    per issuer, verify and recognise them, and enrol the demo learner; nothing twice."""
    report = SeedReport()
    for root in packs:
        _publish(engine, root, now, report)
    for path in learner_files:
        _deposit(engine, read_learner(path), now, report)
    learner_id, programme, on = ENROLMENT
    with session_scope(engine, read_only=True) as session:
        known = enrolments.is_enrolled(session, learner_id, CALLERS["INSTITUTION_KEY"][1] or "")
    enrolments.enrol(engine, learner_id=learner_id, programme=programme, on=on, now=now)
    report.note(not known, f"enrolment of {learner_id} in {programme}")
    return report


def _publish(engine: Engine, root: Path, now: dt.datetime, report: SeedReport) -> None:
    version = rulesets.load_draft(engine, root=root, actor=ACTOR, now=now)
    if version.status == "draft":
        rulesets.publish(
            engine, version_id=version.id, effective_from=EFFECTIVE_FROM, actor=ACTOR, now=now
        )
    what = f"pack {version.pack_id} published as version {version.id} from {EFFECTIVE_FROM}"
    report.note(version.status == "draft", what)


def _deposit(engine: Engine, item: LearnerFile, now: dt.datetime, report: SeedReport) -> None:
    with session_scope(engine, read_only=True) as session:
        existed = session.get(Learner, item.learner) is not None
    learners.register_learner(engine, learner_id=item.learner, now=now, employer_id=EMPLOYER)
    report.note(not existed, f"learner {item.learner}")
    by_issuer: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for outcome in item.outcomes:
        row = outcome.model_dump(mode="json", exclude_none=True, exclude=set(BANK_FIELDS))
        by_issuer[outcome.issuer].append(
            {"learner": item.learner, "external_id": outcome.id, **row}
        )
    for issuer, rows in sorted(by_issuer.items()):
        result = submissions.submit_batch(
            engine,
            issuer_id=issuer,
            idempotency_key=f"demo-{item.learner}",
            rows=rows,
            submitter=f"{ACTOR}:{issuer}",
            now=now,
        )
        ids = [r["outcome"] for r in result.rows if r.get("outcome") is not None]
        _verify(engine, ids, now)
        what = f"batch {result.batch_id} from {issuer}: {len(ids)} verified outcome(s)"
        report.note(not result.replayed, what)
    found = outcomes.recognise(
        engine, learner_id=item.learner, on=ENROLMENT[2], actor=ACTOR, now=now, pack_id=PACK
    )
    if recognised := sum(r["status"] == "recognised" for r in found):
        report.note(True, f"{recognised} outcome(s) of {item.learner} recognised (bank credits)")


def _verify(engine: Engine, outcome_ids: list[int], now: dt.datetime) -> None:
    """Verify those still submitted (a run stopped half-way left them so)."""
    with session_scope(engine, read_only=True) as session:
        waiting = [i for i in outcome_ids if _status(session.get(OutcomeRow, i)) == "submitted"]
    for ident in waiting:
        outcomes.change_status(engine, outcome_id=ident, action="verify", actor=ACTOR, now=now)


def _status(row: OutcomeRow | None) -> str | None:
    return None if row is None else row.status


def demo_keys(
    engine: Engine, stored: dict[str, str], now: dt.datetime
) -> tuple[dict[str, str], list[str]]:
    """One key per demo caller: a ``stored`` key the bank still accepts for that caller is
    kept, any other is made anew. Returns the keys by variable name, and the names made."""
    made, result = [], {}
    with session_scope(engine, read_only=True) as session:
        valid = {
            name: key
            for name, key in stored.items()
            if name in CALLERS
            and (who := keys.authenticate(session, key, now)) is not None
            and (who.role, who.scope_id) == CALLERS[name]
        }
    for name, (role, scope) in CALLERS.items():
        if name in valid:
            result[name] = valid[name]
            continue
        result[name] = keys.create_key(engine, role=role, scope_id=scope, now=now)
        made.append(name)
    return result, made
