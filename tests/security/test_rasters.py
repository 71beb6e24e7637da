"""Browsers only ever get server-made PNG rasters: a phone JPEG with GPS EXIF and a 43 KB
thumbnail, and a JPEG+HTML polyglot (``<script>`` in a comment segment), come back re-encoded,
without metadata, private and ``nosniff``; the original is never served."""

from __future__ import annotations

import io
import struct

import numpy as np
from PIL import ExifTags, Image
from sqlalchemy import select

from intake.db.workflow import Page

from .conftest import csrf_from

SCRIPT = b"<script>alert(document.domain)</script>"


def _thumbnail() -> bytes:
    """A large EXIF thumbnail, as a phone writes one: a noisy JPEG of about 43 KB."""
    noise = np.random.default_rng(5).integers(0, 256, (240, 320, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noise).save(buffer, format="JPEG", quality=75)
    return buffer.getvalue()


THUMBNAIL = _thumbnail()


def _with_thumbnail(exif: bytes, thumbnail: bytes) -> bytes:
    """EXIF (``Exif\\0\\0`` + a TIFF whose IFD0 is at 8, as Pillow writes it) with an IFD1
    appended that holds ``thumbnail`` (JPEGInterchangeFormat and its length)."""
    tiff = bytearray(exif[6:])
    order = {b"II": "<", b"MM": ">"}[bytes(tiff[:2])]
    assert struct.unpack_from(order + "I", tiff, 4)[0] == 8
    tiff += b"\x00" * (len(tiff) % 2)
    ifd1 = len(tiff)
    entries = struct.unpack_from(order + "H", tiff, 8)[0]
    struct.pack_into(order + "I", tiff, 8 + 2 + 12 * entries, ifd1)  # IFD0's next IFD
    data_at = ifd1 + 2 + 2 * 12 + 4
    tiff += struct.pack(order + "H", 2)
    tiff += struct.pack(order + "HHII", 0x0201, 4, 1, data_at)  # JPEGInterchangeFormat
    tiff += struct.pack(order + "HHII", 0x0202, 4, 1, len(thumbnail))  # ...Length
    tiff += struct.pack(order + "I", 0) + thumbnail
    return b"Exif\x00\x00" + bytes(tiff)


def phone_jpeg_polyglot() -> bytes:
    picture = Image.new("RGB", (420, 594), "white")
    exif = Image.Exif()
    exif[0x010F] = "CanaryPhoneMaker"  # Make
    gps = {1: "N", 2: (52.0, 59.0, 1.0), 3: "W", 4: (1.0, 28.0, 2.0)}
    exif[0x8825] = gps  # GPSInfo
    buffer = io.BytesIO()
    payload = _with_thumbnail(exif.tobytes(), THUMBNAIL)
    picture.save(buffer, format="JPEG", exif=payload, comment=SCRIPT, quality=95)
    return buffer.getvalue()


def test_the_fixture_carries_gps_and_a_large_thumbnail() -> None:
    with Image.open(io.BytesIO(phone_jpeg_polyglot())) as photo:
        exif = photo.getexif()
        assert exif.get_ifd(0x8825)[1] == "N"  # GPSLatitudeRef
        thumbnail = exif.get_ifd(ExifTags.IFD.IFD1)
    start, length = thumbnail[0x0201], thumbnail[0x0202]
    assert length == len(THUMBNAIL) > 40_000
    assert photo.info["exif"][6 + start : 6 + start + length] == THUMBNAIL


def test_served_rasters_are_re_encoded_without_metadata(client_as, db_factory) -> None:
    original = phone_jpeg_polyglot()
    assert SCRIPT in original and b"CanaryPhoneMaker" in original
    office = client_as("office")
    response = office.post(
        "/batches",
        data={
            "csrf_token": csrf_from(office, "/batches"),
            "files": [(io.BytesIO(original), "photo.jpg")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with db_factory() as session:
        pages = session.scalars(select(Page)).all()
    served = [office.get(f"/pages/{p.id}/image") for p in pages]
    served = [r for r in served if r.status_code == 200]
    assert served, "no page image was served"
    for image in served:
        assert image.mimetype == "image/png"
        assert image.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in image.headers["Cache-Control"]
        assert image.data.startswith(b"\x89PNG") and image.data != original
        assert SCRIPT not in image.data and b"CanaryPhoneMaker" not in image.data
        assert THUMBNAIL[100:200] not in image.data
        with Image.open(io.BytesIO(image.data)) as decoded:
            assert decoded.format == "PNG"
            assert not decoded.getexif()
            assert "exif" not in decoded.info and "comment" not in decoded.info
    anonymous = office.application.test_client()
    assert anonymous.get(f"/pages/{pages[0].id}/image").status_code == 302
