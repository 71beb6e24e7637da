"""A new email is keyed, not read: the review screen hides the reading, and the accept stands
only when the keying agrees with the reading or with a second keying."""

from __future__ import annotations

from sqlalchemy import select

from intake.db.workflow import AuditEntry, Form, MisChange

from .conftest import csrf_from
from .helpers import forms_in_review, upload_fake_batch


def _new_email_form(client, db_factory) -> Form:
    """A fake form whose email the record does not confirm (the matcher confirmed it)."""
    upload_fake_batch(client, forms=1)
    form = forms_in_review(db_factory)[0]
    with db_factory() as session, session.begin():
        stored = session.get(Form, form.id)
        stored.proposed = {**stored.proposed, "confirmed": {}}
    with db_factory() as session:
        return session.get(Form, form.id)


def _accept(client, form_id: str, db_factory, values: dict, first: dict | None = None):
    with db_factory() as session:
        version = session.get(Form, form_id).row_version
    return client.post(
        f"/forms/{form_id}/accept",
        json={"row_version": version, "values": values, "first_keyings": first or {}},
        headers={"X-CSRFToken": csrf_from(client, "/review")},
    )


def test_the_screen_hides_the_reading_of_a_new_email(client_as, db_factory) -> None:
    client = client_as("office")
    form = _new_email_form(client, db_factory)
    data = client.get(f"/api/forms/{form.id}").get_json()
    email = next(f for f in data["fields"] if f["id"] == "p1_email")
    assert email["blind"] and email["value"] == "" and email["doubtful"] and not email["chars"]
    assert "type it from the form" in email["why"][0]
    assert "jane1@example.com" not in client.get(f"/api/forms/{form.id}").get_data(as_text=True)
    page = client.get(f"/review/{form.id}").get_data(as_text=True)
    assert 'data-blind="1"' in page and "jane1@example.com" not in page


def test_an_email_not_typed_is_asked_for(client_as, db_factory) -> None:
    client = client_as("office")
    form = _new_email_form(client, db_factory)
    refused = _accept(client, form.id, db_factory, {})
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["missing"] == ["p1_email"] and body["again"] == []
    assert "Type parent/carer 1's email as it is written" in body["error"]
    with db_factory() as session:
        assert session.get(Form, form.id).state == "review"


def test_a_keying_that_agrees_with_the_reading_stands(client_as, db_factory) -> None:
    client = client_as("office")
    form = _new_email_form(client, db_factory)
    done = _accept(client, form.id, db_factory, {"p1_email": " Jane1@Example.com "})
    assert done.status_code == 200, done.get_data(as_text=True)
    with db_factory() as session:
        stored = session.get(Form, form.id)
        assert stored.state == "checked"
        assert stored.values["p1_email"]["value"] == "jane1@example.com"  # the reading stays
        assert stored.proposed["keyed"] == {"p1_email": "agrees_with_reading"}
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "form.accept")).one()
        assert entry.detail["keyed"] == ["p1_email:agrees_with_reading"]
        assert "jane1" not in str(entry.detail)


def test_a_keying_that_disagrees_must_be_typed_again_alike(client_as, db_factory) -> None:
    client = client_as("office")
    form = _new_email_form(client, db_factory)
    first = _accept(client, form.id, db_factory, {"p1_email": "jane7@example.com"})
    assert first.status_code == 422 and first.get_json()["again"] == ["p1_email"]
    assert "Type it again from the form" in first.get_json()["error"]
    typo = _accept(
        client, form.id, db_factory, {"p1_email": "jane77@example.com"},
        {"p1_email": "jane7@example.com"},
    )  # fmt: skip
    assert typo.status_code == 422
    agreed = _accept(
        client, form.id, db_factory, {"p1_email": "jane7@example.com"},
        {"p1_email": "jane7@example.com"},
    )  # fmt: skip
    assert agreed.status_code == 200
    with db_factory() as session:
        stored = session.get(Form, form.id)
        assert stored.values["p1_email"]["value"] == "jane7@example.com"
        assert stored.proposed["keyed"] == {"p1_email": "keyed_twice"}
        change = session.scalars(select(MisChange)).one()  # verified for the MIS too
        assert (change.field_id, change.status, change.value) == (
            "p1_email",
            "verified",
            "jane7@example.com",
        )


def test_without_javascript_the_screen_says_what_to_type(client_as, db_factory) -> None:
    client = client_as("office")
    form = _new_email_form(client, db_factory)
    token = csrf_from(client, f"/review/{form.id}")
    response = client.post(
        f"/forms/{form.id}/accept",
        data={"csrf_token": token, "row_version": form.row_version},
        follow_redirects=True,
    )
    assert "Type parent/carer 1&#39;s email as it is written" in response.get_data(as_text=True)


def test_an_email_box_empty_on_the_form_is_said_so_with_a_second_enter(
    client_as, db_factory
) -> None:
    """Specks read as an email: the reviewer leaves the box empty twice and the value goes."""
    client = client_as("office")
    form = _new_email_form(client, db_factory)
    assert _accept(client, form.id, db_factory, {}).status_code == 422
    done = _accept(client, form.id, db_factory, {}, {"p1_email": ""})
    assert done.status_code == 200
    with db_factory() as session:
        stored = session.get(Form, form.id)
        assert stored.values["p1_email"]["value"] == ""
        assert stored.proposed["keyed"] == {"p1_email": "keyed_empty"}
