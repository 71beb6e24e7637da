"""Box geometry, marks and layout of the rendered form, measured on a rendered page."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from intake.config import School
from intake.printing.layout import lay_out_text, layout_problems
from intake.printing.render import render_page_image
from intake.printing.units import mm_to_px
from intake.template import CharField, FieldKind, FormTemplate, Rect, TickField

DPI = 150


def _crop(image: np.ndarray, rect: Rect, inset_mm: float) -> np.ndarray:
    x0 = round(mm_to_px(rect.x + inset_mm, DPI))
    y0 = round(mm_to_px(rect.y + inset_mm, DPI))
    x1 = round(mm_to_px(rect.x + rect.w - inset_mm, DPI))
    y1 = round(mm_to_px(rect.y + rect.h - inset_mm, DPI))
    return image[y0:y1, x0:x1]


def test_character_boxes_are_about_4_by_5_mm_and_separately_spaced(
    template: FormTemplate,
) -> None:
    char_fields = [f for _, f in template.fields() if isinstance(f, CharField)]
    assert len(char_fields) >= 30
    for field in char_fields:
        assert 3.5 <= field.box_w <= 4.5 and 4.5 <= field.box_h <= 5.5, field.id
        boxes = field.box_rects()
        assert len(boxes) == field.boxes
        gaps = [b.x - (a.x + a.w) for a, b in itertools.pairwise(boxes)]
        assert min(gaps, default=2.0) >= 2.0 - 1e-9, field.id


def test_dates_are_dd_mm_yyyy_groups(template: FormTemplate) -> None:
    dates = [f for _, f in template.fields() if f.kind == FieldKind.DATE]
    assert {f.id for f in dates} == {"p1_date", "p2_date"}
    for field in dates:
        assert isinstance(field, CharField)
        assert field.groups == (2, 2, 4)
        boxes = field.box_rects()
        assert boxes[2].x - (boxes[1].x + boxes[1].w) > field.gap  # a wider gap between groups


def test_layout_has_no_overlaps_or_overflow(
    template: FormTemplate, school: School, other_school: School
) -> None:
    assert layout_problems(template, school) == []
    assert layout_problems(template, other_school) == []


def test_a_long_school_name_shrinks_to_keep_the_layout(template: FormTemplate) -> None:
    long_name = School(name="St Aldhelm's Church of England Voluntary Aided Academy and Sixth Form")
    assert layout_problems(template, long_name) == []
    heading = lay_out_text(template.page(1).texts[0], long_name)
    assert len(heading.lines) == 1 and heading.size < template.page(1).texts[0].size


def test_layout_check_reports_a_school_name_that_runs_into_the_title(
    template: FormTemplate,
) -> None:
    long_name = School(
        name="The Very Long Named Church of England Voluntary Aided "
        "Secondary School and Sixth Form College of Somewhere Else Entirely "
        "in the County of Somewhereshire"
    )
    problems = layout_problems(template, long_name)
    assert any("overlaps text 'Application for Parent Portal" in p for p in problems)


@pytest.mark.parametrize("page_number", [1, 2])
def test_rendered_page_marks_are_solid_and_boxes_empty(
    template: FormTemplate, school: School, page_number: int
) -> None:
    image = render_page_image(template, page_number, school, dpi=DPI)
    assert image.dtype == np.uint8 and image.ndim == 2
    h, w = image.shape
    assert abs(h - mm_to_px(297, DPI)) <= 1 and abs(w - mm_to_px(210, DPI)) <= 1
    page = template.page(page_number)
    for mark in page.marks:
        solid = _crop(image, Rect(x=mark.x, y=mark.y, w=mark.size, h=mark.size), 0.5)
        assert solid.mean() < 20, f"mark at {mark.x},{mark.y} is not solid black"
    for field in page.fields:
        boxes = field.box_rects() if isinstance(field, CharField) else [field.rect]
        for box in boxes:
            inside = _crop(image, box, 0.6)
            assert inside.min() > 200, f"{field.id}: something is printed inside a box"
            # the outline is there, light enough to drop out against ink
            outline = _crop(image, box.grown(0.3), 0)
            assert 120 < outline.min() < 245, f"{field.id}: outline missing or too dark"


def test_tick_boxes_are_empty_squares(template: FormTemplate) -> None:
    ticks = [f for _, f in template.fields() if isinstance(f, TickField)]
    assert len(ticks) == 5
    assert all(f.size >= 4.0 for f in ticks)


def test_page_image_is_a_fresh_copy_each_time(template: FormTemplate, school: School) -> None:
    first = render_page_image(template, 1, school, dpi=50)
    first[:] = 0
    again = render_page_image(template, 1, school, dpi=50)
    assert again.max() == 255


def test_colour_page_image_is_bgr(template: FormTemplate, school: School) -> None:
    image = render_page_image(template, 2, school, dpi=DPI, colour=True)
    assert image.ndim == 3 and image.shape[2] == 3
    field = template.field("p1_forename")
    outline = _crop(image, field.rect.grown(0.3), 0).reshape(-1, 3).astype(int)
    darkest = outline[outline.sum(axis=1).argmin()]
    blue, green, red = darkest
    assert red > green + 40 and red > blue + 40, "box outlines are printed in the light red"


def test_page_image_rejects_a_missing_page(template: FormTemplate, school: School) -> None:
    with pytest.raises(ValueError, match="has no page 3"):
        render_page_image(template, 3, school)


@pytest.mark.parametrize("page_number", [1, 2])
def test_no_print_inside_the_readers_margin_around_a_box(
    template: FormTemplate, school: School, page_number: int
) -> None:
    """The reader cuts each box with a margin; only the parent's ink may be in that cut."""
    from intake.engines.base import GLYPH_MARGIN_MM

    image = render_page_image(template, page_number, school, dpi=DPI)
    for field in template.page(page_number).fields:
        boxes = field.box_rects() if isinstance(field, CharField) else [field.rect]
        for box in boxes:
            cut = _crop(image, box.grown(GLYPH_MARGIN_MM + 0.1), 0).copy()
            edge = round(mm_to_px(GLYPH_MARGIN_MM + 0.1 - 0.4, DPI))
            cut[edge:-edge, edge:-edge] = 255  # the box and its own outline
            assert cut.min() > 140, f"{field.id}: printed ink within the reader's margin"
