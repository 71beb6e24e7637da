"""Threshold calibration: the sweep, the pick, the Wilson bound, and the reader using per-kind
thresholds."""

from __future__ import annotations

import numpy as np
import pytest

from intake.config import Thresholds, load_settings
from intake.engines.base import CharGuess
from intake.errors import ConfigError
from intake.lab.bench.calibrate import (
    Observation,
    Row,
    calibrate,
    lowest_meeting,
    reliability,
    reliability_report,
    sweep,
    wilson_upper,
)
from intake.lab.bench.metrics import Tally, score_form, summarise
from intake.lab.samples.truth import FormTruth, PageTruth
from intake.reading.boxes import BoxCut
from intake.reading.fields import FieldCuts, assemble_field
from intake.reading.result import FieldRead, FormRead, Problem
from intake.template.load import load_template
from intake.template.model import CharField

TEMPLATE = load_template()


def _items(kind: str, confidence: float, right: int, wrong: int) -> list[Observation]:
    return [Observation(kind, confidence, True, True)] * right + [
        Observation(kind, confidence, True, False)
    ] * wrong


def test_wilson_upper_bound() -> None:
    assert wilson_upper(0, 0) == 1.0
    assert wilson_upper(0, 1000) == pytest.approx(0.00383, abs=1e-4)
    assert wilson_upper(5, 100) == pytest.approx(0.1118, abs=1e-3)
    assert wilson_upper(5, 100) > 0.05


def test_lowest_threshold_meeting_target_is_picked() -> None:
    # 0.80: 100 fields, 10 wrong; 0.95: 300 fields, 1 wrong; 0.99: 600 fields, 0 wrong
    items = (
        _items("name", 0.80, 90, 10) + _items("name", 0.95, 299, 1) + _items("name", 0.99, 600, 0)
    )
    rows = sweep(items, (0.7, 0.9, 0.95, 0.99))
    assert [(r.accepted, r.wrong) for r in rows] == [(1000, 11), (900, 1), (900, 1), (600, 0)]
    picked = lowest_meeting(rows, target=0.002, min_accepted=500)
    assert picked is not None and picked.threshold == 0.9
    # too few fields behind every qualifying rate: nothing is picked
    assert lowest_meeting(rows, target=0.002, min_accepted=1000) is None
    # a looser target lets the lowest threshold through
    loose = lowest_meeting(rows, target=0.02, min_accepted=500)
    assert loose is not None and loose.threshold == 0.7


def test_ineligible_fields_are_never_accepted() -> None:
    items = [Observation("date", 0.99, False, False), Observation("date", 0.99, True, True)]
    (row,) = sweep(items, (0.5,))
    assert (row.total, row.accepted, row.wrong) == (2, 1, 0)
    assert Row(0.5, 2, 0, 0).error_rate == 0.0


def test_per_kind_thresholds_differ_where_the_kinds_do() -> None:
    # phones are right when confident at 0.9; names need 0.99
    items = (
        _items("phone", 0.92, 1000, 0)
        + _items("name", 0.92, 900, 100)
        + _items("name", 0.995, 1000, 0)
    )
    result = calibrate(items, target=0.002, min_accepted=300)
    assert result.overall is not None and result.overall.threshold > 0.92
    setting = dict(result.by_kind_setting())
    assert setting["phone"] <= 0.92
    assert 0.92 < setting["name"] <= 0.995


def test_thresholds_by_kind_fall_back_and_parse() -> None:
    thresholds = Thresholds(
        auto_accept_confidence=0.9, auto_accept_confidence_by_kind=(("name", 0.97),)
    )
    assert thresholds.auto_accept_for("name") == 0.97
    assert thresholds.auto_accept_for("phone") == 0.9
    env = {"INTAKE_THRESHOLDS__AUTO_ACCEPT_CONFIDENCE_BY_KIND": "name=0.95|date=0.8"}
    loaded = load_settings(environ=env).thresholds
    assert loaded.auto_accept_confidence_by_kind == (("name", 0.95), ("date", 0.8))
    cleared = load_settings(environ={"INTAKE_THRESHOLDS__AUTO_ACCEPT_CONFIDENCE_BY_KIND": ""})
    assert cleared.thresholds.auto_accept_confidence_by_kind == ()
    with pytest.raises(ConfigError, match=r"within 0\.\.1"):
        load_settings(environ={"INTAKE_THRESHOLDS__AUTO_ACCEPT_CONFIDENCE_BY_KIND": "name=1.5"})
    with pytest.raises(ConfigError, match="kind=confidence"):
        load_settings(environ={"INTAKE_THRESHOLDS__AUTO_ACCEPT_CONFIDENCE_BY_KIND": "name"})


def _date_read(thresholds: Thresholds) -> FieldRead:
    spec = TEMPLATE.field("p1_date")
    assert isinstance(spec, CharField)
    cut = BoxCut(np.zeros((4, 4), np.uint8), 0.2, True, 0.999, False, (0, 0, 4, 4))
    guesses = [CharGuess(c, 0.99) for c in "12032024"]
    return assemble_field(FieldCuts(spec, 1, tuple([cut] * 8), (0, 0)), guesses, thresholds)


def test_reader_auto_accept_uses_the_kind_threshold() -> None:
    plain = _date_read(Thresholds(auto_accept_confidence=0.9))
    assert 0.9 < plain.confidence < 0.95
    assert Problem.LOW_CONFIDENCE.value not in plain.problems
    strict = Thresholds(
        auto_accept_confidence=0.9, auto_accept_confidence_by_kind=(("date", 0.95),)
    )
    assert Problem.LOW_CONFIDENCE.value in _date_read(strict).problems
    other = Thresholds(auto_accept_confidence=0.9, auto_accept_confidence_by_kind=(("name", 0.99),))
    assert Problem.LOW_CONFIDENCE.value not in _date_read(other).problems
    lenient = Thresholds(
        auto_accept_confidence=0.99, auto_accept_confidence_by_kind=(("date", 0.9),)
    )
    assert Problem.LOW_CONFIDENCE.value not in _date_read(lenient).problems


def test_a_blank_field_is_judged_by_the_general_threshold() -> None:
    spec = TEMPLATE.field("p1_date")
    assert isinstance(spec, CharField)
    blank = BoxCut(np.zeros((4, 4), np.uint8), 0.0, False, 0.999, False, (0, 0, 4, 4))
    item = FieldCuts(spec, 1, tuple([blank] * 8), (0, 0))
    guesses: list[CharGuess | None] = [None] * 8
    never = Thresholds(auto_accept_confidence=0.9, auto_accept_confidence_by_kind=(("date", 1.0),))
    read = assemble_field(item, guesses, never)
    assert read.raw == "" and read.confidence >= 0.9
    assert Problem.LOW_CONFIDENCE.value not in read.problems
    # the calibration applies the same rule
    blank_wrong = Observation("date", 0.99, True, False, blank=True)
    (row,) = sweep([blank_wrong], (1.0,))
    assert row.accepted == 1 and row.wrong == 1


def test_bench_scores_auto_accept_per_kind() -> None:
    spec = TEMPLATE.field("p1_date")
    truth = FormTruth(
        form_id="form-0001",
        template=TEMPLATE.key,
        serial="F1",
        family_serial="F1",
        pages=(PageTruth(1, "a.png"),),
        fields={"p1_date": "12032024"},
        ticks={},
        signatures={},
        children=(),
        applicants=(),
    )
    read = FieldRead("p1_date", spec.kind.value, 1, "2024-03-12", "12032024", 0.93)
    form = FormRead(TEMPLATE.form_type, TEMPLATE.version, "F1", (), {"p1_date": read})
    rates = []
    for limit in (0.9, 0.95):
        tally = Tally()
        strict = Thresholds(
            auto_accept_confidence=0.5, auto_accept_confidence_by_kind=(("date", limit),)
        )
        score_form(tally, TEMPLATE, truth, form, strict.auto_accept_for)
        summary = summarise(tally)
        rates.append(summary["auto_accept_rate"])
        by_group = summary["auto_accept_by_group"]
        assert isinstance(by_group, dict)
        assert by_group["date"]["fields"] == 1
        assert by_group["date"]["rate"] == summary["auto_accept_rate"]
    assert rates == [1.0, 0.0]


def test_reliability_bins_say_how_often_fields_at_each_confidence_were_right() -> None:
    items = (
        _items("name", 0.6, 3, 1)  # said 60%, right 75%
        + _items("name", 0.97, 9, 1)  # said 97%, right 90%
        + [Observation("name", 0.0, True, False, blank=True)]  # nothing read: left out
    )
    bins, error = reliability(items)
    assert [(b.low, b.fields, b.mean_confidence, b.accuracy) for b in bins] == [
        (0.5, 4, 0.6, 0.75),
        (0.95, 10, 0.97, 0.9),
    ]
    assert error == pytest.approx((4 * 0.15 + 10 * 0.07) / 14, abs=1e-4)
    table = reliability_report(items)
    assert "expected calibration error" in table and "name" in table
