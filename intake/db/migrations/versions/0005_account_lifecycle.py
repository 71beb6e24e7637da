"""Account lifecycle: link status (suspended / ended, leaver grace), account suspension and
deactivation times, and the account_changes log

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("account_children", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=16), server_default="active", nullable=False)
        )
        batch_op.add_column(sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("suspended_cause", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("suspended_by_import_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("ended_cause", sa.String(length=32), nullable=True))
    with op.batch_alter_table("portal_accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "account_changes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("contact_id", sa.String(length=64), nullable=False),
        sa.Column("student_id", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("cause", sa.String(length=100), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_changes")),
    )
    with op.batch_alter_table("account_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_changes_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_account_changes_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_account_changes_import_id"), ["import_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("account_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_changes_import_id"))
        batch_op.drop_index(batch_op.f("ix_account_changes_account_id"))
        batch_op.drop_index(batch_op.f("ix_account_changes_at"))
    op.drop_table("account_changes")
    with op.batch_alter_table("portal_accounts", schema=None) as batch_op:
        batch_op.drop_column("deactivated_at")
        batch_op.drop_column("suspended_at")
    with op.batch_alter_table("account_children", schema=None) as batch_op:
        for name in (
            "ended_cause",
            "ended_at",
            "ends_at",
            "suspended_by_import_id",
            "suspended_cause",
            "suspended_at",
            "status",
        ):
            batch_op.drop_column(name)
