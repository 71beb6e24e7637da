"""Where the batch job meets the reader and the matcher: the one place they are wired in.

``default_reader`` adapts ``intake.reading.pipeline`` (identify, align, read one page) to the
``PageReader`` the job expects; ``default_matcher`` adapts ``intake.matching.proposals`` with the
roster loaded from the database. Either may be missing in a partial install: pages then become
visible "unreadable" items with that reason, and forms go to review unmatched.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
import time
from typing import Any

from intake.config import Settings
from intake.db.base import make_engine, make_session_factory
from intake.errors import IntakeError
from intake.processing import Matcher, PageOutcome, PageReader
from intake.reading.ingest import PageImage
from intake.reading.result import FormRead

log = logging.getLogger(__name__)


def default_reader(settings: Settings) -> PageReader:
    """The real page reader (identify, align, read), or one that explains it is missing."""
    try:
        from intake.reading import cli as reading_cli
        from intake.reading import pipeline
        from intake.reading.align import aligned_page, homography_array
    except ImportError:
        log.warning("the page reader (intake.reading.pipeline) is not installed")
        return _reader_missing
    context = reading_cli.make_context(settings, None)

    def read(image: PageImage, source: str) -> PageOutcome:
        page, fields = pipeline.read_page(
            image.image, context, image.index, source, image.dpi, image.note
        )
        aligned = None
        if page.status == "read" and page.homography:
            template = context.templates.get(f"{page.form_type}-v{page.version}")
            if template is not None:
                aligned = aligned_page(
                    image.image,
                    homography_array(page.homography),
                    template.page_w,
                    template.page_h,
                )
        return PageOutcome(page=page, fields=dict(fields), aligned=aligned)

    return read


def _reader_missing(image: PageImage, source: str) -> PageOutcome:
    raise IntakeError("the page reader is not installed on this server")


#: seconds a worker keeps its roster index before loading the roster again
ROSTER_CACHE_S = 120.0


def default_matcher(settings: Settings) -> Matcher:
    """The roster matcher over the roster in the database (reloaded every two minutes)."""
    try:
        from intake.accounts.known import existing_accounts
        from intake.matching.confirm import correction_data, on_record
        from intake.matching.index import RosterIndex
        from intake.matching.proposals import match_form
        from intake.roster.store import load_roster_from_db
    except ImportError:
        log.warning("roster matching is not installed; forms go to review unmatched")
        return _no_matching
    factory = make_session_factory(make_engine(settings.sqlalchemy_url))
    cache: dict[str, Any] = {}

    def index() -> Any:
        if "index" not in cache or time.monotonic() - cache["at"] > ROSTER_CACHE_S:
            with factory() as session:
                roster = load_roster_from_db(session)
                cache["accounts"] = existing_accounts(session)
            cache["index"], cache["at"] = RosterIndex(roster), time.monotonic()
        return cache["index"]

    def match(form: FormRead) -> dict[str, Any]:
        roster = index()
        result = match_form(
            form, roster, thresholds=settings.thresholds, accounts=cache["accounts"]
        )
        records = on_record(form, result, roster)
        data = proposed_data(result, records.confirmed)
        data["corrected"] = {
            fid: correction_data(c, form.fields[fid]) for fid, c in records.corrections.items()
        }
        return data

    return match


def proposed_data(result: Any, confirmed: dict[str, str] | None = None) -> dict[str, Any]:
    """A ``FormMatch`` as the JSON stored in ``forms.proposed`` (the batch job and the review
    screen's re-match after a person's choice store the same shape), with the fields the
    records confirm (field id -> "student <id>" / "contact <id>")."""
    data: dict[str, Any] = _plain(dataclasses.asdict(result))
    data["status"] = "ok"
    data["confirmed"] = dict(confirmed or {})
    data["unresolved"] = sum(1 for c in result.children if not c.student_id) + sum(
        1 for a in result.applicants if not a.may_approve
    )
    return data


def _plain(value: Any) -> Any:
    """Enums to their values, tuples to lists: JSON for the ``forms.proposed`` column."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _no_matching(form: FormRead) -> dict[str, Any]:
    return {"status": "matching_unavailable", "unresolved": 0, "children": [], "applicants": []}
