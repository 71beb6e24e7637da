"""A reader for browser tests and screenshots: the real identify-and-align stage, with values
taken from the samples' ground truth instead of OCR (which is the reading area's business).

Some fields get a doubtful character, and some of those a wrong one (O/0, I/1, S/5...), chosen
deterministically, so the scripted reviewer has real corrections to make.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from intake.batch.context import PageOutcome
from intake.config import School
from intake.reading.align import aligned_page, homography_tuple
from intake.reading.identify import identify_page
from intake.reading.ingest import PageImage
from intake.reading.result import CharRead, FieldRead, PageRead
from intake.template.load import load_template
from intake.template.model import FormTemplate

_SWAPS = str.maketrans("O0I1S5B8Z2GQ", "0O1I5S8B2ZQG")


def load_truths(folder: Path) -> dict[str, dict]:
    """Ground truth of every sample form in ``folder``, by QR serial."""
    truths = {}
    for path in sorted(folder.glob("form-*.json")):
        data = json.loads(path.read_text("utf-8"))
        truths[data["serial"]] = data
    return truths


def _roll(*parts: str) -> int:
    return int(hashlib.sha256("|".join(parts).encode()).hexdigest()[:8], 16)


def _wrong(char: str) -> str:
    swapped = char.translate(_SWAPS)
    if swapped != char:
        return swapped
    if char.isalpha():
        return chr((ord(char) - 65 + 1) % 26 + 65) if char.isupper() else char
    return char


class TruthReader:
    """``PageReader`` over sample scans whose truth is known."""

    def __init__(self, truths: dict[str, dict], template: FormTemplate | None = None) -> None:
        self.truths = truths
        self.template = template or load_template("parent-portal-v1")
        self.templates = {self.template.key: self.template}

    def truth_value(self, serial: str, field_id: str) -> str:
        return " ".join(self.truths[serial]["fields"].get(field_id, "").split())

    def read_value(self, serial: str, field_id: str) -> tuple[str, tuple[int, ...]]:
        """What this fake "reads": the truth, with a doubtful (and maybe wrong) character."""
        value = self.truth_value(serial, field_id)
        if not value or _roll(serial, field_id) % 4:
            return value, ()
        at = _roll(field_id, serial) % len(value)
        if value[at] == " ":
            at = 0
        if _roll(serial, field_id, "wrong") % 2:
            value = value[:at] + _wrong(value[at]) + value[at + 1 :]
        return value, (at,)

    def __call__(self, image: PageImage, source: str) -> PageOutcome:
        found = identify_page(image.image, self.templates, School(), image.dpi)
        page = PageRead(
            index_in_file=image.index,
            source=source,
            status=found.status,
            reason=found.reason,
            form_type=found.form_type,
            version=found.version,
            page_number=found.page_number,
            serial=found.serial,
            rotation=found.rotation,
            homography=homography_tuple(found.homography) if found.homography is not None else (),
        )
        if found.status != "read" or found.homography is None or found.serial not in self.truths:
            return PageOutcome(page=page)
        truth = self.truths[found.serial]
        fields: dict[str, FieldRead] = {}
        for number, spec in self.template.fields():
            if number != found.page_number:
                continue
            rect = spec.rect
            box = (rect.x, rect.y, rect.w, rect.h)
            kind = spec.kind
            if kind == "signature":
                signed = truth["signatures"].get(spec.id, False)
                fields[spec.id] = FieldRead(
                    spec.id, kind, number, "signed" if signed else "", "", 0.97, box_mm=box
                )
                continue
            if kind == "tick":
                ticked = truth["ticks"].get(spec.id, False)
                fields[spec.id] = FieldRead(
                    spec.id, kind, number, "yes" if ticked else "", "", 0.97, box_mm=box
                )
                continue
            value, doubtful = self.read_value(found.serial, spec.id)
            chars = tuple(CharRead(c, 0.42 if i in doubtful else 0.97) for i, c in enumerate(value))
            fields[spec.id] = FieldRead(
                spec.id, kind, number, value, value, 0.6 if doubtful else 0.97, chars, box
            )
        aligned = aligned_page(
            image.image, found.homography, self.template.page_w, self.template.page_h
        )
        return PageOutcome(page=page, fields=fields, aligned=aligned)
