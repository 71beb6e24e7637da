"""New contact details verified for the MIS (``mis_changes``)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 22:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mis_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("form_id", sa.String(length=36), nullable=False),
        sa.Column("field_id", sa.String(length=40), nullable=False),
        sa.Column("contact_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("verified_by", sa.String(length=36), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["form_id"], ["forms.id"], name=op.f("fk_mis_changes_form_id_forms")
        ),
        sa.ForeignKeyConstraint(
            ["verified_by"], ["staff_users.id"], name=op.f("fk_mis_changes_verified_by_staff_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mis_changes")),
        sa.UniqueConstraint("form_id", "field_id", name="uq_mis_changes_form_field"),
    )
    with op.batch_alter_table("mis_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mis_changes_form_id"), ["form_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("mis_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mis_changes_form_id"))
    op.drop_table("mis_changes")
