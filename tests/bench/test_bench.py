"""Benchmark scoring, and one tiny run over a labelled set made here."""

from __future__ import annotations

import dataclasses
import sys
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from intake.config import Thresholds
from intake.lab.bench.cli import format_table
from intake.lab.bench.metrics import (
    Tally,
    edit_distance,
    line_accuracy,
    percentile,
    scan_kind,
    score_form,
    summarise,
)
from intake.lab.bench.run import BenchOptions, run_bench
from intake.lab.samples.truth import ApplicantTruth, ChildTruth, FormTruth, PageTruth
from intake.reading.pipeline import ReadContext
from intake.reading.result import FieldRead, FormRead
from intake.template.load import load_template

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "reading"))
from reading_pages import HersheyEngine, fill_page

TEMPLATE = load_template()


def _truth(fields: dict[str, str], signatures: dict[str, bool]) -> FormTruth:
    return FormTruth(
        form_id="form-0001",
        template=TEMPLATE.key,
        serial="F00042",
        family_serial="F00042",
        pages=(PageTruth(1, "form-0001-p1.png"), PageTruth(2, "form-0001-p2.png")),
        fields=fields,
        ticks={"child1_has_account": True},
        signatures=signatures,
        children=(ChildTruth(1, "S1", "TOM SMITH", "10RWA"),),
        applicants=(ApplicantTruth("parent1", "C1", "pr"),),
    )


def _read(field_id: str, raw: str, value: str, confidence: float = 0.99) -> FieldRead:
    spec = TEMPLATE.field(field_id)
    return FieldRead(field_id, spec.kind.value, 1, value, raw, confidence)


def test_edit_distance_and_percentiles() -> None:
    assert edit_distance("SMITH", "SMYTH") == 1
    assert edit_distance("", "ABC") == 3
    assert edit_distance("O'NEIL", "ONEIL") == 1
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([], 95) == 0.0
    assert line_accuracy([("TOM  SMITH", "TOM SMITH")]) == 1.0


def test_score_form_counts_chars_fields_ticks_and_signatures() -> None:
    truth = _truth(
        {"child1_name": "TOM SMITH", "p1_date": "12032024"},
        {"p1_signature_agree": False, "p1_signature_confirm": True},
    )
    form = FormRead(
        TEMPLATE.form_type,
        TEMPLATE.version,
        "F00042",
        (),
        fields={
            "child1_name": _read("child1_name", "TOM SMYTH", "TOM SMYTH"),
            "p1_date": _read("p1_date", "12032024", "2024-03-12"),
            "child1_has_account": _read("child1_has_account", "0.2", "ticked"),
            "p1_signature_agree": _read("p1_signature_agree", "0.0", ""),
        },
        problems=("unsigned",),
    )
    tally = Tally()
    score_form(tally, TEMPLATE, truth, form, 0.9)
    report = summarise(tally)
    assert report["char_accuracy"] == round(1 - 1 / 17, 4)
    assert report["field_accuracy"] == {"date": 1.0, "names": 0.0}
    assert report["tick_accuracy"] == 1.0
    assert report["signature_missing_recall"] == 1.0
    assert report["auto_accept_rate"] == 1.0
    assert report["auto_accept_error_rate"] == 0.5
    assert report["straight_through_rate"] == 0.0


def test_a_form_never_read_counts_as_wrong() -> None:
    tally = Tally()
    score_form(
        tally, TEMPLATE, _truth({"child1_name": "AMY"}, {"p1_signature_agree": False}), None, 0.9
    )
    report = summarise(tally)
    assert report["char_accuracy"] == 0.0
    assert report["signature_missing_recall"] == 1.0


def test_characters_read_in_empty_fields_count_as_stray() -> None:
    truth = _truth({"child1_name": "TOM SMITH"}, {})
    form = FormRead(
        TEMPLATE.form_type,
        TEMPLATE.version,
        "F00042",
        (),
        fields={
            "child1_name": _read("child1_name", "TOM SMITH", "TOM SMITH"),
            "child2_name": _read("child2_name", "I L", "I L"),
            "p2_forename": _read("p2_forename", "", ""),
        },
    )
    tally = Tally()
    score_form(tally, TEMPLATE, truth, form, 0.9)
    report = summarise(tally)
    assert (report["stray_chars"], report["stray_fields"]) == (2, 1)
    assert report["char_accuracy"] == round(1 - 3 / 10, 4)  # "I L" against one empty box


def test_scan_kind_names_black_and_white_pdfs_apart() -> None:
    def kind(*pages: PageTruth) -> str:
        return scan_kind(dataclasses.replace(_truth({}, {}), pages=pages))

    assert kind(PageTruth(1, "f-p1.pdf", conditions=("bw", "300dpi", "pdf_ccitt_g4"))) == "bw_pdf"
    assert kind(PageTruth(1, "f-p1.png", conditions=("bw", "200dpi"))) == "bw"
    assert kind(PageTruth(1, "f-p1.jpg", 0, True, None, ("colour", "photo"))) == "photo"


def _write_form(
    folder: Path, page1: dict[str, str], page2: dict[str, str], signatures: dict[str, bool]
) -> None:
    """Both pages of one filled form and its truth (every written field but signatures, ticks)."""
    Image.fromarray(fill_page(1, page1)).save(folder / "form-0001-p1.png")
    Image.fromarray(fill_page(2, page2)).save(folder / "form-0001-p2.png")
    fields = {
        k: v for k, v in {**page1, **page2}.items() if "signature" not in k and "has" not in k
    }
    _truth(fields, signatures).save(folder)


@pytest.mark.slow
def test_run_bench_on_a_tiny_set(tmp_path: Path) -> None:
    page1 = {
        "child1_name": "TOM SMITH",
        "child1_tutor_group": "10RWA",
        "p1_date": "12032024",
        "p1_signature_agree": "x",
        "child1_has_account": "x",
    }
    page2 = {"p1_forename": "ANN", "p1_surname": "SMITH", "p1_signature_confirm": "x"}
    _write_form(tmp_path, page1, page2, {"p1_signature_agree": True, "p1_signature_confirm": True})

    def factory() -> ReadContext:
        return ReadContext(templates={TEMPLATE.key: TEMPLATE}, engine=HersheyEngine())

    options = BenchOptions(samples=tmp_path, baseline_forms=0, whole_page_pages=0)
    report = run_bench(options, partial(factory), line_engine=None)
    assert (report["forms"], report["pages"]) == (1, 2)
    assert report["char_accuracy"] > 0.9
    assert report["tick_accuracy"] == 1.0
    assert 0 < report["sec_per_page_median"] < 30
    assert report["pages_per_sec_all_cores"] > 0
    assert 0 < report["peak_rss_mb"] < 2000
    for key in (
        "field_accuracy",
        "auto_accept_rate",
        "auto_accept_error_rate",
        "straight_through_rate",
        "sec_per_page_p95",
        "baseline_char_accuracy",
        "baseline_sec_per_page_median",
    ):
        assert key in report
    assert "character accuracy" in format_table(report)
    assert report["by_scan_kind"] == {
        "unknown": {
            "forms": 1,
            "char_accuracy": report["char_accuracy"],
            "stray_chars": report["stray_chars"],
            "stray_fields": report["stray_fields"],
        }
    }


class _RecordingLines:
    """A line engine that keeps every crop it is given and reads nothing."""

    def __init__(self) -> None:
        self.crops: list[object] = []

    def read_line(self, image: object, alphabet: str) -> tuple[str, float]:
        self.crops.append(image)
        return "", 0.0

    def read_page_text(self, image: object, timeout_s: float = 120.0) -> str:
        return ""


def _long_dark_rows(image: object) -> int:
    dark = np.asarray(image) < 200
    return int(np.count_nonzero(dark.mean(axis=1) > 0.5))


@pytest.mark.slow
def test_baseline_reads_each_line_as_printed_and_as_the_reader_cleans_it(tmp_path: Path) -> None:
    page1 = {"child1_name": "TOM SMITH", "p1_date": "12032024", "p1_signature_agree": "x"}
    _write_form(
        tmp_path,
        page1,
        {"p1_forename": "ANN"},
        {"p1_signature_agree": True, "p1_signature_confirm": False},
    )
    lines = _RecordingLines()

    def factory() -> ReadContext:
        return ReadContext(templates={TEMPLATE.key: TEMPLATE}, engine=HersheyEngine())

    options = BenchOptions(samples=tmp_path, baseline_forms=1, whole_page_pages=0)
    report = run_bench(options, partial(factory), line_engine=lines)
    # raw and cleaned crop of each of the three written fields, in turn
    assert len(lines.crops) == 6
    raw, cleaned = lines.crops[0::2], lines.crops[1::2]
    assert all(_long_dark_rows(crop) >= 2 for crop in raw)  # the printed boxes' top and bottom
    assert all(_long_dark_rows(crop) == 0 for crop in cleaned)  # outlines removed, ink kept
    assert all((np.asarray(crop) < 128).any() for crop in cleaned)
    assert report["baseline_char_accuracy"] == 0.0  # nothing read: every character missed
    assert report["baseline_char_accuracy_printed_boxes"] == 0.0


@pytest.mark.slow
def test_the_whole_pipeline_accepts_what_the_roster_confirms(tmp_path: Path) -> None:
    from datetime import date

    from intake.roster.csv_io import write_roster
    from intake.roster.model import Address, Contact, Relationship, Roster, Student

    tom = Student("S1", "", "Tom", "Smith", "Tom", "Smith", date(2012, 3, 1), 10, "10RWA")
    ann = Contact("C1", "Mrs", "Ann", "Smith", Address(("1 Mill Lane", "Belper"), "DE56 1AA"))
    write_roster(
        Roster((tom,), (ann,), (Relationship("S1", "C1", "PAM", True, 1),)),
        tmp_path / "roster.csv",
    )
    page1 = {
        "child1_name": "TOM SMITH",
        "child1_tutor_group": "10RWA",
        "p1_date": "12032024",
        "p1_signature_agree": "x",
    }
    page2 = {"p1_forename": "ANN", "p1_surname": "SMITH", "p1_signature_confirm": "x"}
    _write_form(tmp_path, page1, page2, {"p1_signature_agree": True, "p1_signature_confirm": True})

    def factory() -> ReadContext:
        # nothing reaches the reading-alone threshold: only the roster can accept a field
        return ReadContext(
            templates={TEMPLATE.key: TEMPLATE},
            engine=HersheyEngine(),
            thresholds=Thresholds(auto_accept_confidence=1.0, auto_accept_confidence_by_kind=()),
        )

    options = BenchOptions(samples=tmp_path, baseline_forms=0, whole_page_pages=0)
    report = run_bench(options, partial(factory), line_engine=None)
    assert report["auto_accept_rate"] == 0.0
    # names, tutor group, forename and surname confirmed; the date has no record to agree with
    assert report["pipeline_auto_accept_rate"] == pytest.approx(4 / 5)
    assert report["pipeline_auto_accept_error_rate"] == 0.0
    assert report["child_link_accuracy"] == 1.0


def test_a_tesseract_crash_on_one_line_reads_as_nothing() -> None:
    from intake.errors import EngineError
    from intake.lab.bench.run import _baseline_line

    class Crashing:
        def read_line(self, image: object, alphabet: str) -> tuple[str, float]:
            raise EngineError("Tesseract failed (status -8)")

    assert _baseline_line(Crashing(), np.zeros((10, 10), np.uint8), "ABC") == ""
