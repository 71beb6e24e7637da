"""Fixtures of the records tests: the product's real tables (SQLite in tmp_path, or a fresh
PostgreSQL schema when INTAKE_TEST_DATABASE_URL names one), the synthetic roster of the accounts
tests, a local file store, and helpers that lay down a batch upload of several families' forms."""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from accounts.helpers import make_roster
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

import intake.db.accounts
import intake.db.records
import intake.db.roster
import intake.db.workflow  # noqa: F401 - registers the tables
from intake.accounts.adapters import audit_recorder, context_from_db
from intake.accounts.ports import AccountsContext
from intake.config import Settings
from intake.db.base import Base, make_engine, make_session_factory
from intake.db.workflow import Batch, Form, Page, Upload
from intake.roster.csv_io import RosterFile
from intake.roster.importing import SourceFile, import_roster
from intake.storage import LocalStorage

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    data = tmp_path / "data"
    data.mkdir()
    base = os.environ.get("INTAKE_TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        # MFA off in the generic fixtures: tests/staff/test_mfa*.py sign in with the default
        yield Settings(
            data_dir=data,
            database_url=f"sqlite:///{data / 'records.sqlite3'}",
            mfa_required_roles=(),
        )
        return
    schema = f"records_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    joiner = "&" if "?" in base else "?"
    yield Settings(
        data_dir=data,
        database_url=f"{base}{joiner}options=-csearch_path%3D{schema}",
        mfa_required_roles=(),
    )
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def factory(settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(settings.sqlalchemy_url)
    Base.metadata.create_all(engine)
    made = make_session_factory(engine)
    with made() as session, session.begin():
        import_roster(
            session, [SourceFile("roster.csv", "0" * 64, RosterFile(make_roster()))], full=True
        )
    yield made
    engine.dispose()


@pytest.fixture
def storage(settings: Settings) -> LocalStorage:
    return LocalStorage(settings.data_dir / "files")


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_ctx(session: Session, settings: Settings, clock: Clock) -> AccountsContext:
    base = context_from_db(session, settings)
    return AccountsContext(base.settings, base.roster, base.forms, audit_recorder, clock)


def numbered_pdf(pages: int) -> bytes:
    """A PDF whose page i is 400 + i points wide, so that a rewritten file tells which stayed."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1)
    for i in range(pages):
        canvas.setPageSize((400 + i, 600))
        canvas.drawString(50, 300, f"page {i}")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def page_widths(pdf: bytes) -> list[int]:
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return [int(float(p.mediabox[2])) for p in doc.pages]


def lay_batch(
    session: Session, storage: LocalStorage, layout: list[dict[str, Any] | str], at: datetime
) -> tuple[str, dict[str, str], list[str]]:
    """One uploaded PDF whose pages are ``layout``: a dict names a form (``key``, ``state``,
    ``match``; consecutive pages with one key make one form) and ``"blank"`` a loose page.
    Returns the upload id, form ids by key, and page ids in file order."""
    batch = Batch(label="copier", status="done", created_at=at)
    session.add(batch)
    session.flush()
    stored = storage.put_original(numbered_pdf(len(layout)))
    upload = Upload(
        batch_id=batch.id,
        storage_key=stored.key,
        sha256=stored.sha256,
        size=stored.size,
        display_name="scan.pdf",
        kind="pdf",
        page_count=len(layout),
        status="done",
        created_at=at,
    )
    session.add(upload)
    session.flush()
    forms: dict[str, str] = {}
    page_ids = []
    for index, item in enumerate(layout):
        form_id = None
        if isinstance(item, dict):
            if item["key"] not in forms:
                form = Form(
                    batch_id=batch.id,
                    identity=f"serial:{item['key']}",
                    state=item.get("state", "rejected"),
                    values={"p1_surname": {"value": item["key"].upper()}},
                    match=item.get("match", {}),
                    created_at=at,
                    updated_at=item.get("updated_at", at),
                )
                session.add(form)
                session.flush()
                forms[item["key"]] = form.id
            form_id = forms[item["key"]]
        image = np.full((20, 14), 200 + index, dtype=np.uint8)
        page = Page(
            upload_id=upload.id,
            batch_id=batch.id,
            index=index,
            status="blank" if item == "blank" else "read",
            form_id=form_id,
            page_number=index + 1,
            image_key=storage.put_page_image(image),
            scan_key=storage.put_page_image(image),
            fields={"p1_surname": {"value": "X"}} if form_id else {},
            created_at=at,
        )
        session.add(page)
        session.flush()
        page_ids.append(page.id)
    return upload.id, forms, page_ids
