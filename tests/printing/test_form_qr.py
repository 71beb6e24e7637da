"""QR payload: the text round-trips, bad text says why, and a rendered page's QR decodes."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.config import School
from intake.errors import PageError
from intake.printing import qr
from intake.printing.render import render_page_image
from intake.printing.units import mm_to_px
from intake.template import FormTemplate


def test_payload_is_short_and_upper_case() -> None:
    text = qr.encode_payload("parent-portal", 1, 2, "F00042")
    assert text == "PPI1:PARENT-PORTAL:1:2:F00042"
    symbol = qr.make_qr(text, "Q")
    assert symbol.mode == "alphanumeric"
    assert symbol.symbol_size(border=0) == (25, 25)  # modules about 0.8 mm in a 20 mm code


def test_payload_round_trips() -> None:
    payload = qr.decode_payload(qr.encode_payload("parent-portal", 1, 2, "F00042"))
    assert payload == qr.QrPayload("parent-portal", 1, 2, "F00042")
    assert payload.template_key == "parent-portal-v1"
    assert qr.decode_payload(qr.encode_payload("parent-portal", 3, 1)).serial == ""


@given(
    form_type=st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True),
    version=st.integers(1, 9999),
    page=st.integers(1, 9999),
    serial=st.from_regex(r"[A-Za-z0-9-]{0,24}", fullmatch=True),
)
def test_any_valid_payload_round_trips(
    form_type: str, version: int, page: int, serial: str
) -> None:
    text = qr.encode_payload(form_type, version, page, serial)
    assert qr.decode_payload(text) == qr.QrPayload(form_type, version, page, serial)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("https://example.org/", "not from a Parent Portal intake form"),
        ("PPI1:PARENT-PORTAL:1:2", "expected 5 parts"),
        ("XXX9:PARENT-PORTAL:1:2:F1", "not from a Parent Portal intake form"),
        ("PPI1:PARENT PORTAL:1:2:F1", "invalid form type"),
        ("PPI1:PARENT-PORTAL:0:2:F1", "invalid version '0'"),
        ("PPI1:PARENT-PORTAL:1:two:F1", "page number 'two'"),
        ("PPI1:PARENT-PORTAL:1:2:F 1", "invalid family serial"),
        ("", "expected 5 parts"),
    ],
)
def test_bad_payloads_raise_page_error(text: str, message: str) -> None:
    with pytest.raises(PageError, match=message):
        qr.decode_payload(text)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("Parent Portal", 1, 1, ""), "form type"),
        (("parent-portal", 0, 1, ""), "must be 1 or more"),
        (("parent-portal", 1, 1, "F:1"), "family serial"),
    ],
)
def test_encode_refuses_what_could_not_round_trip(args: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        qr.encode_payload(*args)


def test_weak_error_correction_is_refused() -> None:
    with pytest.raises(ValueError, match="error correction"):
        qr.make_qr("PPI1:X:1:1:", "L")


def test_template_qr_is_large_and_strong_enough(template: FormTemplate) -> None:
    for page in template.pages:
        assert page.qr.size >= 12.0
        assert page.qr.error_correction in {"M", "Q", "H"}


def _decode(image: np.ndarray) -> tuple[str, np.ndarray]:
    text, points, _ = cv2.QRCodeDetector().detectAndDecode(image)
    assert text, "no QR code decoded from the rendered page"
    return text, points.reshape(-1, 2)


@pytest.mark.parametrize("page_number", [1, 2])
def test_rendered_page_qr_decodes_to_its_page(
    template: FormTemplate, school: School, page_number: int
) -> None:
    dpi = 150
    image = render_page_image(template, page_number, school, dpi=dpi, serial="F00042")
    text, corners = _decode(image)
    assert qr.decode_payload(text) == qr.QrPayload("parent-portal", 1, page_number, "F00042")
    # printed where the template says and at its size (so the reader can align on it)
    spec = template.page(page_number).qr
    x0, y0 = corners.min(axis=0)
    x1, y1 = corners.max(axis=0)
    assert abs((y1 - y0) - (x1 - x0)) < mm_to_px(0.8, dpi)  # square
    tolerance = mm_to_px(0.8, dpi)
    assert abs(x0 - mm_to_px(spec.x, dpi)) < tolerance
    assert abs(y0 - mm_to_px(spec.y, dpi)) < tolerance
    assert abs((x1 - x0) - mm_to_px(spec.size, dpi)) < tolerance
    assert (x1 - x0) >= mm_to_px(12.0, dpi)


def test_rendered_blank_form_has_no_serial(template: FormTemplate, school: School) -> None:
    text, _ = _decode(render_page_image(template, 1, school, dpi=100))
    assert qr.decode_payload(text).serial == ""
