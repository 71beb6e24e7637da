"""Folding names to the block capitals a parent writes."""

from intake.lab.samples.writing import fold


def test_accents_and_stroked_letters_fold_to_their_base_capitals() -> None:
    assert fold("Zoë Siân") == "ZOE SIAN"
    assert fold("Łukasz Małgosia Ørsted Đorđe") == "LUKASZ MALGOSIA ORSTED DORDE"
