"""API access: keys that expire, and enrolments (learner, programme, date)

A key may carry an expiry (``expires_at``); past it, as after ``revoked_at``, the API answers
401. An enrolment records that a learner applied to a programme on a date; it is what gives
the programme's institution access to the learner (and, later, what impact reports and
re-audits run over).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.String(length=120), nullable=False),
        sa.Column("programme", sa.String(length=120), nullable=False),
        sa.Column("institution", sa.String(length=120), nullable=False),
        sa.Column("enrolled_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learners.id"], name=op.f("fk_enrolments_learner_id_learners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolments")),
        sa.UniqueConstraint(
            "learner_id", "programme", name=op.f("uq_enrolments_learner_id_programme")
        ),
    )
    op.create_index(op.f("ix_enrolments_institution"), "enrolments", ["institution"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_enrolments_institution"), table_name="enrolments")
    op.drop_table("enrolments")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("expires_at")
