"""A generated form sent as the copier sends black and white (one bi-tonal 300 dpi CCITT G4 PDF
per page) reads as its PNG does: the same pixels, the same values, and nothing in the sections
the parent left empty (issue 16: rendered at 200 dpi, empty rows read as text)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from intake.config import Limits
from intake.lab.roster.demo import make_demo_roster
from intake.lab.samples.generate import SampleOptions, SampleSet, generate_samples
from intake.lab.samples.truth import FormTruth
from intake.reading.cli import read
from intake.reading.ingest import PageImage, iter_pages
from intake.roster.csv_io import write_roster

#: seed 11 draws black-and-white copier scans for forms 1 and 3
SEED, COUNT = 11, 3
MEASURED = {"tick", "signature"}


@pytest.fixture(scope="module")
def sets(tmp_path_factory: pytest.TempPathFactory) -> tuple[SampleSet, SampleSet]:
    """The same forms twice at 300 dpi: black and white as G4 PDFs, and as 1-bit PNGs."""
    roster = tmp_path_factory.mktemp("roster") / "roster.csv"
    write_roster(make_demo_roster(students=80, seed=5), roster)
    made = []
    for share, name in ((1.0, "pdf"), (0.0, "png")):
        options = SampleOptions(
            out=tmp_path_factory.mktemp(name),
            count=COUNT,
            seed=SEED,
            roster=roster,
            dpi=300,
            workers=1,
            bw_pdf_share=share,
        )
        made.append(generate_samples(options))
    return made[0], made[1]


def _bw_forms(made: SampleSet) -> list[FormTruth]:
    return [t for t in made.truths if t.pages[0].conditions[0] == "bw" and not t.pages[0].photo]


def _page(path: Path) -> np.ndarray:
    (item,) = list(iter_pages(path, Limits()))
    assert isinstance(item, PageImage)
    return item.image


def _read(paths: list[Path]) -> dict[str, str]:
    """``intake read --json`` on one form's pages: each character field's raw reading (tick
    and signature fields read as measurements, which the PNG's 299.9994 dpi moves a little)."""
    result = CliRunner().invoke(read, [*map(str, paths), "--json"])
    assert result.exit_code == 0, result.output
    (form,) = json.loads(result.output)["forms"]
    return {
        field_id: field["raw"]
        for field_id, field in form["fields"].items()
        if field["kind"] not in MEASURED
    }


def test_black_and_white_pages_go_out_as_g4_pdfs(sets: tuple[SampleSet, SampleSet]) -> None:
    as_pdf, as_png = sets
    bw = _bw_forms(as_pdf)
    assert [t.form_id for t in bw] == ["form-0001", "form-0003"]
    for truth in bw:
        assert all(p.file.endswith(".pdf") and "pdf_ccitt_g4" in p.conditions for p in truth.pages)
        head = (as_pdf.out / truth.pages[0].file).read_bytes()
        assert b"/CCITTFaxDecode" in head and b"/BitsPerComponent 1" in head
    others = [t for t in as_pdf.truths if t not in bw]
    assert others and all(not p.file.endswith(".pdf") for t in others for p in t.pages)
    assert [t.fields for t in as_pdf.truths] == [t.fields for t in as_png.truths]


def test_a_g4_page_is_read_as_the_same_pixels_as_its_png(
    sets: tuple[SampleSet, SampleSet],
) -> None:
    as_pdf, as_png = sets
    for truth in _bw_forms(as_pdf):
        for page in truth.pages:
            png = as_png.out / page.file.replace(".pdf", ".png")
            pdf_pixels = _page(as_pdf.out / page.file)
            assert set(np.unique(pdf_pixels).tolist()) == {0, 255}
            assert np.array_equal(pdf_pixels, _page(png)), page.file


def test_a_g4_form_reads_as_its_png_with_nothing_in_empty_sections(
    sets: tuple[SampleSet, SampleSet],
) -> None:
    as_pdf, as_png = sets
    for truth in _bw_forms(as_pdf):
        from_pdf = _read([as_pdf.out / p.file for p in truth.pages])
        from_png = _read([as_png.out / p.file.replace(".pdf", ".png") for p in truth.pages])
        empty = [f for f in from_pdf if not truth.fields.get(f, "x").strip()]
        assert len(empty) >= 5, truth.form_id  # the form has empty sections to test
        assert {f: from_pdf[f] for f in empty if from_pdf[f].strip()} == {}, truth.form_id
        assert from_pdf == from_png, truth.form_id
