"""The reading driver end to end on synthetic filled pages, and the field readers on their own."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image
from reading_pages import blank_page, fill_page, px, write_field

from intake.config import Thresholds
from intake.engines.base import ALIGNED_PX_PER_MM, GLYPH_MARGIN_MM
from intake.reading.boxes import BoxCut, crossed_out, cut_box, cut_boxes, page_ink, refine_offset
from intake.reading.pipeline import ReadContext, read_file, read_files, read_page
from intake.reading.result import Problem
from intake.reading.signatures import SIGNED, signature_decision
from intake.reading.ticks import TICKED, tick_decision
from intake.template.model import CharField, FormTemplate

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


def _aligned_with(template: FormTemplate, field_id: str, text: str) -> np.ndarray:
    """An aligned page (12 px/mm) with ``text`` written into one field's boxes."""
    scale = ALIGNED_PX_PER_MM * 25.4
    page = blank_page(
        1 if template.field(field_id) in template.page(1).fields else 2, dpi=round(scale)
    )
    spec = template.field(field_id)
    assert isinstance(spec, CharField)
    write_field(page, spec, text, dpi=round(scale))
    return page


def test_outline_removed_and_empty_boxes_found(template: FormTemplate) -> None:
    page = _aligned_with(template, "child1_tutor_group", "7 B")
    ink = page_ink(page)
    assert ink.red is not None
    spec = template.field("child1_tutor_group")
    assert isinstance(spec, CharField)
    cuts = [cut_box(ink, r, (0, 0), Thresholds().box_ink_ratio) for r in spec.box_rects()]
    assert [c.written for c in cuts] == [True, False, True, False, False]
    empty = cuts[3].glyph
    assert empty.min() > 200  # the outline is gone: an empty box is clean paper
    assert cuts[0].glyph.min() < 120  # the ink stays


def test_outline_removed_in_grey_scans(template: FormTemplate) -> None:
    page = cv2.cvtColor(_aligned_with(template, "child1_tutor_group", "9"), cv2.COLOR_RGB2GRAY)
    ink = page_ink(page)
    spec = template.field("child1_tutor_group")
    assert isinstance(spec, CharField)
    cuts = [cut_box(ink, r, (0, 0), Thresholds().box_ink_ratio) for r in spec.box_rects()]
    assert [c.written for c in cuts] == [True, False, False, False, False]


def _black_and_white(page: np.ndarray, threshold: int, seed: int = 3) -> np.ndarray:
    """A copier's black-and-white scan of an RGB page: noise, then one global threshold."""
    grey = cv2.cvtColor(page, cv2.COLOR_RGB2GRAY).astype(np.float32)
    noisy = grey + np.random.default_rng(seed).normal(0.0, 12.0, grey.shape)
    return np.where(noisy > threshold, 255, 0).astype(np.uint8)


def test_dotted_outline_of_black_and_white_scans_removed(template: FormTemplate) -> None:
    # the light outline lies near the threshold: the scan prints it as dots and dashes
    page = _black_and_white(_aligned_with(template, "child1_tutor_group", "7 B"), threshold=178)
    ink = page_ink(page)
    assert ink.bilevel and ink.red is None
    spec = template.field("child1_tutor_group")
    assert isinstance(spec, CharField)
    cuts = [cut_box(ink, r, (0, 0), Thresholds().box_ink_ratio) for r in spec.box_rects()]
    assert [c.written for c in cuts] == [True, False, True, False, False]
    assert cuts[3].glyph.min() > 200  # not a dot of the outline left in an empty box


def _l_in_first_box(
    template: FormTemplate, inset_mm: float, width: int, foot_mm: float, threshold: int
) -> tuple[BoxCut, float]:
    """An L written in the first tutor-group box, its stem ``inset_mm`` inside the box's left
    side, scanned black and white: the box as the reader cuts it (with its field) and the share
    of the stem's rows that kept ink."""
    page = _aligned_with(template, "child1_tutor_group", "")
    spec = template.field("child1_tutor_group")
    assert isinstance(spec, CharField)
    rect = spec.box_rects()[0]
    to_px = ALIGNED_PX_PER_MM
    left, top, bottom = (
        round(v * to_px) for v in (rect.x + inset_mm, rect.y + 1, rect.y + rect.h - 1)
    )
    cv2.line(page, (left, top), (left, bottom), (30, 40, 120), width)
    cv2.line(page, (left, bottom), (left + round(foot_mm * to_px), bottom), (30, 40, 120), width)
    ink = page_ink(_black_and_white(page, threshold=threshold))
    cut = cut_boxes(ink, spec.box_rects(), (0, 0), Thresholds().box_ink_ratio)[0]
    margin = round(GLYPH_MARGIN_MM * to_px)
    stem = cut.glyph[margin + round(to_px) : -margin - round(2 * to_px), : 2 * margin]
    return cut, float((stem < 128).any(axis=1).mean())


def test_strokes_on_a_dropped_outline_stay_ink(template: FormTemplate) -> None:
    # a darker threshold drops the outline; a stroke written along a box's side is the letter's
    cut, stem_kept = _l_in_first_box(template, 0.0, width=4, foot_mm=4, threshold=140)
    assert cut.written and stem_kept > 0.9  # the stem is kept whole


def test_stroke_beside_a_black_outline_stays_ink(template: FormTemplate) -> None:
    # the threshold prints the light outline black; a stem written just inside the box's side
    # runs along it, but beside it, and is the letter's
    _, stem_kept = _l_in_first_box(template, 0.4, width=3, foot_mm=3, threshold=215)
    assert stem_kept > 0.9


def test_broken_strokes_of_black_and_white_scans_bridged(template: FormTemplate) -> None:
    # a light pen: the threshold leaves only dots of each stroke
    page = _aligned_with(template, "child1_tutor_group", "")
    spec = template.field("child1_tutor_group")
    assert isinstance(spec, CharField)
    rect = spec.box_rects()[0]
    ink_layer = np.zeros(page.shape[:2], np.uint8)
    x0, y0 = round((rect.x + 1.5) * ALIGNED_PX_PER_MM), round((rect.y + 1.5) * ALIGNED_PX_PER_MM)
    x1, y1 = x0 + round(3 * ALIGNED_PX_PER_MM), y0 + round(5 * ALIGNED_PX_PER_MM)
    cv2.line(ink_layer, (x0, y1), (x1, y0), 1, 2)
    cv2.line(ink_layer, (x0, y0), (x0, y1), 1, 2)
    dots = np.random.default_rng(5).random(page.shape[:2]) < 0.35
    page[(ink_layer > 0) & dots] = (20, 20, 20)
    ink = page_ink(_black_and_white(page, threshold=140))
    unbridged = ink.bilevel and replace(ink, bilevel=False)
    assert unbridged
    ratio = Thresholds().box_ink_ratio
    assert (
        cut_box(ink, rect, (0, 0), ratio).ink_ratio
        > cut_box(unbridged, rect, (0, 0), ratio).ink_ratio
    )
    assert cut_box(ink, rect, (0, 0), ratio).written


def test_specks_of_a_light_pen_in_black_and_white_scans_kept(template: FormTemplate) -> None:
    # a lighter pen still: the threshold leaves specks further apart than bridging reaches;
    # they are the letter, not dust, while one stray speck leaves an empty box empty
    page = _aligned_with(template, "child1_tutor_group", "")
    spec = template.field("child1_tutor_group")
    assert isinstance(spec, CharField)
    rects = spec.box_rects()
    to_px = ALIGNED_PX_PER_MM
    x0, y0 = round((rects[0].x + 1) * to_px), round((rects[0].y + 1) * to_px)
    specks = [(x0, y0 + k * 7) for k in range(6)] + [(x0 + k * 5, y0 + k * 7) for k in range(1, 5)]
    for x, y in specks:
        page[y : y + 2, x : x + 2] = 0
    x, y = round((rects[2].x + 3) * to_px), round((rects[2].y + rects[2].h - 1.5) * to_px)
    page[y : y + 3, x : x + 3] = 0
    ink = page_ink(_black_and_white(page, threshold=140))
    assert ink.bilevel
    cuts = cut_boxes(ink, rects, (0, 0), Thresholds().box_ink_ratio)
    assert [c.written for c in cuts] == [True, False, False, False, False]
    assert (cuts[0].glyph < 128).sum() >= 0.9 * 4 * len(specks)


def test_crossed_out_box() -> None:
    box = np.zeros((60, 48), bool)
    cv2.line(box.view(np.uint8), (0, 59), (47, 0), 1, 4)
    cv2.line(box.view(np.uint8), (0, 0), (47, 59), 1, 4)
    cv2.putText(box.view(np.uint8), "A", (10, 45), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 1, 4)
    assert crossed_out(box)
    letter = np.zeros((60, 48), np.uint8)
    cv2.putText(letter, "R", (8, 50), cv2.FONT_HERSHEY_SIMPLEX, 1.5, 1, 6)
    assert not crossed_out(letter.astype(bool))
    scribble = np.zeros((60, 48), np.uint8)
    xs = np.linspace(2, 46, 40)
    ys = 30 + 20 * np.sin(np.linspace(0, 6 * np.pi, 40))
    cv2.polylines(scribble, [np.stack([xs, ys], 1).astype(np.int32)], False, 1, 3)
    assert crossed_out(scribble.astype(bool))


@pytest.mark.parametrize(
    ("score", "value", "doubtful"),
    [(0.0, "", False), (0.2, TICKED, False), (0.03, "", True), (0.05, TICKED, True)],
)
def test_tick_decision(score: float, value: str, doubtful: bool) -> None:
    got, confidence, is_doubtful = tick_decision(score, Thresholds())
    assert (got, is_doubtful) == (value, doubtful)
    assert 0.5 <= confidence <= 1.0


def test_signature_decision_never_passes_doubt() -> None:
    thresholds = Thresholds()
    assert signature_decision(0.05, 40.0, thresholds)[0] == SIGNED
    assert signature_decision(0.0, 0.0, thresholds) == ("", 0.99)
    _value, confidence = signature_decision(0.008, 10.0, thresholds)
    assert confidence < thresholds.auto_accept_confidence


def test_px_helper() -> None:
    assert px(25.4, 100) == 100


def test_invalid_value_repaired_from_second_guess(template: FormTemplate) -> None:
    from intake.engines.base import CharGuess
    from intake.reading.fields import FieldCuts, assemble_field

    spec = template.field("p1_date")
    assert isinstance(spec, CharField)
    cut = BoxCut(np.zeros((4, 4), np.uint8), 0.2, True, 0.999, False, (0, 0, 4, 4))
    guesses = [CharGuess(c, 0.99) for c in "12132024"]
    guesses[2] = CharGuess("1", 0.55, (("0", 0.44),))  # month 13 is no month; 03 is
    item = FieldCuts(spec, 1, tuple([cut] * 8), (0, 0))
    read = assemble_field(item, guesses, Thresholds())
    assert (read.raw, read.value) == ("12032024", "2024-03-12")
    assert read.confidence <= 0.6
    assert Problem.LOW_CONFIDENCE.value in read.problems


def test_an_emails_empty_box_between_letters_is_a_full_stop_for_a_person_to_check(
    template: FormTemplate,
) -> None:
    from intake.engines.base import CharGuess
    from intake.reading.fields import FieldCuts, assemble_field

    spec = template.field("p1_email")
    assert isinstance(spec, CharField)
    written = BoxCut(np.zeros((4, 4), np.uint8), 0.2, True, 0.999, False, (0, 0, 4, 4))
    empty = BoxCut(np.zeros((4, 4), np.uint8), 0.0, False, 0.999, False, (0, 0, 4, 4))
    struck = BoxCut(np.zeros((4, 4), np.uint8), 0.3, False, 0.5, True, (0, 0, 4, 4))
    text = "JO SMITH@EXAMPLE COM"  # two full stops too small to count as ink
    cuts = [empty if c == " " else written for c in text] + [empty] * (spec.boxes - len(text))
    guesses = [None if c == " " else CharGuess(c, 0.999) for c in text]
    guesses += [None] * (spec.boxes - len(text))
    read = assemble_field(FieldCuts(spec, 1, tuple(cuts), (0, 0)), guesses, Thresholds())
    assert read.value == "jo.smith@example.com"
    assert read.chars[2].confidence < Thresholds().doubtful_char_confidence
    cuts[2] = struck  # a box the parent struck through stays empty
    read = assemble_field(FieldCuts(spec, 1, tuple(cuts), (0, 0)), guesses, Thresholds())
    assert read.raw.startswith("JO SMITH@EXAMPLE.COM")


def test_dotted_outline_found_off_its_place_in_black_and_white_scans(
    template: FormTemplate,
) -> None:
    # the scan's threshold leaves a light outline as sparse dots, and alignment is 0.6 mm off:
    # the dots are joined before the outline is looked for, so the boxes follow it
    page = _aligned_with(template, "child1_tutor_group", "")
    page = np.roll(page, (-3, -7), axis=(0, 1))
    ink = page_ink(_black_and_white(page, threshold=172))
    assert ink.bilevel
    spec = template.field("child1_tutor_group")
    assert isinstance(spec, CharField)
    dx, dy = refine_offset(ink, spec.box_rects())
    assert abs(dx + 7) <= 1 and abs(dy + 3) <= 1
