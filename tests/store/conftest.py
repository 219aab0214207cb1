"""Databases for store and service tests: SQLite always, PostgreSQL when
CREDITBANK_TEST_PG_URL is set. Each test gets an empty database migrated to head."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from creditbank.service import integrity, learners, rulesets, submissions
from creditbank.store import migrate
from creditbank.store.session import make_engine
from tests.engine.small_rules import FRAME, RULES

PG_URL = os.environ.get("CREDITBANK_TEST_PG_URL")
DATABASES = ["sqlite", *(["postgresql"] if PG_URL else [])]
NOW = dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC)


@pytest.fixture(params=DATABASES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'bank.sqlite3'}"
    else:
        assert PG_URL is not None
        url = PG_URL
        migrate.drop_everything(url)
    migrate.upgrade(url)
    yield url
    if request.param == "postgresql":
        migrate.drop_everything(url)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@dataclass(frozen=True)
class Bank:
    """A database with the small rule set published and three learners."""

    engine: Engine
    url: str
    version_id: int


def write_small_pack(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "frame.yaml").write_text(FRAME, encoding="utf-8")
    (root / "rules.yaml").write_text(RULES, encoding="utf-8")
    return root


@pytest.fixture
def bank(engine: Engine, db_url: str, tmp_path: Path) -> Bank:
    root = write_small_pack(tmp_path / "pack")
    version = rulesets.load_draft(engine, root=root, actor="policy", now=NOW)
    rulesets.publish(
        engine, version_id=version.id, effective_from=dt.date(2020, 1, 1), actor="policy", now=NOW
    )
    for learner_id in ("L1", "L2", "L3"):
        learners.register_learner(engine, learner_id=learner_id, now=NOW)
    return Bank(engine, db_url, version.id)


def submit(
    bank: Bank, rows: list[dict[str, Any]], key: str = "k1", **options: Any
) -> submissions.BatchResult:
    """Send ``rows`` as the enterprise acme's batch ``key``, at NOW unless ``options`` say
    otherwise (``options``: the rest of ``submit_batch``'s arguments)."""
    return submissions.submit_batch(
        bank.engine,
        issuer_id="acme",
        idempotency_key=key,
        rows=rows,
        submitter="acme-hr",
        **{"now": NOW, **options},
    )


def verified(engine: Engine, learner_id: str | None = None) -> tuple[int, list[str]]:
    """What ``ledger verify`` reports: ledger entries checked, and every problem as text."""
    report = integrity.verify_bank(engine, learner_id=learner_id)
    return report.entries, [str(p) for p in report.problems]
