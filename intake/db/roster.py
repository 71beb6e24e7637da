"""Roster tables: students, contacts, the links between them, and the import log.

Rows are keyed by the MIS's ids (``students.student_id``, ``contacts.contact_id``, unique); other
areas refer to them by those ids as plain strings, so a re-import updates rows in place and never
breaks their references. Leavers stay with ``on_roll = False``; a contact or link that a full
import no longer holds is marked (``current = False`` / ``ended_at``), never deleted.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from intake.db.base import Base


def utcnow() -> datetime:
    return datetime.now(UTC)


class StudentRow(Base):
    __tablename__ = "students"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    student_id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    upn: Mapped[str] = mapped_column(String(13), nullable=False, default="", index=True)
    legal_forename: Mapped[str] = mapped_column(String(100), nullable=False)
    legal_surname: Mapped[str] = mapped_column(String(100), nullable=False)
    preferred_forename: Mapped[str] = mapped_column(String(100), nullable=False)
    preferred_surname: Mapped[str] = mapped_column(String(100), nullable=False)
    dob: Mapped[date] = mapped_column(Date, nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    tutor_group: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    previous_tutor_group: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    sex: Mapped[str] = mapped_column(String(1), nullable=False, default="")
    on_roll: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    left_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    links: Mapped[list[StudentContactRow]] = relationship(back_populates="student")


class ContactRow(Base):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contact_id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    title: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    forename: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    surname: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    #: address lines joined with newlines (a line never holds one)
    address_lines: Mapped[str] = mapped_column(Text, nullable=False, default="")
    postcode: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    home_phone: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    mobile_phone: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    email: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    #: False once a full import no longer holds the contact
    current: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    links: Mapped[list[StudentContactRow]] = relationship(back_populates="contact")


class StudentContactRow(Base):
    """One contact's standing for one student, as the MIS records it."""

    __tablename__ = "student_contacts"
    __table_args__ = (
        UniqueConstraint("student_pk", "contact_pk", name="uq_student_contacts_pair"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    student_pk: Mapped[int] = mapped_column(ForeignKey("students.id"), nullable=False, index=True)
    contact_pk: Mapped[int] = mapped_column(ForeignKey("contacts.id"), nullable=False, index=True)
    relationship_code: Mapped[str] = mapped_column(String(8), nullable=False)
    parental_responsibility: Mapped[bool] = mapped_column(Boolean, nullable=False)
    priority: Mapped[int] = mapped_column(Integer, nullable=False)
    court_order: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    no_contact: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    lives_with_pupil: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    #: set when an import no longer holds the link; cleared if it comes back
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    student: Mapped[StudentRow] = relationship(back_populates="links")
    contact: Mapped[ContactRow] = relationship(back_populates="links")


class RosterImportRow(Base):
    """One ``intake roster import``: when, what kind, and what it changed (counts only)."""

    __tablename__ = "roster_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    full: Mapped[bool] = mapped_column(Boolean, nullable=False)
    students_added: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    students_updated: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    students_left: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    students_returned: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    contacts_added: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    contacts_updated: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    links_added: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    links_ended: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    flag_changes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    files: Mapped[list[RosterImportFileRow]] = relationship(back_populates="roster_import")


class RosterImportFileRow(Base):
    __tablename__ = "roster_import_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    import_id: Mapped[int] = mapped_column(
        ForeignKey("roster_imports.id"), nullable=False, index=True
    )
    file_name: Mapped[str] = mapped_column(String(255), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)  # csv, ctf
    students: Mapped[int] = mapped_column(Integer, nullable=False)
    contacts: Mapped[int] = mapped_column(Integer, nullable=False)

    roster_import: Mapped[RosterImportRow] = relationship(back_populates="files")
