"""The review queue and screen: escaping, accept, hold, reject, locking, history, audit."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from intake.db.workflow import AuditEntry, Form, FormEdit, FormState

from .conftest import csrf_from
from .helpers import forms_in_review, set_value, upload_fake_batch


def _accept(client, form: Form, values: dict | None = None, **extra):
    token = csrf_from(client, "/review")
    return client.post(
        f"/forms/{form.id}/accept",
        json={"row_version": form.row_version, "values": values or {}, **extra},
        headers={"X-CSRFToken": token},
    )


def test_queue_lists_most_doubtful_first_with_minimal_fields(client_as, db_factory) -> None:
    client = client_as("office")
    upload_fake_batch(client, forms=3)
    forms = forms_in_review(db_factory)
    assert [f.state for f in forms] == ["review"] * 3
    html = client.get("/review").get_data(as_text=True)
    positions = [html.index(f.id) for f in forms]
    assert positions == sorted(positions)  # doubt descending
    assert "@example.com" not in html and "DE56" not in html  # no contact details in the list
    assert ">3</span> review" in html


def test_values_are_escaped(client_as, db_factory) -> None:
    client = client_as("office")
    upload_fake_batch(client, forms=1)
    form = forms_in_review(db_factory)[0]
    set_value(db_factory, form.id, "p1_email", "<script>alert(1)</script>@x.com")
    set_value(db_factory, form.id, "p1_forename", '"><svg onload=alert(document.domain)>')
    set_value(db_factory, form.id, "p1_surname", "{{ 7*7 }}")
    html = client.get(f"/review/{form.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;@x.com" in html
    assert (
        "<svg onload" not in html and "&#34;&gt;&lt;svg onload=alert(document.domain)&gt;" in html
    )
    assert "{{ 7*7 }}" in html and ">49<" not in html
    data = client.get(f"/api/forms/{form.id}")
    assert data.headers["Content-Type"] == "application/json"
    assert data.get_json()["fields"][0]["value"] is not None


def test_accept_saves_corrections_history_and_audit(client_as, db_factory, users) -> None:
    client = client_as("office")
    upload_fake_batch(client, forms=1)
    form = forms_in_review(db_factory)[0]
    response = _accept(client, form, {"p1_surname": "SMITH", "p1_forename": "JANE"})
    assert response.status_code == 200 and response.get_json()["state"] == "checked"
    with db_factory() as session:
        stored = session.get(Form, form.id)
        assert stored.state == FormState.CHECKED
        assert stored.values["p1_surname"]["value"] == "SMITH"
        assert stored.last_edited_by == users["office"] and stored.checked_by == users["office"]
        edits = session.scalars(select(FormEdit).where(FormEdit.form_id == form.id)).all()
        assert [(e.field_id, e.old_value, e.new_value) for e in edits] == [
            ("p1_surname", "SM1TH", "SMITH")
        ]
        audit = session.scalars(
            select(AuditEntry).where(
                AuditEntry.object_id == form.id,
                AuditEntry.action.not_in(["form.view", "form.created"]),
            )
        ).all()
        assert [a.action for a in audit] == ["form.accept"]  # one entry for the one action
        # ids and counts only, never the values
        assert audit[0].detail == {"corrected": 1, "fields": ["p1_surname"], "unlinked_rows": 0}
    # it leaves the queue; only the offer to undo the accept names it
    assert f'data-form-id="{form.id}"' not in client.get("/review").get_data(as_text=True)


def test_every_view_is_audited(client_as, db_factory, users) -> None:
    client = client_as("office")
    upload_fake_batch(client, forms=1)
    form = forms_in_review(db_factory)[0]
    client.get(f"/review/{form.id}")
    client.get(f"/api/forms/{form.id}")
    with db_factory() as session:
        views = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "form.view", AuditEntry.object_id == form.id
            )
        ).all()
    assert len(views) == 2 and all(v.actor_id == users["office"] for v in views)


def test_second_reviewer_gets_a_conflict(client_as, db_factory) -> None:
    first, second = client_as("office"), client_as("approver")
    upload_fake_batch(first, forms=1)
    form = forms_in_review(db_factory)[0]
    assert _accept(first, form, {"p1_surname": "SMITH"}).status_code == 200
    late = _accept(second, form, {"p1_surname": "SMYTH"})
    assert late.status_code == 409
    assert "changed by someone else" in late.get_json()["error"]
    with db_factory() as session:
        assert session.get(Form, form.id).values["p1_surname"]["value"] == "SMITH"


def test_mass_assignment_is_ignored(client_as, db_factory) -> None:
    client = client_as("office")
    upload_fake_batch(client, forms=1)
    form = forms_in_review(db_factory)[0]
    token = csrf_from(client, "/review")
    response = client.post(
        f"/forms/{form.id}/hold",
        data={
            "csrf_token": token,
            "row_version": form.row_version,
            "reason": "call parent",
            "state": "approved",
            "role": "admin",
            "doubt": "0",
            "value:uploaded_by": "x",
            "value:p1_signature_agree": "signed",
            "value:no_such_field": "x",
        },
    )
    assert response.status_code == 302
    with db_factory() as session:
        stored = session.get(Form, form.id)
        assert stored.state == "held" and stored.doubt == form.doubt
        assert stored.uploaded_by == form.uploaded_by
        assert "no_such_field" not in stored.values
        assert stored.values["p1_signature_agree"] == form.values["p1_signature_agree"]


def test_reject_needs_an_approver_and_a_reason(client_as, db_factory) -> None:
    office, approver = client_as("office"), client_as("approver")
    upload_fake_batch(office, forms=1)
    form = forms_in_review(db_factory)[0]
    token = csrf_from(office, "/review")
    body = {"row_version": form.row_version, "code": "UNSIGNED", "note": "both boxes empty"}
    assert (
        office.post(
            f"/forms/{form.id}/reject", json=body, headers={"X-CSRFToken": token}
        ).status_code
        == 403
    )
    token = csrf_from(approver, "/review")
    assert (
        approver.post(
            f"/forms/{form.id}/reject",
            json={**body, "code": "not signed"},  # free text is no longer a reason
            headers={"X-CSRFToken": token},
        ).status_code
        == 422
    )
    ok = approver.post(f"/forms/{form.id}/reject", json=body, headers={"X-CSRFToken": token})
    assert ok.status_code == 200 and ok.get_json()["state"] == "rejected"
    with db_factory() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "form.rejected")
        ).one()
        assert entry.detail["code"] == "UNSIGNED" and entry.object_id == form.id


def test_hold_and_release(client_as, db_factory) -> None:
    client = client_as("office")
    upload_fake_batch(client, forms=1)
    form = forms_in_review(db_factory)[0]
    token = csrf_from(client, "/review")
    held = client.post(
        f"/forms/{form.id}/hold",
        json={"row_version": form.row_version, "reason": "ring home"},
        headers={"X-CSRFToken": token},
    )
    assert held.status_code == 200
    released = client.post(
        f"/forms/{form.id}/release",
        json={"row_version": held.get_json()["row_version"]},
        headers={"X-CSRFToken": token},
    )
    assert released.status_code == 200 and released.get_json()["state"] == "review"


def test_a_double_accept_is_refused_but_a_corrected_checked_form_accepts_again(
    client_as, db_factory
) -> None:
    """Issue 21: an approver's edit of a checked form was shown as accepted, then refused with
    "a form in state 'checked' cannot become 'checked'"."""
    client = client_as("office")
    upload_fake_batch(client, forms=1)
    form = forms_in_review(db_factory)[0]
    first = _accept(client, form)
    assert first.status_code == 200
    assert _accept(client, form).status_code == 409  # the same version twice: a double click
    with db_factory() as session:
        fresh = session.get(Form, form.id)
    approver = client_as("approver")
    again = _accept(approver, fresh, {"p1_surname": "CORRECTED"})
    assert again.status_code == 200, again.get_data(as_text=True)
    with db_factory() as session:
        stored = session.get(Form, form.id)
        assert stored.state == "checked" and stored.values["p1_surname"]["value"] == "CORRECTED"
        assert stored.last_edited_by is not None


def test_undo_my_last_accept_from_the_review_queue(client_as, db_factory, users) -> None:
    office = client_as("office")
    upload_fake_batch(office, forms=1)
    form = forms_in_review(db_factory)[0]
    assert _accept(office, form).status_code == 200
    queue = office.get("/review").get_data(as_text=True)
    assert "Undo that accept" in queue
    with db_factory() as session:
        checked = session.get(Form, form.id)
    other = client_as("approver")
    refused = other.post(
        f"/forms/{form.id}/undo-accept",
        data={"csrf_token": csrf_from(other, "/review"), "row_version": checked.row_version},
    )
    assert refused.status_code in (403, 409, 422)
    assert "Undo that accept" not in other.get("/review").get_data(as_text=True)
    done = office.post(
        f"/forms/{form.id}/undo-accept",
        data={"csrf_token": csrf_from(office, "/review"), "row_version": checked.row_version},
    )
    assert done.status_code == 302
    with db_factory() as session:
        stored = session.get(Form, form.id)
        assert stored.state == "review" and stored.checked_by is None
        actions = list(
            session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == form.id))
        )
    assert "form.undo_accept" in actions


def test_next_form_is_prefetched_most_doubtful_first(client_as, db_factory) -> None:
    client = client_as("office")
    upload_fake_batch(client, forms=3)
    forms = forms_in_review(db_factory)
    first = client.get("/api/review/next").get_json()
    assert first["id"] == forms[0].id
    second = client.get(f"/api/review/next?exclude={forms[0].id}").get_json()
    assert second["id"] == forms[1].id
    every = "&".join(f"exclude={f.id}" for f in forms)
    assert client.get(f"/api/review/next?{every}").get_json() == {"done": True}


def test_field_crops_are_private_pngs(client_as, db_factory) -> None:
    client = client_as("office")
    upload_fake_batch(client, forms=1)
    form = forms_in_review(db_factory)[0]
    crop = client.get(f"/forms/{form.id}/crops/p1_surname")
    assert crop.status_code == 200 and crop.data.startswith(b"\x89PNG")
    assert crop.headers["Cache-Control"].startswith("no-store")
    assert crop.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/forms/{form.id}/crops/../../etc").status_code == 404
    assert client.get(f"/forms/{form.id}/crops/p2_email").status_code == 404


def test_doubtful_characters_are_marked(client_as, db_factory) -> None:
    client = client_as("office")
    upload_fake_batch(client, forms=1)
    form = forms_in_review(db_factory)[0]
    data = client.get(f"/api/forms/{form.id}").get_json()
    surname = next(f for f in data["fields"] if f["id"] == "p1_surname")
    assert (
        forename_chars_empty(data)
        and surname["doubtful"]
        and [c["doubtful"] for c in surname["chars"]] == [False, False, True, False, False]
    )
    forename = next(f for f in data["fields"] if f["id"] == "p1_forename")
    assert not forename["doubtful"]
    html = client.get(f"/review/{form.id}").get_data(as_text=True)
    assert 'class="doubt">1</span>' in html
    # every doubtful field says why; a field nobody need look at says nothing
    assert surname["why"] and "'1'" in surname["why"][0] and forename["why"] == []
    assert all(f["why"] for f in data["fields"] if f["doubtful"] and not f["hidden"])
    assert "Why: 1 character(s) read with under 80% confidence: &#39;1&#39;" in html


def test_court_order_details_only_for_approvers(app: Flask, client_as, db_factory) -> None:
    office, approver = client_as("office"), client_as("approver")
    upload_fake_batch(office, forms=1)
    form = forms_in_review(db_factory)[0]
    with db_factory() as session:
        stored = session.get(Form, form.id)
        proposed = dict(stored.proposed)
        proposed["applicants"] = [
            {
                "party": "parent1",
                "outcome": "blocked",
                "warnings": [],
                "standings": [
                    {
                        "student_id": "S1",
                        "blocked": True,
                        "parental_responsibility": True,
                        "reason": "Court order 2024 no contact",
                    }
                ],
            }
        ]
        stored.proposed = proposed
        session.commit()
    office_html = office.get(f"/review/{form.id}").get_data(as_text=True)
    assert "Court order 2024" not in office_html and "restricted – refer" in office_html
    assert "Court order 2024" not in office.get(f"/api/forms/{form.id}").get_data(as_text=True)
    assert "Court order 2024" in approver.get(f"/review/{form.id}").get_data(as_text=True)


def test_html_fallback_accept_without_javascript(client_as, db_factory) -> None:
    client = client_as("office")
    upload_fake_batch(client, forms=2)
    form = forms_in_review(db_factory)[0]
    token = csrf_from(client, f"/review/{form.id}")
    response = client.post(
        f"/forms/{form.id}/accept",
        data={"csrf_token": token, "row_version": form.row_version, "value:p1_surname": "SMITH"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/review/next")
    nxt = client.get("/review/next")
    assert nxt.status_code == 302 and "/review/" in nxt.headers["Location"]


def forename_chars_empty(data: dict) -> bool:
    """A field without doubtful characters shows no character line at all."""
    return next(f for f in data["fields"] if f["id"] == "p1_forename")["chars"] == []


def test_hidden_direction_characters_are_shown(client_as, db_factory) -> None:
    client = client_as("office")
    upload_fake_batch(client, forms=1)
    form = forms_in_review(db_factory)[0]
    set_value(db_factory, form.id, "p1_forename", "\u202enhoj")
    html = client.get(f"/review/{form.id}").get_data(as_text=True)
    assert "hidden characters: U+202E" in html
    data = client.get(f"/api/forms/{form.id}").get_json()
    forename = next(f for f in data["fields"] if f["id"] == "p1_forename")
    assert forename["doubtful"] and forename["hidden"] == ["U+202E"]


def test_a_field_the_records_confirm_is_not_doubtful(client_as, db_factory) -> None:
    client = client_as("office")
    upload_fake_batch(client, forms=1)
    form = forms_in_review(db_factory)[0]
    fields = client.get(f"/api/forms/{form.id}").get_json()["fields"]
    surname = next(f for f in fields if f["id"] == "p1_surname")
    assert surname["doubtful"] and not surname["on_record"]
    with db_factory() as session:
        stored = session.get(Form, form.id)
        stored.proposed = {**(stored.proposed or {}), "confirmed": {"p1_surname": "contact C1"}}
        session.commit()
    data = client.get(f"/api/forms/{form.id}").get_json()
    surname = next(f for f in data["fields"] if f["id"] == "p1_surname")
    assert surname["on_record"] and not surname["doubtful"] and surname["chars"] == []
    html = client.get(f"/review/{form.id}").get_data(as_text=True)
    assert "as on record" in html and "read as" not in html
    with db_factory() as session:
        stored = session.get(Form, form.id)
        corrected = {"p1_surname": {"read": "<b>SM1TH</b>", "raw": "SMITH", "replaced": [2]}}
        stored.proposed = {**stored.proposed, "corrected": corrected}
        session.commit()
    html = client.get(f"/review/{form.id}").get_data(as_text=True)
    assert "(read as &lt;b&gt;SM1TH&lt;/b&gt;)" in html


def test_a_rejected_form_cannot_be_released_back_to_review(client_as, db_factory) -> None:
    """Before issue 15, release did not check that the form was held: an office user could send
    a form the approver had rejected back to review, and accept it again."""
    office = client_as("office")
    upload_fake_batch(office, forms=1)
    form = forms_in_review(db_factory)[0]
    with db_factory() as session:  # as the approver's rejection leaves it
        session.get(Form, form.id).state = FormState.REJECTED.value
        session.commit()
        version = session.get(Form, form.id).row_version
    token = csrf_from(office, "/review")
    released = office.post(
        f"/forms/{form.id}/release",
        json={"row_version": version},
        headers={"X-CSRFToken": token},
    )
    assert released.status_code == 409
    assert "has been rejected" in released.get_json()["error"]
    with db_factory() as session:
        assert session.get(Form, form.id).state == "rejected"


def test_an_approver_reopens_a_checked_form_from_the_decision_screen(client_as, db_factory) -> None:
    office, approver = client_as("office"), client_as("approver")
    upload_fake_batch(office, forms=1)
    form = forms_in_review(db_factory)[0]
    assert _accept(office, form).status_code == 200
    page = approver.get(f"/accounts/forms/{form.id}").get_data(as_text=True)
    assert "Send back to review" in page
    token = csrf_from(approver, f"/accounts/forms/{form.id}")
    with db_factory() as session:
        checked = session.get(Form, form.id)
    refused = office.post(
        f"/forms/{form.id}/reopen",
        data={"csrf_token": csrf_from(office, "/review"), "row_version": checked.row_version},
    )
    assert refused.status_code == 403
    done = approver.post(
        f"/forms/{form.id}/reopen",
        data={
            "csrf_token": token,
            "row_version": checked.row_version,
            "reason": "the child row needs a second look",
        },
    )
    assert done.status_code == 302
    with db_factory() as session:
        stored = session.get(Form, form.id)
        assert stored.state == "review" and stored.reason.startswith("the child row")


def test_queue_counts_show_approved_once(client_as, db_factory) -> None:
    """Issue 21: the counts said "0 approved" beside "18 accounts created"."""
    page = client_as("office").get("/review").get_data(as_text=True)
    assert "approved, accounts created" in page
    assert "</span> approved</a>" not in page
