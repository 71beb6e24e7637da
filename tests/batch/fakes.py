"""A fake page reader and matcher for the batch and web tests: page identity is painted into
the top-left pixel.

``scan_png(form_no, page_no)`` draws a page whose pixel (0, 0) is (form_no, page_no, 7); the
fake reader turns it back into a ``PageRead`` and a few ``FieldRead`` values with the template's
real boxes, so crops, doubtful characters and grouping all work without OCR.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw

from intake.batch.context import PageOutcome
from intake.batch.proposal import MatchStatus, Proposal
from intake.matching.applicants import ApplicantMatch, ChildStanding, Outcome
from intake.matching.children import Candidate, ChildMatch
from intake.matching.proposals import FormMatch
from intake.reading.ingest import PageImage
from intake.reading.result import CharRead, FieldRead, FormRead, PageRead, PageStatus
from intake.template.load import load_template

A4_PX = (420, 594)  # 2 px per mm
MARKER = 7


def scan_png(form_no: int, page_no: int, *, blank: bool = False) -> bytes:
    """A fake scanned page (PNG bytes) that the fake reader recognises."""
    picture = Image.new("RGB", A4_PX, "white")
    if not blank:
        draw = ImageDraw.Draw(picture)
        draw.rectangle((20, 20, 400, 60), outline="black")
        draw.text((30, 30), f"FORM {form_no} PAGE {page_no}", fill="black")
        picture.putpixel((0, 0), (form_no, page_no, MARKER))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def _chars(value: str, doubtful_at: tuple[int, ...]) -> tuple[CharRead, ...]:
    return tuple(CharRead(c, 0.45 if i in doubtful_at else 0.97) for i, c in enumerate(value))


@dataclass
class FakeReader:
    """Values per form number: field id -> (value, indices of doubtful characters)."""

    values: dict[int, dict[str, tuple[str, tuple[int, ...]]]] = field(default_factory=dict)
    calls: int = 0
    fail_on: set[tuple[int, int]] = field(default_factory=set)

    def __call__(self, image: PageImage, source: str) -> PageOutcome:
        self.calls += 1
        r, g, b = (int(x) for x in image.image[0, 0][:3])
        if b != MARKER:
            return PageOutcome(
                page=PageRead(
                    index_in_file=image.index,
                    source=source,
                    status=PageStatus.BLANK,
                    reason="the page is blank",
                )
            )
        if (r, g) in self.fail_on:
            raise RuntimeError("simulated reader crash")
        template = load_template("parent-portal-v1")
        serial = f"F{r:04d}"
        fields: dict[str, FieldRead] = {}
        for page_number, spec in template.fields():
            if page_number != g or spec.id not in self.values.get(r, {}):
                continue
            value, doubtful = self.values[r][spec.id]
            rect = spec.rect
            # a sure field is sure at every kind's auto-accept level (1.0 for names)
            conf = 0.6 if doubtful else 1.0
            fields[spec.id] = FieldRead(
                field_id=spec.id,
                kind=spec.kind,
                page=g,
                value=value,
                raw=value,
                confidence=conf,
                chars=_chars(value, doubtful) if spec.kind not in ("tick", "signature") else (),
                box_mm=(rect.x, rect.y, rect.w, rect.h),
            )
        page = PageRead(
            index_in_file=image.index,
            source=source,
            status=PageStatus.READ,
            form_type="parent-portal",
            version=1,
            page_number=g,
            serial=serial,
        )
        aligned = np.asarray(Image.fromarray(image.image).resize((420, 594)))
        return PageOutcome(page=page, fields=fields, aligned=aligned)


def sample_values(form_no: int, *, doubtful: bool = True) -> dict[str, tuple[str, tuple[int, ...]]]:
    """Values of one fake form; with ``doubtful`` the surname has a doubtful character."""
    return {
        "p1_print_name": (f"JANE SMITH{form_no}", ()),
        "p1_signature_agree": ("signed", ()),
        "child1_name": (f"TOM SMITH{form_no}", ()),
        "child1_tutor_group": ("7A", ()),
        "p1_forename": ("JANE", ()),
        "p1_surname": ("SM1TH" if doubtful else "SMITH", (2,) if doubtful else ()),
        "p1_email": (f"jane{form_no}@example.com", ()),
        "p1_postcode": ("DE56 1AB", ()),
        "p1_signature_confirm": ("signed", ()),
    }


def fake_matcher(form: FormRead) -> Proposal:
    """Child row 1 is student S1 (when a child is named); parent 1 is contact C1 with parental
    responsibility, the email on record and an address that differs from the record."""
    name = form.fields.get("child1_name")
    candidate = Candidate(
        student_id="S1",
        score=96.0,
        name_score=96.0,
        raw_score=96.0,
        reasons=("name and tutor group",),
        forename="Tom",
        surname="Smith",
        tutor_group="7A",
    )
    children = (ChildMatch(1, (candidate,), "S1", True, ("name and tutor group",)),) if name else ()
    applicant = ApplicantMatch(
        party="parent1",
        contact_id="C1",
        outcome=Outcome.PR,
        reasons=(),
        warnings=("address_differs",),
        candidates=(),
        standings=(ChildStanding("S1", "PAR", True, False, ""),),
    )
    match = FormMatch(
        children=children,
        applicants=(applicant,),
        proposed=(),
        warnings=(),
        needs_review=False,
        review_reasons=(),
        may_approve=True,
        approve_reasons=(),
    )
    # the email is the one on record (a new one would be keyed twice: tests/web/test_keying.py)
    return Proposal(MatchStatus.OK, match, {"p1_email": "contact C1"})
