"""Labelled glyphs cut from generated sample forms by the reader's own stages.

``intake samples`` fills and scans forms with a given handwriting; this module reads them back
with the reader's identify/align/cut stages (never its engine) and pairs each written box with
the character the truth file says it holds. These are the crops the engine will see in
production, scan simulation and outline removal included. Only forms written with *training*
handwriting (training fonts, training writers) may be harvested for training.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from intake.config import School
from intake.engines.base import ALL_CHARS, ALPHABETS
from intake.engines.glyph import glyph_to_input
from intake.lab.samples.truth import FormTruth
from intake.reading.align import aligned_page
from intake.reading.boxes import page_ink
from intake.reading.fields import cut_field
from intake.reading.identify import identify_page
from intake.reading.ingest import PageFailure, iter_pages
from intake.template.load import load_template
from intake.template.model import CharField

log = logging.getLogger(__name__)


def harvest(samples_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """Model inputs (uint8 ``(N, H, W)``) and class indices of every written, labelled box."""
    glyphs, chars, _ = harvest_glyphs(samples_dir)
    if not glyphs:
        return np.zeros((0, 1, 1), np.uint8), np.zeros(0, np.int64)
    inputs = [np.round(glyph_to_input(glyph) * 255).astype(np.uint8) for glyph in glyphs]
    return np.stack(inputs), np.asarray([ALL_CHARS.index(c) for c in chars], np.int64)


def harvest_glyphs(samples_dir: Path) -> tuple[list[np.ndarray], list[str], list[str]]:
    """Glyph crops (as the reader cuts them), true characters and field alphabets of the boxes."""
    from intake.config import Limits, Thresholds  # local: only the harvest needs them

    template = load_template()
    templates = {template.key: template}
    school, limits, thresholds = School(), Limits(), Thresholds()
    glyphs: list[np.ndarray] = []
    chars: list[str] = []
    alphabets: list[str] = []
    for truth_path in sorted(samples_dir.glob("*.json")):
        raw = json.loads(truth_path.read_text())
        if "form_id" not in raw:
            continue  # the manifest
        truth = FormTruth.from_dict(raw)
        for page_truth in truth.pages:
            if "#" in page_truth.file:
                continue
            for item in iter_pages(samples_dir / page_truth.file, limits):
                if isinstance(item, PageFailure):
                    continue
                found = identify_page(item.image, templates, school, item.dpi)
                if found.status != "read" or found.homography is None:
                    continue
                page = template.page(found.page_number)
                aligned = aligned_page(
                    item.image, found.homography, template.page_w, template.page_h
                )
                ink = page_ink(aligned, item.image)
                for field in page.fields:
                    if not isinstance(field, CharField) or field.id not in truth.fields:
                        continue
                    text = truth.fields[field.id]
                    crossed = set(truth.crossed_out.get(field.id, ()))
                    cuts = cut_field(ink, field, found.page_number, thresholds).cuts
                    for index, cut in enumerate(cuts):
                        char = text[index] if index < len(text) else " "
                        if index in crossed or char not in ALL_CHARS or not cut.written:
                            continue
                        if cut.crossed_out:
                            continue
                        glyphs.append(cut.glyph)
                        chars.append(char)
                        alphabets.append(ALPHABETS[field.kind])
    log.info("harvested %d glyphs from %s", len(chars), samples_dir.name)
    return glyphs, chars, alphabets
