"""The demo bank of scripts/run: seeding twice adds nothing the second time, the demo
outcomes are verified and recognised, and the demo keys are kept while the bank accepts
them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine, func, select

from creditbank.service import demo, keys
from creditbank.store.session import session_scope
from creditbank.store.tables import Batch, LedgerEntry, OutcomeRow
from tests.store.conftest import NOW, db_url, engine

__all__ = ["db_url", "engine"]

ROOT = Path(__file__).resolve().parents[2]
PACKS = sorted(p for p in (ROOT / "rules").iterdir() if (p / "pack.yaml").exists())
LEARNERS = sorted((ROOT / "scripts" / "examples").glob("learner-*.json"))


def counts(engine: Engine) -> tuple[int, int, int]:
    with session_scope(engine, read_only=True) as session:
        return (
            session.scalar(select(func.count()).select_from(OutcomeRow)) or 0,
            session.scalar(select(func.count()).select_from(Batch)) or 0,
            session.scalar(select(func.count()).select_from(LedgerEntry)) or 0,
        )


def test_seeding_twice_adds_nothing_the_second_time(engine: Engine) -> None:
    first = demo.seed(engine, packs=PACKS, learner_files=LEARNERS, now=NOW)
    after_first = counts(engine)
    second = demo.seed(engine, packs=PACKS, learner_files=LEARNERS, now=NOW)

    assert first.added and not first.present
    assert not second.added and second.present
    assert counts(engine) == after_first
    with session_scope(engine, read_only=True) as session:
        statuses = set(session.scalars(select(OutcomeRow.status)))
    assert statuses == {"recognised"}  # every example outcome earns bank credits
    assert after_first[0] == 11  # the example learners' outcomes


def test_demo_keys_are_kept_while_the_bank_accepts_them(engine: Engine) -> None:
    made, names = demo.demo_keys(engine, {}, NOW)
    assert names == list(demo.CALLERS)
    again, none = demo.demo_keys(engine, made, NOW)
    assert (again, none) == (made, [])

    with session_scope(engine, read_only=True) as session:
        revoked = keys.authenticate(session, made["LEARNER_KEY"], NOW)
    assert revoked is not None
    keys.revoke_key(engine, key_id=revoked.key_id, now=NOW)
    later = NOW + dt.timedelta(minutes=1)
    replaced, renewed = demo.demo_keys(engine, {**made, "ADMIN_KEY": made["POLICY_KEY"]}, later)
    assert renewed == ["LEARNER_KEY", "ADMIN_KEY"]  # revoked; another role's key
    assert replaced["LEARNER_KEY"] != made["LEARNER_KEY"]
    assert replaced["ENTERPRISE_KEY"] == made["ENTERPRISE_KEY"]
