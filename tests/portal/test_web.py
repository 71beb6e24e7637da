"""The portal screens through the real app: a change reaches the SCIM server after its commit; a
failure is shown with the portal's answer and a retry button that sends it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from accounts.test_web import (  # the accounts web tests' fixtures and helpers
    PASSWORD,
    add_form,
    client_as,
    csrf,
    db,
    fast_hashes,
    users,
)
from flask import Flask
from sqlalchemy import select

import intake.db.portal  # noqa: F401 - its table must exist before the db fixture creates tables
from intake.config import Portal, Settings
from intake.db.accounts import PortalAccount
from intake.portal.sealing import new_key
from intake.storage import LocalStorage
from intake.web import create_app

from .conftest import TOKEN, ScimServer

__all__ = ["PASSWORD", "client_as", "db", "fast_hashes", "users"]


@pytest.fixture
def web_settings(tmp_path: Path, scim_server: ScimServer) -> Settings:
    data = tmp_path / "data"
    data.mkdir()
    return Settings(
        data_dir=data,
        database_url=f"sqlite:///{data / 'web.sqlite3'}",
        mfa_required_roles=(),  # MFA has its own tests (tests/staff/test_mfa*.py)
        portal=Portal(scim_url=scim_server.url, scim_token=TOKEN, password_key=new_key()),
    )


@pytest.fixture
def app(web_settings: Settings, db) -> Iterator[Flask]:
    flask_app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "portal-web-tests-secret-key",
            "INTAKE_SETTINGS": web_settings,
            "INTAKE_QUEUE": object(),
            "INTAKE_STORAGE": LocalStorage(web_settings.data_dir / "files"),
            "RATELIMIT_ENABLED": False,
        }
    )
    yield flask_app
    flask_app.extensions["intake_engine"].dispose()


def test_changes_reach_the_portal_and_a_failure_is_shown_with_a_retry(
    client_as, db, users, scim_server: ScimServer
):
    approver = client_as("approver1")
    form_id = add_form(db, users, {1: "C1"}, {1: "S1", 2: "S2"})
    token = csrf(approver)
    assert (
        approver.post(f"/accounts/forms/{form_id}/approve", data={"csrf_token": token}).status_code
        == 302
    )
    response = approver.post("/accounts/letters", data={"csrf_token": token})
    assert response.mimetype == "application/pdf"
    (user,) = scim_server.users()
    assert user["externalId"] == "C1" and user["active"] is True and user["password"]
    with db() as session:
        account_id = session.scalars(select(PortalAccount.id)).one()

    scim_server.stop()
    response = approver.post(
        f"/accounts/{account_id}/revoke",
        data={"csrf_token": token, "reason": "court order received today"},
        follow_redirects=True,
    )
    assert "The portal was not updated for 1 account(s) yet" in response.get_data(as_text=True)
    assert "1 push(es) pending" in approver.get("/accounts").get_data(as_text=True)
    page = approver.get("/accounts/portal").get_data(as_text=True)
    assert "Connection refused" in page and "revoked" in page
    push_id = re.search(r'name="push_id" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    assert scim_server.user("C1")["active"] is True  # the portal has not heard yet

    scim_server.start()
    response = approver.post(
        "/accounts/portal/retry",
        data={"csrf_token": token, "push_id": push_id},
        follow_redirects=True,
    )
    assert "1 push(es) retried; 1 sent." in response.get_data(as_text=True)
    assert scim_server.user("C1")["active"] is False
    assert "Every account change has reached the portal" in approver.get(
        "/accounts/portal"
    ).get_data(as_text=True)


def test_office_staff_cannot_see_or_retry_pushes(client_as):
    office = client_as("office1")
    assert office.get("/accounts/portal").status_code == 403
    token = csrf(office, "/review")
    assert office.post("/accounts/portal/retry", data={"csrf_token": token}).status_code == 403
