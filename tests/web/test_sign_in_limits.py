"""Sign-in limits through the web app (issue 20, hole 6): only failures count, per account and
per address; a colleague's own browser is never shut out; the current password on /password and
the step-up are counted with sign-ins; X-Forwarded-For is believed for ``trusted_proxies`` hops
only; the counters live in the database."""

from __future__ import annotations

from dataclasses import replace

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from intake.db.workflow import AuditEntry, SignInFailure
from intake.staff import throttle
from intake.web import create_app

from .conftest import PASSWORD, csrf_from

FREE = throttle.ACCOUNT_RULE.free


def _sign_in(
    client: FlaskClient, username: str, password: str = PASSWORD, address: str = "127.0.0.1", **kw
) -> int:
    token = csrf_from(client, "/login")
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
        **kw,
    )
    return response.status_code


def _change(client: FlaskClient, current: str) -> int:
    token = csrf_from(client, "/password")
    new = "plum tractor violet ocean"
    response = client.post(
        "/password",
        data={
            "csrf_token": token,
            "current_password": current,
            "new_password": new,
            "confirm_password": new,
        },
    )
    return response.status_code


def test_guessing_the_current_password_on_password_change_is_throttled(
    app: Flask, client_as, db_factory, users
) -> None:
    office = client_as("office")
    codes = [_change(office, f"guess number {i}") for i in range(FREE + 1)]
    assert codes[:FREE] == [422] * FREE and codes[FREE] == 429
    assert _change(office, PASSWORD) == 429  # not even the right one while it waits
    # a copied session cookie without the browser's device cookie is counted per account
    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], office.get_cookie("intake_session").value)
    assert [_change(thief, f"thief {i}") for i in range(FREE + 1)][-1] == 429
    with db_factory() as session:
        rows = session.execute(select(SignInFailure.scope, SignInFailure.key)).all()
        throttled = session.query(AuditEntry).filter_by(action="login.throttled").count()
    assert rows.count(("account", users["office"])) == FREE
    assert sum(1 for scope, _ in rows if scope == "device") == FREE
    assert throttled >= 2


def test_step_up_guesses_are_counted_too(client_as) -> None:
    admin = client_as("admin")
    token = csrf_from(admin, "/reauth")
    codes = [
        admin.post("/reauth", data={"csrf_token": token, "password": f"no {i}"}).status_code
        for i in range(FREE + 1)
    ]
    assert codes[:FREE] == [401] * FREE and codes[FREE] == 429


def test_successful_sign_ins_behind_one_address_are_not_counted(app: Flask, users) -> None:
    """A school's NAT: every member of staff signs in from one address, many times a day."""
    codes = [
        _sign_in(app.test_client(), f"{role}1", address="192.0.2.10")
        for _ in range(12)
        for role in ("office", "approver", "admin")
    ]
    assert codes == [302] * 36


def test_an_attacker_cannot_shut_a_colleague_out(app: Flask, users, settings, queue) -> None:
    colleague = app.test_client()
    assert _sign_in(colleague, "approver1", address="192.0.2.10") == 302  # their usual browser
    colleague.post("/logout", data={"csrf_token": csrf_from(colleague, "/review")})
    attacker = [
        _sign_in(app.test_client(), "approver1", f"guess {i}", address=f"203.0.113.{i}")
        for i in range(FREE + 5)
    ]
    assert attacker[:FREE] == [401] * FREE and set(attacker[FREE:]) == {429}
    # the colleague, behind the same NAT as the attacker or not, still signs in from their
    # browser, also after a typo; and after a restart (the counters are in the database)
    restarted = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "INTAKE_SETTINGS": settings,
            "INTAKE_QUEUE": queue,
            "INTAKE_STORAGE": app.extensions["intake_storage"],
        }
    )
    again = restarted.test_client()
    again.set_cookie("intake_device", colleague.get_cookie("intake_device").value)
    assert _sign_in(app.test_client(), "approver1", address="198.51.100.1") == 429  # new browser
    assert _sign_in(again, "approver1", "a typo", address="203.0.113.1") == 401
    assert _sign_in(again, "approver1", address="203.0.113.1") == 302


def test_a_device_cookie_of_another_account_does_not_help(app: Flask, users) -> None:
    attacker = app.test_client()
    assert _sign_in(attacker, "office1") == 302  # the attacker's own account and device
    codes = [_sign_in(attacker, "admin1", f"guess {i}") for i in range(FREE + 1)]
    assert codes[FREE] == 429


def test_spraying_many_names_from_one_address_waits(app: Flask, users) -> None:
    free_ip = throttle.IP_RULE.free
    codes = [
        _sign_in(app.test_client(), f"user{i}", "Summer2025!", address="203.0.113.9")
        for i in range(free_ip + 1)
    ]
    assert codes[:free_ip] == [401] * free_ip and codes[free_ip] == 429
    assert _sign_in(app.test_client(), "office1", address="203.0.113.9") == 429
    assert _sign_in(app.test_client(), "office1", address="198.51.100.2") == 302


def _ip_keys(db_factory) -> list[str]:
    with db_factory() as session:
        return list(session.scalars(select(SignInFailure.key).where(SignInFailure.scope == "ip")))


def test_forwarded_for_is_ignored_without_a_trusted_proxy(app: Flask, users, db_factory) -> None:
    for i in range(3):
        _sign_in(
            app.test_client(),
            "office1",
            "wrong",
            address="192.0.2.77",
            headers={"X-Forwarded-For": f"198.51.100.{i}"},
        )
    assert _ip_keys(db_factory) == ["192.0.2.77"] * 3


def test_a_trusted_proxy_gives_the_client_address_and_no_more(
    app: Flask, settings, queue, users, db_factory
) -> None:
    behind = create_app(
        {
            "TESTING": True,
            "INTAKE_SETTINGS": replace(settings, trusted_proxies=1),
            "INTAKE_QUEUE": queue,
            "INTAKE_STORAGE": app.extensions["intake_storage"],
        }
    )
    # the client wrote its own X-Forwarded-For; the proxy appended the real address
    _sign_in(
        behind.test_client(),
        "office1",
        "wrong",
        address="10.0.0.2",
        headers={"X-Forwarded-For": "1.2.3.4, 203.0.113.50"},
    )
    assert _ip_keys(db_factory) == ["203.0.113.50"]
