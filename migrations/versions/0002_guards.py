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

from creditbank.store import guards

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
        guards.create_refuse_function()
    for table, message in APPEND_ONLY.items():
        guards.refuse(postgresql, f"{table}_no_update", "UPDATE", table, message)
        guards.refuse(postgresql, f"{table}_no_delete", "DELETE", table, message)
    versions = "ruleset_versions"
    guards.refuse(
        postgresql, f"{versions}_frozen", "UPDATE", versions, PUBLISHED, _changed(postgresql)
    )
    guards.refuse(
        postgresql, f"{versions}_kept", "DELETE", versions, PUBLISHED, "OLD.status <> 'draft'"
    )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in APPEND_ONLY:
        for event in ("update", "delete"):
            guards.drop(f"{table}_no_{event}", table, postgresql)
    for name in ("ruleset_versions_frozen", "ruleset_versions_kept"):
        guards.drop(name, "ruleset_versions", postgresql)
    if postgresql:
        op.execute(f"DROP FUNCTION IF EXISTS {guards.REFUSE_FUNCTION}()")


def _changed(postgresql: bool) -> str:
    """SQL true when an update of a version that is no longer a draft changes any column but
    the status, or the status other than from published to retired."""
    edited = guards.changed(postgresql, FROZEN_COLUMNS, frozenset({"sources"}))
    status = "NOT (OLD.status = NEW.status OR (OLD.status = 'published' AND NEW.status = 'retired'))"
    return f"OLD.status <> 'draft' AND ({edited} OR {status})"
