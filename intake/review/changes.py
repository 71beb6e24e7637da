"""New contact details for the school's MIS: what forms say that the record does not, verified.

A field whose purpose is to *update* (address, postcode, phones: ``Purpose.UPDATES``) and the
portal email, when the applicant was matched to a contact and what was read is not what the
contact's record holds (the matcher's confirmation, ``intake.matching.confirm``), is a change for
the MIS. It never holds the account (the letter goes to the address on file); a person verifies
it in one batch-wide list, typing the exact new value or saying there is no change (the record
already says it, written another way), and the office keys the verified changes into its MIS or
imports the CSV export.

A change is listed while its form is open or decided, never for a rejected form. The verdicts
live in ``mis_changes``; nothing here changes the roster, which comes only from the MIS.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake import audit
from intake.accounts.adapters import RosterFromDb, approval_view
from intake.accounts.export import safe_cell
from intake.db.workflow import Form, FormState, MisChange, utcnow
from intake.errors import WorkflowError
from intake.fieldjson import field_from_json
from intake.roster.model import Contact
from intake.template.load import template_for
from intake.template.model import FieldKind, FormTemplate, Purpose

VERIFIED = "verified"
NO_CHANGE = "no_change"
STATUSES = (VERIFIED, NO_CHANGE)
#: what each field holds, in the office's words (by the part of its id after "p1_")
WHAT = {
    "address1": "address line 1",
    "address2": "address line 2",
    "postcode": "postcode",
    "home_tel": "home telephone",
    "mobile_tel": "mobile telephone",
    "email": "email",
}
CSV_HEADER = (
    "contact_id", "what", "on_record", "new_value", "status", "form_id", "verified_at",
)  # fmt: skip
MAX_VALUE = 120


@dataclass(frozen=True)
class Change:
    """One new contact detail a form carries."""

    form_id: str
    field_id: str
    party: str
    contact_id: str
    what: str
    on_record: str
    read: str
    confidence: float
    status: str = ""  # "" until a person has verified it
    value: str = ""  # the verified new value

    @property
    def verified(self) -> bool:
        return self.status in STATUSES


def _on_record(contact: Contact | None, suffix: str) -> str:
    if contact is None:
        return ""
    if suffix in ("address1", "address2"):
        return ", ".join(line for line in contact.address.lines if line.strip())
    return {
        "postcode": contact.address.postcode,
        "home_tel": contact.home_phone,
        "mobile_tel": contact.mobile_phone,
        "email": contact.email,
    }.get(suffix, "")


def _is_change_field(template: FormTemplate, field_id: str) -> bool:
    spec = template.field(field_id)
    return spec.purpose is Purpose.UPDATES or spec.kind is FieldKind.EMAIL


def form_changes(form: Form, roster: RosterFromDb, template: FormTemplate) -> list[Change]:
    """The changes ``form`` carries (without their verdicts)."""
    view = approval_view(form)
    confirmed = set((form.proposed or {}).get("confirmed") or {})
    out: list[Change] = []
    for applicant in view.applicants:
        if applicant.contact_id is None:
            continue
        contact = roster.contact(applicant.contact_id)
        prefix = f"p{applicant.slot}_"
        for _, spec in template.fields():
            if not spec.id.startswith(prefix) or not _is_change_field(template, spec.id):
                continue
            data = (form.values or {}).get(spec.id)
            if not data or spec.id in confirmed:
                continue
            read = field_from_json(data)
            if not read.value:
                continue
            suffix = spec.id[len(prefix) :]
            out.append(
                Change(
                    form_id=form.id,
                    field_id=spec.id,
                    party=f"parent{applicant.slot}",
                    contact_id=applicant.contact_id,
                    what=WHAT.get(suffix, spec.label),
                    on_record=_on_record(contact, suffix),
                    read=read.value,
                    confidence=read.confidence,
                )
            )
    return out


def batch_changes(session: Session, batch_id: str, fallback: str = "") -> list[Change]:
    """Every change the batch's forms carry, with its verdict; unverified first, doubtful first.
    ``fallback``: the school's template, for a form a person put together from loose pages."""
    roster = RosterFromDb(session)
    forms = session.scalars(
        select(Form)
        .where(Form.batch_id == batch_id, Form.state != FormState.REJECTED.value)
        .order_by(Form.created_at, Form.id)
    ).all()
    verdicts = _verdicts(session, [f.id for f in forms])
    out: list[Change] = []
    for form in forms:
        template = template_for(form.form_type, form.template_version, fallback=fallback)
        for change in form_changes(form, roster, template):
            verdict = verdicts.get((change.form_id, change.field_id))
            if verdict is not None:
                change = Change(**{**change.__dict__, "status": verdict[0], "value": verdict[1]})
            out.append(change)
    return sorted(out, key=lambda c: (c.verified, c.confidence))


def _verdicts(session: Session, form_ids: list[str]) -> dict[tuple[str, str], tuple[str, str]]:
    if not form_ids:
        return {}
    rows = session.scalars(select(MisChange).where(MisChange.form_id.in_(form_ids)))
    return {(r.form_id, r.field_id): (r.status, r.value) for r in rows}


def verify(
    session: Session,
    actor_id: str,
    batch_id: str,
    form_id: str,
    field_id: str,
    *,
    status: str,
    value: str = "",
    fallback: str = "",
) -> Change:
    """Record a person's verdict on one change (again: the newer verdict wins); audited."""
    if status not in STATUSES:
        raise WorkflowError("say whether the value is the new one or there is no change")
    value = " ".join(value.split())[:MAX_VALUE] if status == VERIFIED else ""
    if status == VERIFIED and not value:
        raise WorkflowError("type the new value exactly as the form shows it")
    change = next(
        (
            c
            for c in batch_changes(session, batch_id, fallback)
            if c.form_id == form_id and c.field_id == field_id
        ),
        None,
    )
    if change is None:
        raise WorkflowError("this change is no longer listed: the form was rejected or changed")
    row = session.scalar(
        select(MisChange).where(MisChange.form_id == form_id, MisChange.field_id == field_id)
    )
    if row is None:
        row = MisChange(form_id=form_id, field_id=field_id, contact_id=change.contact_id)
        session.add(row)
    row.status, row.value, row.verified_by, row.verified_at = status, value, actor_id, utcnow()
    audit.record(
        session,
        actor_id=actor_id,
        action="mis_change.verified",
        object_type="form",
        object_id=form_id,
        detail={"field": field_id, "status": status, "contact": change.contact_id},
    )
    return Change(**{**change.__dict__, "status": status, "value": value})


def record_keyed_emails(
    session: Session,
    form: Form,
    template: FormTemplate,
    keyed: Mapping[str, str],
    actor_id: str,
) -> None:
    """An email a reviewer keyed (``intake.review.keying``) is verified for the MIS too: its
    change needs no second look. Emails the record already holds are no change."""
    for change in form_changes(form, RosterFromDb(session), template):
        if change.field_id not in keyed:
            continue
        row = session.scalar(
            select(MisChange).where(
                MisChange.form_id == form.id, MisChange.field_id == change.field_id
            )
        )
        if row is None:
            row = MisChange(form_id=form.id, field_id=change.field_id, contact_id=change.contact_id)
            session.add(row)
        row.status, row.verified_by, row.verified_at = VERIFIED, actor_id, utcnow()
        row.value = str((form.values or {}).get(change.field_id, {}).get("value", ""))[:MAX_VALUE]


def csv_rows(changes: Iterable[Change], verified_at: dict[tuple[str, str], str]) -> list[list[str]]:
    """The export's rows (header first), every cell neutralised against spreadsheet formulas."""
    rows = [list(CSV_HEADER)]
    for c in changes:
        rows.append(
            [
                safe_cell(cell)
                for cell in (
                    c.contact_id,
                    c.what,
                    c.on_record,
                    c.value if c.status == VERIFIED else "",
                    c.status or "not verified",
                    c.form_id,
                    verified_at.get((c.form_id, c.field_id), ""),
                )
            ]
        )
    return rows


def verified_times(session: Session, form_ids: Iterable[str]) -> dict[tuple[str, str], str]:
    ids = list(dict.fromkeys(form_ids))
    if not ids:
        return {}
    rows = session.scalars(select(MisChange).where(MisChange.form_id.in_(ids)))
    return {(r.form_id, r.field_id): r.verified_at.strftime("%Y-%m-%d %H:%M") for r in rows}
