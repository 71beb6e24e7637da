"""Pages remember their template's version, so a form is filled with the template it was printed from

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # pages read before this revision were all read with version 1, the only one there was
    with op.batch_alter_table("pages") as batch:
        batch.add_column(
            sa.Column("template_version", sa.Integer(), nullable=False, server_default="1")
        )


def downgrade() -> None:
    with op.batch_alter_table("pages") as batch:
        batch.drop_column("template_version")
