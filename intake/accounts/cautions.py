"""What the approver must see before approving: choices made by hand, and names that disagree.

A reviewer may link a child row to a student, or an applicant to a contact, by hand. Such a
choice is the one place where a person, not the matcher, decides who gets access; a wrong one
sends a signed form's account to another family (issue 20, hole 4: a contact chosen by hand
brought two children who were not on the form). So the plan carries *cautions*:

- every choice made by hand is shown (``CHILD_BY_HAND``, ``CONTACT_BY_HAND``);
- a child chosen by hand whose roster surname is not in the name written on the form
  (``CHILD_NAME_DIFFERS``), and a contact chosen by hand whose surname differs from the one
  written (``CONTACT_NAME_DIFFERS``), need an explicit confirmation before approval;
- a child that approval would link but whom the form does not name is always shown: access
  follows the roster's parental responsibility for all of a parent's children. On a form with a
  choice made by hand it needs the confirmation too (``NOT_ON_FORM``), since a wrong hand choice
  is exactly how another family's children arrive; on a form matched by the machine alone it is
  a note (``ALSO_LINKED``: a sibling the parent did not list).

Messages carry ids, never names (they reach the audit log); the screens put names on them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from intake.accounts.ports import FormForApproval, RosterLookup

#: cautions that block approval until the approver ticks "I have checked these"
CONFIRM_CODES = frozenset({"CHILD_NAME_DIFFERS", "CONTACT_NAME_DIFFERS", "NOT_ON_FORM"})


@dataclass(frozen=True)
class Caution:
    """One thing the approver should know; ``needs_confirm`` when approval waits for a tick."""

    code: str
    message: str
    slot: int | None = None
    row: int | None = None
    student_id: str | None = None
    contact_id: str | None = None

    @property
    def needs_confirm(self) -> bool:
        return self.code in CONFIRM_CODES


def name_words(text: str) -> set[str]:
    """The words of a name, case- and accent-folded, split at spaces, hyphens and apostrophes
    (``O'Brien-Núñez`` -> ``{"o", "brien", "nunez"}``)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    return {w for w in re.split(r"[^a-z]+", plain) if w}


def surname_agrees(written: str, *surnames: str) -> bool:
    """True when every word of one of the roster's ``surnames`` is among the written words.
    Nothing written counts as disagreeing: the approver then sees the hand choice alone."""
    words = name_words(written)
    return any(name_words(s) and name_words(s) <= words for s in surnames)


def _child_cautions(form: FormForApproval, roster: RosterLookup) -> list[Caution]:
    out: list[Caution] = []
    for child in form.children:
        if not child.chosen_by_hand or child.student_id is None:
            continue
        student = roster.student(child.student_id)
        if student is None:
            continue
        if surname_agrees(child.written_name, student.legal_surname, student.preferred_surname):
            code, what = "CHILD_BY_HAND", "was linked by hand"
        else:
            code, what = "CHILD_NAME_DIFFERS", "was linked by hand to a pupil of another surname"
        out.append(
            Caution(
                code,
                f"Child row {child.row} {what} (student {child.student_id}).",
                row=child.row,
                student_id=child.student_id,
            )
        )
    return out


def _contact_cautions(form: FormForApproval, roster: RosterLookup) -> list[Caution]:
    out: list[Caution] = []
    for app in form.applicants:
        if not app.chosen_by_hand or app.contact_id is None:
            continue
        contact = roster.contact(app.contact_id)
        if contact is None:
            continue
        written = f"{app.written_forename} {app.written_surname}"
        if surname_agrees(app.written_surname or written, contact.surname):
            code, what = "CONTACT_BY_HAND", "was matched by hand"
        else:
            code, what = (
                "CONTACT_NAME_DIFFERS",
                "was matched by hand to a contact of another surname",
            )
        out.append(
            Caution(
                code,
                f"Parent/Carer {app.slot} {what} (contact {app.contact_id}).",
                slot=app.slot,
                contact_id=app.contact_id,
            )
        )
    return out


def cautions_for(
    form: FormForApproval, roster: RosterLookup, granted: Sequence[tuple[str, Sequence[str]]]
) -> tuple[Caution, ...]:
    """The cautions of ``form``; ``granted`` is (contact id, student ids) per grant the plan
    would make."""
    out = _child_cautions(form, roster) + _contact_cautions(form, roster)
    named = {c.student_id for c in form.children if c.student_id}
    by_hand = any(c.chosen_by_hand for c in form.children) or any(
        a.chosen_by_hand for a in form.applicants
    )
    for contact_id, student_ids in granted:
        for student_id in student_ids:
            if student_id not in named:
                out.append(
                    Caution(
                        "NOT_ON_FORM" if by_hand else "ALSO_LINKED",
                        f"Approval would also link student {student_id}, who is not on the form, "
                        f"to contact {contact_id}.",
                        student_id=student_id,
                        contact_id=contact_id,
                    )
                )
    return tuple(out)
