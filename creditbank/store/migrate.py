"""Alembic, driven from code: ``creditbank db upgrade`` and the migration tests use this."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import make_url, text

from creditbank.errors import CreditBankError
from creditbank.store import tables  # noqa: F401  (registers the tables on the metadata)
from creditbank.store.base import Base
from creditbank.store.session import make_engine

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
"""migrations/ at the repository root (the project is installed editable)."""


def alembic_config(url: str) -> Config:
    """An Alembic configuration for the database at ``url``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Create or migrate the database at ``url`` to ``revision``."""
    command.upgrade(alembic_config(url), revision)


def require_current(url: str) -> None:
    """Refuse, with what to do, a database that does not exist or is not at the latest
    schema, rather than failing later on a missing table (or creating an empty SQLite file)."""
    parsed = make_url(url)
    file = parsed.database if parsed.get_backend_name() == "sqlite" else None
    if file not in (None, "", ":memory:") and not Path(str(file)).exists():
        raise CreditBankError(
            f"no database at {file}; create it with `creditbank db upgrade`", code="db.missing"
        )
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()
    expected = set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
    if current != expected:
        have = ", ".join(sorted(current)) or "no schema"
        raise CreditBankError(
            f"the database {parsed.render_as_string()} is at {have}, this "
            f"version of creditbank needs {', '.join(sorted(expected))}; "
            "run `creditbank db upgrade`",
            code="db.not_current",
        )


def drop_everything(url: str) -> None:
    """Drop every table and Alembic's version table: for test and benchmark databases only."""
    engine = make_engine(url)
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        if conn.dialect.name == "postgresql":  # the guards' trigger function (0002)
            conn.execute(text("DROP FUNCTION IF EXISTS creditbank_refuse()"))
    engine.dispose()


def downgrade(url: str, revision: str = "base") -> None:
    """Migrate the database at ``url`` down to ``revision`` (``base`` empties it)."""
    command.downgrade(alembic_config(url), revision)
