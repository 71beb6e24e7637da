"""Two-step sign-in through the web app, with the product's default ``mfa_required_roles``."""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import replace

import pyotp
import pytest
from flask.testing import FlaskClient
from security.routes import routes
from sqlalchemy import select
from web.conftest import PASSWORD, csrf_from, login

from intake.db.workflow import AuditEntry, StaffMfa, StaffUser
from intake.staff import mfa, throttle
from intake.web import create_app
from intake.web.mfa_session import CODE_AT

OPEN_WHILE_PENDING = {
    "static",
    "auth.login",
    "auth.logout",
    "mfa.verify",
    "mfa.enrol",
    "mfa.enrol_qr",
    "keys.sign_options",  # a security key instead of the code (tests/staff/test_security_keys.py)
    "keys.sign",
}

SECRET_RE = re.compile(r'<code id="totp-secret">([A-Z2-7 ]+)</code>')
CODES_RE = re.compile(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>")


class Clock:
    """The time the MFA logic sees; moved on a time step at a time."""

    def __init__(self) -> None:
        self.now = time.time()

    def code(self, secret: str) -> str:
        return pyotp.TOTP(secret).at(self.now)

    def next_step(self) -> None:
        self.now += 30


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    made = Clock()
    monkeypatch.setattr(mfa, "_wall_clock", lambda: made.now)
    return made


def _post(client: FlaskClient, path: str, page: str, **data: str):
    return client.post(path, data={**data, "csrf_token": csrf_from(client, page)})


def enrol(client: FlaskClient, username: str, clock: Clock) -> tuple[str, list[str]]:
    """Sign in with the password, set up the app's code; returns the secret and recovery codes."""
    response = login(client, username)
    assert response.headers["Location"] == "/mfa"
    page = client.get("/mfa", follow_redirects=True).get_data(as_text=True)
    secret = SECRET_RE.search(page).group(1).replace(" ", "")
    confirmed = _post(client, "/mfa/enrol", "/mfa/enrol", code=clock.code(secret))
    assert confirmed.status_code == 200, confirmed.get_data(as_text=True)[:300]
    codes = CODES_RE.findall(confirmed.get_data(as_text=True))
    clock.next_step()
    return secret, codes


def sign_in(client: FlaskClient, username: str, code: str):
    assert login(client, username).headers["Location"] == "/mfa"
    return _post(client, "/mfa", "/mfa", code=code)


def _actions(db_factory) -> list[str]:
    with db_factory() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_a_password_alone_leaves_a_pending_session_sent_to_the_code_form(mfa_app, users) -> None:
    """ASVS AUTH-1: every route but the code form, enrolment, sign-in and sign-out answers 302."""
    client = mfa_app.test_client()
    response = login(client, "admin1")
    assert response.status_code == 302 and response.headers["Location"] == "/mfa"
    token = csrf_from(client, "/login")
    walked = 0
    for endpoint, methods, path in routes(mfa_app):
        if endpoint in OPEN_WHILE_PENDING:
            continue
        for method in sorted(methods):
            answer = client.open(path, method=method, data={"csrf_token": token})
            assert answer.status_code == 302, (endpoint, method, answer.status_code)
            assert answer.headers["Location"] == "/mfa", (endpoint, method)
            walked += 1
    assert walked > 60
    assert client.get("/mfa").headers["Location"] == "/mfa/enrol"  # not set up yet
    assert client.get("/mfa/enrol").status_code == 200


def test_enrolment_shows_the_secret_and_a_qr_code_and_needs_a_right_code(
    mfa_app, users, db_factory, clock
) -> None:
    client = mfa_app.test_client()
    login(client, "approver1")
    page = client.get("/mfa/enrol").get_data(as_text=True)
    assert 'src="/mfa/enrol/qr.svg"' in page and "Set up two-step sign-in" in page
    secret = SECRET_RE.search(page).group(1).replace(" ", "")
    qr = client.get("/mfa/enrol/qr.svg")
    assert qr.mimetype == "image/svg+xml" and qr.data.startswith(b"<svg")
    assert qr.headers["Cache-Control"] == "no-store"
    assert mfa_app.test_client().get("/mfa/enrol/qr.svg").status_code == 302  # nobody's
    with client.session_transaction() as cookie:
        assert secret not in str(dict(cookie))  # the secret stays in the database
    wrong = _post(client, "/mfa/enrol", "/mfa/enrol", code="000000")
    assert wrong.status_code == 401 and "not right" in wrong.get_data(as_text=True)
    assert client.get("/accounts").headers["Location"] == "/mfa"  # still not signed in
    right = _post(client, "/mfa/enrol", "/mfa/enrol", code=clock.code(secret))
    assert right.status_code == 200
    assert len(set(CODES_RE.findall(right.get_data(as_text=True)))) == 10
    assert client.get("/accounts").status_code == 200  # signed in
    with db_factory() as session:
        row = session.get(StaffMfa, users["approver"])
        assert row.totp_secret == secret and row.confirmed_at is not None
    assert {"login", "mfa.enrolment_started", "mfa.enrolment_failed", "mfa.enrolled"} <= set(
        _actions(db_factory)
    )


def test_each_sign_in_before_enrolment_gets_its_own_secret(mfa_app, users) -> None:
    first = mfa_app.test_client()
    login(first, "approver1")
    page = first.get("/mfa/enrol").get_data(as_text=True)
    assert SECRET_RE.search(page).group(1) in first.get("/mfa/enrol").get_data(as_text=True)
    second = mfa_app.test_client()
    login(second, "approver1")
    other = second.get("/mfa/enrol").get_data(as_text=True)
    assert SECRET_RE.search(other).group(1) != SECRET_RE.search(page).group(1)


def test_sign_in_with_a_code_wrong_code_and_replay(mfa_app, users, db_factory, clock) -> None:
    secret, _ = enrol(mfa_app.test_client(), "admin1", clock)
    client = mfa_app.test_client()
    wrong = sign_in(client, "admin1", "123456" if clock.code(secret) != "123456" else "654321")
    assert wrong.status_code == 401
    assert client.get("/admin/staff").headers["Location"] == "/mfa"
    code = clock.code(secret)
    signed_in = _post(client, "/mfa", "/mfa", code=code)
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/"
    assert client.get("/admin/staff").status_code == 200
    # the same code again, from another browser in the same 30 seconds: refused
    other = mfa_app.test_client()
    replay = sign_in(other, "admin1", code)
    assert replay.status_code == 401
    assert other.get("/admin/staff").headers["Location"] == "/mfa"
    actions = _actions(db_factory)
    assert actions.count("mfa.failed") == 2 and "mfa.verified" in actions


def test_a_recovery_code_signs_in_once(mfa_app, users, db_factory, clock) -> None:
    _, codes = enrol(mfa_app.test_client(), "approver1", clock)
    first = mfa_app.test_client()
    used = sign_in(first, "approver1", codes[0].upper())
    assert used.status_code == 302
    assert "9 left" in first.get("/review").get_data(as_text=True)
    again = sign_in(mfa_app.test_client(), "approver1", codes[0])
    assert again.status_code == 401
    assert "mfa.recovery_used" in _actions(db_factory)
    page = first.get("/mfa/codes").get_data(as_text=True)
    assert '<strong id="codes-left">9</strong>' in page


def test_wrong_codes_count_toward_the_sign_in_wait(mfa_app, users, clock) -> None:
    secret, _ = enrol(mfa_app.test_client(), "admin1", clock)
    client = mfa_app.test_client()
    login(client, "admin1")
    for _ in range(throttle.ACCOUNT_RULE.free):
        assert _post(client, "/mfa", "/mfa", code="000000").status_code == 401
    # the account's codes now wait, from this browser and from a new one: even a right code
    assert _post(client, "/mfa", "/mfa", code=clock.code(secret)).status_code == 401
    other = mfa_app.test_client()
    login(other, "admin1")
    assert _post(other, "/mfa", "/mfa", code=clock.code(secret)).status_code == 401


def test_office_staff_need_a_code_only_when_the_setting_says(app, settings, users) -> None:
    default = create_app(
        {
            "TESTING": True,
            "INTAKE_SETTINGS": replace(settings, mfa_required_roles=("approver", "admin")),
            "INTAKE_QUEUE": app.extensions["intake_queue"],
            "INTAKE_STORAGE": app.extensions["intake_storage"],
        }
    )
    assert login(default.test_client(), "office1").headers["Location"] == "/"
    everyone = create_app(
        {
            "TESTING": True,
            "INTAKE_SETTINGS": replace(
                settings, mfa_required_roles=("office", "approver", "admin")
            ),
            "INTAKE_QUEUE": app.extensions["intake_queue"],
            "INTAKE_STORAGE": app.extensions["intake_storage"],
        }
    )
    assert login(everyone.test_client(), "office1").headers["Location"] == "/mfa"


STEP_UP = [
    ("POST", "/accounts/forms/{id}/approve", {}),
    ("GET", "/accounts/export.csv", None),
    ("POST", "/admin/staff", {"username": "newcomer", "role": "office"}),
    ("POST", "/admin/staff/{id}/role", {"role": "office"}),
    ("POST", "/admin/staff/{id}/mfa-reset", {}),
]


def test_approve_export_and_staff_admin_need_a_fresh_code(
    mfa_app, users, db_factory, clock
) -> None:
    client = mfa_app.test_client()
    secret, _ = enrol(client, "admin1", clock)
    with client.session_transaction() as cookie:
        cookie[CODE_AT] = int(time.time()) - 6 * 60  # the sign-in's code is 6 minutes old
    token = csrf_from(client, "/review")
    for method, path, data in STEP_UP:
        body = None if data is None else {**data, "csrf_token": token}
        response = client.open(path.format(id=uuid.uuid4()), method=method, data=body)
        assert response.status_code == 302, (path, response.status_code)
        assert response.headers["Location"].startswith("/mfa/step-up"), path
    with db_factory() as session:
        assert session.scalar(select(StaffUser).where(StaffUser.username == "newcomer")) is None
    # a password does not count as the step-up for someone with a second factor
    reauth = client.post("/reauth", data={"password": PASSWORD, "csrf_token": token})
    assert reauth.status_code == 302
    assert client.get("/accounts/export.csv").headers["Location"].startswith("/mfa/step-up")
    wrong = _post(client, "/mfa/step-up", "/mfa/step-up", code="000000")
    assert wrong.status_code == 401
    stepped = client.post(
        "/mfa/step-up?next=/accounts/export.csv",
        data={"code": clock.code(secret), "csrf_token": token},
    )
    assert stepped.headers["Location"] == "/accounts/export.csv"
    assert client.get("/accounts/export.csv").status_code == 200
    for method, path, data in STEP_UP[2:4]:
        body = {**data, "csrf_token": token}
        response = client.open(path.format(id=uuid.uuid4()), method=method, data=body)
        assert not response.headers.get("Location", "").startswith("/mfa"), path
    assert "mfa.failed" in _actions(db_factory)


def test_an_admin_resets_a_colleagues_mfa_and_they_enrol_again(
    mfa_app, users, db_factory, clock
) -> None:
    colleague = mfa_app.test_client()
    old_secret, _ = enrol(colleague, "approver1", clock)
    assert colleague.get("/accounts").status_code == 200
    admin = mfa_app.test_client()
    enrol(admin, "admin1", clock)
    staff_page = admin.get("/admin/staff").get_data(as_text=True)
    assert "Reset two-step sign-in" in staff_page
    reset = _post(admin, f"/admin/staff/{users['approver']}/mfa-reset", "/admin/staff")
    assert reset.status_code == 302 and reset.headers["Location"] == "/admin/staff"
    assert "/login" in colleague.get("/accounts").headers["Location"]  # their session ended
    with db_factory() as session:
        assert session.get(StaffMfa, users["approver"]) is None
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "mfa.reset")).one()
        assert (entry.actor_id, entry.object_id) == (users["admin"], users["approver"])
        assert entry.detail in (None, {})
    new_secret, codes = enrol(mfa_app.test_client(), "approver1", clock)
    assert new_secret != old_secret and len(codes) == 10
    own = _post(admin, f"/admin/staff/{users['admin']}/mfa-reset", "/admin/staff")
    assert own.status_code == 422  # not your own: use a recovery code or ask a colleague


def test_an_office_user_may_set_up_a_second_factor_by_choice(mfa_app, users, clock) -> None:
    client = mfa_app.test_client()
    assert login(client, "office1").headers["Location"] == "/"
    page = client.get("/mfa/enrol").get_data(as_text=True)
    secret = SECRET_RE.search(page).group(1).replace(" ", "")
    assert _post(client, "/mfa/enrol", "/mfa/enrol", code=clock.code(secret)).status_code == 200
    clock.next_step()
    # from now on their sign-in asks for the code too
    later = mfa_app.test_client()
    assert sign_in(later, "office1", clock.code(secret)).headers["Location"] == "/"


def test_the_cli_resets_a_users_mfa(tmp_path, monkeypatch) -> None:
    """For the school whose only admin lost their phone and their recovery codes."""
    from click.testing import CliRunner

    from intake.cli import cli
    from intake.db.base import make_engine, make_session_factory

    monkeypatch.setenv("INTAKE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("INTAKE_DATABASE_URL", raising=False)
    assert (
        CliRunner().invoke(cli, ["staff", "create", "head.office", "--role", "admin"]).exit_code
        == 0
    )
    url = f"sqlite:///{(tmp_path / 'data' / 'intake.sqlite3').resolve()}"
    factory = make_session_factory(make_engine(url))
    with factory() as session:
        user = session.scalar(select(StaffUser))
        secret = mfa.begin_enrolment(session, user)
        mfa.confirm_enrolment(session, user, pyotp.TOTP(secret).now())
        session.commit()
    result = CliRunner().invoke(cli, ["staff", "reset-mfa", "HEAD.office"])
    assert result.exit_code == 0, result.output
    assert "set it up at their next sign-in" in result.output
    with factory() as session:
        assert not mfa.is_enrolled(session, user.id)
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "mfa.reset")).one()
        assert entry.actor_id is None and entry.object_id == user.id
    unknown = CliRunner().invoke(cli, ["staff", "reset-mfa", "nobody"])
    assert unknown.exit_code != 0 and "no staff user called 'nobody'" in str(unknown.exception)
