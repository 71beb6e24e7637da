"""Identify and align: orientation, skew, scale, covered marks, no QR, blank and foreign pages."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import segno
from reading_pages import blank_page, px

from intake.config import School
from intake.printing.qr import encode_payload
from intake.reading.align import aligned_page, project
from intake.reading.identify import identify_page
from intake.reading.marks import find_mark_candidates
from intake.template.model import FormTemplate

DPI = 100


def _templates(template: FormTemplate) -> dict[str, FormTemplate]:
    return {template.key: template}


def _turn(image: np.ndarray, rotation: int) -> np.ndarray:
    return np.ascontiguousarray(np.rot90(image, k=-(rotation // 90)))


def _skew(image: np.ndarray, degrees: float, scale: float, shift: tuple[int, int]) -> np.ndarray:
    """Skewed and scaled on a scanner bed a little larger than the page."""
    image = cv2.copyMakeBorder(image, 40, 40, 40, 40, cv2.BORDER_CONSTANT, value=(255, 255, 255))
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, scale)
    matrix[:, 2] += shift
    return cv2.warpAffine(image, matrix, (w, h), borderValue=(255, 255, 255))


def _hide_qr(image: np.ndarray, template: FormTemplate) -> np.ndarray:
    q = template.page(1).qr
    out = image.copy()
    top, bottom = px(q.y - 2, DPI), px(q.y + q.size + 2, DPI)
    out[top:bottom, px(q.x - 2, DPI) : px(q.x + q.size + 2, DPI)] = 255
    return out


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
@pytest.mark.parametrize("number", [1, 2])
def test_orientation_and_page_from_qr(template: FormTemplate, rotation: int, number: int) -> None:
    image = _turn(blank_page(number, dpi=DPI), rotation)
    found = identify_page(image, _templates(template), School(), DPI)
    assert (found.status, found.page_number, found.rotation) == ("read", number, rotation)
    assert found.serial == "F00042"
    assert found.align_error_mm < 0.5


@pytest.mark.parametrize(("degrees", "scale"), [(5.0, 0.95), (-5.0, 1.03), (2.0, 1.0)])
def test_skew_and_printer_scaling(template: FormTemplate, degrees: float, scale: float) -> None:
    image = _skew(blank_page(1, dpi=DPI), degrees, scale, (15, -10))
    found = identify_page(image, _templates(template), School(), DPI)
    assert found.status == "read"
    assert found.align_error_mm < 0.6
    # the fitted transform puts a mark where the skewed page has it
    mark = template.page(1).marks[0].centre
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, scale)
    expected = matrix @ np.array([mark[0] * DPI / 25.4 + 40, mark[1] * DPI / 25.4 + 40, 1.0])
    got = project(found.homography, [mark])[0]
    assert np.linalg.norm(got - expected - (15, -10)) < 2.0


@pytest.mark.parametrize("rotation", [0, 180, 90])
def test_unreadable_qr_falls_back_on_marks_and_layout(
    template: FormTemplate, rotation: int
) -> None:
    for number in (1, 2):
        image = _turn(_hide_qr(blank_page(number, dpi=DPI), template), rotation)
        found = identify_page(image, _templates(template), School(), DPI)
        assert found.status == "read"
        assert (found.page_number, found.rotation, found.qr_read) == (number, rotation, False)
        assert "QR code could not be read" in found.reason


def test_mark_covered_by_scribble_and_cut_corner(template: FormTemplate) -> None:
    image = blank_page(1, dpi=DPI)
    mark = template.page(1).marks[0]
    centre = (px(mark.centre[0], DPI), px(mark.centre[1], DPI))
    for angle in range(0, 180, 15):
        end = (
            int(centre[0] + 40 * np.cos(np.radians(angle))),
            int(centre[1] + 40 * np.sin(np.radians(angle))),
        )
        cv2.line(image, centre, end, (20, 20, 20), 6)
    h, w = image.shape[:2]
    image[int(h * 0.93) :, int(w * 0.8) :] = 255  # the bottom-right mark cut off by the copier
    found = identify_page(image, _templates(template), School(), DPI)
    assert found.status == "read"
    assert found.align_error_mm < 0.6


def test_mark_covered_and_no_qr(template: FormTemplate) -> None:
    image = _hide_qr(blank_page(2, dpi=DPI), template)
    mark = template.page(2).marks[1]
    cv2.circle(image, (px(mark.centre[0], DPI), px(mark.centre[1], DPI)), 25, (0, 0, 0), -1)
    found = identify_page(image, _templates(template), School(), DPI)
    assert (found.status, found.page_number) == ("read", 2)


def test_blank_page(template: FormTemplate) -> None:
    image = np.full((1169, 827, 3), 250, np.uint8)
    image[500:502, 100:300] = 90  # a speck of show-through
    found = identify_page(image, _templates(template), School(), DPI)
    assert (found.status, found.reason) == ("blank", "the page is blank")


def test_page_that_is_not_the_form(template: FormTemplate) -> None:
    image = np.full((1169, 827, 3), 255, np.uint8)
    for row in range(100, 1100, 30):
        cv2.putText(
            image,
            "Dear parent, thank you for your letter",
            (60, row),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.8,
            (0, 0, 0),
            2,
        )
    found = identify_page(image, _templates(template), School(), DPI)
    assert found.status == "not_form"
    assert "not a page of the form" in found.reason


def test_other_template_version(template: FormTemplate) -> None:
    image = blank_page(1, dpi=DPI)
    q = template.page(1).qr
    qr = segno.make_qr(encode_payload("parent-portal", 9, 1, "F00042"), error="q")
    matrix = np.array([[255 if not cell else 0 for cell in row] for row in qr.matrix], np.uint8)
    side = px(q.size, DPI)
    symbol = cv2.resize(matrix, (side, side), interpolation=cv2.INTER_NEAREST)
    top, left = px(q.y, DPI), px(q.x, DPI)
    image[top : top + side, left : left + side] = symbol[..., None]
    found = identify_page(image, _templates(template), School(), DPI)
    assert found.status == "not_form"
    assert found.reason == "form version 9 is not supported"


def test_aligned_page_puts_boxes_where_the_template_says(template: FormTemplate) -> None:
    image = _turn(blank_page(1, dpi=DPI), 180)
    found = identify_page(image, _templates(template), School(), DPI)
    aligned = aligned_page(image, found.homography)
    assert aligned.shape[:2] == (297 * 12, 210 * 12)
    mark = template.page(1).marks[2]
    y, x = px(mark.centre[1], 12 * 25.4), px(mark.centre[0], 12 * 25.4)
    assert aligned[y, x].max() < 80  # the middle of a mark is black
    assert aligned[y + 60, x + 60].min() > 200  # and 5 mm away it is paper


def test_faint_show_through_of_the_other_side_is_a_blank_back(template: FormTemplate) -> None:
    """A duplex back whose front shows through: the QR may decode, but nothing is ink."""
    front = blank_page(1, dpi=DPI).astype(np.float32)
    show_through = (255 - (255 - front) * 0.07).astype(np.uint8)
    found = identify_page(_turn(show_through, 180), _templates(template), School(), DPI)
    assert found.status == "blank"
    assert "show-through" in found.reason


def test_marks_inside_a_dark_ring_round_a_photographed_page(template: FormTemplate) -> None:
    """A photo's dark table can outline the whole page; the marks inside must still count."""
    page = cv2.copyMakeBorder(blank_page(1, dpi=DPI), 30, 30, 30, 30, cv2.BORDER_CONSTANT, value=0)
    h, w = page.shape[:2]
    cv2.rectangle(page, (20, 20), (w - 21, h - 21), (255, 255, 255), 12)  # paper's edge in light
    image = cv2.copyMakeBorder(page, 40, 40, 40, 40, cv2.BORDER_CONSTANT, value=(90, 90, 90))
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    assert len(find_mark_candidates(grey, DPI / 25.4, 6.0)) >= 5
    found = identify_page(image, _templates(template), School(), DPI)
    assert found.status == "read"
    assert found.align_error_mm < 0.6


def test_three_marks_are_checked_against_the_qr(template: FormTemplate) -> None:
    """Three marks fit exactly whatever their error; one cut by the scan's edge is found off its
    centre, so with the QR read its corners join the fit."""
    image = blank_page(1, dpi=DPI)
    marks = template.page(1).marks
    for mark in marks[:2]:  # the top marks lost off the top of the scan
        image[: px(mark.y + mark.size + 1, DPI), px(mark.x - 1, DPI) : px(mark.x + 8, DPI)] = 255
    cut = marks[4]  # the left mark above the bottom one, its top third cut away
    top = px(cut.y, DPI)
    image[top - 3 : top + px(cut.size * 0.35, DPI), : px(cut.x + cut.size + 1, DPI)] = 255
    found = identify_page(image, _templates(template), School(), DPI)
    assert (found.status, found.qr_read) == ("read", True)
    field = template.page(1).fields[0].rect  # the first field, at the top of the page
    got = project(found.homography, [(field.x, field.y)])[0]
    assert np.linalg.norm(got - np.array([field.x, field.y]) * DPI / 25.4) < 0.8 * DPI / 25.4


def test_a_blot_taken_for_a_mark_on_a_photo_is_overruled_by_the_qr(template: FormTemplate) -> None:
    """On a photo a homography can pass through four true marks and a blot on the table; the QR's
    corners, away from where that fit puts them, call for a refit with them."""
    page = blank_page(1, dpi=DPI)
    mark = template.page(1).marks[3]  # bottom right: covered, and a blot lies below it
    x, y = px(mark.x, DPI), px(mark.y, DPI)
    page[y - 2 : y + px(mark.size, DPI) + 2, x - 2 : x + px(mark.size, DPI) + 2] = 255
    h, w = page.shape[:2]
    corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    seen = np.float32([[60, 40], [w - 20, 70], [w - 60, h - 10], [30, h + 20]])
    photo = cv2.warpPerspective(
        page, cv2.getPerspectiveTransform(corners, seen), (w + 80, h + 80), borderValue=(255,) * 3
    )
    side = px(mark.size, DPI)
    bx, by = int(seen[2][0]) - 60, int(seen[2][1]) + 35  # a dark blot on the table
    photo[by : by + side, bx : bx + side] = 0
    found = identify_page(photo, _templates(template), School(), DPI)
    assert found.status == "read"
    truth = cv2.getPerspectiveTransform(corners, seen) @ np.diag([DPI / 25.4, DPI / 25.4, 1])
    field = template.page(1).fields[-1].rect  # far from the QR
    got = project(found.homography, [(field.x, field.y)])[0]
    # within 2 mm at 100 dpi (13 mm off through the blot); the QR's corners are coarse there
    assert np.linalg.norm(got - project(truth, [(field.x, field.y)])[0]) < 2.0 * DPI / 25.4


def test_marks_cut_by_the_edge_of_the_scan_still_count(template: FormTemplate) -> None:
    """A page skewed or enlarged on the scanner's bed loses half of most marks off the image's
    edges; with the QR read, a mark's visible half still tells where its centre lies."""
    page = blank_page(1, dpi=DPI)
    top, bottom = px(11.0, DPI), px(286.0, DPI)  # through the middle of the four corner marks
    image = np.ascontiguousarray(page[top:bottom])
    assert len(find_mark_candidates(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), DPI / 25.4, 6.0)) < 2
    found = identify_page(image, _templates(template), School(), DPI)
    assert (found.status, found.qr_read) == ("read", True)
    field = template.page(1).fields[-1].rect
    got = project(found.homography, [(field.x, field.y)])[0]
    expected = np.array([field.x, field.y]) * DPI / 25.4 - (0, top)
    assert np.linalg.norm(got - expected) < 0.8 * DPI / 25.4
