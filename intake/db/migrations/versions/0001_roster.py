"""Roster tables: students, contacts, the links between them, and the import log.

Revision ID: 0001
Revises:
Create Date: 2026-11-28 17:31:18.622616
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("contact_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=32), nullable=False),
        sa.Column("forename", sa.String(length=100), nullable=False),
        sa.Column("surname", sa.String(length=100), nullable=False),
        sa.Column("address_lines", sa.Text(), nullable=False),
        sa.Column("postcode", sa.String(length=16), nullable=False),
        sa.Column("home_phone", sa.String(length=40), nullable=False),
        sa.Column("mobile_phone", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
        sa.UniqueConstraint("contact_id", name=op.f("uq_contacts_contact_id")),
    )
    op.create_table(
        "roster_imports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("students_added", sa.Integer(), nullable=False),
        sa.Column("students_updated", sa.Integer(), nullable=False),
        sa.Column("students_left", sa.Integer(), nullable=False),
        sa.Column("students_returned", sa.Integer(), nullable=False),
        sa.Column("contacts_added", sa.Integer(), nullable=False),
        sa.Column("contacts_updated", sa.Integer(), nullable=False),
        sa.Column("links_added", sa.Integer(), nullable=False),
        sa.Column("links_ended", sa.Integer(), nullable=False),
        sa.Column("flag_changes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_imports")),
    )
    op.create_table(
        "students",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("student_id", sa.String(length=64), nullable=False),
        sa.Column("upn", sa.String(length=13), nullable=False),
        sa.Column("legal_forename", sa.String(length=100), nullable=False),
        sa.Column("legal_surname", sa.String(length=100), nullable=False),
        sa.Column("preferred_forename", sa.String(length=100), nullable=False),
        sa.Column("preferred_surname", sa.String(length=100), nullable=False),
        sa.Column("dob", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("tutor_group", sa.String(length=32), nullable=False),
        sa.Column("previous_tutor_group", sa.String(length=32), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("on_roll", sa.Boolean(), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_students")),
        sa.UniqueConstraint("student_id", name=op.f("uq_students_student_id")),
    )
    with op.batch_alter_table("students", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_students_upn"), ["upn"], unique=False)

    op.create_table(
        "roster_import_files",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("students", sa.Integer(), nullable=False),
        sa.Column("contacts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["roster_imports.id"],
            name=op.f("fk_roster_import_files_import_id_roster_imports"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_import_files")),
    )
    with op.batch_alter_table("roster_import_files", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_roster_import_files_import_id"), ["import_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_roster_import_files_sha256"), ["sha256"], unique=False)

    op.create_table(
        "student_contacts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("student_pk", sa.Integer(), nullable=False),
        sa.Column("contact_pk", sa.Integer(), nullable=False),
        sa.Column("relationship_code", sa.String(length=8), nullable=False),
        sa.Column("parental_responsibility", sa.Boolean(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("court_order", sa.Boolean(), nullable=False),
        sa.Column("no_contact", sa.Boolean(), nullable=False),
        sa.Column("lives_with_pupil", sa.Boolean(), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_pk"], ["contacts.id"], name=op.f("fk_student_contacts_contact_pk_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["student_pk"], ["students.id"], name=op.f("fk_student_contacts_student_pk_students")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_student_contacts")),
        sa.UniqueConstraint("student_pk", "contact_pk", name="uq_student_contacts_pair"),
    )
    with op.batch_alter_table("student_contacts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_student_contacts_contact_pk"), ["contact_pk"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_student_contacts_student_pk"), ["student_pk"], unique=False
        )


def downgrade() -> None:
    op.drop_table("student_contacts")
    op.drop_table("roster_import_files")
    op.drop_table("students")
    op.drop_table("roster_imports")
    op.drop_table("contacts")
