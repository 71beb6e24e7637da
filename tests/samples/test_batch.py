"""The copier batch PDF: every scanned page, blank backs, page order, and rotation recorded."""

from __future__ import annotations

import json

from pdf2image import pdfinfo_from_path
from PIL import Image

from intake.lab.samples.generate import SampleSet


def test_batch_pdf_holds_every_scanned_page_and_the_blank_backs(batch_set: SampleSet) -> None:
    manifest = json.loads((batch_set.out / "manifest.json").read_text("utf-8"))
    entries = manifest["batch"]["pages"]
    scanned = [p for t in batch_set.truths for p in t.pages if not p.photo]
    backs = [e for e in entries if e["blank_back"]]
    pages = int(pdfinfo_from_path(str(batch_set.out / "batch.pdf"))["Pages"])
    assert pages == len(scanned) + len(backs) == len(entries) == batch_set.batch_pages
    photos = [p for t in batch_set.truths for p in t.pages if p.photo]
    assert photos, "the fixture's seed includes a phone photo"
    assert all(p.batch_index is None for p in photos)
    for truth in batch_set.truths:
        for page in truth.pages:
            if page.photo:
                continue
            entry = entries[page.batch_index]
            assert (entry["form_id"], entry["page_number"], entry["blank_back"]) == (
                truth.form_id,
                page.page_number,
                False,
            )


def test_rotation_in_the_truth_matches_the_image(batch_set: SampleSet) -> None:
    for truth in batch_set.truths:
        for page in truth.pages:
            with Image.open(batch_set.out / page.file) as image:
                width, height = image.size
            if page.photo:
                continue
            sideways = page.rotation in (90, 270)
            assert (width > height) == sideways, (page.file, page.rotation)
            assert (f"rotated={page.rotation}" in page.conditions) == bool(page.rotation)
