"""Audit chain: a hash on every audit entry, the chain head, and no UPDATE/DELETE on PostgreSQL

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-03 18:40:00

Existing entries are hashed in id order (``intake.audit_chain``), so a log written before this
revision verifies as one chain from its first entry. On PostgreSQL a trigger refuses ``UPDATE``
and ``DELETE`` of ``audit_log`` rows for every role, the table owner included, and the
privileges to change rows are revoked from ``PUBLIC``; ``TRUNCATE`` stays with the owner (a
deliberate reset; ``intake audit verify`` reports it, the chain head survives it).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from intake.audit_chain import GENESIS, HEAD_ID, canonical, link

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AUDIT = sa.table(
    "audit_log",
    sa.column("id", sa.Integer()),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("actor_id", sa.String()),
    sa.column("action", sa.String()),
    sa.column("object_type", sa.String()),
    sa.column("object_id", sa.String()),
    sa.column("detail", sa.JSON()),
    sa.column("prev_hash", sa.String()),
    sa.column("row_hash", sa.String()),
)
_HEAD = sa.table(
    "audit_chain_head",
    sa.column("id", sa.Integer()),
    sa.column("last_id", sa.Integer()),
    sa.column("last_hash", sa.String()),
)

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION intake_audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % of audit_log refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$
"""
_PG_TRIGGER = """
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION intake_audit_log_append_only()
"""


def _hash_existing() -> tuple[int, str]:
    """Chain the entries already written, oldest first; the last id and hash."""
    bind = op.get_bind()
    last_id, last_hash = 0, GENESIS
    rows = bind.execute(sa.select(_AUDIT).order_by(_AUDIT.c.id)).mappings().all()
    for row in rows:
        content = canonical(
            row["id"],
            row["at"],
            row["actor_id"],
            row["action"],
            row["object_type"],
            row["object_id"],
            row["detail"],
        )
        row_hash = link(last_hash, content)
        bind.execute(
            sa.update(_AUDIT)
            .where(_AUDIT.c.id == row["id"])
            .values(prev_hash=last_hash, row_hash=row_hash)
        )
        last_id, last_hash = row["id"], row_hash
    return last_id, last_hash


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("row_hash", sa.String(length=64), nullable=True))
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    last_id, last_hash = _hash_existing()
    op.execute(sa.insert(_HEAD).values(id=HEAD_ID, last_id=last_id, last_hash=last_hash))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(_PG_TRIGGER)
        op.execute("REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS intake_audit_log_append_only()")
    op.drop_table("audit_chain_head")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_column("row_hash")
        batch_op.drop_column("prev_hash")
