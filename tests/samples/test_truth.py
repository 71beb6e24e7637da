"""Every truth is complete and consistent with the template and the roster."""

from __future__ import annotations

import json

from intake.engines.base import ALPHABETS
from intake.lab.samples.generate import SampleSet
from intake.lab.samples.truth import FormTruth, load_truths
from intake.roster.model import Roster
from intake.template import load_template
from intake.template.model import CharField, FieldKind


def test_truths_cover_every_field_and_fit_the_boxes(batch_set: SampleSet) -> None:
    template = load_template()
    char_fields = {f.id: f for _, f in template.fields() if isinstance(f, CharField)}
    ticks = {f.id for _, f in template.fields() if f.kind == FieldKind.TICK}
    signatures = {f.id for _, f in template.fields() if f.kind == FieldKind.SIGNATURE}
    assert len(batch_set.truths) == 6
    for truth in batch_set.truths:
        assert set(truth.fields) == set(char_fields)
        assert set(truth.ticks) == ticks
        assert set(truth.signatures) == signatures
        for field_id, boxes in truth.fields.items():
            spec = char_fields[field_id]
            assert len(boxes) <= spec.boxes, field_id
            assert boxes == boxes.rstrip(), f"{field_id}: trailing empty boxes must be dropped"
            assert set(boxes) <= set(ALPHABETS[spec.kind]) | {" "}, (field_id, boxes)
        for field_id, struck in truth.crossed_out.items():
            assert all(truth.fields[field_id][i] == " " for i in struck)
        assert [p.page_number for p in truth.pages] == [1, 2]
        assert truth.fields["child1_name"], "every form names at least one child"
        assert truth.applicants and truth.applicants[0].party in ("parent1", "parent2")


def test_children_and_applicants_name_roster_ids(
    batch_set: SampleSet, small_roster: Roster
) -> None:
    student_ids = {s.student_id for s in small_roster.students}
    contact_ids = {c.contact_id for c in small_roster.contacts}
    for truth in batch_set.truths:
        for child in truth.children:
            assert child.student_id is None or child.student_id in student_ids
            assert truth.fields[f"child{child.row}_name"] == child.written_name
        for applicant in truth.applicants:
            assert applicant.contact_id is None or applicant.contact_id in contact_ids
            assert applicant.outcome in ("pr", "no_pr", "unknown_contact", "blocked")
            if applicant.contact_id is None:
                assert applicant.outcome == "unknown_contact"
                assert "unknown_contact" in truth.problems


def test_truth_files_round_trip_and_manifest_says_how_they_were_made(
    batch_set: SampleSet,
) -> None:
    assert load_truths(batch_set.out) == list(batch_set.truths)
    loaded = FormTruth.load(batch_set.out / "form-0001.json")
    assert loaded == batch_set.truths[0]
    manifest = json.loads((batch_set.out / "manifest.json").read_text("utf-8"))
    assert manifest["seed"] == 15
    assert manifest["count"] == 6
    assert manifest["generator_version"]
    assert manifest["writer"]["fonts"], "the writer source is recorded"
    assert manifest["forms"] == [t.form_id for t in batch_set.truths]
    assert (batch_set.out / "roster.csv").is_file()
