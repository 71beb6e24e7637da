"""Hostile uploads through the real upload view and batch job (only the page reader is faked):
content-type lies, polyglots, bombs and broken files are refused or end as a failed page with a
reason, quickly, and nothing but the original is stored, under a server-made name."""

from __future__ import annotations

import io
import struct
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from batch.fakes import scan_png
from sqlalchemy import func, select

from intake.db.workflow import Batch, Page, Upload

from .conftest import csrf_from
from .hostile_files import a4_then_huge_pages, many_scan_jpeg, small_cropbox_huge_mediabox


def _post(client, files, content_type: str | None = None):
    parts = [
        (io.BytesIO(data), name, content_type) if content_type else (io.BytesIO(data), name)
        for data, name in files
    ]
    return client.post(
        "/batches",
        data={"csrf_token": csrf_from(client, "/batches"), "files": parts},
        content_type="multipart/form-data",
    )


def _stored_files(settings) -> list[Path]:
    root = settings.data_dir / "files"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


DISGUISED = {
    "html-as-pdf": (b"<!doctype html><script>alert(1)</script>", "form.pdf"),
    "svg-as-png": (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "scan.png"),
    "elf-as-tiff": (b"\x7fELF\x02\x01\x01" + b"\x00" * 64, "scan.tif"),
    "exe-as-jpg": (b"MZ\x90\x00" + b"\x00" * 64, "scan.jpg"),
    "eps-as-jpg": (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n", "scan.jpg"),
    "docx-as-pdf": (_docx(), "form.pdf"),
    "pdf-late-header": (b"\x00" * 1100 + b"%PDF-1.4\n", "form.pdf"),
    "html-with-pdf-header-inside": (
        b"<!doctype html><title>%PDF-1.4</title><script>alert(1)</script>",
        "form.pdf",
    ),
    "pdf-header-after-a-newline": (b"\n%PDF-1.4\n1 0 obj<<>>endobj\n", "form.pdf"),
    "text": (b"Dear parent, this is not a scan", "notes.txt"),
}


def test_disguised_files_are_refused_and_nothing_is_stored(client_as, db_factory, settings):
    office = client_as("office")
    for kind, (data, name) in sorted(DISGUISED.items()):
        response = _post(office, [(data, name)], content_type="image/jpeg")
        assert response.status_code == 422, kind
        assert "not a PDF, TIFF, PNG or JPEG" in response.get_data(as_text=True), kind
        with db_factory() as session:
            assert session.scalar(select(func.count()).select_from(Upload)) == 0, kind
            assert session.scalar(select(func.count()).select_from(Batch)) == 0, kind
        assert _stored_files(settings) == [], kind


def test_one_bad_file_refuses_the_whole_upload(client_as, db_factory, settings) -> None:
    response = _post(client_as("office"), [(scan_png(1, 1), "good.png"), (b"<html>", "bad.pdf")])
    assert response.status_code == 422 and "bad.pdf" in response.get_data(as_text=True)
    assert _stored_files(settings) == []


def test_content_type_header_is_ignored(client_as, db_factory) -> None:
    response = _post(client_as("office"), [(scan_png(1, 1), "page.png")], "text/html")
    assert response.status_code == 302
    with db_factory() as session:
        assert session.scalar(select(Upload.kind)) == "png"


def test_too_many_files_in_one_request(client_as, app) -> None:
    from intake.web.batches import MAX_FILES_PER_UPLOAD

    tiny = scan_png(1, 1)
    response = _post(
        client_as("office"), [(tiny, f"p{i}.png") for i in range(MAX_FILES_PER_UPLOAD + 1)]
    )
    assert response.status_code in (413, 422)


def test_too_many_form_parts_is_413(client_as) -> None:
    client = client_as("office")
    data = {f"x{i}": "1" for i in range(1500)}
    data["csrf_token"] = csrf_from(client, "/batches")
    response = client.post("/batches", data=data, content_type="multipart/form-data")
    assert response.status_code == 413


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(width: int, height: int) -> bytes:
    """A PNG of a few hundred bytes whose header claims ``width`` x ``height``."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 100))
        + _chunk(b"IEND", b"")
    )


def many_frame_tiff(frames: int) -> bytes:
    """A little-endian TIFF of ``frames`` 1x1 grey frames, all sharing one pixel (built by hand:
    Pillow takes seconds to write thousands of frames)."""
    pixel_at = 8
    entry_count = 8
    ifd_size = 2 + entry_count * 12 + 4
    first_ifd = pixel_at + 2  # one pixel byte, then a pad byte keeps IFDs word aligned
    out = bytearray(b"II*\x00" + struct.pack("<I", first_ifd) + b"\xff\x00")
    for n in range(frames):
        offset = first_ifd + n * ifd_size
        following = offset + ifd_size if n + 1 < frames else 0
        tags = [
            (256, 3, 1, 1),  # width
            (257, 3, 1, 1),  # height
            (258, 3, 1, 8),  # bits per sample
            (259, 3, 1, 1),  # no compression
            (262, 3, 1, 1),  # black is zero
            (273, 4, 1, pixel_at),  # strip offset
            (278, 3, 1, 1),  # rows per strip
            (279, 4, 1, 1),  # strip byte count
        ]
        out += struct.pack("<H", entry_count)
        for tag, kind, count, value in tags:
            out += struct.pack("<HHII", tag, kind, count, value)
        out += struct.pack("<I", following)
    return bytes(out)


def huge_mediabox_pdf(points: int = 12000) -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 SIZE SIZE]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    ).replace(b"SIZE", str(points).encode())


def encrypted_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, encrypt="s3cret-user-password")
    pdf.drawString(100, 700, "page 1")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


BOMBS = {
    "png-60000x60000": (lambda: bomb_png(60000, 60000), "scan.png", "megapixels"),
    "png-200000x1": (lambda: bomb_png(200000, 1), "scan.png", "too small"),
    "tiff-5000-frames": (lambda: many_frame_tiff(5000), "scan.tif", "limit"),
    "jpeg-8000-scans": (many_scan_jpeg, "scan.jpg", "more than 100 scans"),
    "pdf-12000pt-mediabox": (huge_mediabox_pdf, "scan.pdf", "too large"),
    "pdf-a4-then-4600pt-pages": (a4_then_huge_pages, "scan.pdf", "page 2 of the PDF is 4600"),
    "pdf-a4-cropbox-on-4600pt": (small_cropbox_huge_mediabox, "scan.pdf", "page 1 of the PDF"),
    "pdf-encrypted": (encrypted_pdf, "scan.pdf", "password-protected"),
    "pdf-truncated": (lambda: b"%PDF-1.4\n1 0 obj<</Type/Catalog", "scan.pdf", ""),
    "tiff-bogus-offsets": (
        lambda: b"II*\x00" + struct.pack("<I", 0xFFFFFF00) + b"\x00" * 32,
        "s.tif",
        "",
    ),
}


@pytest.mark.parametrize("kind", sorted(BOMBS))
def test_bombs_and_broken_files_end_as_a_failed_page(client_as, db_factory, kind: str) -> None:
    make, name, reason = BOMBS[kind]
    data = make()
    started = time.monotonic()
    response = _post(client_as("office"), [(data, name)])
    elapsed = time.monotonic() - started
    assert response.status_code == 302, kind
    assert elapsed < 20, f"{kind} took {elapsed:.1f} s"
    with db_factory() as session:
        batch = session.scalar(select(Batch))
        pages = session.scalars(select(Page)).all()
        upload = session.scalar(select(Upload))
    assert batch.status == "done", kind
    failures = [p.reason for p in pages if p.status == "failed"] + (
        [upload.error] if upload.error else []
    )
    assert failures, f"{kind}: nothing reported as failed ({[p.status for p in pages]})"
    assert not [p for p in pages if p.status == "read"], kind
    assert all("Traceback" not in f for f in failures)
    if reason:
        assert any(reason in f for f in failures), (kind, failures)
