"""Browsers only ever get server-made PNG rasters: a phone JPEG with GPS EXIF and a JPEG+HTML
polyglot (``<script>`` in a comment segment) come back re-encoded, without metadata, private
and ``nosniff``; the original is never served."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from intake.db.workflow import Page

from .conftest import csrf_from

SCRIPT = b"<script>alert(document.domain)</script>"


def phone_jpeg_polyglot() -> bytes:
    picture = Image.new("RGB", (420, 594), "white")
    exif = Image.Exif()
    exif[0x010F] = "CanaryPhoneMaker"  # Make
    gps = {1: "N", 2: (52.0, 59.0, 1.0), 3: "W", 4: (1.0, 28.0, 2.0)}
    exif[0x8825] = gps  # GPSInfo
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", exif=exif.tobytes(), comment=SCRIPT, quality=95)
    return buffer.getvalue()


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
        with Image.open(io.BytesIO(image.data)) as decoded:
            assert decoded.format == "PNG"
            assert not decoded.getexif()
            assert "exif" not in decoded.info and "comment" not in decoded.info
    anonymous = office.application.test_client()
    assert anonymous.get(f"/pages/{pages[0].id}/image").status_code == 302
