"""re-audits after publishing: a run per version and its partitions of enrolments

``creditbank reaudit --version N`` records its run and the enrolment id bounds of its
partitions; a partition's decisions and its ``done_at`` are written in one transaction, so a
run interrupted (or a worker killed) and started again does the rest and duplicates nothing.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reaudit_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("previous_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["ruleset_versions.id"],
            name=op.f("fk_reaudit_runs_version_id_ruleset_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["previous_id"],
            ["ruleset_versions.id"],
            name=op.f("fk_reaudit_runs_previous_id_ruleset_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reaudit_runs")),
        sa.UniqueConstraint("version_id", name=op.f("uq_reaudit_runs_version_id")),
    )
    op.create_table(
        "reaudit_partitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("first", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decisions", sa.Integer(), nullable=False),
        sa.Column("changed", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["reaudit_runs.id"], name=op.f("fk_reaudit_partitions_run_id_reaudit_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reaudit_partitions")),
        sa.UniqueConstraint("run_id", "first", name=op.f("uq_reaudit_partitions_run_id_first")),
    )


def downgrade() -> None:
    op.drop_table("reaudit_partitions")
    op.drop_table("reaudit_runs")
