"""The samples README is generated from the truths: one row per form, the command to remake it."""

from __future__ import annotations

from intake.lab.samples.generate import SampleSet


def test_readme_lists_every_form_and_the_command(batch_set: SampleSet) -> None:
    text = (batch_set.out / "README.md").read_text("utf-8")
    assert "intake samples --count 6 --seed 15" in text and "--batch-pdf" in text
    rows = [line for line in text.splitlines() if line.startswith("| form-")]
    assert [row.split("|")[1].strip() for row in rows] == [t.form_id for t in batch_set.truths]
    for truth, row in zip(batch_set.truths, rows, strict=True):
        assert ("clean" in row) == (not truth.problems)
        assert all(page.file in row for page in truth.pages)
