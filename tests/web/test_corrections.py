"""A field the records confirm once a doubtful character takes the record's value."""

from __future__ import annotations

from dataclasses import replace

import pytest
from batch.fakes import fake_matcher

from intake.batch.context import BatchContext
from intake.batch.proposal import Proposal, StoredCorrection
from intake.db.workflow import Form
from intake.reading.result import FormRead

from .helpers import forms_in_review, upload_fake_batch


def correcting_matcher(form: FormRead) -> Proposal:
    """The fake matcher, and: a surname read SM1TH is SMITH on record (box 2 was doubtful)."""
    proposal = fake_matcher(form)
    surname = form.fields.get("p1_surname")
    if surname is not None and surname.raw == "SM1TH":
        correction = StoredCorrection(raw="SMITH", read="SM1TH", source="contact C1", replaced=(2,))
        proposal = replace(
            proposal,
            confirmed={"p1_surname": "contact C1"},
            corrected={"p1_surname": correction},
        )
    return proposal


@pytest.fixture
def batch_ctx(batch_ctx: BatchContext) -> BatchContext:
    """The web tests' batch context, with the correcting matcher."""
    return replace(batch_ctx, matcher=correcting_matcher)


def test_the_record_value_is_stored_and_shown_with_what_was_read(client_as, db_factory) -> None:
    client = client_as("office")
    upload_fake_batch(client, forms=2)
    forms = forms_in_review(db_factory)
    corrected = [f for f in forms if (f.proposed or {}).get("corrected")]
    assert len(corrected) == 1  # only the form whose surname read SM1TH
    form = corrected[0]
    with db_factory() as session:
        stored = session.get(Form, form.id)
        assert stored.values["p1_surname"]["value"] == "SMITH"
        assert stored.values["p1_surname"]["raw"] == "SMITH"
    data = client.get(f"/api/forms/{form.id}").get_json()
    surname = next(f for f in data["fields"] if f["id"] == "p1_surname")
    assert surname["value"] == "SMITH" and surname["on_record"] and not surname["doubtful"]
    assert surname["read_as"] == "SM1TH"
    assert "(read as SM1TH)" in client.get(f"/review/{form.id}").get_data(as_text=True)
