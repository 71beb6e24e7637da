"""Subject access: everything held on one person, as JSON plus a PDF of their form pages.

What is written (``person-<id>.json``): the roster record and its links (with the flags), the
portal account (never a password or hash) with its children, printed letters, delivery and
collections, every form that names the person with its read values, proposals, links, edits,
decisions and pages, child-protection holds on a student, earlier exports, and the audit entries
about any of these ids. ``person-<id>-pages.pdf`` holds each page image of those forms, one a
page; stored rejection letters are written as they are. Forms and the audit log can hold other
people's data (a second parent, brothers and sisters): whoever answers the request reviews the
files before disclosure. Exporting is audited with ids and counts only.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from intake.accounts.ports import AuditRecorder
from intake.bidi import escape_json
from intake.db.accounts import ChildHold, FormDecision, LetterPrint, PortalAccount, RejectionLetter
from intake.db.records import LetterCollection, LetterDelivery, SubjectExport
from intake.db.roster import ContactRow, StudentRow
from intake.db.workflow import AuditEntry, Form, FormEdit, Page
from intake.records.pages_pdf import PageImage, render_pages
from intake.records.people import CONTACT, Person, accounts_of, forms_naming, links_of
from intake.storage import Storage

_SKIP = {"password_hash", "previous_hashes", "version", "row_version"}


@dataclass(frozen=True)
class ExportFile:
    name: str
    body: bytes


def _row(obj: Any) -> dict[str, Any]:
    """A table row's columns (never password hashes)."""
    return {c.key: getattr(obj, c.key) for c in obj.__mapper__.column_attrs if c.key not in _SKIP}


def _roster(session: Session, person: Person) -> dict[str, Any] | None:
    table = ContactRow if person.kind == CONTACT else StudentRow
    column = ContactRow.contact_id if person.kind == CONTACT else StudentRow.student_id
    row = session.scalars(select(table).where(column == person.person_id)).one_or_none()
    if row is None:
        return None
    out = _row(row)
    out.pop("id", None)
    out["links"] = [
        {
            **{k: v for k, v in _row(link).items() if k not in ("id", "student_pk", "contact_pk")},
            "student_id": s,
            "contact_id": c,
        }
        for link, s, c in links_of(session, person)
    ]
    return out


def _account(session: Session, account: PortalAccount) -> dict[str, Any]:
    out = _row(account)
    out["children"] = [_row(link) for link in account.children]
    out["letters_printed"] = [
        _row(p)
        for p in session.scalars(select(LetterPrint).where(LetterPrint.account_id == account.id))
    ]
    delivery = session.get(LetterDelivery, account.id)
    out["letter_delivery"] = _row(delivery) if delivery else None
    out["collections"] = [
        _row(c)
        for c in session.scalars(
            select(LetterCollection).where(LetterCollection.account_id == account.id)
        )
    ]
    return out


def _form(session: Session, form: Form) -> dict[str, Any]:
    out = _row(form)
    out["pages"] = [
        {k: v for k, v in _row(p).items() if k not in ("scan_key", "image_key")}
        for p in _pages(session, [form.id])
    ]
    out["edits"] = [
        _row(e) for e in session.scalars(select(FormEdit).where(FormEdit.form_id == form.id))
    ]
    out["decisions"] = [
        _row(d)
        for d in session.scalars(select(FormDecision).where(FormDecision.form_id == form.id))
    ]
    out["rejection_letters"] = [
        {
            "id": r.id,
            "slot": r.slot,
            "created_at": r.created_at,
            "file": f"rejection-letter-{r.id}.pdf",
        }
        for r in session.scalars(select(RejectionLetter).where(RejectionLetter.form_id == form.id))
    ]
    return out


def _pages(session: Session, form_ids: Iterable[str]) -> list[Page]:
    return list(
        session.scalars(
            select(Page)
            .where(Page.form_id.in_(list(form_ids)))
            .order_by(Page.form_id, Page.page_number, Page.id)
        )
    )


def gather(session: Session, person: Person, now: datetime) -> dict[str, Any]:
    """Everything held on ``person``, as plain data for JSON."""
    accounts = accounts_of(session, person)
    forms = forms_naming(session, person)
    holds = []
    if person.kind != CONTACT:
        holds = list(
            session.scalars(select(ChildHold).where(ChildHold.student_id == person.person_id))
        )
    exports = list(
        session.scalars(select(SubjectExport).where(SubjectExport.subject_id == person.person_id))
    )
    ids = {
        person.person_id,
        *(a.id for a in accounts),
        *(f.id for f in forms),
        *(h.id for h in holds),
    }
    audit = session.scalars(
        select(AuditEntry)
        .where(
            or_(AuditEntry.object_id.in_(ids), AuditEntry.actor_id.in_([a.id for a in accounts]))
        )
        .order_by(AuditEntry.id)
    )
    return {
        "subject": {"kind": person.kind, "id": person.person_id},
        "generated_at": now,
        "note": "Review before disclosure: forms and audit entries can hold other people's data.",
        "roster": _roster(session, person),
        "accounts": [_account(session, a) for a in accounts],
        "forms": [_form(session, f) for f in forms],
        "child_holds": [_row(h) for h in holds],
        "earlier_exports": [_row(e) for e in exports],
        "audit": [_row(e) for e in audit],
    }


def build_export(
    session: Session, storage: Storage, person: Person, now: datetime
) -> list[ExportFile]:
    """The export's files: the JSON, the pages PDF (when any page image is held) and the
    stored rejection letters."""
    data = gather(session, person, now)
    base = f"person-{person.person_id}"
    files = [
        ExportFile(
            f"{base}.json",
            escape_json(json.dumps(data, indent=2, default=str, ensure_ascii=False)).encode(),
        )
    ]
    images = []
    for page in _pages(session, [f["id"] for f in data["forms"]]):
        key = page.scan_key or page.image_key
        if key:
            caption = f"form {page.form_id} page {page.page_number} (page id {page.id})"
            images.append(PageImage(caption, storage.get(key)))
    if images:
        files.append(
            ExportFile(
                f"{base}-pages.pdf", render_pages(images, f"Pages held on {person.person_id}")
            )
        )
    letter_ids = [r["id"] for f in data["forms"] for r in f["rejection_letters"]]
    for letter in session.scalars(
        select(RejectionLetter).where(RejectionLetter.id.in_(letter_ids))
    ):
        files.append(ExportFile(f"rejection-letter-{letter.id}.pdf", letter.pdf))
    return files


def record_export(
    session: Session,
    audit: AuditRecorder,
    actor_id: str,
    person: Person,
    files: list[ExportFile],
    via: str,
) -> None:
    audit(
        session,
        actor_id=actor_id,
        action="person.exported",
        object_type=person.kind,
        object_id=person.person_id,
        detail={"files": len(files), "bytes": sum(len(f.body) for f in files), "via": via},
    )


def write_files(files: list[ExportFile], out_dir: Path) -> list[Path]:
    """Write the export into ``out_dir`` (made 0700; files 0600)."""
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    paths = []
    for item in files:
        path = out_dir / item.name
        path.write_bytes(item.body)
        path.chmod(0o600)
        paths.append(path)
    return paths


def zip_files(files: list[ExportFile]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in files:
            archive.writestr(item.name, item.body)
    return buffer.getvalue()
