"""Where the batch job meets the reader and the matcher: the one place they are wired in.

``default_reader`` adapts ``intake.reading.pipeline`` (identify, align, read one page) to the
``PageReader`` the job expects; ``default_matcher`` adapts ``intake.matching.proposals`` with the
roster loaded from the database. Either may be missing in a partial install: pages then become
visible "unreadable" items with that reason, and forms go to review unmatched.
"""

from __future__ import annotations

import logging
from typing import Any

from intake.config import Settings
from intake.errors import IntakeError
from intake.processing import Matcher, PageOutcome, PageReader
from intake.reading.ingest import PageImage
from intake.reading.result import FieldRead

log = logging.getLogger(__name__)


def default_reader(settings: Settings) -> PageReader:
    """The real page reader, or one that explains it is not installed."""
    try:
        from intake.reading import pipeline
    except ImportError:
        log.warning("the page reader (intake.reading.pipeline) is not installed")
        return _reader_missing
    context = pipeline.ReadContext.from_settings(settings)

    def read(image: PageImage, source: str) -> PageOutcome:
        page, fields = pipeline.read_page(context, image, source)
        aligned = pipeline.aligned_page(context, image, page) if page.status == "read" else None
        return PageOutcome(page=page, fields=dict(fields), aligned=aligned)

    return read


def _reader_missing(image: PageImage, source: str) -> PageOutcome:
    raise IntakeError("the page reader is not installed on this server")


def default_matcher(settings: Settings) -> Matcher:
    """The roster matcher over the roster in the database, or an "unmatched" placeholder."""
    try:
        from intake.matching import proposals
        from intake.roster.store import load_roster_from_db
    except ImportError:
        log.warning("roster matching is not installed; forms go to review unmatched")
        return _no_matching

    def match(values: dict[str, FieldRead]) -> dict[str, Any]:
        roster = load_roster_from_db(settings)
        index = proposals.RosterIndex(roster)
        result = proposals.match_form(values, index, settings.thresholds)
        return result if isinstance(result, dict) else proposals.to_json(result)

    return match


def _no_matching(values: dict[str, FieldRead]) -> dict[str, Any]:
    return {"status": "matching_unavailable", "unresolved": 0, "children": [], "applicants": []}
