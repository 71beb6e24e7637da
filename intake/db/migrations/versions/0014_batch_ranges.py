"""Batch ranges: the pages of one batch read in parallel, a lease per range of pages

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 21:34:36
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "batch_ranges",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("upload_id", sa.String(length=36), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("stop", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(length=80), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_batch_ranges_batch_id_batches")
        ),
        sa.ForeignKeyConstraint(
            ["upload_id"], ["uploads.id"], name=op.f("fk_batch_ranges_upload_id_uploads")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_ranges")),
        sa.UniqueConstraint("upload_id", "start", name="uq_batch_ranges_upload_start"),
    )
    with op.batch_alter_table("batch_ranges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_batch_ranges_batch_id"), ["batch_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("batch_ranges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_batch_ranges_batch_id"))

    op.drop_table("batch_ranges")
