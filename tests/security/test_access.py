"""Access control beyond the route matrix of tests/web/test_routes.py: the accounts area with
unknown ids never crashes, roles and states are never taken from a request (mass assignment),
and step-up applies to the accounts actions."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from sqlalchemy import func, select
from web.helpers import forms_in_review, upload_fake_batch

from intake.db.accounts import PortalAccount
from intake.db.workflow import AuditEntry, Form, StaffUser

from .conftest import csrf_from
from .routes import routes


def test_accounts_routes_with_unknown_ids_answer_404_not_500(app: Flask, client_as) -> None:
    client = client_as("admin")
    token = csrf_from(client, "/accounts")
    checked = 0
    for endpoint, methods, path in routes(app):
        if not endpoint.startswith("accounts.") or "<" in path:
            continue
        for method in methods:
            response = client.open(path, method=method, data={"csrf_token": token})
            assert response.status_code != 500, (endpoint, method)
            if method == "GET" and path.count("/") >= 3 and not path.startswith("/api/"):
                assert response.status_code in (200, 404), (endpoint, response.status_code)
            checked += 1
    assert checked >= 15


def test_unknown_and_guessed_ids_are_404(client_as) -> None:
    client = client_as("admin")
    for path in (
        "/review/1",
        "/review/00000000-0000-0000-0000-000000000000",
        "/pages/1/image",
        "/accounts/1",
        "/accounts/forms/1",
        "/accounts/rejection-letters/1",
        "/batches/1",
        "/review/..%2F..%2Fetc%2Fpasswd",
        "/forms/x/crops/..%2F..%2Fsecret_key",
    ):
        assert client.get(path).status_code == 404, path


def test_walking_ids_is_on_the_audit_record(client_as, db_factory, users) -> None:
    client = client_as("office")
    for path in ("/review/1", "/review/2", "/pages/3/image", "/review/%3Cscript%3E"):
        assert client.get(path).status_code == 404, path
    assert client_as("office").get("/no-such-page").status_code == 404  # noise: not recorded
    with db_factory() as session:
        entries = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "access.not_found")
            .order_by(AuditEntry.id)
        ).all()
    assert [e.actor_id for e in entries] == [users["office"]] * 4
    assert [e.detail for e in entries][:3] == [{"form_id": "1"}, {"form_id": "2"}, {"page_id": "3"}]
    assert entries[3].detail == {"ids": "not_id_like"}
    assert all(e.object_type == "route" and e.object_id for e in entries)


def test_review_accept_ignores_state_role_and_non_text_fields(client_as, db_factory, users):
    office = client_as("office")
    upload_fake_batch(office, forms=1)
    form = forms_in_review(db_factory)[0]
    response = office.post(
        f"/forms/{form.id}/accept",
        json={
            "row_version": form.row_version,
            "state": "accounts_created",
            "role": "admin",
            "checked_by": users["admin"],
            "uploaded_by": users["admin"],
            "doubt": 0,
            "values": {
                "p1_signature_agree": "signed",
                "p2_signature_agree": "signed",
                "no_such_field": "x",
                "p1_surname": ["not", "a", "string"],
                "p1_forename": "A" * 100_000,
            },
        },
        headers={"X-CSRFToken": csrf_from(office, "/review")},
    )
    assert response.status_code == 200
    with db_factory() as session:
        stored = session.get(Form, form.id)
        assert stored.state == "checked"
        assert stored.uploaded_by == users["office"] and stored.checked_by == users["office"]
        assert "no_such_field" not in stored.values and "p2_signature_agree" not in stored.values
        assert stored.values["p1_surname"] == form.values["p1_surname"]
        assert len(stored.values["p1_forename"]["value"]) <= 200  # truncated at the maximum
        assert session.get(StaffUser, users["office"]).role == "office"


@pytest.mark.parametrize("role", ["superuser", "ADMIN", "admin ", ""])
def test_unknown_roles_are_refused(client_as, db_factory, role: str) -> None:
    admin = client_as("admin")
    token = csrf_from(admin, "/admin/staff")
    created = admin.post(
        "/admin/staff", data={"csrf_token": token, "username": "new1", "role": role}
    )
    assert created.status_code == 422
    with db_factory() as session:
        assert session.scalar(select(func.count()).select_from(StaffUser)) == 3


def test_an_office_user_cannot_raise_their_own_role(client_as, db_factory, users) -> None:
    office = client_as("office")
    token = csrf_from(office, "/review")
    response = office.post(
        f"/admin/staff/{users['office']}/role", data={"csrf_token": token, "role": "admin"}
    )
    assert response.status_code == 403
    approve = office.post(
        "/accounts/forms/x/approve",
        data={"csrf_token": token, "status": "approved", "role": "admin", "court_order": "0"},
    )
    assert approve.status_code == 403
    with db_factory() as session:
        assert session.get(StaffUser, users["office"]).role == "office"


def test_approve_ignores_extra_fields(client_as, db_factory, roster) -> None:
    office = client_as("office")
    upload_fake_batch(office, forms=1)
    form = forms_in_review(db_factory)[0]
    approver = client_as("approver")
    response = approver.post(
        f"/accounts/forms/{form.id}/approve",
        data={
            "csrf_token": csrf_from(approver, "/accounts"),
            "contact_id": "C2",
            "student_id": "S2",
            "court_order": "0",
            "parental_responsibility": "1",
            "status": "revoked",
            "username": "admin",
        },
    )
    assert response.status_code == 302
    with db_factory() as session:
        accounts = session.scalars(select(PortalAccount)).all()
        assert [(a.contact_id, a.status) for a in accounts] == [("C1", "active")]
        assert [c.student_id for c in accounts[0].children] == ["S1"]
        assert accounts[0].username != "admin"


STEP_UP_ACTIONS = [
    ("POST", "/accounts/forms/{form}/approve", {}),
    ("POST", "/accounts/letters", {}),
    ("GET", "/accounts/export.csv", None),
    ("POST", "/accounts/students/S1/hold", {"reason": "Safeguarding concern"}),
    ("POST", "/admin/roster", {}),
    ("POST", "/admin/roster/confirm", {"checked": "yes"}),
    ("POST", "/admin/staff", {"username": "x2", "role": "office"}),
]


def test_risky_actions_need_a_fresh_login(client_as, db_factory, roster) -> None:
    office = client_as("office")
    upload_fake_batch(office, forms=1)
    form = forms_in_review(db_factory)[0]
    client = client_as("admin")
    token = csrf_from(client, "/accounts")
    with client.session_transaction() as session:
        session["fresh_at"] = int(time.time()) - 16 * 60
    for method, path, data in STEP_UP_ACTIONS:
        body = None if data is None else {**data, "csrf_token": token}
        response = client.open(path.format(form=form.id), method=method, data=body)
        assert response.status_code == 302, (path, response.status_code)
        assert "/reauth" in response.headers["Location"], path
        assert response.mimetype != "application/pdf" and b"username," not in response.data
    with db_factory() as session:
        assert session.scalar(select(func.count()).select_from(PortalAccount)) == 0
        assert session.scalar(select(func.count()).select_from(StaffUser)) == 3
