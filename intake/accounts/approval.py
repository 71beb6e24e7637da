"""The approval policy as a pure function: what a form would grant, and what stands in the way.

Rules (the seed's policy, made exact):

- Only forms in ``review`` or ``checked`` can be approved (``intake.review.states``); the
  approver must be neither the uploader nor the last editor (four-eyes,
  ``Settings.approval_four_eyes``) -- both checked by the service.
- **Fatal** issues block approval outright, whatever the approver says: an applicant section
  that is filled in but not signed (the seed accepts only signed originals); both sections
  matched to the same contact; nothing left to grant.
- **Droppable** issues block approval unless an approver records an override with a reason.
  The override never creates access: it approves what is allowed and *drops* the part at issue:
  an unmatched child row, an unmatched applicant, a child the applicant has no parental
  responsibility (PR) for, a child under a court-order / no-contact flag or a child-protection
  hold, an applicant whose account was revoked or suspended (reinstating is a separate,
  explicit action). A deactivated account (its children left) is made active again.
- What is granted to each approved applicant is computed from the roster, never from the form:
  a link to every child on roll for whom the contact has PR, with no blocking flag and no open
  hold. Children named on the form that fail this are issues; others are simply not linked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass

from intake.accounts.cautions import Caution, cautions_for
from intake.accounts.ports import FormForApproval, RosterLookup
from intake.db.accounts import ACCOUNT_REVOKED, ACCOUNT_SUSPENDED

FATAL_CODES = frozenset({"UNSIGNED", "SAME_CONTACT", "NOTHING_TO_GRANT", "NO_APPLICANT"})


@dataclass(frozen=True)
class Issue:
    """One reason the form cannot simply be approved; ``message`` carries ids, never names."""

    code: str
    message: str
    slot: int | None = None
    row: int | None = None
    contact_id: str | None = None
    student_id: str | None = None

    @property
    def fatal(self) -> bool:
        return self.code in FATAL_CODES


@dataclass(frozen=True)
class Grant:
    """Access that approval gives one applicant: their contact id and the students to link."""

    slot: int
    contact_id: str
    student_ids: tuple[str, ...]


@dataclass(frozen=True)
class ApprovalPlan:
    issues: tuple[Issue, ...]
    grants: tuple[Grant, ...]
    #: things the approver should look at that do not block approval (ids only)
    warnings: tuple[str, ...] = ()
    #: choices made by hand and names that disagree (``intake.accounts.cautions``)
    cautions: tuple[Caution, ...] = ()

    @property
    def to_confirm(self) -> tuple[Caution, ...]:
        """The cautions that the approver must confirm, by ticking, before approving."""
        return tuple(c for c in self.cautions if c.needs_confirm)

    @property
    def ready(self) -> bool:
        """Nothing at issue and nothing to confirm: the form can be approved in bulk."""
        return not self.issues and not self.to_confirm and bool(self.grants)

    @property
    def fatal(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.fatal)

    @property
    def droppable(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if not i.fatal)


def linkable_students(
    roster: RosterLookup, contact_id: str, held_students: Set[str]
) -> tuple[str, ...]:
    """Every student on roll the contact has PR for, with no blocking flag and no open hold."""
    out: list[str] = []
    for rel in roster.relationships_of_contact(contact_id):
        student = roster.student(rel.student_id)
        if (
            student is not None
            and student.on_roll
            and rel.parental_responsibility
            and not rel.blocked
            and rel.student_id not in held_students
        ):
            out.append(rel.student_id)
    return tuple(sorted(set(out)))


def _applicant_issues(
    form: FormForApproval,
    roster: RosterLookup,
    held_students: Set[str],
    account_status: Mapping[str, str],
) -> tuple[list[Issue], list[Grant]]:
    issues: list[Issue] = []
    grants: list[Grant] = []
    named = [c.student_id for c in form.children if c.student_id]
    seen: set[str] = set()
    for app in sorted(form.applicants, key=lambda a: a.slot):
        where = f"Parent/Carer {app.slot}"
        if not app.signed:
            issues.append(Issue("UNSIGNED", f"{where} has not signed the form.", slot=app.slot))
            continue
        if app.contact_id is None or roster.contact(app.contact_id) is None:
            issues.append(
                Issue(
                    "APPLICANT_UNMATCHED",
                    f"{where} is not matched to a contact in the school's records.",
                    slot=app.slot,
                )
            )
            continue
        if app.contact_id in seen:
            issues.append(
                Issue(
                    "SAME_CONTACT",
                    f"Both sections are matched to contact {app.contact_id}.",
                    slot=app.slot,
                    contact_id=app.contact_id,
                )
            )
            continue
        seen.add(app.contact_id)
        if account_status.get(app.contact_id) == ACCOUNT_SUSPENDED:
            issues.append(
                Issue(
                    "ACCOUNT_SUSPENDED",
                    f"{where} (contact {app.contact_id}) has an account suspended after a roster "
                    "change; the safeguarding lead decides on the safeguarding screen.",
                    slot=app.slot,
                    contact_id=app.contact_id,
                )
            )
            continue
        if account_status.get(app.contact_id) == ACCOUNT_REVOKED:
            issues.append(
                Issue(
                    "ACCOUNT_REVOKED",
                    f"{where} (contact {app.contact_id}) has a revoked account; reinstate it "
                    "explicitly if access should return.",
                    slot=app.slot,
                    contact_id=app.contact_id,
                )
            )
            continue
        rels = {r.student_id: r for r in roster.relationships_of_contact(app.contact_id)}
        for flagged in rels.values():
            if flagged.blocked:
                issues.append(
                    Issue(
                        "BLOCKED",
                        f"{where} (contact {app.contact_id}) has a court-order or no-contact flag "
                        f"for student {flagged.student_id}.",
                        slot=app.slot,
                        contact_id=app.contact_id,
                        student_id=flagged.student_id,
                    )
                )
        for student_id in named:
            rel = rels.get(student_id)
            if rel is None or not rel.parental_responsibility:
                issues.append(
                    Issue(
                        "NO_PR",
                        f"{where} (contact {app.contact_id}) has no parental responsibility for "
                        f"student {student_id}.",
                        slot=app.slot,
                        contact_id=app.contact_id,
                        student_id=student_id,
                    )
                )
            elif student_id in held_students:
                issues.append(
                    Issue(
                        "CHILD_HOLD",
                        f"Student {student_id} is under a child-protection hold.",
                        slot=app.slot,
                        student_id=student_id,
                    )
                )
        students = linkable_students(roster, app.contact_id, held_students)
        if students:
            grants.append(Grant(app.slot, app.contact_id, students))
    return issues, grants


def _warnings(
    form: FormForApproval,
    grants: list[Grant],
    account_status: Mapping[str, str],
    namesakes: Mapping[str, Sequence[str]],
) -> tuple[str, ...]:
    """Signs that a new account might belong to somebody who already has one (a second MIS
    record for the same person, or the applicant matched to the wrong record)."""
    out: list[str] = []
    new = [g for g in grants if g.contact_id not in account_status]
    ticked = [c.row for c in form.children if c.already_has_account]
    if ticked and new:
        out.append(
            f"Child row(s) {', '.join(map(str, ticked))} ticked 'already have an account', but "
            f"contact(s) {', '.join(g.contact_id for g in new)} have none: check the applicant is "
            "matched to the right contact record, or a second account will be made."
        )
    for grant in new:
        others = namesakes.get(grant.contact_id, ())
        if others:
            out.append(
                f"Contact {grant.contact_id} has the same name as the holder of account(s) "
                f"{', '.join(others)} (another contact record): is it the same person?"
            )
    return tuple(out)


def evaluate(
    form: FormForApproval,
    roster: RosterLookup,
    held_students: Set[str],
    account_status: Mapping[str, str],
    namesakes: Mapping[str, Sequence[str]] | None = None,
) -> ApprovalPlan:
    """The plan for approving ``form``: its issues, the grants that approval would make, and
    warnings. ``namesakes`` maps a contact id to accounts of other contacts with its name."""
    issues: list[Issue] = []
    if not form.applicants:
        issues.append(Issue("NO_APPLICANT", "No Parent/Carer section is filled in."))
    for child in form.children:
        if child.student_id is None or roster.student(child.student_id) is None:
            issues.append(
                Issue(
                    "CHILD_UNMATCHED",
                    f"Child row {child.row} is not matched to a student on roll.",
                    row=child.row,
                )
            )
    applicant_issues, grants = _applicant_issues(form, roster, held_students, account_status)
    issues += applicant_issues
    granted = {s for g in grants for s in g.student_ids}
    for child in form.children:
        known = child.student_id is not None and roster.student(child.student_id) is not None
        if known and child.student_id not in granted:
            issues.append(
                Issue(
                    "CHILD_WITHOUT_PR",
                    f"Child row {child.row} (student {child.student_id}) has no approved applicant "
                    "with parental responsibility.",
                    row=child.row,
                    student_id=child.student_id,
                )
            )
    if form.applicants and not grants and not any(i.fatal for i in issues):
        issues.append(
            Issue(
                "NOTHING_TO_GRANT",
                "No applicant on this form can be given access; reject the form instead.",
            )
        )
    warnings = _warnings(form, grants, account_status, namesakes or {})
    cautions = cautions_for(form, roster, [(g.contact_id, g.student_ids) for g in grants])
    return ApprovalPlan(tuple(issues), tuple(grants), warnings, cautions)
