"""What the review screen shows about the roster: the roster index the web app keeps, the
reviewer's student search, and each candidate's year and contact options.

The search is for finding the one pupil a form means, not for browsing the roster: it answers
only for a form still open for choices (the view checks), only a name of at least
``MIN_SEARCH_LETTERS`` letters, only students whose name is at least ``MIN_SEARCH_NAME_SCORE``
alike (a forename and surname with a few letters wrong, not a surname alone), at most
``SEARCH_RESULTS`` of them; the view limits each user's searches (``SEARCHES_PER_USER``) and
audits each one with the ids it returned. An office user typing 20 common names into the search
of an approved form saw 79 of 113 pupils before this; now such a form answers 409 and on an open
one the same names show none.

The choices themselves and the re-match they trigger are review actions
(``intake.review.service`` over ``intake.review.choices``).
"""

from __future__ import annotations

import time
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intake.db.roster import RosterImportRow
from intake.db.workflow import Form
from intake.matching.children import search_students
from intake.matching.index import RosterIndex
from intake.review.choices import contact_options, linked_students, stored_choices
from intake.roster.queries import load_roster_from_db

#: seconds the web app keeps a roster index before checking for a newer import
INDEX_CACHE_S = 60.0
MAX_SEARCH_CHARS = 80
#: fewer letters than this in the typed name is no search (``%``, ``a``, ``sm``)
MIN_SEARCH_LETTERS = 3
#: a student is shown only when the name alone is this alike (0..100): "olivr smth" finds
#: Oliver Smith (76), "smith" alone finds nobody (64 at best)
MIN_SEARCH_NAME_SCORE = 70.0
SEARCH_RESULTS = 5
#: searches one member of staff may make (Flask-Limiter; a breach is audited)
SEARCHES_PER_USER = "10 per minute;60 per hour;300 per day"


def roster_index(session: Session) -> RosterIndex:
    """The roster's index for this app, rebuilt after a new import or a minute."""
    latest = session.scalar(select(func.max(RosterImportRow.id)))
    cache: dict[str, Any] = current_app.extensions.setdefault("intake_roster_index", {})
    fresh = time.monotonic() - cache.get("at", -1e9) < INDEX_CACHE_S
    if "index" in cache and cache.get("import") == latest and fresh:
        index: RosterIndex = cache["index"]
        return index
    index = RosterIndex(load_roster_from_db(session))
    cache.update({"index": index, "at": time.monotonic(), "import": latest})
    return index


def search_refusal(name: str) -> str | None:
    """Why a typed name is no search (a message for the reviewer), or ``None``."""
    if sum(1 for c in name[:MAX_SEARCH_CHARS] if c.isalpha()) < MIN_SEARCH_LETTERS:
        return f"Type at least {MIN_SEARCH_LETTERS} letters of the pupil's forename and surname."
    return None


def search(index: RosterIndex | None, name: str, tutor_group: str) -> list[dict[str, Any]]:
    """The reviewer's student search (rapidfuzz over the roster's name variants), as JSON: the
    few students whose name is close to the typed one (see the module docstring)."""
    name = name.strip()[:MAX_SEARCH_CHARS]
    if index is None or search_refusal(name):
        return []
    found = search_students(index, name, tutor_group.strip()[:10], limit=SEARCH_RESULTS * 3)
    close = [c for c in found if c.name_score >= MIN_SEARCH_NAME_SCORE][:SEARCH_RESULTS]
    return [
        {
            "student_id": c.student_id,
            "name": " ".join(p for p in (c.forename, c.surname) if p),
            "tutor_group": c.tutor_group,
            "year": index.entry(c.student_id).student.year,
            "score": round(c.score),
            "reasons": [str(r).replace("_", " ") for r in c.reasons],
        }
        for c in close
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
