"""Lay a ``FormFill`` on blank page rasters: characters in their boxes, ticks and signatures.

The template gives every position in millimetres; this module turns them into pixels at the
page's dpi and asks ``intake.lab.samples.pen`` to lay the ink with the family's hands and pens.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from intake.lab.samples.fill import FormFill
from intake.lab.samples.handwriting import FontHand, Glyph, GlyphHand
from intake.lab.samples.pen import Pen, signature, strike_through, tick_mark, write_char
from intake.template.model import CharField, Page, Rect, SignatureField, TickField

MM_PER_INCH = 25.4


@dataclass(frozen=True)
class Writer:
    """One person's hand and pen. ``glyph_writer`` picks one real writer's images when the hand
    is a folder of glyph images."""

    hand: FontHand | GlyphHand
    pen: Pen
    glyph_writer: str = ""
    fallback: FontHand | None = None  # for what a glyph folder lacks


def glyph_for(writer: Writer, char: str, rng: np.random.Generator) -> Glyph:
    """The ink for ``char`` in this writer's hand (a font for what a glyph folder lacks)."""
    hand = writer.hand
    weight = min(writer.pen.weight, 3)
    if isinstance(hand, GlyphHand):
        path = hand.image_for(char, writer.glyph_writer, float(rng.random()))
        if path is not None:
            return hand.glyph_from(path, weight=max(0, weight - 1))
        if writer.fallback is None:
            raise ValueError(f"no fallback font for {char!r}, which the glyph folder lacks")
        return writer.fallback.glyph(char, weight)
    return hand.glyph(char, weight)


def _px(rect: Rect, px_mm: float) -> tuple[float, float, float, float]:
    return (rect.x * px_mm, rect.y * px_mm, rect.w * px_mm, rect.h * px_mm)


def draw_page(
    image: np.ndarray,
    page: Page,
    fill: FormFill,
    writers: dict[str, Writer],
    rng: np.random.Generator,
    dpi: int,
    cross_ticks: bool,
) -> None:
    """Write the family's answers for one template page onto ``image`` (RGB, in place)."""
    px_mm = dpi / MM_PER_INCH
    for spec in page.fields:
        if isinstance(spec, CharField):
            writing = fill.fields.get(spec.id)
            if writing is None or not writing.text:
                continue
            writer = writers.get(writing.party, writers["parent1"])
            struck = dict(writing.struck)
            for index, (char, rect) in enumerate(zip(writing.text, spec.box_rects(), strict=False)):
                box = _px(rect, px_mm)
                if index in struck:
                    write_char(image, glyph_for(writer, struck[index], rng), box, writer.pen, rng)
                    strike_through(image, box, writer.pen, rng, px_mm)
                    continue
                if char == " ":
                    continue
                shown = char.lower() if index in writing.lower else char
                write_char(image, glyph_for(writer, shown, rng), box, writer.pen, rng)
        elif isinstance(spec, TickField):
            if fill.ticks.get(spec.id):
                tick_mark(
                    image, _px(spec.rect, px_mm), writers["parent1"].pen, rng, px_mm, cross_ticks
                )
        elif isinstance(spec, SignatureField) and fill.signatures.get(spec.id):
            writer = writers.get(spec.party, writers["parent1"])
            signature(image, _px(spec.rect, px_mm), writer.pen, rng, px_mm)
