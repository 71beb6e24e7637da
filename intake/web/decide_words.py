"""The approver's screens in words: names and tutor groups in place of roster ids.

The approval plan (``intake.accounts.approval``) speaks in ids, because its messages reach the
audit log. An approver needs "Tom Smith (Parent/Carer 2) has no parental responsibility for
Amy Smith (7B)", not "contact C3 has no parental responsibility for student S1". ``PlanWords``
turns each issue and caution into such a sentence; Jinja escapes the result like any other value.
"""

from __future__ import annotations

from dataclasses import dataclass

from intake.accounts.approval import ApprovalPlan, Issue
from intake.accounts.cautions import Caution
from intake.accounts.ports import FormForApproval, RosterLookup


def _title(text: str) -> str:
    """A name written in capitals, as a sentence shows it ("O'BRIEN" -> "O'Brien")."""
    return " ".join(w[:1].upper() + w[1:].lower() for w in text.split())


@dataclass(frozen=True)
class PlanWords:
    """Sentences for one form's plan, with the roster to put names on ids."""

    form: FormForApproval
    roster: RosterLookup

    def student(self, student_id: str | None) -> str:
        """ "Amy Smith (7B)"; an id the roster does not hold stays an id."""
        student = self.roster.student(student_id) if student_id else None
        if student is None:
            return f"pupil {student_id or '(none)'}"
        name = f"{student.preferred_forename} {student.preferred_surname}".strip()
        return f"{name} ({student.tutor_group})" if student.tutor_group else name

    def contact(self, contact_id: str | None) -> str:
        """ "Mrs Jane Smith"."""
        contact = self.roster.contact(contact_id) if contact_id else None
        if contact is None:
            return f"contact {contact_id or '(none)'}"
        return " ".join(p for p in (contact.title, contact.forename, contact.surname) if p)

    def written_applicant(self, slot: int | None) -> str:
        for app in self.form.applicants:
            if app.slot == slot:
                name = f"{app.written_forename} {app.written_surname}".strip()
                return _title(name) if name else "no name written"
        return "no name written"

    def written_child(self, row: int | None) -> str:
        for child in self.form.children:
            if child.row == row:
                return _title(child.written_name) if child.written_name else "no name written"
        return "no name written"

    def family(self) -> str:
        """The family's name for a heading: the surnames of the linked children (else those
        written by the applicants), "Smith" or "Jones / Smith"."""
        names: list[str] = []
        for child in self.form.children:
            student = self.roster.student(child.student_id) if child.student_id else None
            if student is not None:
                names.append(student.preferred_surname or student.legal_surname)
        if not names:
            names = [_title(a.written_surname) for a in self.form.applicants if a.written_surname]
        unique = list(dict.fromkeys(n for n in names if n))
        return " / ".join(unique) if unique else "Unnamed family"

    def children(self) -> list[str]:
        """The children on the form: the linked pupil, else what was written."""
        return [
            self.student(c.student_id)
            if c.student_id and self.roster.student(c.student_id)
            else f"{self.written_child(c.row)} (not matched)"
            for c in self.form.children
        ]

    def applicants(self, plan: ApprovalPlan) -> list[str]:
        """Each applicant with whether approval would give them access (parental
        responsibility for a child on roll), in words."""
        granted = {g.slot: g for g in plan.grants}
        out = []
        for app in self.form.applicants:
            name = (
                self.contact(app.contact_id) if app.contact_id else self.written_applicant(app.slot)
            )
            if not app.signed:
                state = "not signed"
            elif app.slot in granted:
                state = "parental responsibility"
            elif app.contact_id is None:
                state = "not matched"
            else:
                state = "no access"
            out.append(f"{name} (P{app.slot}: {state})")
        return out

    def applicant(self, slot: int | None, contact_id: str | None) -> str:
        """ "Mrs Jane Smith (Parent/Carer 1)"."""
        return f"{self.contact(contact_id)} (Parent/Carer {slot})"

    def issue(self, issue: Issue) -> str:
        """One issue as a sentence with names."""
        who = self.applicant(issue.slot, issue.contact_id)
        child = self.student(issue.student_id)
        sentences = {
            "UNSIGNED": f"Parent/Carer {issue.slot} ({self.written_applicant(issue.slot)}) "
            "has not signed the form.",
            "APPLICANT_UNMATCHED": f"Parent/Carer {issue.slot} ("
            f"{self.written_applicant(issue.slot)}) is not matched to anyone in the school's "
            "records.",
            "SAME_CONTACT": f"Both Parent/Carer sections are matched to "
            f"{self.contact(issue.contact_id)}.",
            "ACCOUNT_SUSPENDED": f"{who} has an account suspended after a roster change; the "
            "safeguarding lead decides on the safeguarding screen.",
            "ACCOUNT_REVOKED": f"{who} has a revoked account; reinstate it explicitly if access "
            "should return.",
            "BLOCKED": f"{who} has a court-order or no-contact flag for {child}.",
            "NO_PR": f"{who} has no parental responsibility for {child}.",
            "CHILD_HOLD": f"{child} is under a child-protection hold.",
            "CHILD_UNMATCHED": f"Child {issue.row} ({self.written_child(issue.row)}) is not "
            "matched to a pupil on roll.",
            "CHILD_WITHOUT_PR": f"{child} (child {issue.row} on the form) has no applicant with "
            "parental responsibility who can be approved.",
        }
        return sentences.get(issue.code, issue.message)

    def caution(self, caution: Caution) -> str:
        """One caution as a sentence with names and what was written."""
        child = self.student(caution.student_id)
        contact = self.contact(caution.contact_id)
        sentences = {
            "CHILD_BY_HAND": f"Child {caution.row} was linked by hand to {child}; the form "
            f"says {self.written_child(caution.row)}.",
            "CHILD_NAME_DIFFERS": f"Child {caution.row} was linked by hand to {child}, but "
            f"the form says {self.written_child(caution.row)}: the surname differs from the "
            "school's record.",
            "CONTACT_BY_HAND": f"Parent/Carer {caution.slot} was matched by hand to {contact}; "
            f"the form says {self.written_applicant(caution.slot)}.",
            "CONTACT_NAME_DIFFERS": f"Parent/Carer {caution.slot} was matched by hand to "
            f"{contact}, but the form says {self.written_applicant(caution.slot)}: the surname "
            "differs from the school's record.",
            "NOT_ON_FORM": f"Approval would also give {contact} access to {child}, who is not "
            "on the form (a choice on this form was made by hand).",
            "ALSO_LINKED": f"Approval would also give {contact} access to {child} (not on the "
            "form; the school's records give parental responsibility).",
        }
        return sentences.get(caution.code, caution.message)

    def problems(self, plan: ApprovalPlan) -> list[str]:
        """Every issue and every caution to confirm, as sentences (for the queue)."""
        return [self.issue(i) for i in plan.issues] + [self.caution(c) for c in plan.to_confirm]
