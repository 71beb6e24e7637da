"""Erasure on request: one person's data removed from the database and the files, unless a legal
or child-protection hold applies.

Refused, with every reason that applies (``ErasureRefused.problems``), when:

- ``LEGAL_FLAG``: a court-order or no-contact flag is recorded on any of the person's links
  (current or ended): the record is evidence the school must keep;
- ``CHILD_PROTECTION``: a student with any child-protection hold, open or closed; a contact
  linked (in the roster or by their account) to a child with an open hold, or whose account was
  revoked by a hold;
- ``ON_ROLL``: a student still on roll (the school's record of a pupil; erase after they leave);
- ``ACTIVE_ACCOUNT``: a contact whose account is active and linked to a child on roll (revoke
  it first);
- ``IN_MIS``: a contact the last roster import still holds for a child on roll (erase it in the
  MIS first, or the next import brings it back);
- ``OPEN_FORM``: a form naming the person is still being read, reviewed or decided;
- ``AUDIT_COPY``: a form naming the person is the signed source of somebody else's active
  account or link (the school keeps it for that account's audit).

Otherwise, in the caller's transaction: every form naming the person loses its page images, read
values, proposals, links, edits and rejection letters (the row stays as a husk with its state and
ids; decisions keep their codes but lose their free-text notes); those pages are cut from the
batch's original (``intake.records.originals``), which keeps the other families' pages; the
person's account (with its links, letter records, delivery and collections), earlier exports
and roster record with its links are deleted. The audit log keeps its entries (ids only) and
gains ``person.erased``. Files are deleted after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from intake.accounts.ports import AccountsContext, AuditRecorder
from intake.db.accounts import (
    ACCOUNT_ACTIVE,
    AccountChild,
    ChildHold,
    FormDecision,
    LetterPrint,
    PortalAccount,
    RejectionLetter,
)
from intake.db.records import LetterCollection, LetterDelivery, PurgedForm, SubjectExport
from intake.db.roster import ContactRow, StudentRow
from intake.db.workflow import Form, FormEdit, FormState, MisChange, Page
from intake.errors import WorkflowError
from intake.records.file_retention import (
    EXPORTS_DIR,
    FileAction,
    original_actions,
    page_image_actions,
    plan_originals,
)
from intake.records.originals import apply_plan
from intake.records.people import CONTACT, Person, accounts_of, forms_naming, links_of
from intake.storage import Storage

OPEN_STATES = {s.value for s in FormState} - {
    FormState.REJECTED.value,
    FormState.ACCOUNTS_CREATED.value,
}


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str


class ErasureRefused(WorkflowError):
    """A legal or child-protection hold (or work in progress) stops the erasure."""

    def __init__(self, person: Person, refusals: tuple[Refusal, ...]) -> None:
        super().__init__(f"The {person.kind} {person.person_id} cannot be erased now.")
        self.refusals = refusals
        self.problems = [f"{r.code}: {r.message}" for r in refusals]


@dataclass(frozen=True)
class ErasureResult:
    person: Person
    forms: tuple[str, ...]
    accounts: tuple[str, ...]
    files: tuple[FileAction, ...]  # to delete once the transaction has committed


def _students_on_roll(session: Session) -> set[str]:
    return set(session.scalars(select(StudentRow.student_id).where(StudentRow.on_roll.is_(True))))


def _contact_refusals(session: Session, person: Person, on_roll: set[str]) -> list[Refusal]:
    out = []
    links = links_of(session, person)
    accounts = accounts_of(session, person)
    children = {s for _, s, _ in links} | {c.student_id for a in accounts for c in a.children}
    held = set(
        session.scalars(
            select(ChildHold.student_id).where(
                ChildHold.student_id.in_(sorted(children)), ChildHold.closed_at.is_(None)
            )
        )
    )
    if held or any(a.revoked_by_hold_id for a in accounts):
        out.append(
            Refusal("CHILD_PROTECTION", "a child-protection hold concerns a child of this contact")
        )
    if any(
        a.status == ACCOUNT_ACTIVE and {c.student_id for c in a.children} & on_roll
        for a in accounts
    ):
        out.append(
            Refusal(
                "ACTIVE_ACCOUNT",
                "the portal account is active for a child on roll: revoke it first",
            )
        )
    contact = session.scalars(
        select(ContactRow).where(ContactRow.contact_id == person.person_id)
    ).one_or_none()
    if (
        contact is not None
        and contact.current
        and any(link.ended_at is None and s in on_roll for link, s, _ in links)
    ):
        out.append(
            Refusal(
                "IN_MIS",
                "the MIS still holds this contact for a pupil on roll: erase it there first",
            )
        )
    return out


def _student_refusals(session: Session, person: Person, on_roll: set[str]) -> list[Refusal]:
    out = []
    if session.scalar(select(ChildHold.id).where(ChildHold.student_id == person.person_id)):
        out.append(
            Refusal("CHILD_PROTECTION", "a child-protection hold was recorded on this student")
        )
    if person.person_id in on_roll:
        out.append(Refusal("ON_ROLL", "the student is on roll: erase after they have left"))
    return out


def _form_refusals(session: Session, person: Person, forms: list[Form]) -> list[Refusal]:
    out = []
    open_forms = [f.id for f in forms if f.state in OPEN_STATES]
    if open_forms:
        out.append(
            Refusal("OPEN_FORM", "decide or reject these forms first: " + ", ".join(open_forms))
        )
    own = {a.id for a in accounts_of(session, person)}
    ids = [f.id for f in forms]
    others = set(
        session.scalars(
            select(PortalAccount.id).where(
                PortalAccount.source_form_id.in_(ids),
                PortalAccount.status == ACCOUNT_ACTIVE,
                PortalAccount.id.not_in(own),
            )
        )
    )
    others |= set(
        session.scalars(
            select(AccountChild.account_id)
            .join(PortalAccount, PortalAccount.id == AccountChild.account_id)
            .where(
                AccountChild.source_form_id.in_(ids),
                PortalAccount.status == ACCOUNT_ACTIVE,
                AccountChild.account_id.not_in(own),
                AccountChild.student_id != person.person_id,
            )
        )
    )
    if others:
        out.append(
            Refusal(
                "AUDIT_COPY",
                "a form is the signed source of another active account: "
                + ", ".join(sorted(others)),
            )
        )
    return out


def check_erasure(session: Session, person: Person) -> tuple[Refusal, ...]:
    """Every reason that stops erasing ``person`` now (empty: it may be erased)."""
    on_roll = _students_on_roll(session)
    refusals = []
    if any(link.court_order or link.no_contact for link, _, _ in links_of(session, person)):
        refusals.append(Refusal("LEGAL_FLAG", "a court-order or no-contact flag is recorded"))
    if person.kind == CONTACT:
        refusals += _contact_refusals(session, person, on_roll)
    else:
        refusals += _student_refusals(session, person, on_roll)
    refusals += _form_refusals(session, person, forms_naming(session, person))
    return tuple(refusals)


def _erase_forms(session: Session, form_ids: list[str], now: datetime) -> list[FileAction]:
    pages = list(session.scalars(select(Page).where(Page.form_id.in_(form_ids))))
    files = page_image_actions(pages, "page of a form naming the erased person")
    for page in pages:
        page.scan_key = page.image_key = ""
        page.fields = {}
    for form in session.scalars(select(Form).where(Form.id.in_(form_ids))):
        form.values, form.proposed, form.match = {}, {}, {}
        form.problems, form.reason = [], ""
        if session.get(PurgedForm, form.id) is None:
            session.add(PurgedForm(form_id=form.id, cause="erasure", purged_at=now))
    session.execute(delete(FormEdit).where(FormEdit.form_id.in_(form_ids)))
    session.execute(delete(MisChange).where(MisChange.form_id.in_(form_ids)))
    session.execute(delete(RejectionLetter).where(RejectionLetter.form_id.in_(form_ids)))
    for decision in session.scalars(select(FormDecision).where(FormDecision.form_id.in_(form_ids))):
        decision.override_reason = decision.rejection_note = None
    return files


def _erase_originals(
    session: Session, storage: Storage, form_ids: list[str], now: datetime
) -> list[FileAction]:
    session.flush()
    files = []
    for plan in plan_originals(session, set(form_ids), None):
        files.append(original_actions(plan))
        apply_plan(session, storage, plan, "erasure", now)
    return files


def _erase_records(session: Session, person: Person) -> tuple[list[str], list[FileAction]]:
    accounts = accounts_of(session, person)
    account_ids = [a.id for a in accounts]
    if account_ids:
        for own in (LetterCollection, LetterDelivery):
            session.execute(delete(own).where(own.account_id.in_(account_ids)))
        session.execute(delete(LetterPrint).where(LetterPrint.account_id.in_(account_ids)))
        for account in accounts:
            session.delete(account)
    if person.kind != CONTACT:
        session.execute(delete(AccountChild).where(AccountChild.student_id == person.person_id))
    exports = list(
        session.scalars(select(SubjectExport).where(SubjectExport.subject_id == person.person_id))
    )
    files = [
        FileAction(
            "remove", f"{EXPORTS_DIR}/{e.file_name}", "export", e.id, "export of the erased person"
        )
        for e in exports
    ]
    for export in exports:
        session.delete(export)
    links = [link for link, _, _ in links_of(session, person)]
    for link in links:
        session.delete(link)
    table = ContactRow if person.kind == CONTACT else StudentRow
    column = ContactRow.contact_id if person.kind == CONTACT else StudentRow.student_id
    session.flush()
    session.execute(delete(table).where(column == person.person_id))
    return account_ids, files


def erase_person(
    session: Session, ctx: AccountsContext, storage: Storage, person: Person, actor_id: str
) -> ErasureResult:
    """Erase ``person`` in the caller's transaction, or raise ``ErasureRefused``."""
    refusals = check_erasure(session, person)
    if refusals:
        raise ErasureRefused(person, refusals)
    now = ctx.clock()
    form_ids = [f.id for f in forms_naming(session, person)]
    files = _erase_forms(session, form_ids, now)
    files += _erase_originals(session, storage, form_ids, now)
    account_ids, export_files = _erase_records(session, person)
    files += export_files
    ctx.audit(
        session,
        actor_id=actor_id,
        action="person.erased",
        object_type=person.kind,
        object_id=person.person_id,
        detail={"forms": form_ids, "accounts": account_ids, "files": len(files)},
    )
    return ErasureResult(person, tuple(form_ids), tuple(account_ids), tuple(files))


def record_refusal(
    session: Session, audit: AuditRecorder, actor_id: str, error: ErasureRefused, person: Person
) -> None:
    """Audit a refused erasure (in a transaction of its own: the refused one rolled back)."""
    audit(
        session,
        actor_id=actor_id,
        action="person.erase_refused",
        object_type=person.kind,
        object_id=person.person_id,
        detail={"rules": [r.code for r in error.refusals]},
    )
