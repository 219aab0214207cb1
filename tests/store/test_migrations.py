"""Alembic owns the schema: upgrade to head and back, and no drift between models and it."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from creditbank.store import migrate
from creditbank.store.base import Base


def test_head_matches_the_models_exactly(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    assert diff == []


def test_downgrade_to_empty_and_upgrade_again(engine: Engine, db_url: str) -> None:
    migrate.downgrade(db_url, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(db_url)
    assert {"learners", "outcomes", "ledger", "batches", "decisions"} <= set(
        inspect(engine).get_table_names()
    )
