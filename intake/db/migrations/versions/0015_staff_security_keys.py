"""Staff security keys and passkeys (WebAuthn): public keys and counters, a table of their own

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 19:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_security_keys",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("credential_id", sa.String(length=1400), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sign_count", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["staff_users.id"],
            name=op.f("fk_staff_security_keys_user_id_staff_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_security_keys")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_staff_security_keys_credential_id")),
    )
    with op.batch_alter_table("staff_security_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_staff_security_keys_user_id"), ["user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("staff_security_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_security_keys_user_id"))
    op.drop_table("staff_security_keys")
