"""Ingest: every bad file becomes a clear reason, good files become page images."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from intake.config import Limits
from intake.reading.ingest import PageFailure, PageImage, iter_pages, sniff_type

LIMITS = Limits(render_dpi=50)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(width: int, height: int) -> bytes:
    """A PNG whose header claims a huge size, with almost no data behind it."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 100)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )


def _pdf(path: Path, pages: int = 2, encrypt: str | None = None) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4, encrypt=encrypt)
    for i in range(pages):
        c.drawString(100, 700, f"page {i + 1}")
        c.showPage()
    c.save()
    return path


def _only(path: Path, limits: Limits = LIMITS) -> PageFailure:
    items = list(iter_pages(path, limits))
    assert len(items) == 1
    assert isinstance(items[0], PageFailure)
    return items[0]


def test_sniff_by_magic_bytes() -> None:
    assert sniff_type(b"%PDF-1.4 ...") == "pdf"
    assert sniff_type(b"\x89PNG\r\n\x1a\n....") == "png"
    assert sniff_type(b"\xff\xd8\xff\xe0") == "jpeg"
    assert sniff_type(b"II*\x00") == "tiff"
    assert sniff_type(b"hello") is None


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(b"")
    assert "empty" in _only(path).reason


def test_corrupt_pdf(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(b"%PDF-1.4\n" + b"garbage " * 200)
    assert "damaged" in _only(path).reason


def test_truncated_pdf_never_crashes(tmp_path: Path) -> None:
    good = _pdf(tmp_path / "good.pdf", pages=3).read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(good[: len(good) // 2])
    items = list(iter_pages(path, LIMITS))
    assert items
    for item in items:
        if isinstance(item, PageFailure):
            assert item.reason


def test_encrypted_pdf_is_refused(tmp_path: Path) -> None:
    path = _pdf(tmp_path / "secret.pdf", encrypt="s3cret")
    assert "password-protected" in _only(path).reason


def test_an_owner_password_only_pdf_is_read_like_any_other(tmp_path: Path) -> None:
    """Copiers and "secure" PDF tools set an owner password (no printing limits for us) with no
    password to open: poppler opens it, so it is read, never cracked or refused."""
    import pikepdf

    plain = _pdf(tmp_path / "plain.pdf")
    locked = tmp_path / "owner-only.pdf"
    with pikepdf.open(plain) as pdf:
        pdf.save(locked, encryption=pikepdf.Encryption(owner="0wner-only", user=""))
    assert b"/Encrypt" in locked.read_bytes()
    pages = list(iter_pages(locked, LIMITS))
    assert [p.index for p in pages] == [0, 1]
    assert all(isinstance(p, PageImage) and p.image.ndim == 3 for p in pages)


def test_pdf_pages_one_at_a_time(tmp_path: Path) -> None:
    path = _pdf(tmp_path / "batch.pdf", pages=3)
    before = path.read_bytes()
    pages = list(iter_pages(path, LIMITS))
    assert [p.index for p in pages] == [0, 1, 2]
    assert all(isinstance(p, PageImage) and p.image.ndim == 3 for p in pages)
    assert path.read_bytes() == before  # never modifies its input


def test_pdf_over_page_limit(tmp_path: Path) -> None:
    path = _pdf(tmp_path / "batch.pdf", pages=3)
    assert "limit of 2 pages" in _only(path, Limits(max_pdf_pages=2)).reason


def test_one_pixel_image(tmp_path: Path) -> None:
    path = tmp_path / "dot.png"
    Image.new("L", (1, 1), 255).save(path)
    assert "1x1 px, too small" in _only(path).reason


def test_decompression_bomb_header_only(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(bomb_png(30000, 30000))
    reason = _only(path).reason
    assert "megapixels" in reason


def test_truncated_png(tmp_path: Path) -> None:
    path = tmp_path / "page.png"
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (600, 500), np.uint8)).save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    assert "damaged" in _only(path).reason


def test_unknown_content(tmp_path: Path) -> None:
    path = tmp_path / "letter.pdf"
    path.write_text("Dear parent, this is not a scan")
    assert "not a PDF, TIFF, PNG or JPEG" in _only(path).reason


def test_extension_mismatch_is_reported_and_read(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    Image.new("RGB", (400, 500), "white").save(path, format="PNG")
    (page,) = list(iter_pages(path, LIMITS))
    assert isinstance(page, PageImage)
    assert "ends .pdf but its content is a PNG" in page.note


def test_multipage_tiff_and_frame_cap(tmp_path: Path) -> None:
    path = tmp_path / "scan.tif"
    frames = [Image.new("L", (400, 560), 255) for _ in range(3)]
    frames[0].save(path, save_all=True, append_images=frames[1:])
    pages = list(iter_pages(path, LIMITS))
    assert [type(p) for p in pages] == [PageImage] * 3
    assert "limit of 2" in _only(path, Limits(max_tiff_frames=2)).reason


def test_jpeg_exif_orientation_applied(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    image = Image.new("RGB", (600, 400), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 clockwise to display
    image.save(path, exif=exif.tobytes())
    (page,) = list(iter_pages(path, LIMITS))
    assert isinstance(page, PageImage)
    assert page.image.shape[:2] == (600, 400)


def test_a_one_frame_image_is_closed_before_its_page_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pillow's decoded copy (four bytes a pixel) lives until the image is closed: a page
    yielded with its file still open holds the scan twice over while it is read."""
    path = tmp_path / "scan.jpg"
    Image.new("RGB", (1240, 1754), (250, 250, 250)).save(path, dpi=(150, 150))
    opened: list[Image.Image] = []
    real_open = Image.open

    def recording_open(*args, **kwargs):
        image = real_open(*args, **kwargs)
        opened.append(image)
        return image

    monkeypatch.setattr(Image, "open", recording_open)
    for item in iter_pages(path, LIMITS):
        assert isinstance(item, PageImage)
        assert item.image.shape == (1754, 1240, 3)
        with pytest.raises(ValueError, match="closed"):
            opened[0].getpixel((0, 0))  # its pixels are gone while the page is being read
    assert len(opened) == 1


def test_truncated_jpeg(tmp_path: Path) -> None:
    path = tmp_path / "scan.jpg"
    noise = np.random.default_rng(7).integers(0, 256, (700, 500, 3), dtype=np.uint8)
    Image.fromarray(noise).save(path, quality=85, dpi=(150, 150))
    path.write_bytes(path.read_bytes()[: path.stat().st_size * 2 // 3])
    assert "damaged or truncated" in _only(path).reason
