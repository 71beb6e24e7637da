"""PDFs that carry more than pages, through the real upload view and batch job (only the page
reader is faked): one with JavaScript, an OpenAction, a Launch action and an embedded file is
rendered to pixels and only ever served as a server-made PNG; one whose content stream inflates
to 200 MB is stopped by the page timeout and fails its page, the batch finishing."""

from __future__ import annotations

import io
import time
import zlib
from pathlib import Path

import pytest
from sqlalchemy import select

from intake.config import Settings, load_settings
from intake.db.workflow import Batch, Page, Upload

from .conftest import csrf_from
from .hostile_files import A4_BOX, pdf_with_pages

#: short enough that the 200 MB content stream cannot be drawn in time on any machine, long
#: enough for an ordinary A4 page on the shared test box
PAGE_TIMEOUT_S = 3
SCRIPT_MARK = b"app.alert(document.title)"
EMBEDDED_MARK = b"MZ-embedded-payload-canary"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    return load_settings(
        environ={"INTAKE_DATA_DIR": str(data_dir)},
        database_url=database_url,
        mfa_required_roles=(),
        limits={"page_timeout_s": PAGE_TIMEOUT_S},
    )


def active_pdf() -> bytes:
    """An A4 page with a Launch link; a catalog with a JavaScript OpenAction, named JavaScript
    and an embedded file (object 4)."""
    launch = "/Annots[<</Type/Annot/Subtype/Link/Rect[0 0 595 842]/A<</S/Launch/F(calc.exe)>>>>]"
    js = f"<</S/JavaScript/JS({SCRIPT_MARK.decode()})>>"
    catalog = (
        f"/OpenAction{js}/Names<</JavaScript<</Names[(x){js}]>>"
        "/EmbeddedFiles<</Names[(evil.exe)<</Type/Filespec/F(evil.exe)/EF<</F 4 0 R>>>>]>>>>"
    )
    return pdf_with_pages(
        A4_BOX + launch, catalog=catalog, streams=(zlib.compress(EMBEDDED_MARK * 20),)
    )


def content_stream_bomb(megabytes: int = 200) -> bytes:
    """An A4 page whose FlateDecode content stream (about 400 KB) inflates to ``megabytes`` of
    drawing operators."""
    strokes = b"0 0 m 1 1 l S\n" * (1_000_000 // 14)
    squeezer = zlib.compressobj(6)
    body = b"".join(squeezer.compress(strokes) for _ in range(megabytes)) + squeezer.flush()
    return pdf_with_pages(A4_BOX + "/Contents 4 0 R", streams=(body,))


def _upload(client, data: bytes, name: str):
    return client.post(
        "/batches",
        data={"csrf_token": csrf_from(client, "/batches"), "files": [(io.BytesIO(data), name)]},
        content_type="multipart/form-data",
    )


def _get_routes_with_ids(app, ids: list[str]) -> list[str]:
    """Every GET route that takes arguments, with each argument filled by each id."""
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or set()) or not rule.arguments:
            continue
        for value in ids:
            path = rule.rule
            for argument in rule.arguments:
                path = path.replace(f"<path:{argument}>", value).replace(f"<{argument}>", value)
                path = path.replace(f"<int:{argument}>", "1")
            paths.append(path)
    return paths


def test_a_pdf_with_actions_and_attachments_is_only_ever_served_as_png(
    app, client_as, db_factory
) -> None:
    original = active_pdf()
    assert SCRIPT_MARK in original and b"/Launch" in original
    office = client_as("office")
    assert _upload(office, original, "form.pdf").status_code == 302
    with db_factory() as session:
        batch = session.scalar(select(Batch))
        upload = session.scalar(select(Upload))
        pages = session.scalars(select(Page)).all()
    assert batch.status == "done" and len(pages) == 1 and pages[0].status != "failed"
    image = office.get(f"/pages/{pages[0].id}/image")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data.startswith(b"\x89PNG")
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    ids = [batch.id, upload.id, pages[0].id]
    approver = client_as("approver")
    for client in (office, approver):
        for path in _get_routes_with_ids(app, ids):
            body = client.get(path).data
            assert SCRIPT_MARK not in body and EMBEDDED_MARK not in body, path
            assert not body.startswith(b"%PDF-1.4\n1 0 obj<</Type/Catalog"), path


def test_a_content_stream_bomb_fails_its_page_on_the_timeout(client_as, db_factory) -> None:
    data = content_stream_bomb()
    assert len(data) < 1_000_000
    started = time.monotonic()
    assert _upload(client_as("office"), data, "scan.pdf").status_code == 302
    elapsed = time.monotonic() - started
    with db_factory() as session:
        batch = session.scalar(select(Batch))
        pages = session.scalars(select(Page)).all()
    assert batch.status == "done"
    assert [p.reason for p in pages] == [
        f"page 1 of the PDF took longer than {PAGE_TIMEOUT_S} s to render"
    ]
    assert elapsed < PAGE_TIMEOUT_S + 20
