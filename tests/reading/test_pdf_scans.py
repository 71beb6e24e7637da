"""PDF pages read at the resolution of the image they hold: a copier's page is its image, pixel
for pixel (a bi-tonal scan stays black and white); anything else is rendered at the finest
image's resolution; an image too large to decode is refused before it is decoded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pikepdf
import pytest
from scanned_pdfs import (
    bitonal_scan,
    edited,
    g4_pdf,
    grey_scan,
    huge_image_pdf,
    jpeg_bytes,
    on_larger_page,
    png_bytes,
    rotated,
    with_text,
)

from intake.config import Limits
from intake.lab.samples.batch import page_pdf
from intake.reading import pdfscan, poppler
from intake.reading.ingest import PageFailure, PageImage, iter_pages


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[int]]:
    """Which pages poppler rendered and which it extracted an image from."""
    seen: dict[str, list[int]] = {"render": [], "extract": []}
    real_render, real_extract = poppler.render_page, poppler.extract_image

    def render(path: Path, number: int, dpi: int, limits: Limits) -> np.ndarray:
        seen["render"].append(dpi)
        return real_render(path, number, dpi, limits)

    def extract(path: Path, number: int, limits: Limits) -> bytes:
        seen["extract"].append(number)
        return real_extract(path, number, limits)

    monkeypatch.setattr(poppler, "render_page", render)
    monkeypatch.setattr(poppler, "extract_image", extract)
    return seen


def _one_page(tmp_path: Path, data: bytes, limits: Limits | None = None) -> PageImage:
    path = tmp_path / "scan.pdf"
    path.write_bytes(data)
    (item,) = list(iter_pages(path, limits or Limits()))
    assert isinstance(item, PageImage), item
    return item


def _bitonal(image: np.ndarray) -> bool:
    return set(np.unique(image).tolist()) <= {0, 255}


def test_a_g4_page_is_its_scan_pixel_for_pixel(tmp_path: Path, calls: dict) -> None:
    scan = bitonal_scan()
    page = _one_page(tmp_path, g4_pdf(scan, 300))
    assert page.image.shape == (1754, 1240)  # grey: a black-and-white scan has no colour
    assert page.dpi == pytest.approx(300, abs=0.1)
    assert _bitonal(page.image)
    assert np.array_equal(page.image, scan)
    assert calls == {"render": [], "extract": [1]}


def test_a_g4_page_read_the_old_way_is_grey_at_200_dpi(tmp_path: Path) -> None:
    page = _one_page(tmp_path, g4_pdf(bitonal_scan(), 300), Limits(pdf_native_images=False))
    assert page.dpi == 200 and page.image.shape[:2] == (1170, 827)
    assert not _bitonal(page.image)  # what issue 16 measured: strokes smeared to grey


def test_a_jpeg_page_is_the_jpeg_as_stored(tmp_path: Path, calls: dict) -> None:
    grey = grey_scan()
    stored = jpeg_bytes(grey)
    page = _one_page(tmp_path, page_pdf(stored, 200))
    assert page.image.shape == (1754, 1240)  # grey, not colour
    assert page.dpi == pytest.approx(200, abs=0.05)
    assert np.abs(page.image.astype(int) - grey).mean() < 3  # the JPEG's own loss
    assert calls["render"] == []


def test_a_colour_jpeg_page_stays_colour(tmp_path: Path) -> None:
    rgb = np.stack([grey_scan(), grey_scan() // 2, np.full((1754, 1240), 200, np.uint8)], axis=2)
    page = _one_page(tmp_path, page_pdf(jpeg_bytes(rgb, "RGB", 90), 200))
    assert page.image.shape == (1754, 1240, 3)
    assert abs(float(page.image[:, :, 2].mean()) - 200) < 3


def test_a_flate_grey_page_is_exact(tmp_path: Path, calls: dict) -> None:
    grey = grey_scan()
    page = _one_page(tmp_path, page_pdf(png_bytes(grey, "L"), 300))
    assert page.image.shape == (1754, 1240, 3)
    assert page.dpi == pytest.approx(300, abs=0.1)
    assert np.array_equal(page.image[:, :, 1], grey)
    assert calls["render"] == []


@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_a_rotated_page_comes_out_as_poppler_shows_it(tmp_path: Path, degrees: int) -> None:
    scan = bitonal_scan()
    data = rotated(g4_pdf(scan, 300), degrees)
    page = _one_page(tmp_path, data)
    assert _bitonal(page.image)
    expected = np.rot90(scan, -degrees // 90)  # /Rotate turns the page clockwise
    assert np.array_equal(page.image, expected)
    rendered = poppler.render_page(tmp_path / "scan.pdf", 1, 300, Limits())
    assert rendered.shape[:2] == page.image.shape
    agree = (rendered[:, :, 0] < 128) == (page.image < 128)
    assert agree.mean() > 0.995


def test_text_over_the_image_is_rendered_at_the_image_resolution(
    tmp_path: Path, calls: dict
) -> None:
    scan = bitonal_scan()
    page = _one_page(tmp_path, with_text(g4_pdf(scan, 300)))
    assert calls == {"render": [300], "extract": []}
    assert page.image.shape == (1754, 1240, 3) and page.dpi == 300
    # the stamp is there: ink the scan does not have
    assert (page.image[:, :, 0] < 128).sum() > (scan < 128).sum() + 2000


def test_a_coarse_scan_is_rendered_up_to_the_default_and_stays_bitonal(
    tmp_path: Path, calls: dict
) -> None:
    page = _one_page(tmp_path, g4_pdf(bitonal_scan(), 150))
    assert calls == {"render": [200], "extract": []}
    assert page.image.shape[:2] == (2339, 1654) and page.dpi == 200
    assert _bitonal(page.image)


def test_an_image_not_filling_the_page_is_rendered_and_stays_bitonal(
    tmp_path: Path, calls: dict
) -> None:
    scan = bitonal_scan()
    page = _one_page(tmp_path, on_larger_page(g4_pdf(scan, 300), 36))
    assert calls == {"render": [300], "extract": []}
    assert page.image.shape == (1754 + 150, 1240 + 150)  # grey: black and white have no colour
    assert _bitonal(page.image)
    # the image sits at the bottom left of the page, the margin above it and to its right;
    # poppler draws it up to a pixel off, so each ink pixel is looked for one pixel around
    ink = page.image[150:, :1240] == 0
    near = np.zeros_like(ink)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            near |= np.roll(ink, (dy, dx), axis=(0, 1))
    assert near[scan == 0].mean() > 0.99
    assert abs(int(ink.sum()) - int((scan == 0).sum())) < 0.02 * (scan == 0).sum()
    assert (page.image[:150] == 255).all() and (page.image[:, 1240:] == 255).all()


def test_a_huge_embedded_image_is_refused_before_it_is_decoded(tmp_path: Path, calls: dict) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(huge_image_pdf(20000, 20000))
    (item,) = list(iter_pages(path, Limits()))
    assert isinstance(item, PageFailure) and not item.whole_file
    assert item.reason == (
        "the image on page 1 of the PDF is 20000x20000 px, over the limit of 40 megapixels; "
        "scan at 200-300 dpi"
    )
    assert calls == {"render": [], "extract": []}


def test_an_image_larger_than_a_page_needs_is_rendered_smaller(tmp_path: Path, calls: dict) -> None:
    # A4 at 600 dpi is 35 MP: within the refusal limit, over what a page is read at
    scan = bitonal_scan(4960, 7016)
    page = _one_page(tmp_path, g4_pdf(scan, 600))
    assert calls["extract"] == [] and len(calls["render"]) == 1
    height, width = page.image.shape[:2]
    assert height * width <= Limits().reduce_above_megapixels * 1e6
    assert page.dpi is not None and 380 <= page.dpi < 600
    assert _bitonal(page.image)


def test_a_page_is_planned_from_its_content_without_decoding(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(with_text(g4_pdf(bitonal_scan(), 300)))
    with pdfscan.open_scans(path) as scans:
        plan = scans.plan(0)
        assert scans.plan(5).scan is None  # no such page: rendered, poppler says why
    assert plan.scan is None and plan.other_marks and not plan.bitonal
    assert plan.image_dpi == pytest.approx(300, abs=0.1)
    assert plan.why_rendered == "it has text or drawing besides its image"
    assert pdfscan.render_dpi(plan, 200, 600) == 300


def test_a_content_stream_too_large_to_inspect_is_rendered(tmp_path: Path, calls: dict) -> None:
    # 8 MB of "q Q" inflated from a few kilobytes: not a copier's page, never inflated here
    data = edited(
        g4_pdf(bitonal_scan(), 300),
        lambda pdf, page: page.contents_add(pikepdf.Stream(pdf, b"q Q\n" * 2_000_000)),
    )
    path = tmp_path / "scan.pdf"
    path.write_bytes(data)
    with pdfscan.open_scans(path) as scans:
        plan = scans.plan(0)
    assert plan.scan is None and plan.why_rendered == "its content is too large or unusual"
    page = _one_page(tmp_path, data)
    assert calls == {"render": [200], "extract": []}
    assert page.image.shape[:2] == (1170, 827)
