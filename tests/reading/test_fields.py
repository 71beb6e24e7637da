"""Assembling a field from its boxes' guesses: repairs from second guesses, full stops."""

from __future__ import annotations

import numpy as np

from intake.config import Thresholds
from intake.engines.base import CharGuess
from intake.reading.boxes import BoxCut
from intake.reading.fields import FieldCuts, assemble_field
from intake.reading.result import Problem
from intake.template.model import CharField, FormTemplate


def test_invalid_value_repaired_from_second_guess(template: FormTemplate) -> None:
    spec = template.field("p1_date")
    assert isinstance(spec, CharField)
    cut = BoxCut(np.zeros((4, 4), np.uint8), 0.2, True, 0.999, False, (0, 0, 4, 4))
    guesses = [CharGuess(c, 0.99) for c in "12132024"]
    guesses[2] = CharGuess("1", 0.55, (("0", 0.44),))  # month 13 is no month; 03 is
    item = FieldCuts(spec, 1, tuple([cut] * 8), (0, 0))
    read = assemble_field(item, guesses, Thresholds())
    assert (read.raw, read.value) == ("12032024", "2024-03-12")
    assert read.confidence <= 0.6
    assert Problem.LOW_CONFIDENCE.value in read.problems


def test_an_emails_empty_box_between_letters_is_a_full_stop_for_a_person_to_check(
    template: FormTemplate,
) -> None:
    spec = template.field("p1_email")
    assert isinstance(spec, CharField)
    written = BoxCut(np.zeros((4, 4), np.uint8), 0.2, True, 0.999, False, (0, 0, 4, 4))
    empty = BoxCut(np.zeros((4, 4), np.uint8), 0.0, False, 0.999, False, (0, 0, 4, 4))
    struck = BoxCut(np.zeros((4, 4), np.uint8), 0.3, False, 0.5, True, (0, 0, 4, 4))
    text = "JO SMITH@EXAMPLE COM"  # two full stops too small to count as ink
    cuts = [empty if c == " " else written for c in text] + [empty] * (spec.boxes - len(text))
    guesses = [None if c == " " else CharGuess(c, 0.999) for c in text]
    guesses += [None] * (spec.boxes - len(text))
    read = assemble_field(FieldCuts(spec, 1, tuple(cuts), (0, 0)), guesses, Thresholds())
    assert read.value == "jo.smith@example.com"
    assert read.chars[2].confidence < Thresholds().doubtful_char_confidence
    cuts[2] = struck  # a box the parent struck through stays empty
    read = assemble_field(FieldCuts(spec, 1, tuple(cuts), (0, 0)), guesses, Thresholds())
    assert read.raw.startswith("JO SMITH@EXAMPLE.COM")
