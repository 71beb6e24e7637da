"""The reading driver end to end on synthetic filled pages: files, forms, problems, bad pages.

The stages have their own files: boxes, bilevel, ticks, signatures, fields, marks and align.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from reading_pages import blank_page, fill_page, px

from intake.reading.pipeline import ReadContext, read_file, read_files, read_page
from intake.reading.result import Problem
from intake.reading.signatures import SIGNED
from intake.reading.ticks import TICKED

PAGE1 = {
    "p1_signature_agree": "x",
    "p1_print_name": "ANN O'NEIL",
    "p1_date": "12032024",
    "child1_name": "TOM SMITH",
    "child1_tutor_group": "10RWA",
    "child1_has_account": "x",
}
PAGE2 = {
    "p1_forename": "ANN",
    "p1_surname": "O'NEIL",
    "p1_postcode": "DE560DA",
    "p1_mobile_tel": "07700900123",
    "p1_email": "ANN@EXAMPLE.COM",
    "p1_signature_confirm": "x",
}


def _save(image: np.ndarray, path: Path, **kwargs: object) -> Path:
    Image.fromarray(image).save(path, **kwargs)
    return path


def test_read_page_reads_fields(ctx: ReadContext) -> None:
    page, fields = read_page(fill_page(1, PAGE1), ctx, 0, "scan.png", 150.0)
    assert (page.status, page.page_number, page.serial) == ("read", 1, "F00042")
    assert len(page.homography) == 9
    assert fields["p1_print_name"].raw == "ANN O'NEIL"
    assert fields["p1_date"].value == "2024-03-12"
    assert fields["child1_tutor_group"].value == "10RWA"
    assert fields["child1_has_account"].value == TICKED
    assert fields["child2_has_account"].value == ""
    assert fields["p1_signature_agree"].value == SIGNED
    assert fields["p2_signature_agree"].value == ""
    assert fields["p2_print_name"].value == ""
    name = fields["p1_print_name"]
    assert len(name.chars) == 30
    assert name.chars[3].char == "" and name.chars[3].confidence > 0.9  # the space
    spec = ctx.templates["parent-portal-v1"].field("p1_print_name")
    assert name.box_mm == (spec.rect.x, spec.rect.y, spec.rect.w, spec.rect.h)


def test_form_from_two_files_in_any_order_and_orientation(ctx: ReadContext, tmp_path: Path) -> None:
    first = _save(fill_page(2, PAGE2)[::-1, ::-1].copy(), tmp_path / "a.png")
    second = _save(fill_page(1, PAGE1), tmp_path / "b.jpg", quality=90)
    before = first.read_bytes()
    batch = read_files([first, second], ctx)
    assert first.read_bytes() == before
    (form,) = batch.forms
    assert [p.page_number for p in form.pages] == [1, 2]
    assert form.pages[1].rotation == 180
    assert form.serial == "F00042"
    assert form.fields["p1_email"].value == "ann@example.com"
    assert form.fields["p1_mobile_tel"].value == "07700900123"
    assert form.fields["p1_postcode"].value == "DE56 0DA"
    assert form.problems == ()
    assert batch.unassigned_pages == ()


def test_batch_pdf_with_bad_pages_goes_on(ctx: ReadContext, tmp_path: Path) -> None:
    blank = np.full_like(blank_page(1), 252)
    letter = np.full_like(blank, 255)
    for row in range(150, 1700, 45):
        cv2.putText(
            letter,
            "Dear parent, thank you for your letter",
            (80, row),
            cv2.FONT_HERSHEY_SIMPLEX,
            1.2,
            (0, 0, 0),
            3,
        )
    unsigned = dict(PAGE1, p1_signature_agree="")
    pages = [
        fill_page(2, PAGE2, serial="F00001"),
        blank,
        letter,
        fill_page(1, unsigned, serial="F00001"),
        fill_page(1, PAGE1, serial="F00002"),
    ]
    path = tmp_path / "batch.pdf"
    images = [Image.fromarray(p) for p in pages]
    images[0].save(path, save_all=True, append_images=images[1:], resolution=150)
    batch = read_file(path, ctx)
    by_serial = {f.serial: f for f in batch.forms}
    assert set(by_serial) == {"F00001", "F00002"}
    assert by_serial["F00001"].problems == (Problem.UNSIGNED.value,)
    assert by_serial["F00002"].problems == (Problem.PAGE_MISSING.value,)
    statuses = sorted((p.index_in_file, p.status) for p in batch.unassigned_pages)
    assert statuses == [(1, "blank"), (2, "not_form")]


def test_unpersonalised_pages_pair_in_order(ctx: ReadContext, tmp_path: Path) -> None:
    files = [
        _save(fill_page(1, PAGE1, serial=""), tmp_path / "1.png"),
        _save(fill_page(2, PAGE2, serial=""), tmp_path / "2.png"),
        _save(fill_page(2, {"p1_forename": "BO"}, serial=""), tmp_path / "3.png"),
    ]
    batch = read_files(files, ctx)
    assert [[p.page_number for p in f.pages] for f in batch.forms] == [[1, 2], [2]]
    assert Problem.PAGE_MISSING.value in batch.forms[1].problems
    assert Problem.EMAIL_MISSING.value in batch.forms[1].problems


def test_no_children_and_required_fields(ctx: ReadContext, tmp_path: Path) -> None:
    empty_children = {k: v for k, v in PAGE1.items() if not k.startswith("child")}
    files = [
        _save(fill_page(1, empty_children), tmp_path / "1.png"),
        _save(fill_page(2, dict(PAGE2, p1_email="")), tmp_path / "2.png"),
    ]
    (form,) = read_files(files, ctx).forms
    assert Problem.NO_CHILDREN.value in form.problems
    assert Problem.EMAIL_MISSING.value in form.problems
    assert Problem.REQUIRED_MISSING.value in form.fields["p1_email"].problems
    assert Problem.REQUIRED_MISSING.value in form.fields["child1_name"].problems


def test_bad_files_each_get_a_reason(ctx: ReadContext, tmp_path: Path) -> None:
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    tiny = _save(np.zeros((1, 1, 3), np.uint8), tmp_path / "dot.png")
    good = _save(fill_page(1, PAGE1), tmp_path / "good.png")
    batch = read_files([empty, tiny, good], ctx)
    reasons = {p.source: p.reason for p in batch.unassigned_pages}
    assert reasons["empty.pdf"] == "the file is empty (0 bytes)"
    assert "too small" in reasons["dot.png"]
    assert len(batch.forms) == 1


def test_px_helper() -> None:
    assert px(25.4, 100) == 100
