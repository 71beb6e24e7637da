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
import time
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intake.batch.doubt import doubt_score
from intake.batch.proposal import MatchStatus, Proposal, proposal_from_json, proposal_to_json
from intake.config import Settings
from intake.db.workflow import Form
from intake.errors import IntakeError
from intake.fieldjson import field_from_json
from intake.matching.children import search_students
from intake.matching.confirm import confirmed_fields
from intake.matching.formfields import child_reads
from intake.matching.index import RosterIndex
from intake.matching.proposals import match_form
from intake.reading.result import FormRead, Problem
from intake.template.model import FormTemplate

log = logging.getLogger(__name__)

#: seconds the web app keeps a roster index before checking for a newer import
INDEX_CACHE_S = 60.0
MAX_SEARCH_CHARS = 80
SEARCH_RESULTS = 8
#: how "not at this school" is written in the form's history
NOT_AT_SCHOOL = "not at this school"


class ChoiceError(IntakeError):
    """A choice the form or the roster cannot take (unknown row, student or contact)."""


def roster_index(session: Session) -> RosterIndex | None:
    """The roster's index for this app, rebuilt after a new import or a minute; ``None`` when the
    roster tables are not installed."""
    try:
        from intake.db.roster import RosterImportRow
        from intake.roster.stored import load_roster_from_db
    except ImportError:
        return None
    latest = session.scalar(select(func.max(RosterImportRow.id)))
    cache: dict[str, Any] = current_app.extensions.setdefault("intake_roster_index", {})
    fresh = time.monotonic() - cache.get("at", -1e9) < INDEX_CACHE_S
    if "index" in cache and cache.get("import") == latest and fresh:
        return cache["index"]
    index = RosterIndex(load_roster_from_db(session))
    cache.update({"index": index, "at": time.monotonic(), "import": latest})
    return index


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
    if party not in ("parent1", "parent2"):
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
    result = match_form(
        read, index, thresholds=settings.thresholds, choices=rows, contact_choices=parties
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


def search(index: RosterIndex | None, name: str, tutor_group: str) -> list[dict[str, Any]]:
    """The reviewer's student search (rapidfuzz over the roster's name variants), as JSON."""
    name = name.strip()[:MAX_SEARCH_CHARS]
    if index is None or not name:
        return []
    return [
        {
            "student_id": c.student_id,
            "name": " ".join(p for p in (c.forename, c.surname) if p),
            "tutor_group": c.tutor_group,
            "year": index.entry(c.student_id).student.year,
            "score": round(c.score),
            "reasons": [str(r).replace("_", " ") for r in c.reasons],
        }
        for c in search_students(index, name, tutor_group.strip()[:10], limit=SEARCH_RESULTS)
    ]


def enrich(view: dict[str, Any], form: Form, index: RosterIndex | None) -> None:
    """Add what only the roster knows to the screen's data: each candidate's year, and for each
    applicant not matched with parental responsibility, the contacts of the linked children to
    choose from."""
    rows, parties = stored_choices(form)
    for child in view.get("children", []):
        child["chosen_by_person"] = child["row"] in rows
        child["not_at_school"] = child["row"] in rows and rows[child["row"]] is None
        for cand in child["candidates"]:
            if index is not None and cand["student_id"] in index.entry_of:
                cand["year"] = index.entry(cand["student_id"]).student.year
    options = contact_options(index, linked_students(form))
    for applicant in view.get("applicants", []):
        chosen = parties.get(applicant["party"], "")
        applicant["chosen_by_person"] = bool(chosen)
        # offered while the applicant is not a contact with PR: unresolved, or perhaps the
        # wrong one of two alike; the re-match still judges whichever contact is chosen
        doubtful = not applicant["contact_id"] or applicant["outcome"] != "pr"
        applicant["contact_options"] = options if (doubtful or chosen) else []
