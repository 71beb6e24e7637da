"""Where the batch job meets the reader and the matcher: the one place they are wired in.

``default_reader`` adapts ``intake.reading.pipeline`` (identify, align, read one page) to the
``PageReader`` the job expects, keeping the page it warped for the review screen;
``default_matcher`` adapts ``intake.matching`` with the roster loaded from the database.
"""

from __future__ import annotations

import logging
import time

from intake.accounts.known import existing_accounts
from intake.batch.context import Matcher, PageOutcome, PageReader
from intake.batch.pages import REVIEW_PX_PER_MM
from intake.batch.proposal import MatchStatus, Proposal, StoredCorrection
from intake.config import Settings
from intake.db.base import make_engine, make_session_factory
from intake.matching.accounts import ExistingAccounts
from intake.matching.confirm import on_record
from intake.matching.index import RosterIndex
from intake.matching.proposals import match_form
from intake.reading import cli as reading_cli
from intake.reading import pipeline
from intake.reading.ingest import PageImage
from intake.reading.result import FormRead
from intake.roster.importing import load_roster_from_db

log = logging.getLogger(__name__)

#: seconds a worker keeps its roster index before loading the roster again
ROSTER_CACHE_S = 120.0


def default_reader(settings: Settings) -> PageReader:
    """The real page reader: identify, align and read, the aligned page kept for review (warped
    straight at the review screen's resolution, from the warp that reads the fields)."""
    context = reading_cli.make_context(settings, None)

    def read(image: PageImage, source: str) -> PageOutcome:
        page, fields, aligned = pipeline.read_page_and_image(
            image.image,
            context,
            image.index,
            source,
            image.dpi,
            image.note,
            image_px_per_mm=REVIEW_PX_PER_MM,
        )
        return PageOutcome(page=page, fields=dict(fields), aligned=aligned)

    return read


def default_matcher(settings: Settings) -> Matcher:
    """The roster matcher over the roster in the database (reloaded every two minutes)."""
    factory = make_session_factory(make_engine(settings.sqlalchemy_url))
    cached: list[tuple[RosterIndex, ExistingAccounts, float]] = []

    def index() -> tuple[RosterIndex, ExistingAccounts]:
        if not cached or time.monotonic() - cached[0][2] > ROSTER_CACHE_S:
            with factory() as session:
                roster = load_roster_from_db(session)
                accounts = existing_accounts(session)
            cached[:] = [(RosterIndex(roster), accounts, time.monotonic())]
        return cached[0][0], cached[0][1]

    def match(form: FormRead) -> Proposal:
        roster, accounts = index()
        result = match_form(form, roster, thresholds=settings.thresholds, accounts=accounts)
        records = on_record(form, result, roster)
        corrected = {
            fid: StoredCorrection(c.raw, form.fields[fid].raw, c.source, c.replaced)
            for fid, c in records.corrections.items()
        }
        return Proposal(MatchStatus.OK, result, records.confirmed, corrected)

    return match
