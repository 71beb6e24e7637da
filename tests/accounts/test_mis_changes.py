"""New contact details for the MIS: listed batch-wide, verified by typing the exact value (or
"no change"), exported as CSV with formulas neutralised, never holding an account."""
# ruff: noqa: F811 - the fixtures of test_web are imported, then asked for by name

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from intake.db.workflow import AuditEntry, Form, MisChange
from intake.fieldjson import field_to_json
from intake.reading.result import CharRead, FieldRead
from intake.template.load import load_template

from .test_web import (  # noqa: F401 - fixtures
    add_form,
    app,
    client_as,
    csrf,
    db,
    fast_hashes,
    users,
    web_settings,
)

TEMPLATE = load_template("parent-portal-v1")


def _read(field_id: str, value: str, confidence: float = 0.97) -> dict:
    spec = TEMPLATE.field(field_id)
    chars = tuple(CharRead(c, confidence) for c in value)
    read = FieldRead(field_id, spec.kind, 2, value, value, confidence, chars)
    return field_to_json(read)


def form_with_new_details(db, users) -> tuple[str, str]:
    form_id = add_form(db, users, {1: "C1"}, {1: "S1"})
    with db() as session, session.begin():
        form = session.get(Form, form_id)
        form.form_type, form.template_version = "parent-portal", 1
        values = dict(form.values)
        values["p1_mobile_tel"] = _read("p1_mobile_tel", "07700900999", 0.6)
        values["p1_postcode"] = _read("p1_postcode", "DE56 1AA")  # the record's: confirmed
        values["p1_address1"] = _read("p1_address1", "=1+2 NEW ROAD")
        form.values = values
        form.proposed = {**form.proposed, "confirmed": {"p1_postcode": "contact C1"}}
        return form_id, form.batch_id


def test_the_list_shows_what_the_record_does_not_hold(client_as, db, users):
    form_id, batch_id = form_with_new_details(db, users)
    page = client_as("office1").get(f"/batches/{batch_id}/changes").get_data(as_text=True)
    assert "3 change(s) · 3 to verify" not in page  # the confirmed postcode is no change
    assert "2 change(s) · 2 to verify" in page
    assert "mobile telephone" in page and "07700900999 (doubtful)" in page
    assert "address line 1" in page and "12 Acacia Avenue, Belper" in page
    assert "postcode</td>" not in page
    assert f"/forms/{form_id}/crops/p1_mobile_tel" in page


def test_verify_types_the_value_and_the_csv_carries_it_neutralised(client_as, db, users):
    form_id, batch_id = form_with_new_details(db, users)
    office = client_as("office1")
    token = csrf(office, f"/batches/{batch_id}/changes")
    url = f"/batches/{batch_id}/changes/{form_id}"
    typed = {"csrf_token": token, "action": "verified", "value": " 07700  900998 "}
    assert office.post(f"{url}/p1_mobile_tel", data=typed).status_code == 302
    blank = {"csrf_token": token, "action": "verified", "value": "  "}
    refused = office.post(f"{url}/p1_address1", data=blank, follow_redirects=True)
    assert "type the new value exactly" in refused.get_data(as_text=True)
    hostile = {"csrf_token": token, "action": "verified", "value": "=1+2 NEW ROAD"}
    assert office.post(f"{url}/p1_address1", data=hostile).status_code == 302
    unknown = office.post(f"{url}/p1_postcode", data=typed, follow_redirects=True)
    assert "no longer listed" in unknown.get_data(as_text=True)
    page = office.get(f"/batches/{batch_id}/changes").get_data(as_text=True)
    assert "2 change(s) · 0 to verify" in page
    with db() as session:
        rows = {r.field_id: (r.status, r.value) for r in session.scalars(select(MisChange))}
        assert rows == {
            "p1_mobile_tel": ("verified", "07700 900998"),
            "p1_address1": ("verified", "=1+2 NEW ROAD"),
        }
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.action == "mis_change.verified")
        ).all()
        assert len(actions) == 2
        assert session.get(Form, form_id).state == "review"  # nothing held or moved
    exported = office.get(f"/batches/{batch_id}/changes.csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True))))
    assert rows[0][:4] == ["contact_id", "what", "on_record", "new_value"]
    by_what = {r[1]: r for r in rows[1:]}
    assert by_what["mobile telephone"][3] == "07700 900998"
    assert by_what["address line 1"][3] == "'=1+2 NEW ROAD"  # never a formula


def test_no_change_and_the_list_needs_office_staff(client_as, db, users, app):
    form_id, batch_id = form_with_new_details(db, users)
    office = client_as("office1")
    token = csrf(office, f"/batches/{batch_id}/changes")
    said = {"csrf_token": token, "action": "no_change", "value": "ignored"}
    office.post(f"/batches/{batch_id}/changes/{form_id}/p1_address1", data=said)
    with db() as session:
        row = session.scalars(select(MisChange)).one()
        assert (row.status, row.value) == ("no_change", "")
    anonymous = app.test_client().get(f"/batches/{batch_id}/changes")
    assert anonymous.status_code in (302, 401)
    no_csrf = office.post(
        f"/batches/{batch_id}/changes/{form_id}/p1_address1", data={"action": "no_change"}
    )
    assert no_csrf.status_code == 400
    with db() as session, session.begin():
        session.get(Form, form_id).state = "rejected"
    page = office.get(f"/batches/{batch_id}/changes").get_data(as_text=True)
    assert "No form of this batch gives a contact detail" in page
