from __future__ import annotations

from intake.matching.fuzzy import edit_distance, nearest, similarity, weighted_edits
from intake.matching.normalise import fold


def test_same_key_scores_100() -> None:
    assert similarity(fold("AMYSMITH"), "AMYSMITH") == 100.0


def test_a_confusion_costs_less_than_another_letter() -> None:
    confusion = weighted_edits(fold("SM1TH"), "SMITH")
    other = weighted_edits(fold("SMXTH"), "SMITH")
    assert 0 < confusion < other == 1.0


def test_a_doubtful_character_costs_less_than_a_confident_one() -> None:
    doubtful = fold("SMXTH", [0.99, 0.99, 0.3, 0.99, 0.99])
    confident = fold("SMXTH", [0.99, 0.99, 0.95, 0.99, 0.99])
    assert weighted_edits(doubtful, "SMITH") < weighted_edits(confident, "SMITH")


def test_the_readers_alternative_counts_as_a_confusion() -> None:
    read = fold("SMXTH", [0.9] * 5, ["", "", "I", "", ""])
    assert weighted_edits(read, "SMITH") < weighted_edits(fold("SMXTH", [0.9] * 5), "SMITH")


def test_swapped_neighbours_are_one_edit() -> None:
    assert weighted_edits(fold("WARSMAE"), "WARSAME") == 1.0
    assert weighted_edits(fold("ZEOHANSON"), "ZOEHANSON") == 1.0


def test_missing_and_extra_letters() -> None:
    assert weighted_edits(fold("JAK"), "JACK") == 1.0
    assert weighted_edits(fold("JACKK"), "JACK") == 1.0
    assert similarity(fold("XYZXYZXYZXYZ"), "") == 0.0


def test_nearest_and_distance() -> None:
    choices = ["AMYSMITH", "ANNASMITH", "JACKOBRIEN"]
    found = nearest("AMYSMlTH", choices, limit=2, cutoff=50)
    assert found[0][0] == 0
    assert nearest("", choices, 2, 0) == []
    assert edit_distance("de56 1aa", "DE56 1AB") == 1
