"""Frozen, validated types of a form template. All lengths are millimetres from the page's top left.

A template is loaded once (``load_template``) and shared; what a scan yields lives elsewhere
(``intake.reading.result``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Rect(_Frozen):
    x: float
    y: float
    w: float = Field(gt=0)
    h: float = Field(gt=0)

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x + self.w / 2, self.y + self.h / 2)

    def grown(self, margin: float) -> Rect:
        return Rect(
            x=self.x - margin, y=self.y - margin, w=self.w + 2 * margin, h=self.h + 2 * margin
        )


class FieldKind(StrEnum):
    """What a field holds; it decides the alphabet and the validator."""

    NAME = "name"  # letters, apostrophe, hyphen, space
    TEXT = "text"  # address lines: letters, digits, space and , . ' - / &
    POSTCODE = "postcode"
    PHONE = "phone"
    EMAIL = "email"
    DATE = "date"  # DD MM YYYY
    TUTOR_GROUP = "tutor_group"
    TICK = "tick"
    SIGNATURE = "signature"


class Purpose(StrEnum):
    """What a field is for, which decides when a person is needed for it."""

    #: decides the account: which children, who applies, the signature, the portal's email;
    #: a person is needed when the decision is uncertain
    DECIDES = "decides"
    #: agrees with the school's record (names, tutor group, date, the tick): it weakens or
    #: strengthens the match, and never replaces anything
    CORROBORATES = "corroborates"
    #: the parent's contact details: they corroborate when they agree with the record, and are
    #: otherwise a change for the MIS, verified in a batch-wide list without holding the account
    UPDATES = "updates"


class _FieldBase(_Frozen):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    #: who the field is about: "parent1", "parent2", "child1".."child5", or "form"
    party: str = Field(pattern=r"^(parent[12]|child[1-9]|form)$")
    #: row number in ../shared/seed/form-fields.md that this field carries
    seed_field: int | None = None
    required: bool = False
    #: stated for every field in the template's data
    purpose: Purpose
    #: print the label above the field (child rows are labelled by their column headings)
    print_label: bool = True


class CharField(_FieldBase):
    """A row of separately spaced character boxes."""

    kind: Literal[
        FieldKind.NAME,
        FieldKind.TEXT,
        FieldKind.POSTCODE,
        FieldKind.PHONE,
        FieldKind.EMAIL,
        FieldKind.DATE,
        FieldKind.TUTOR_GROUP,
    ]
    x: float
    y: float
    boxes: int = Field(gt=0, le=40)
    box_w: float = Field(default=4.0, ge=3.0, le=8.0)
    box_h: float = Field(default=5.0, ge=4.0, le=9.0)
    gap: float = Field(default=2.0, ge=1.5)
    #: sizes of box groups separated by ``group_gap`` (a date is [2, 2, 4])
    groups: tuple[int, ...] | None = None
    group_gap: float = 4.0

    @model_validator(mode="after")
    def _groups_add_up(self) -> CharField:
        if self.groups is not None and sum(self.groups) != self.boxes:
            raise ValueError(f"groups {list(self.groups)} do not add up to boxes={self.boxes}")
        return self

    def box_rects(self) -> list[Rect]:
        """The character boxes, left to right."""
        rects: list[Rect] = []
        x = self.x
        ends = set()
        if self.groups:
            total = 0
            for size in self.groups[:-1]:
                total += size
                ends.add(total)
        for i in range(self.boxes):
            if i in ends:
                x += self.group_gap - self.gap
            rects.append(Rect(x=x, y=self.y, w=self.box_w, h=self.box_h))
            x += self.box_w + self.gap
        return rects

    @property
    def rect(self) -> Rect:
        boxes = self.box_rects()
        return Rect(x=self.x, y=self.y, w=boxes[-1].x + self.box_w - self.x, h=self.box_h)


class TickField(_FieldBase):
    kind: Literal[FieldKind.TICK]
    x: float
    y: float
    size: float = Field(default=5.0, ge=4.0, le=10.0)

    @property
    def rect(self) -> Rect:
        return Rect(x=self.x, y=self.y, w=self.size, h=self.size)


class SignatureField(_FieldBase):
    kind: Literal[FieldKind.SIGNATURE]
    x: float
    y: float
    w: float = Field(ge=40.0)
    h: float = Field(ge=12.0)

    @property
    def rect(self) -> Rect:
        return Rect(x=self.x, y=self.y, w=self.w, h=self.h)


AnyField = Annotated[CharField | TickField | SignatureField, Field(discriminator="kind")]


class Mark(_Frozen):
    """A solid square registration mark; ``(x, y)`` is its top left."""

    x: float
    y: float
    size: float = Field(ge=3.0)

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x + self.size / 2, self.y + self.size / 2)


class QrSpec(_Frozen):
    x: float
    y: float
    size: float = Field(ge=12.0)
    error_correction: Literal["M", "Q", "H"] = "Q"


class TextBlock(_Frozen):
    """Printed wording. ``{school.name}`` style placeholders come from configuration."""

    x: float
    y: float
    w: float = Field(gt=0)
    text: str
    size: float = Field(default=9.0, ge=5.0, le=24.0)
    bold: bool = False
    align: Literal["left", "centre", "right"] = "left"
    #: row number in ../shared/seed/form-fields.md for the seed's printed statements
    seed_field: int | None = None


class Page(_Frozen):
    number: int = Field(ge=1)
    marks: tuple[Mark, ...] = Field(min_length=4)
    qr: QrSpec
    texts: tuple[TextBlock, ...] = ()
    fields: tuple[AnyField, ...] = ()

    @model_validator(mode="after")
    def _marks_not_symmetric(self) -> Page:
        from intake.template.geometry import marks_rotation_ambiguous

        if marks_rotation_ambiguous(self):
            raise ValueError(
                f"page {self.number}: the registration marks map onto themselves under a "
                "rotation; move one so the page's orientation is unambiguous"
            )
        return self


class FormTemplate(_Frozen):
    form_type: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    version: int = Field(ge=1)
    title: str
    page_w: float = 210.0
    page_h: float = 297.0
    #: colour of box outlines, light so that ink separates from print
    box_colour: str = Field(default="#E8A0A0", pattern=r"^#[0-9A-Fa-f]{6}$")
    pages: tuple[Page, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _ids_unique_and_pages_numbered(self) -> FormTemplate:
        numbers = [p.number for p in self.pages]
        if numbers != list(range(1, len(self.pages) + 1)):
            raise ValueError(f"pages must be numbered 1..{len(self.pages)}, got {numbers}")
        seen: set[str] = set()
        for page in self.pages:
            for f in page.fields:
                if f.id in seen:
                    raise ValueError(f"field id {f.id!r} is used twice")
                seen.add(f.id)
                r = f.rect
                if r.x < 0 or r.y < 0 or r.x + r.w > self.page_w or r.y + r.h > self.page_h:
                    raise ValueError(f"field {f.id!r} lies outside the page")
        return self

    @property
    def key(self) -> str:
        return f"{self.form_type}-v{self.version}"

    def page(self, number: int) -> Page:
        return self.pages[number - 1]

    def fields(self) -> list[tuple[int, CharField | TickField | SignatureField]]:
        """Every field with its page number, in reading order."""
        return [(p.number, f) for p in self.pages for f in p.fields]

    def field(self, field_id: str) -> CharField | TickField | SignatureField:
        for _, f in self.fields():
            if f.id == field_id:
                return f
        raise KeyError(field_id)
