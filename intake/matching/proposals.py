"""Match a whole read form against the roster: children, applicants, proposed values, decision.

``match_form`` is the pipeline stage. It runs in three steps, because children and applicants
help each other: applicants are first looked up among all contacts (their children get a bonus),
then each child row is matched, then each applicant is matched to the contacts of the children
linked. A reviewer's choice of student for a row is passed back in as ``choices`` and the form is
matched again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace

from intake.config import Thresholds
from intake.errors import WorkflowError
from intake.matching.accounts import ExistingAccounts, tick_warnings
from intake.matching.applicants import (
    ApplicantMatch,
    ApplicantRead,
    ContactCandidate,
    Outcome,
    contacts_like,
    match_applicant,
    score_contact,
)
from intake.matching.children import ChildMatch, match_child
from intake.matching.formfields import applicant_reads, child_reads
from intake.matching.index import RosterIndex
from intake.reading.result import FormRead

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProposedValue:
    """A value the roster corrects; ``read`` is kept beside it for the audit."""

    field_id: str
    read: str
    proposed: str
    source: str  # "student <id>" or "contact <id>"

    @property
    def changed(self) -> bool:
        return self.read.strip().upper() != self.proposed.strip().upper()


@dataclass(frozen=True)
class FormMatch:
    children: tuple[ChildMatch, ...]
    applicants: tuple[ApplicantMatch, ...]
    proposed: tuple[ProposedValue, ...]
    warnings: tuple[str, ...]  # shown to the reviewer; they do not stop approval by themselves
    needs_review: bool
    review_reasons: tuple[str, ...]
    may_approve: bool  # as far as matching goes; signatures and dates are checked elsewhere
    approve_reasons: tuple[str, ...]  # why it may not be approved (empty when it may)
    seconds: float = 0.0

    def proposed_value(self, field_id: str) -> ProposedValue | None:
        return next((p for p in self.proposed if p.field_id == field_id), None)


def _elsewhere(reads: list[ApplicantRead], index: RosterIndex) -> dict[str, list[ContactCandidate]]:
    """Each applicant scored against the contacts anywhere on the roster that may be them."""
    return {
        read.party: [
            score_contact(read, contact, False, index)
            for contact in contacts_like(read, index, set())
        ]
        for read in reads
    }


def _applicant_surnames(reads: list[ApplicantRead]) -> list[str]:
    out = []
    for read in reads:
        if read.surname.text:
            out.append(read.surname.compact().text)
        words = read.print_name.words()
        if len(words) >= 2:
            out.append(words[-1].text)
    return list(dict.fromkeys(out))


def _one_student_per_row(children: list[ChildMatch]) -> list[ChildMatch]:
    """Two rows linked to one student: keep the better-scored link, a person sees the other."""
    out = list(children)
    for i, child in enumerate(out):
        if child.student_id is None:
            continue
        for j in range(i + 1, len(out)):
            other = out[j]
            if other.student_id != child.student_id:
                continue
            mine = child.chosen.score if child.chosen else 0.0
            theirs = other.chosen.score if other.chosen else 0.0
            loser = j if mine >= theirs else i
            kept_row = out[i if loser == j else j].row
            out[loser] = replace(
                out[loser],
                student_id=None,
                auto_linked=False,
                reasons=(f"the same student as row {kept_row}",),
            )
            if loser == i:
                break
    return out


def _apply_choices(
    children: list[ChildMatch], choices: Mapping[int, str | None], index: RosterIndex
) -> list[ChildMatch]:
    out = []
    for child in children:
        if child.row not in choices:
            out.append(child)
            continue
        chosen = choices[child.row]
        if chosen is not None and chosen not in index.entry_of:
            raise WorkflowError(f"row {child.row}: student {chosen} is not on the roster")
        reason = "chosen by a person" if chosen else "a person said this child is not on the roll"
        out.append(replace(child, student_id=chosen, auto_linked=False, reasons=(reason,)))
    return out


def _proposals(
    form: FormRead,
    children: list[ChildMatch],
    applicants: list[ApplicantMatch],
    index: RosterIndex,
) -> list[ProposedValue]:
    def read(field_id: str) -> str:
        field = form.fields.get(field_id)
        return (field.value or field.raw) if field else ""

    out = []
    for child in children:
        if child.student_id is None:
            continue
        student = index.entry(child.student_id).student
        # the MIS's legal name: what the account is for; a preferred name shows as a reason
        forename, surname = student.legal_forename, student.legal_surname
        source = f"student {student.student_id}"
        name = " ".join(p for p in (forename, surname) if p).upper()
        out.append(
            ProposedValue(f"child{child.row}_name", read(f"child{child.row}_name"), name, source)
        )
        if student.tutor_group:
            out.append(
                ProposedValue(
                    f"child{child.row}_tutor_group",
                    read(f"child{child.row}_tutor_group"),
                    student.tutor_group.upper(),
                    source,
                )
            )
    for applicant in applicants:
        if applicant.contact_id is None:
            continue
        contact = index.roster.contact(applicant.contact_id)
        prefix = "p1_" if applicant.party == "parent1" else "p2_"
        source = f"contact {contact.contact_id}"
        out.append(
            ProposedValue(
                prefix + "forename", read(prefix + "forename"), contact.forename.upper(), source
            )
        )
        out.append(
            ProposedValue(
                prefix + "surname", read(prefix + "surname"), contact.surname.upper(), source
            )
        )
    return out


def _child_warnings(
    children: list[ChildMatch],
    applicants: list[ApplicantMatch],
    ticks: dict[int, bool],
    index: RosterIndex,
) -> list[str]:
    warnings = []
    with_account = {a.contact_id for a in applicants if a.link_existing_account}
    applicant_ids = {a.contact_id for a in applicants if a.contact_id}
    for child in children:
        if ticks.get(child.row) and child.student_id:
            contacts = {c.contact_id for c, _ in index.contacts_of.get(child.student_id, [])}
            if not contacts & with_account:
                warnings.append(
                    f"row {child.row}: 'already have an account' is ticked but no account is "
                    "known for the applicants"
                )
        elif ticks.get(child.row) and not with_account:
            warnings.append(f"row {child.row}: 'already have an account' is ticked")
        if child.student_id:
            for contact, rel in index.contacts_of.get(child.student_id, []):
                if rel.blocked and contact.contact_id not in applicant_ids:
                    warnings.append(
                        f"row {child.row}: an access restriction is on record for another contact"
                    )
                    break
    return warnings


def match_form(
    form: FormRead,
    index: RosterIndex,
    existing_account_contact_ids: frozenset[str] | set[str] = frozenset(),
    thresholds: Thresholds | None = None,
    choices: Mapping[int, str | None] | None = None,
    contact_choices: Mapping[str, str] | None = None,
    accounts: ExistingAccounts | None = None,
) -> FormMatch:
    """Match a read form to the roster: candidates, links, applicant outcomes, proposed values.

    ``choices`` maps a child row to the student a person chose (``None``: not on the roll);
    ``contact_choices`` maps a party ("parent1", "parent2") to the contact a person chose.
    ``accounts``: the Parent Portal accounts that exist; the form's "already have an account"
    ticks are then checked against them, per applicant (``intake.matching.accounts``).
    """
    started = time.perf_counter()
    limits = thresholds or Thresholds()
    existing = frozenset(existing_account_contact_ids) | (
        accounts.contact_ids if accounts else frozenset()
    )
    parties = applicant_reads(form)
    rows = child_reads(form)
    elsewhere = _elsewhere(parties, index)
    known = frozenset(c.contact_id for found in elsewhere.values() for c in found if c.accepted)
    surnames = _applicant_surnames(parties)
    children = [match_child(r, index, limits, known, surnames) for r in rows]
    children = _one_student_per_row(children)
    if choices:
        children = _apply_choices(children, choices, index)
    linked = [c.student_id for c in children if c.student_id]
    waiting = [c for c in children if c.student_id is None and c.row not in (choices or {})]
    # standing is judged on the linked children; with none linked, on the best candidates, so
    # that the reviewer sees a likely outcome (never an approval: the rows wait for a person)
    student_ids = list(
        dict.fromkeys(linked or [c.candidates[0].student_id for c in waiting if c.candidates])
    )
    applicants = []
    for party in parties:
        match = match_applicant(
            party,
            student_ids,
            index,
            limits,
            existing,
            elsewhere[party.party],
            (contact_choices or {}).get(party.party),
        )
        if waiting:
            numbers = ", ".join(str(c.row) for c in waiting)
            match = replace(match, held=(*match.held, f"child row {numbers} is not linked yet"))
        applicants.append(match)
    if accounts is not None:
        ticks = {r.row: r.has_account_tick for r in rows}
        applicants = [
            replace(
                a,
                warnings=(
                    *a.warnings,
                    *tick_warnings(
                        a, [o for o in applicants if o is not a], children, ticks, accounts
                    ),
                ),
            )
            for a in applicants
        ]
    review, approve = _decision(children, applicants, rows_read=len(rows))
    warnings = [w for a in applicants for w in (f"{a.party}: {x}" for x in a.warnings)]
    warnings += _child_warnings(
        children, applicants, {r.row: r.has_account_tick for r in rows}, index
    )
    seconds = time.perf_counter() - started
    log.debug("form %s matched in %.3f s", form.serial or "(no serial)", seconds)
    return FormMatch(
        children=tuple(children),
        applicants=tuple(applicants),
        proposed=tuple(_proposals(form, children, applicants, index)),
        warnings=tuple(warnings),
        needs_review=bool(review),
        review_reasons=tuple(review),
        may_approve=not approve,
        approve_reasons=tuple(approve),
        seconds=seconds,
    )


def _decision(
    children: list[ChildMatch], applicants: list[ApplicantMatch], rows_read: int
) -> tuple[list[str], list[str]]:
    """Reasons for review, and reasons the form may not be approved as it stands."""
    review: list[str] = []
    approve: list[str] = []
    if rows_read == 0:
        review.append("no child is named on the form")
        approve.append("no child is named on the form")
    for child in children:
        if child.student_id is None:
            why = f"row {child.row}: " + "; ".join(child.reasons)
            review.append(why)
            approve.append(why)
    if not applicants:
        review.append("no applicant details could be read")
        approve.append("no applicant details could be read")
    for applicant in applicants:
        if applicant.outcome is not Outcome.PR or applicant.contact_id is None:
            why = f"{applicant.party}: {applicant.outcome.value}: " + "; ".join(applicant.reasons)
            review.append(why)
            if applicant.outcome is Outcome.BLOCKED:
                approve.append(why)
        elif applicant.held:
            review.append(f"{applicant.party}: " + "; ".join(applicant.held))
    if applicants and not any(a.may_approve for a in applicants):
        approve.append("no applicant may be approved")
    return review, approve
