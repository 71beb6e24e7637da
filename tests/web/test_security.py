"""Sign-in, sessions, cookies, CSRF, headers, throttling and the secret key."""

from __future__ import annotations

import re
import time

import pytest
from argon2 import PasswordHasher
from flask import Flask
from sqlalchemy import select

from intake.config import Settings
from intake.db.workflow import AuditEntry, SignInFailure, StaffUser
from intake.errors import ConfigError
from intake.staff import directory, passwords, throttle
from intake.web import create_app
from intake.web.headers import CSP

from .conftest import PASSWORD, csrf_from, login


def test_csrf_is_enforced_on_posts(app: Flask, client_as) -> None:
    client = client_as("office")
    assert client.post("/batches", data={}).status_code == 400
    assert client.post("/logout").status_code == 400
    assert (
        client.post("/login", data={"username": "office1", "password": PASSWORD}).status_code == 400
    )
    json_call = client.post(f"/forms/{'0' * 8}/accept", json={"row_version": 1})
    assert json_call.status_code == 400


def test_state_changes_are_post_only(client_as) -> None:
    client = client_as("office")
    assert client.get("/logout").status_code == 405
    assert client.get("/forms/abc/accept").status_code == 405


def test_security_headers_on_every_page(client_as) -> None:
    client = client_as("admin")
    for path in (
        "/login",
        "/review",
        "/batches",
        "/admin/staff",
        "/admin/audit",
        "/admin/settings",
        "/static/app.css",
        "/no-such-page",
    ):
        response = client.get(path)
        assert response.headers["Content-Security-Policy"] == CSP, path
        assert "'unsafe-inline'" not in CSP and "script-src" not in CSP.replace("default-src", "")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["X-Frame-Options"] == "DENY"
        if not path.startswith("/static"):
            assert response.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in CSP and "object-src 'none'" in CSP


def test_no_inline_script_in_pages(client_as) -> None:
    client = client_as("admin")
    for path in ("/login", "/review", "/batches", "/admin/staff"):
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert " on" + "click=" not in html and "javascript:" not in html


def test_session_cookie_flags(app: Flask, users) -> None:
    client = app.test_client()
    response = login(client, "office1")
    cookies = response.headers.getlist("Set-Cookie")
    (cookie,) = [c for c in cookies if c.startswith("intake_session=")]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Domain" not in cookie
    assert "remember_token" not in str(response.headers)
    # the known-device cookie (sign-in limits) is HttpOnly and never leaves this site
    (device,) = [c for c in cookies if c.startswith("intake_device=")]
    assert "HttpOnly" in device and "SameSite=Strict" in device and "Domain" not in device


def test_https_deployments_use_host_prefixed_secure_cookies(
    settings: Settings, users, queue
) -> None:
    from dataclasses import replace

    app = create_app(
        {
            "TESTING": True,
            "INTAKE_SETTINGS": replace(settings, public_https=True),
            "INTAKE_QUEUE": queue,
        }
    )
    client = app.test_client()
    response = login(client, "office1")
    assert response.headers["Set-Cookie"].startswith("__Host-session=")
    assert "Secure" in response.headers["Set-Cookie"]
    # over https the sign-in succeeds and the known-device cookie is __Host- and Secure too
    https = "https://localhost"
    page = client.get("/login", base_url=https).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login",
        base_url=https,
        data={"username": "office1", "password": PASSWORD, "csrf_token": token},
        headers={"Referer": f"{https}/login"},
    )
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("__Host-device=") and "Secure" in c for c in cookies), cookies


def test_login_issues_a_new_session_and_logout_ends_it(app: Flask, users) -> None:
    client = app.test_client()
    client.get("/login")
    before = client.get_cookie("intake_session").value
    login(client, "office1")
    after = client.get_cookie("intake_session").value
    assert before != after
    assert client.get("/review").status_code == 200
    stolen = after
    response = client.post("/logout", data={"csrf_token": csrf_from(client, "/review")})
    assert "Clear-Site-Data" in response.headers
    replay = app.test_client()
    replay.set_cookie("intake_session", stolen)
    assert replay.get("/review").status_code == 302  # the copied cookie no longer signs in


def test_disabling_a_user_ends_their_session(app: Flask, client_as, db_factory, users) -> None:
    office = client_as("office")
    assert office.get("/review").status_code == 200
    with db_factory() as session:
        user = session.get(StaffUser, users["office"])
        directory.set_active(session, user, False, actor_id=users["admin"])
        session.commit()
    assert office.get("/review").status_code == 302


def test_wrong_password_and_unknown_user_look_the_same(app: Flask, users) -> None:
    one = login(app.test_client(), "office1", "wrong password here")
    two = login(app.test_client(), "nobody", "wrong password here")
    assert one.status_code == two.status_code == 401
    strip = lambda r: re.sub(r'value="[^"]+"', "", r.get_data(as_text=True))  # noqa: E731
    assert strip(one) == strip(two)


def test_login_throttled_after_ten_failures(app: Flask, users) -> None:
    client = app.test_client()
    codes = [login(client, "approver1", f"wrong-{i}-password").status_code for i in range(11)]
    assert codes[:10] == [401] * 10
    assert codes[10] == 429


def test_account_waits_after_repeated_failures(app: Flask, users, db_factory) -> None:
    """Failures are counted in the database (per account and address) and audited; a new
    browser then waits even with the right password, without any lock on the account."""
    for i in range(throttle.ACCOUNT_RULE.free):
        login(app.test_client(), "admin1", f"wrong-{i}-password")
    with db_factory() as session:
        keys = session.scalars(select(SignInFailure.key).where(SignInFailure.scope == "account"))
        assert list(keys) == [users["admin"]] * throttle.ACCOUNT_RULE.free
        actions = [e.action for e in session.query(AuditEntry).all()]
    assert actions.count("login.failed") >= throttle.ACCOUNT_RULE.free
    # even the right password waits until the delay is over (from a browser never used)
    assert login(app.test_client(), "admin1").status_code == 429
    with db_factory() as session:
        assert session.query(AuditEntry).filter_by(action="login.throttled").count() == 1


def test_no_default_account(app: Flask, db_factory) -> None:
    with db_factory() as session:
        assert session.query(StaffUser).count() == 0
    for password in ("admin", "password"):
        assert login(app.test_client(), "admin", password).status_code == 401


def test_first_login_forces_a_password_change(app: Flask, db_factory) -> None:
    with db_factory() as session:
        _user, one_time = directory.create_staff(session, "newbie", "office")
        session.commit()
    client = app.test_client()
    response = login(client, "newbie", one_time)
    assert response.headers["Location"].endswith("/password")
    assert client.get("/review").headers["Location"].endswith("/password")
    token = csrf_from(client, "/password")
    short = client.post(
        "/password",
        data={
            "csrf_token": token,
            "current_password": one_time,
            "new_password": "short",
            "confirm_password": "short",
        },
    )
    assert short.status_code == 422 and "at least 12" in short.get_data(as_text=True)
    good = "plum tractor violet ocean"
    ok = client.post(
        "/password",
        data={
            "csrf_token": token,
            "current_password": one_time,
            "new_password": good,
            "confirm_password": good,
        },
    )
    assert ok.status_code == 302
    assert client.get("/review").status_code == 200


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("elevenchars", "at least 12"),
        ("StMarysAdmissions2025", "admissions"),
        ("password1234", "password"),
        ("aaaaaaaaaaaaaaaa", "too few"),
    ],
)
def test_password_policy(password: str, reason: str) -> None:
    with pytest.raises(passwords.PasswordPolicyError, match=reason):
        passwords.check_password_policy(password)


def test_long_unicode_passphrase_is_accepted() -> None:
    phrase = "correct horse 🐎 battery staple " * 2
    passwords.check_password_policy(phrase)
    hashed = PasswordHasher().hash(phrase)
    assert PasswordHasher().verify(hashed, phrase)


def test_real_hash_parameters(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher())
    assert re.match(r"^\$argon2id\$v=19\$m=65536,t=3,p=4\$", passwords.hash_password("x" * 12))


def test_open_redirects_are_refused(app: Flask, users) -> None:
    for target in ("//evil.example", "https://evil.example/", "/\\evil.example"):
        client = app.test_client()
        token = csrf_from(client, "/login")
        response = client.post(
            f"/login?next={target}",
            data={"username": "office1", "password": PASSWORD, "csrf_token": token},
        )
        assert response.headers["Location"] == "/", target


def test_step_up_needed_for_staff_changes(app: Flask, client_as) -> None:
    client = client_as("admin")
    with client.session_transaction() as session:
        session["fresh_at"] = int(time.time()) - 16 * 60
    token = csrf_from(client, "/admin/staff")
    response = client.post(
        "/admin/staff", data={"csrf_token": token, "username": "x1", "role": "office"}
    )
    assert response.status_code == 302 and "/reauth" in response.headers["Location"]
    again = client.post("/reauth", data={"csrf_token": token, "password": PASSWORD})
    assert again.status_code == 302
    created = client.post(
        "/admin/staff", data={"csrf_token": token, "username": "x1", "role": "office"}
    )
    assert created.status_code == 200 and "One-time password" in created.get_data(as_text=True)


def test_idle_sessions_end(app: Flask, client_as) -> None:
    client = client_as("office")
    with client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - 31 * 60
    assert client.get("/review").status_code == 302


def test_absolute_session_limit(app: Flask, client_as) -> None:
    client = client_as("office")
    with client.session_transaction() as session:
        session["login_at"] = int(time.time()) - 12 * 3600 - 60
    assert client.get("/review").status_code == 302


def test_weak_secret_key_refused_outside_tests(settings: Settings, queue) -> None:
    for secret in ("", "dev"):
        with pytest.raises(ConfigError, match="secret key"):
            create_app({"INTAKE_SETTINGS": settings, "SECRET_KEY": secret, "INTAKE_QUEUE": queue})


def test_untrusted_host_refused(settings: Settings, queue) -> None:
    from dataclasses import replace

    app = create_app(
        {
            "TESTING": True,
            "INTAKE_QUEUE": queue,
            "INTAKE_SETTINGS": replace(settings, trusted_hosts=("intake.school.test",)),
        }
    )
    assert app.test_client().get("/login", headers={"Host": "evil.example"}).status_code == 400
    assert (
        app.test_client().get("/login", headers={"Host": "intake.school.test"}).status_code == 200
    )


def test_errors_show_an_incident_id_and_nothing_else(app: Flask, client_as, monkeypatch) -> None:
    from intake.web import review

    def boom(*_args, **_kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(review, "_next_form", boom)
    client = client_as("office")
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/review/next")
    body = response.get_data(as_text=True)
    assert response.status_code == 500 and "Incident id" in body and "secret internals" not in body


def test_405_names_the_allowed_methods(client_as) -> None:
    response = client_as("office").get("/logout")
    assert response.status_code == 405 and "POST" in response.headers["Allow"]
