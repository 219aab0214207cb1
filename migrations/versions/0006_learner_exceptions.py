"""learner exceptions: waivers, substitutions and credit by petition an institution grants

Each row is vouched for by an ``exception`` ledger entry on the learner's chain, and a
withdrawal by an ``exception_withdrawn`` entry; audits apply the exceptions in force.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "learner_exceptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("programme", sa.String(length=120), nullable=False),
        sa.Column("target_kind", sa.String(length=20), nullable=False),
        sa.Column("target", sa.String(length=120), nullable=False),
        sa.Column("institution", sa.String(length=120), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=True),
        sa.Column("credits", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by", sa.String(length=200), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learners.id"], name=op.f("fk_learner_exceptions_learner_id_learners")
        ),
        sa.ForeignKeyConstraint(
            ["outcome_id"], ["outcomes.id"], name=op.f("fk_learner_exceptions_outcome_id_outcomes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learner_exceptions")),
    )
    with op.batch_alter_table("learner_exceptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_learner_exceptions_learner_id"), ["learner_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("learner_exceptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learner_exceptions_learner_id"))
    op.drop_table("learner_exceptions")
