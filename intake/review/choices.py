"""A reviewer's choice of student for a child row (or of contact for an applicant), and the
re-match it triggers.

Choices accumulate in ``forms.match`` in the shape the accounts area reads
(``{"children": [{"row", "student_id"}], "applicants": [{"party", "contact_id"}]}``; a
``student_id`` of ``None`` means "not at this school"). After each choice the whole form is matched
again with ``intake.matching.proposals.match_form`` and every choice so far, so the matcher, not
the person, decides each applicant's outcome (parental responsibility, restrictions).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import object_session

from intake.accounts.known import existing_accounts
from intake.batch.doubt import doubt_score
from intake.batch.proposal import MatchStatus, Proposal, proposal_from_json, proposal_to_json
from intake.config import Settings
from intake.db.workflow import Form
from intake.errors import IntakeError
from intake.fieldjson import field_from_json
from intake.matching.confirm import confirmed_fields
from intake.matching.formfields import child_reads
from intake.matching.index import RosterIndex
from intake.matching.proposals import match_form
from intake.reading.result import FormRead, Problem
from intake.template.model import FormTemplate

log = logging.getLogger(__name__)

#: how "not at this school" is written in the form's history
NOT_AT_SCHOOL = "not at this school"
PARTIES = ("parent1", "parent2")


class ChoiceError(IntakeError):
    """A choice the form or the roster cannot take (unknown row, student or contact)."""


def form_read(form: Form, template: FormTemplate) -> FormRead:
    """The stored form as the matcher reads it (values as corrected so far)."""
    return FormRead(
        form_type=template.form_type,
        version=template.version,
        serial=form.serial,
        pages=(),
        fields={fid: field_from_json(data) for fid, data in (form.values or {}).items()},
        problems=tuple(Problem(p) for p in form.problems or ()),
    )


def stored_choices(form: Form) -> tuple[dict[int, str | None], dict[str, str]]:
    """(row -> student id or None, party -> contact id) chosen by people so far."""
    match = form.match or {}
    rows: dict[int, str | None] = {}
    for item in match.get("children", []) or []:
        if isinstance(item, dict) and isinstance(item.get("row"), int):
            rows[item["row"]] = str(item["student_id"]) if item.get("student_id") else None
    parties = {
        str(item["party"]): str(item["contact_id"])
        for item in match.get("applicants", []) or []
        if isinstance(item, dict) and item.get("party") and item.get("contact_id")
    }
    return rows, parties


def _store_choices(form: Form, rows: dict[int, str | None], parties: dict[str, str]) -> None:
    form.match = {
        "children": [{"row": r, "student_id": s} for r, s in sorted(rows.items())],
        "applicants": [{"party": p, "contact_id": c} for p, c in sorted(parties.items())],
    }


def choose_student(
    form: Form, index: RosterIndex, template: FormTemplate, row: int, student_id: str | None
) -> str:
    """Record that child ``row`` is ``student_id`` (``None``: not at this school); returns the
    previous choice (``""`` when there was none). The caller re-matches."""
    read = form_read(form, template)
    if row not in {c.row for c in child_reads(read)}:
        raise ChoiceError(f"the form has no child row {row}")
    if student_id is not None and student_id not in index.entry_of:
        raise ChoiceError("that student is not on the roster")
    rows, parties = stored_choices(form)
    before = (rows[row] or NOT_AT_SCHOOL) if row in rows else ""
    rows[row] = student_id
    _store_choices(form, rows, parties)
    return before


def choose_contact(form: Form, index: RosterIndex, party: str, contact_id: str) -> str:
    """Record that applicant ``party`` is roster contact ``contact_id``, one of the contacts of the
    children linked on the form; returns the previous choice. The caller re-matches."""
    if party not in PARTIES:
        raise ChoiceError("unknown applicant")
    if party not in {a.get("party") for a in (form.proposed or {}).get("applicants", []) or []}:
        raise ChoiceError("the form has no such applicant")
    allowed = {c["contact_id"] for c in contact_options(index, linked_students(form))}
    if contact_id not in allowed:
        raise ChoiceError("choose one of the contacts of the children linked on this form")
    rows, parties = stored_choices(form)
    before = parties.get(party, "")
    parties[party] = contact_id
    _store_choices(form, rows, parties)
    return before


def linked_students(form: Form) -> list[str]:
    """The students the form's child rows are linked to now (proposals after choices)."""
    return [
        str(c["student_id"])
        for c in (form.proposed or {}).get("children", []) or []
        if isinstance(c, dict) and c.get("student_id")
    ]


def rematch(form: Form, index: RosterIndex, template: FormTemplate, settings: Settings) -> None:
    """Match the form again with every choice made so far; store proposals and doubt."""
    rows, parties = stored_choices(form)
    read = form_read(form, template)
    known_rows = {c.row for c in child_reads(read)}
    rows = {r: s for r, s in rows.items() if r in known_rows and (s is None or s in index.entry_of)}
    parties = {p: c for p, c in parties.items() if c in index.contact_keys}
    session = object_session(form)
    result = match_form(
        read,
        index,
        thresholds=settings.thresholds,
        choices=rows,
        contact_choices=parties,
        accounts=existing_accounts(session) if session is not None else None,
    )
    # corrections were applied to the stored values when the form was assembled: keep the record
    corrected = proposal_from_json(form.proposed or {}).corrected
    proposal = Proposal(MatchStatus.OK, result, confirmed_fields(read, result, index), corrected)
    form.proposed = proposal_to_json(proposal)
    form.doubt = doubt_score(read.fields, form.problems or [], proposal, settings.thresholds)
    log.info("form %s matched again with %d choices", form.id, len(rows) + len(parties))


def contact_options(index: RosterIndex | None, student_ids: list[str]) -> list[dict[str, Any]]:
    """The roster contacts of these students, to choose an applicant from (no contact details:
    name, relationship, whether they hold parental responsibility)."""
    if index is None:
        return []
    out: dict[str, dict[str, Any]] = {}
    for sid in dict.fromkeys(student_ids):
        for contact, rel in index.contacts_of.get(sid, []):
            entry = out.setdefault(
                contact.contact_id,
                {
                    "contact_id": contact.contact_id,
                    "name": " ".join(p for p in (contact.forename, contact.surname) if p),
                    "relationships": [],
                    "pr": True,
                    "restricted": False,
                },
            )
            entry["relationships"].append(rel.relationship)
            entry["pr"] = entry["pr"] and rel.parental_responsibility
            entry["restricted"] = entry["restricted"] or rel.blocked
    return sorted(out.values(), key=lambda c: (not c["pr"], c["name"], c["contact_id"]))
