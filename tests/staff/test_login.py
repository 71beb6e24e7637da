"""Signing in through the ``LoginBackend`` seam: the password backend (which locks no
account), the one ``LoginRefused``, the audit of every refusal, and a second backend plugged
into the app."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.db.workflow import AuditEntry, StaffUser
from intake.errors import LoginRefused
from intake.staff import directory
from intake.staff.login import LoginBackend, LoginResult, PasswordLogin
from intake.web import create_app

PASSWORD = "correct horse battery staple"  # the web fixtures' password


def _user(db_factory, user_id: str) -> StaffUser:
    with db_factory() as session:
        user = session.get(StaffUser, user_id)
        assert user is not None
        return user


def _try(db_factory, username: str, password: str) -> LoginResult:
    with db_factory() as session:
        try:
            return PasswordLogin().authenticate(session, username, password)
        finally:
            session.commit()  # refusals are audited and counted, as the view commits them


def test_right_password_signs_in(db_factory, users) -> None:
    with pytest.raises(LoginRefused, match="wrong username or password"):
        _try(db_factory, "office1", "not the password")
    result = _try(db_factory, "OFFICE1 ", PASSWORD)
    assert result.user_id == users["office"] and not result.must_change_password
    assert _user(db_factory, users["office"]).last_login_at is not None


def test_the_backend_locks_no_account(db_factory, users) -> None:
    """Wrong passwords for a username never shut its owner out at the backend: the limits
    (``intake.staff.throttle``) are the web layer's, and spare the owner's known browser."""
    for attempt in range(12):
        with pytest.raises(LoginRefused):
            _try(db_factory, "approver1", f"wrong {attempt}")
    assert _try(db_factory, "approver1", PASSWORD).user_id == users["approver"]


def test_every_refusal_is_the_same_error_and_audited_by_id(db_factory, users) -> None:
    with db_factory() as session:
        directory.set_active(
            session, session.get(StaffUser, users["office"]), False, actor_id=users["admin"]
        )
        session.commit()
    messages = set()
    for username, password in (("nobody", PASSWORD), ("office1", PASSWORD)):
        with pytest.raises(LoginRefused) as refused:
            _try(db_factory, username, password)
        messages.add(str(refused.value))
    assert messages == {"wrong username or password"}
    with db_factory() as session:
        rows = session.execute(
            select(AuditEntry.action, AuditEntry.object_id).where(AuditEntry.action.like("login.%"))
        ).all()
    assert sorted(rows) == [("login.disabled", users["office"]), ("login.failed", "unknown")]


class _SingleSignOn:
    """A stand-in for another backend (a school's SSO): it knows one user, by a token."""

    def __init__(self, user_id: str) -> None:
        self.user_id = user_id
        self.calls: list[str] = []

    def authenticate(self, session: Session, username: str, password: str) -> LoginResult:
        self.calls.append(username)
        if password != "token-from-the-identity-provider":
            raise LoginRefused("wrong username or password")
        user = session.get(StaffUser, self.user_id)
        assert user is not None
        return LoginResult(user.id, False, user.session_version)

    def reauthenticate(self, session: Session, user: StaffUser, password: str) -> bool:
        return password == "token-from-the-identity-provider"


def test_another_backend_plugs_into_the_app(app, settings, users) -> None:
    from web.conftest import csrf_from

    backend: LoginBackend = _SingleSignOn(users["approver"])
    sso_app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-for-the-staff-tests",
            "INTAKE_SETTINGS": settings,
            "INTAKE_QUEUE": app.extensions["intake_queue"],
            "INTAKE_STORAGE": app.extensions["intake_storage"],
            "INTAKE_LOGIN_BACKEND": backend,
        }
    )
    client = sso_app.test_client()
    token = csrf_from(client, "/login")
    refused = client.post(
        "/login", data={"username": "anyone", "password": PASSWORD, "csrf_token": token}
    )
    assert refused.status_code == 401  # the password backend is not asked at all
    signed_in = client.post(
        "/login",
        data={
            "username": "anyone",
            "password": "token-from-the-identity-provider",
            "csrf_token": token,
        },
    )
    assert signed_in.status_code == 302
    assert client.get("/accounts").status_code == 200  # the approver's screen
    assert backend.calls == ["anyone", "anyone"]  # type: ignore[attr-defined]
