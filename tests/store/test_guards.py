"""The database refuses, whoever asks, to change or remove ledger entries and stored
decisions, or to edit or remove a published rule-set version (migration 0002)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from creditbank.service import audits, rulesets
from tests.store.conftest import NOW, Bank, submit


def sql(bank: Bank, statement: str) -> None:
    with bank.engine.begin() as conn:
        conn.execute(text(statement))


def count(bank: Bank, table: str) -> int:
    with bank.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


@pytest.fixture
def used(bank: Bank) -> Bank:
    """The bank with a ledger entry and a stored decision."""
    submit(bank, [{"learner": "L1", "external_id": "r1", "date": "2023-06-01", "hours": 48}])
    audits.audit_learner(
        bank.engine, learner_id="L1", programme="mech", on=dt.date(2024, 1, 1), actor="r", now=NOW
    )
    return bank


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("UPDATE ledger SET actor = 'mallory'", "ledger entries are append-only"),
        ("DELETE FROM ledger", "ledger entries are append-only"),
        ("UPDATE decisions SET digest = 'x'", "stored decisions never change"),
        ("DELETE FROM decisions", "stored decisions never change"),
    ],
)
def test_ledger_entries_and_decisions_cannot_be_changed_or_removed(
    used: Bank, statement: str, message: str
) -> None:
    before = (count(used, "ledger"), count(used, "decisions"))
    with pytest.raises(IntegrityError, match=message):
        sql(used, statement)
    assert (count(used, "ledger"), count(used, "decisions")) == before


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ruleset_versions SET sources = '{}'",
        "UPDATE ruleset_versions SET effective_from = '2021-01-01'",
        "UPDATE ruleset_versions SET digest = 'x'",
        "UPDATE ruleset_versions SET status = 'draft'",
        "DELETE FROM ruleset_versions",
    ],
)
def test_a_published_version_cannot_be_edited_or_removed(bank: Bank, statement: str) -> None:
    with pytest.raises(IntegrityError, match="a published rule-set version never changes"):
        sql(bank, statement)


def test_a_published_version_can_be_retired_and_a_draft_edited_or_removed(bank: Bank) -> None:
    rulesets.retire(bank.engine, version_id=bank.version_id)
    sql(
        bank,
        "INSERT INTO ruleset_versions (pack_id, digest, sources, status, created_by, "
        "created_at) VALUES ('p', 'd', '{}', 'draft', 'policy', '2026-09-01')",
    )
    sql(bank, "UPDATE ruleset_versions SET digest = 'e' WHERE status = 'draft'")
    sql(bank, "DELETE FROM ruleset_versions WHERE status = 'draft'")
    assert count(bank, "ruleset_versions") == 1
