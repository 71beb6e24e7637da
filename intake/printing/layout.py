"""Where printed things land, in template millimetres: wrapped text, field labels, QR quiet zone.

The renderer draws from these measurements and ``layout_problems`` checks them, so a long school
name that wraps into the next block is reported instead of printed over a field.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth

from intake.config import School
from intake.printing import qr
from intake.printing.units import mm_to_pt, pt_to_mm
from intake.printing.wording import fill
from intake.template.model import (
    CharField,
    FormTemplate,
    Page,
    Rect,
    SignatureField,
    TextBlock,
    TickField,
)

FONT = "Helvetica"
FONT_BOLD = "Helvetica-Bold"
#: line spacing as a multiple of the font size
LEADING = 1.22
#: share of the font size above the baseline (Helvetica's cap height is about 0.72) ...
ASCENT = 0.78
#: ... and below it (Helvetica's descenders reach about 0.21)
DESCENT = 0.22
LABEL_SIZE_PT = 7.5
#: gap between a label's baseline and the top of its field: its descenders stay clear of the
#: margin the reader cuts around each box
LABEL_GAP_MM = 1.8
#: how much room a label needs above its field (ascent plus gap)
LABEL_ROOM_MM = LABEL_GAP_MM + pt_to_mm(LABEL_SIZE_PT * ASCENT)

#: printed wording keeps this far from every field, so that a crop of a box with the reader's
#: margin (1 mm, ``intake.engines.base.GLYPH_MARGIN_MM``) holds only what the parent wrote
FIELD_CLEARANCE_MM = 1.2

AnyField = CharField | TickField | SignatureField


@dataclass(frozen=True)
class TextLayout:
    """A text block after placeholders are filled and lines wrapped."""

    block: TextBlock
    lines: tuple[str, ...]
    font: str
    #: the font size used: the block's, or smaller where a long school detail had to fit
    size: float

    @property
    def leading_mm(self) -> float:
        return pt_to_mm(self.size * LEADING)

    def baseline_mm(self, line: int) -> float:
        """The baseline of line ``line`` (0-based), mm from the page top."""
        return self.block.y + pt_to_mm(self.size * ASCENT) + line * self.leading_mm

    @property
    def rect(self) -> Rect:
        """The ink the block can cover: the first line's cap top to the last line's descent."""
        bottom = self.baseline_mm(len(self.lines) - 1) + pt_to_mm(self.size * DESCENT)
        widest = max((stringWidth(line, self.font, self.size) for line in self.lines), default=0.0)
        w = max(pt_to_mm(widest), 0.1)
        if self.block.align == "right":
            x = self.block.x + self.block.w - w
        elif self.block.align == "centre":
            x = self.block.x + (self.block.w - w) / 2
        else:
            x = self.block.x
        return Rect(x=x, y=self.block.y, w=w, h=max(bottom - self.block.y, 0.1))


#: a block with a school detail in it may shrink to this share of its size to keep its lines
MIN_SHRINK = 0.7


def _wrap(text: str, font: str, size: float, width_mm: float) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(simpleSplit(paragraph, font, size, mm_to_pt(width_mm)) or [""])
    return lines


@lru_cache(maxsize=256)
def lay_out_text(block: TextBlock, school: School) -> TextLayout:
    """Fill the block's placeholders and wrap it to its width.

    The template is designed with the default school's details; where another school's longer
    name would need more lines than that, the block's font shrinks (to 70% at most) so that the
    block keeps its designed height. ``layout_problems`` reports what still does not fit.
    """
    font = FONT_BOLD if block.bold else FONT
    text = fill(block.text, school)
    size = block.size
    lines = _wrap(text, font, size, block.w)
    if "{" in block.text:
        designed = len(_wrap(fill(block.text, School()), font, block.size, block.w))
        while len(lines) > designed and size - 0.25 >= block.size * MIN_SHRINK:
            size -= 0.25
            lines = _wrap(text, font, size, block.w)
    return TextLayout(block=block, lines=tuple(lines), font=font, size=size)


def label_rect(field: AnyField) -> Rect:
    """Where a field's printed label sits, just above the field."""
    width = pt_to_mm(stringWidth(field.label, FONT, LABEL_SIZE_PT))
    top = field.rect.y - LABEL_ROOM_MM  # the cap height above the baseline
    bottom = field.rect.y - LABEL_GAP_MM + pt_to_mm(LABEL_SIZE_PT * DESCENT)
    return Rect(x=field.rect.x, y=top, w=width, h=bottom - top)


def qr_rect(page: Page, with_quiet_zone: bool = True) -> Rect:
    """The QR symbol's square, optionally grown by the quiet zone a reader needs."""
    spec = page.qr
    rect = Rect(x=spec.x, y=spec.y, w=spec.size, h=spec.size)
    if not with_quiet_zone:
        return rect
    # 25 modules is the smallest symbol our payloads make at M or better; a bigger symbol has
    # smaller modules and so a narrower quiet zone, so this is the widest it can be.
    module = spec.size / 25
    return rect.grown(qr.QUIET_ZONE_MODULES * module)


def _overlap(a: Rect, b: Rect) -> bool:
    return a.x < b.x + b.w and b.x < a.x + a.w and a.y < b.y + b.h and b.y < a.y + a.h


def page_elements(page: Page, school: School) -> list[tuple[str, Rect]]:
    """Every printed element of a page with a name for messages; fields with their clearance."""
    items: list[tuple[str, Rect]] = []
    for i, mark in enumerate(page.marks):
        items.append((f"mark {i + 1}", Rect(x=mark.x, y=mark.y, w=mark.size, h=mark.size)))
    items.append(("QR code and its quiet zone", qr_rect(page)))
    for block in page.texts:
        layout = lay_out_text(block, school)
        items.append((f"text {layout.lines[0][:30]!r}", layout.rect))
    for field in page.fields:
        items.append((f"field {field.id!r}", field.rect.grown(FIELD_CLEARANCE_MM)))
        if field.print_label:
            items.append((f"label of {field.id!r}", label_rect(field)))
    return items


def layout_problems(template: FormTemplate, school: School) -> list[str]:
    """Printed elements that would overlap or run off the page, with this school's wording."""
    problems: list[str] = []
    for page in template.pages:
        items = page_elements(page, school)
        for i, (name, rect) in enumerate(items):
            if (
                rect.x < 0
                or rect.y < 0
                or rect.x + rect.w > template.page_w
                or (rect.y + rect.h > template.page_h)
            ):
                problems.append(f"page {page.number}: {name} runs off the page")
            for other, other_rect in items[i + 1 :]:
                if _overlap(rect, other_rect):
                    problems.append(f"page {page.number}: {name} overlaps {other}")
    return problems
