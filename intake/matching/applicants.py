"""Match each applicant (Parent/Carer 1 and 2) to a roster contact, and decide their standing.

An applicant is looked for first among the contacts the MIS holds for the form's children, then
among all contacts (a known contact of another child). The outcome says whether an account may be
approved: only a contact with parental responsibility for every child named, with no court order
or no-contact flag. Differences between the form and the MIS are warnings; the credential letter
always goes to the address on file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from intake.config import Thresholds
from intake.errors import WorkflowError
from intake.matching.fuzzy import edit_distance, nearest, similarity
from intake.matching.index import ContactKeys, RosterIndex
from intake.matching.normalise import (
    Folded,
    email_key,
    fold,
    phone_key,
    postcode_key,
    shape_key,
)
from intake.roster.model import Contact, Relationship

#: a contact is the applicant with this name score alone (0..100) ...
NAME_ALONE = 88.0
#: ... or with this name score and at least one of email, phone or postcode agreeing ...
NAME_WITH_EVIDENCE = 70.0
#: ... or with this forename score and two of email, phone, postcode (a changed surname)
FORENAME_WITH_TWO = 88.0
#: points each agreeing detail adds to a contact's score
EVIDENCE_POINTS = 4.0
#: a contact of another child needs the stricter rule: name and one detail
ELSEWHERE_NAME = 85.0
TITLES = frozenset({"MR", "MRS", "MS", "MISS", "MX", "DR", "REV", "PROF", "SIR", "LADY"})
ADDRESS_SAME = 80.0


class Outcome(StrEnum):
    """What may happen to an applicant's account request. Values are stable stored codes."""

    PR = "pr"  # a contact with parental responsibility: may be approved
    NO_PR = "no_pr"  # a contact without it: may not; the reason is shown
    UNKNOWN_CONTACT = "unknown_contact"  # not a contact of the children: may not until the MIS is
    BLOCKED = "blocked"  # court order or no-contact flag on a child named


_SEVERITY = {Outcome.PR: 0, Outcome.UNKNOWN_CONTACT: 1, Outcome.NO_PR: 2, Outcome.BLOCKED: 3}


@dataclass(frozen=True)
class ApplicantRead:
    party: str  # "parent1" or "parent2"
    forename: Folded
    surname: Folded
    print_name: Folded
    address_lines: tuple[str, ...] = ()
    postcode: str = ""
    home_phone: str = ""
    mobile_phone: str = ""
    email: str = ""

    @property
    def empty(self) -> bool:
        return not (self.forename.text or self.surname.text or self.print_name.text or self.email)

    @property
    def suspicious(self) -> bool:
        return self.forename.suspicious or self.surname.suspicious or self.print_name.suspicious


@dataclass(frozen=True)
class ContactCandidate:
    contact_id: str
    score: float  # 0..100
    name_score: float
    forename_score: float
    raw_score: float  # name score plus points per agreeing detail; contacts are ranked by it
    evidence: tuple[str, ...]  # "email", "phone", "postcode" that agree with the MIS
    of_children: bool  # a contact of one of the form's children
    accepted: bool  # good enough to be this applicant


@dataclass(frozen=True)
class ChildStanding:
    """The applicant's standing for one child, as the MIS records it."""

    student_id: str
    relationship: str  # CBDS code, "" when not a contact of this child
    parental_responsibility: bool
    blocked: bool
    reason: str


@dataclass(frozen=True)
class ApplicantMatch:
    party: str
    contact_id: str | None
    outcome: Outcome
    reasons: tuple[str, ...]  # why this outcome
    warnings: tuple[str, ...]  # differences between the form and the MIS
    candidates: tuple[ContactCandidate, ...]
    standings: tuple[ChildStanding, ...]
    link_existing_account: bool = False  # never create a second account for this contact
    #: why a person must look before approving even a PR outcome (suspicious text...)
    held: tuple[str, ...] = ()

    @property
    def may_approve(self) -> bool:
        return self.outcome is Outcome.PR and self.contact_id is not None and not self.held


def _applicant_name(read: ApplicantRead) -> list[Folded]:
    """The applicant's full name as written: forename + surname, and the print name sans title."""
    names = []
    if read.forename.text or read.surname.text:
        names.append(read.forename.compact().join(read.surname.compact()))
    words = [w for w in read.print_name.words() if w.text not in TITLES]
    if words:
        joined = words[0]
        for word in words[1:]:
            joined = joined.join(word)
        names.append(joined)
    return names


def _standing_outcome(standing: ChildStanding) -> Outcome:
    if standing.blocked:
        return Outcome.BLOCKED
    if not standing.relationship:
        return Outcome.UNKNOWN_CONTACT
    return Outcome.PR if standing.parental_responsibility else Outcome.NO_PR


def _close(written: str, on_file: str, longer_than: int = 14) -> bool:
    """Equal but for one misread character (two in a long value such as an email)."""
    if not written or not on_file:
        return False
    allowed = 2 if len(on_file) > longer_than else 1
    return edit_distance(written, on_file) <= allowed


def _evidence(read: ApplicantRead, keys: ContactKeys) -> tuple[str, ...]:
    """Which of email, phone and postcode agree with the MIS (allowing a misread character)."""
    found = []
    if _close(email_key(read.email), keys.email):
        found.append("email")
    written = {phone_key(read.home_phone), phone_key(read.mobile_phone)} - {""}
    if any(_close(w, p, longer_than=99) for w in written for p in keys.phones):
        found.append("phone")
    if _close(postcode_key(read.postcode), keys.postcode, longer_than=99):
        found.append("postcode")
    return tuple(found)


def score_contact(
    read: ApplicantRead, contact: Contact, of_children: bool, index: RosterIndex
) -> ContactCandidate:
    """How well one roster contact fits one applicant, and whether it is good enough."""
    keys = index.contact_keys[contact.contact_id]
    evidence = _evidence(read, keys)
    if not of_children and not evidence:
        # another child's contact is only ever this applicant with a detail agreeing
        return ContactCandidate(contact.contact_id, 0.0, 0.0, 0.0, 0.0, (), False, False)
    target = keys.forename + keys.surname
    name_score = max((similarity(n, target) for n in _applicant_name(read)), default=0.0)
    forename_score = similarity(read.forename.compact(), keys.forename)
    if of_children:
        accepted = (
            name_score >= NAME_ALONE
            or (name_score >= NAME_WITH_EVIDENCE and bool(evidence))
            or (forename_score >= FORENAME_WITH_TWO and len(evidence) >= 2)
        )
    else:
        accepted = name_score >= ELSEWHERE_NAME and bool(evidence)
    return ContactCandidate(
        contact_id=contact.contact_id,
        score=round(min(100.0, name_score + EVIDENCE_POINTS * len(evidence)), 1),
        name_score=round(name_score, 1),
        forename_score=round(forename_score, 1),
        raw_score=round(name_score + EVIDENCE_POINTS * len(evidence), 2),
        evidence=evidence,
        of_children=of_children,
        accepted=accepted,
    )


def contacts_like(read: ApplicantRead, index: RosterIndex, exclude: set[str]) -> list[Contact]:
    """Contacts of other children who may be this applicant: by name, email or phone."""
    found: set[int] = set()
    for name in _applicant_name(read):
        found.update(i for i, _ in nearest(shape_key(name.text), index.contact_name_shapes, 10, 70))
    if read.email:
        found.update(index.contacts_by_email.get(email_key(read.email), []))
    for phone in (phone_key(read.home_phone), phone_key(read.mobile_phone)):
        if phone:
            found.update(index.contacts_by_phone.get(phone, []))
    contacts = [index.contact_list[i] for i in sorted(found)]
    return [c for c in contacts if c.contact_id not in exclude]


def _standings(
    contact_id: str, student_ids: Sequence[str], index: RosterIndex
) -> tuple[ChildStanding, ...]:
    out = []
    for student_id in student_ids:
        rel: Relationship | None = next(
            (r for c, r in index.contacts_of.get(student_id, []) if c.contact_id == contact_id),
            None,
        )
        if rel is None:
            out.append(ChildStanding(student_id, "", False, False, "not a contact of this child"))
        elif rel.blocked:
            why = "court order on record" if rel.court_order else "no-contact flag on record"
            out.append(
                ChildStanding(student_id, rel.relationship, rel.parental_responsibility, True, why)
            )
        elif not rel.parental_responsibility:
            out.append(
                ChildStanding(
                    student_id,
                    rel.relationship,
                    False,
                    False,
                    f"no parental responsibility ({rel.relationship})",
                )
            )
        else:
            out.append(
                ChildStanding(student_id, rel.relationship, True, False, "parental responsibility")
            )
    return tuple(out)


def _outcome(standings: Sequence[ChildStanding]) -> Outcome:
    """The worst standing decides. A contact of none of the children is unknown for them; a
    contact of some but not all has no standing for the others (no parental responsibility)."""
    if not any(s.relationship for s in standings):
        return Outcome.UNKNOWN_CONTACT
    worst = Outcome.PR
    for standing in standings:
        if standing.blocked:
            this = Outcome.BLOCKED
        elif not standing.parental_responsibility:
            this = Outcome.NO_PR
        else:
            this = Outcome.PR
        if _SEVERITY[this] > _SEVERITY[worst]:
            worst = this
    return worst


def _differences(read: ApplicantRead, keys: ContactKeys) -> tuple[str, ...]:
    """Details written on the form that the MIS holds otherwise (a misread character aside)."""
    warnings = []
    email = email_key(read.email)
    if email and not _close(email, keys.email):
        warnings.append("email differs from the MIS" if keys.email else "email not on the MIS")
    for label, phone in (("home phone", read.home_phone), ("mobile phone", read.mobile_phone)):
        written = phone_key(phone)
        if written and not any(_close(written, p, longer_than=99) for p in keys.phones):
            warnings.append(f"{label} differs from the MIS")
    postcode = postcode_key(read.postcode)
    postcode_differs = bool(postcode) and not _close(postcode, keys.postcode, longer_than=99)
    line_differs = False
    if read.address_lines and keys.address_line:
        written_line = fold(read.address_lines[0]).compact()
        line_differs = similarity(written_line, keys.address_line) < ADDRESS_SAME
    if postcode_differs or line_differs:
        warnings.append("address differs from the MIS: the letter goes to the address on file")
    return tuple(warnings)


def match_applicant(
    read: ApplicantRead,
    student_ids: Sequence[str],
    index: RosterIndex,
    thresholds: Thresholds,
    existing_account_contact_ids: frozenset[str] = frozenset(),
    elsewhere: list[ContactCandidate] | None = None,
    chosen_contact_id: str | None = None,
) -> ApplicantMatch:
    """Match one applicant to a contact of the children ``student_ids``, else to any contact.

    ``elsewhere``: this applicant scored against ``contacts_like`` already (``match_form`` does
    it once, before the children are matched). ``chosen_contact_id``: the contact a person chose
    for this applicant; its standing is then judged as for a match.
    """
    if chosen_contact_id is not None:
        return _chosen(read, chosen_contact_id, student_ids, index, existing_account_contact_ids)
    own: dict[str, Contact] = {}
    for student_id in student_ids:
        for contact, _ in index.contacts_of.get(student_id, []):
            own[contact.contact_id] = contact
    scored = [score_contact(read, c, True, index) for c in own.values()]
    accepted = sorted((c for c in scored if c.accepted), key=lambda c: -c.raw_score)
    if not accepted:
        if elsewhere is None:
            elsewhere = [
                score_contact(read, c, False, index) for c in contacts_like(read, index, set())
            ]
        scored += [c for c in elsewhere if c.evidence and c.contact_id not in own]
        accepted = sorted((c for c in scored if c.accepted), key=lambda c: -c.raw_score)
    ranked = tuple(sorted(scored, key=lambda c: (-c.accepted, -c.raw_score, c.contact_id))[:5])
    if not accepted:
        return ApplicantMatch(
            read.party,
            None,
            Outcome.UNKNOWN_CONTACT,
            ("not a contact the MIS holds for these children",),
            (),
            ranked,
            (),
        )
    best = accepted[0]
    margin = best.raw_score - accepted[1].raw_score if len(accepted) > 1 else 100.0
    if margin < thresholds.match_auto_link_margin:
        return ApplicantMatch(
            read.party,
            None,
            Outcome.UNKNOWN_CONTACT,
            ("more than one contact fits: a person chooses",),
            (),
            ranked,
            (),
        )
    return _judged(read, best, ranked, student_ids, index, existing_account_contact_ids)


def _chosen(
    read: ApplicantRead,
    contact_id: str,
    student_ids: Sequence[str],
    index: RosterIndex,
    existing: frozenset[str],
) -> ApplicantMatch:
    if contact_id not in index.contact_keys:
        raise WorkflowError(f"{read.party}: contact {contact_id} is not on the roster")
    of_children = any(
        c.contact_id == contact_id for sid in student_ids for c, _ in index.contacts_of.get(sid, [])
    )
    candidate = score_contact(read, index.roster.contact(contact_id), True, index)
    candidate = replace(candidate, of_children=of_children, accepted=True)
    match = _judged(read, candidate, (candidate,), student_ids, index, existing)
    return replace(match, reasons=("chosen by a person", *match.reasons))


def _judged(
    read: ApplicantRead,
    best: ContactCandidate,
    ranked: tuple[ContactCandidate, ...],
    student_ids: Sequence[str],
    index: RosterIndex,
    existing_account_contact_ids: frozenset[str],
) -> ApplicantMatch:
    """The applicant as contact ``best``: standing for each child, outcome, differences."""
    standings = _standings(best.contact_id, student_ids, index)
    outcome = _outcome(standings) if standings else Outcome.UNKNOWN_CONTACT
    if outcome is Outcome.PR:
        reasons = ["parental responsibility for every child named"]
    else:
        reasons = [
            f"student {s.student_id}: {s.reason}"
            for s in standings
            if _standing_outcome(s) is not Outcome.PR
        ]
    if not standings:
        reasons.append("no child on the form is linked to the roster")
    if not best.of_children:
        reasons.insert(0, "a known contact of another child, not of the children named")
    warnings = list(_differences(read, index.contact_keys[best.contact_id]))
    if best.name_score < NAME_WITH_EVIDENCE:
        warnings.append("surname differs from the MIS")
    held = ("the name holds suspicious characters or mixed scripts",) if read.suspicious else ()
    return ApplicantMatch(
        party=read.party,
        contact_id=best.contact_id,
        outcome=outcome,
        reasons=tuple(dict.fromkeys(reasons)),
        warnings=tuple(warnings),
        candidates=ranked,
        standings=standings,
        link_existing_account=best.contact_id in existing_account_contact_ids,
        held=held,
    )
