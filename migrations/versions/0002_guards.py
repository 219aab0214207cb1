"""the database itself refuses changes to the ledger, stored decisions and published versions

The code only ever appends ledger entries and decisions, and never changes a published
rule-set version; these triggers make that hold for every client of the database too (a
script, a console, a future bug). A ledger entry or decision cannot be updated or deleted; a
published version can only be retired, never edited or deleted. Inserts are not slowed.
Someone who can drop triggers can still tamper: the ledger's hash chain shows it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 02:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = {
    "ledger": "ledger entries are append-only: correct one with a new entry",
    "decisions": "stored decisions never change: audit again to make a new one",
}
PUBLISHED = "a published rule-set version never changes: load a new draft (it may be retired)"
FROZEN_COLUMNS = (
    "pack_id",
    "digest",
    "sources",
    "effective_from",
    "created_by",
    "created_at",
    "published_at",
)
"""Every column of ``ruleset_versions`` but ``id`` and ``status``."""


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        # restrict_violation (23001): drivers report it as an integrity error, like a constraint
        op.execute(
            "CREATE OR REPLACE FUNCTION creditbank_refuse() RETURNS trigger LANGUAGE plpgsql "
            "AS $$ BEGIN RAISE EXCEPTION USING MESSAGE = TG_ARGV[0], "
            "ERRCODE = 'restrict_violation'; END $$"
        )
    for table, message in APPEND_ONLY.items():
        _refuse(postgresql, f"{table}_no_update", "UPDATE", table, message)
        _refuse(postgresql, f"{table}_no_delete", "DELETE", table, message)
    versions = "ruleset_versions"
    _refuse(postgresql, f"{versions}_frozen", "UPDATE", versions, PUBLISHED, _changed(postgresql))
    _refuse(postgresql, f"{versions}_kept", "DELETE", versions, PUBLISHED, "OLD.status <> 'draft'")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in APPEND_ONLY:
        for event in ("update", "delete"):
            op.execute(_drop(f"{table}_no_{event}", table, postgresql))
    for name in ("ruleset_versions_frozen", "ruleset_versions_kept"):
        op.execute(_drop(name, "ruleset_versions", postgresql))
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS creditbank_refuse()")


def _drop(name: str, table: str, postgresql: bool) -> str:
    return f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgresql else "")


def _changed(postgresql: bool) -> str:
    """SQL true when an update of a version that is no longer a draft changes any column but
    the status, or the status other than from published to retired."""
    differs = "IS DISTINCT FROM" if postgresql else "IS NOT"  # SQLite's spelling

    def column(name: str) -> str:
        cast = "::text" if postgresql and name == "sources" else ""  # json has no equality
        return f"NEW.{name}{cast} {differs} OLD.{name}{cast}"

    edited = " OR ".join(column(c) for c in FROZEN_COLUMNS)
    status = "NOT (OLD.status = NEW.status OR (OLD.status = 'published' AND NEW.status = 'retired'))"
    return f"OLD.status <> 'draft' AND ({edited} OR {status})"


def _refuse(
    postgresql: bool, name: str, when: str, table: str, message: str, condition: str = ""
) -> None:
    """A trigger that refuses ``when`` (UPDATE or DELETE) on ``table`` with ``message``,
    for every row or only where ``condition`` holds."""
    if postgresql:
        op.execute(
            f"CREATE TRIGGER {name} BEFORE {when} ON {table} FOR EACH ROW"
            + (f" WHEN ({condition})" if condition else "")
            + f" EXECUTE FUNCTION creditbank_refuse('{message}')"
        )
    else:
        op.execute(
            f"CREATE TRIGGER {name} BEFORE {when} ON {table}"
            + (f" WHEN {condition}" if condition else "")
            + f" BEGIN SELECT RAISE(ABORT, '{message}'); END"
        )
