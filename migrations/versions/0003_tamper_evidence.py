"""outcomes guarded like the ledger; signed checkpoints; fingerprints of the bank's keys

An outcome's row can no longer be deleted, and an update may only move its status along the
lifecycle, setting its reason as it moves: its learner, issuer, external id, kind, date and attributes
never change once stored (each deposit's hash covers them). Checkpoints and the heads they
record are append-only. ``key_fingerprints`` remembers which key national ID numbers are
hashed with, so that a bank started with another key refuses to run.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from creditbank.store import guards

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OUTCOME_KEPT = "a stored outcome is never removed: revoke it (creditbank outcomes set N revoke)"
OUTCOME_FROZEN = (
    "a stored outcome never changes; only its status moves along the lifecycle "
    "(submitted, verified, recognised; rejected or revoked), with a ledger entry"
)
CHECKPOINTS_KEPT = "checkpoints are append-only: write a new one"
FROZEN_COLUMNS = (
    "id",
    "learner_id",
    "issuer_id",
    "external_id",
    "kind",
    "obtained_on",
    "attributes",
    "batch_id",
    "created_at",
)
"""Every column of ``outcomes`` but ``status`` and ``status_reason``."""
MOVES = (
    ("submitted", "verified"),
    ("submitted", "rejected"),
    ("verified", "rejected"),
    ("verified", "recognised"),
    ("verified", "revoked"),
    ("recognised", "revoked"),
)
"""The lifecycle's status changes (creditbank.service.outcomes makes no other)."""


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "key_fingerprints",
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("keys", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("purpose", name=op.f("pk_key_fingerprints")),
    )
    op.create_table(
        "checkpoints",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("previous", sa.String(length=64), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkpoints")),
    )
    op.create_table(
        "checkpoint_heads",
        sa.Column("learner_id", sa.String(length=120), nullable=False),
        sa.Column("checkpoint_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkpoint_id"],
            ["checkpoints.id"],
            name=op.f("fk_checkpoint_heads_checkpoint_id_checkpoints"),
        ),
        sa.PrimaryKeyConstraint("learner_id", "checkpoint_id", name=op.f("pk_checkpoint_heads")),
    )
    guards.refuse(postgresql, "outcomes_kept", "DELETE", "outcomes", OUTCOME_KEPT)
    guards.refuse(
        postgresql, "outcomes_frozen", "UPDATE", "outcomes", OUTCOME_FROZEN, _edited(postgresql)
    )
    for table in ("checkpoints", "checkpoint_heads"):
        guards.refuse(postgresql, f"{table}_no_update", "UPDATE", table, CHECKPOINTS_KEPT)
        guards.refuse(postgresql, f"{table}_no_delete", "DELETE", table, CHECKPOINTS_KEPT)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in ("checkpoints", "checkpoint_heads"):
        for event in ("update", "delete"):
            guards.drop(f"{table}_no_{event}", table, postgresql)
    guards.drop("outcomes_kept", "outcomes", postgresql)
    guards.drop("outcomes_frozen", "outcomes", postgresql)
    op.drop_table("checkpoint_heads")
    op.drop_table("checkpoints")
    op.drop_table("key_fingerprints")


def _edited(postgresql: bool) -> str:
    """SQL true when an update changes a frozen column, the status other than along the
    lifecycle, or the reason without the status."""
    frozen = guards.changed(postgresql, FROZEN_COLUMNS, frozenset({"attributes"}))
    reason = guards.changed(postgresql, ("status_reason",), frozenset())
    moves = " OR ".join(f"(OLD.status = '{a}' AND NEW.status = '{b}')" for a, b in MOVES)
    return f"{frozen} OR NOT ((OLD.status = NEW.status AND NOT ({reason})) OR {moves})"
