"""The accounts screens through the real app: roles, CSRF, four-eyes, conflicts, letters,
holds, export and the bearer-token JSON API."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from intake.accounts import passwords as passwords_module
from intake.config import Settings
from intake.db.accounts import PortalAccount, RejectionLetter
from intake.db.base import Base, make_engine, make_session_factory
from intake.db.workflow import AuditEntry, Batch, Form
from intake.roster.csv_io import RosterFile
from intake.roster.importing import SourceFile, import_roster
from intake.staff import directory, passwords
from intake.storage import LocalStorage
from intake.web import create_app

from .helpers import make_roster

PASSWORD = "correct horse battery staple"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", cheap)
    monkeypatch.setattr(passwords_module, "_hasher", cheap)


@pytest.fixture
def web_settings(tmp_path: Path) -> Iterator[Settings]:
    """SQLite in tmp_path, or a fresh schema of the PostgreSQL at INTAKE_TEST_DATABASE_URL."""
    data = tmp_path / "data"
    data.mkdir()
    base = os.environ.get("INTAKE_TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        # MFA off in the generic fixtures: tests/staff/test_mfa*.py sign in with the default
        yield Settings(
            data_dir=data, database_url=f"sqlite:///{data / 'web.sqlite3'}", mfa_required_roles=()
        )
        return
    schema = f"accounts_web_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    joiner = "&" if "?" in base else "?"
    yield Settings(
        data_dir=data,
        database_url=f"{base}{joiner}options=-csearch_path%3D{schema}",
        mfa_required_roles=(),
    )
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def db(web_settings: Settings) -> Iterator[sessionmaker[Session]]:
    import intake.db.roster  # noqa: F401 - registers the tables

    engine = make_engine(web_settings.sqlalchemy_url)
    Base.metadata.create_all(engine)
    factory = make_session_factory(engine)
    roster = make_roster()
    with factory() as session, session.begin():
        import_roster(session, [SourceFile("roster.csv", "0" * 64, RosterFile(roster))], full=True)
    yield factory
    engine.dispose()


@pytest.fixture
def app(web_settings: Settings, db: sessionmaker[Session]) -> Iterator[Flask]:
    flask_app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "accounts-web-tests-secret-key",
            "INTAKE_SETTINGS": web_settings,
            "INTAKE_QUEUE": object(),
            "INTAKE_STORAGE": LocalStorage(web_settings.data_dir / "files"),
            "RATELIMIT_ENABLED": False,
        }
    )
    yield flask_app
    flask_app.extensions["intake_engine"].dispose()


@pytest.fixture
def users(db: sessionmaker[Session]) -> dict[str, str]:
    ids = {}
    with db() as session:
        for name, role in (
            ("office1", "office"),
            ("approver1", "approver"),
            ("approver2", "approver"),
            ("admin1", "admin"),
        ):
            user, _ = directory.create_staff(session, name, role)
            user.password_hash = passwords.hash_password(PASSWORD)
            user.must_change_password = False
            ids[name] = user.id
        session.commit()
    return ids


def csrf(client: FlaskClient, path: str = "/accounts") -> str:
    match = CSRF_RE.search(client.get(path).get_data(as_text=True))
    assert match, path
    return match.group(1)


@pytest.fixture
def client_as(app: Flask, users: dict[str, str]):
    def make(name: str) -> FlaskClient:
        client = app.test_client()
        page = client.get("/login")
        token = CSRF_RE.search(page.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
        response = client.post(
            "/login", data={"username": name, "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302
        return client

    return make


def signed(slot: int) -> dict[str, Any]:
    return {
        f"p{slot}_signature_agree": {"value": "signed"},
        f"p{slot}_signature_confirm": {"value": "signed"},
        f"p{slot}_forename": {"value": "JANE"},
        f"p{slot}_surname": {"value": "SMITH"},
        f"p{slot}_address1": {"value": "99 FORM STREET"},
        f"p{slot}_postcode": {"value": "FO1 1RM"},
    }


def add_form(
    db: sessionmaker[Session],
    users: dict[str, str],
    contacts: dict[int, str],
    students: dict[int, str],
    *,
    by: str = "office1",
    signed_slots=None,
    by_hand: bool = False,
    child_names: dict[int, str] | None = None,
) -> str:
    """A form in review whose applicants and children the matcher linked (``by_hand``: a
    reviewer chose them, in ``forms.match``)."""
    values: dict[str, Any] = {}
    for slot in contacts:
        if signed_slots is None or slot in signed_slots:
            values.update(signed(slot))
        else:
            values[f"p{slot}_forename"] = {"value": "JANE"}
    for row in students:
        values[f"child{row}_name"] = {"value": (child_names or {}).get(row, "CHILD")}
    match = {
        "applicants": [{"party": f"parent{s}", "contact_id": c} for s, c in contacts.items()],
        "children": [{"row": r, "student_id": s} for r, s in students.items()],
    }
    with db() as session, session.begin():
        batch = Batch(label="test")
        session.add(batch)
        session.flush()
        form = Form(
            batch_id=batch.id,
            identity=f"serial:{uuid.uuid4().hex[:8]}",
            state="review",
            values=values,
            match=match if by_hand else {},
            proposed={} if by_hand else match,
            uploaded_by=users[by],
            last_edited_by=users[by],
        )
        session.add(form)
        session.flush()
        return form.id


def count_accounts(db: sessionmaker[Session]) -> int:
    with db() as session:
        return session.scalar(select(func.count()).select_from(PortalAccount)) or 0


def test_office_staff_cannot_use_accounts(client_as, db, users):
    client = client_as("office1")
    form_id = add_form(db, users, {1: "C1"}, {1: "S1"})
    assert client.get("/accounts").status_code == 403
    token = csrf(client, "/review")
    assert (
        client.post(f"/accounts/forms/{form_id}/approve", data={"csrf_token": token}).status_code
        == 403
    )
    assert count_accounts(db) == 0


def test_approve_twice_conflicts_and_state_changes_need_csrf(client_as, db, users):
    client = client_as("approver1")
    form_id = add_form(db, users, {1: "C1", 2: "C2"}, {1: "S1", 2: "S2"})
    page = client.get(f"/accounts/forms/{form_id}")
    assert page.status_code == 200 and "Approve and create accounts" in page.get_data(True)
    assert client.post(f"/accounts/forms/{form_id}/approve").status_code == 400  # no CSRF
    token = csrf(client)
    first = client.post(f"/accounts/forms/{form_id}/approve", data={"csrf_token": token})
    assert first.status_code == 302
    assert count_accounts(db) == 2
    again = client.post(f"/accounts/forms/{form_id}/approve", data={"csrf_token": token})
    assert again.status_code == 409
    assert count_accounts(db) == 2
    with db() as session:
        assert session.get(Form, form_id).state == "accounts_created"


def test_four_eyes_is_403_and_audited(client_as, db, users):
    form_id = add_form(db, users, {1: "C1"}, {1: "S1"}, by="approver1")
    client = client_as("approver1")
    response = client.post(f"/accounts/forms/{form_id}/approve", data={"csrf_token": csrf(client)})
    assert response.status_code == 403
    assert count_accounts(db) == 0
    with db() as session:
        actions = set(session.scalars(select(AuditEntry.action)))
    assert "form.approve_refused" in actions


def test_no_pr_is_409_then_override_drops_it(client_as, db, users):
    form_id = add_form(db, users, {1: "C1", 2: "C3"}, {1: "S1"})
    client = client_as("approver1")
    token = csrf(client)
    blocked = client.post(f"/accounts/forms/{form_id}/approve", data={"csrf_token": token})
    assert blocked.status_code == 409
    assert "no parental responsibility" in blocked.get_data(as_text=True)
    ok = client.post(
        f"/accounts/forms/{form_id}/approve",
        data={"csrf_token": token, "override_reason": "Step-father, mother only"},
    )
    assert ok.status_code == 302
    with db() as session:
        assert set(session.scalars(select(PortalAccount.contact_id))) == {"C1"}


def test_unsigned_form_is_refused(client_as, db, users):
    form_id = add_form(db, users, {1: "C1"}, {1: "S1"}, signed_slots=())
    client = client_as("approver1")
    response = client.post(
        f"/accounts/forms/{form_id}/approve",
        data={"csrf_token": csrf(client), "override_reason": "please"},
    )
    assert response.status_code == 409 and "not signed" in response.get_data(as_text=True)
    assert count_accounts(db) == 0


def pdftotext(pdf: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    path = tmp_path / "l.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, check=True, timeout=60
    ).stdout.decode()


def test_print_letters_streams_pdf_with_configured_url(client_as, db, users, tmp_path):
    client = client_as("approver1")
    form_id = add_form(db, users, {1: "C1"}, {1: "S1"})
    token = csrf(client)
    client.post(f"/accounts/forms/{form_id}/approve", data={"csrf_token": token})
    session_cookie = client.get_cookie("intake_session")
    assert session_cookie is not None
    client.set_cookie("intake_session", session_cookie.value, domain="evil.example")
    response = client.post(
        "/accounts/letters", data={"csrf_token": token}, headers={"Host": "evil.example"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)[-800:]
    assert response.mimetype == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="parent-portal-letters.pdf"'
    )
    text = pdftotext(response.data, tmp_path)
    assert "https://portal.belperschool.co.uk" in text and "evil.example" not in text
    assert "12 Acacia Avenue" in text and "FORM STREET" not in text


def test_revoke_hold_and_reinstate(client_as, db, users):
    client = client_as("approver1")
    token = csrf(client)
    client.post(
        f"/accounts/forms/{add_form(db, users, {1: 'C1', 2: 'C2'}, {1: 'S1'})}/approve",
        data={"csrf_token": token},
    )
    with db() as session:
        ids = {c: i for c, i in session.execute(select(PortalAccount.contact_id, PortalAccount.id))}
    assert client.get(f"/accounts/{ids['C1']}/revoke").status_code == 405
    assert client.get(f"/accounts/{ids['C1']}").status_code == 200
    response = client.post(
        f"/accounts/{ids['C1']}/revoke",
        data={"csrf_token": token, "reason": "Policy breach reported"},
    )
    assert response.status_code == 302
    assert (
        client.post(
            f"/accounts/{ids['C1']}/revoke", data={"csrf_token": token, "reason": "again and again"}
        ).status_code
        == 409
    )
    unconfirmed = client.post(
        "/accounts/students/S2/hold",
        data={"csrf_token": token, "reason": "Safeguarding concern raised"},
    )
    assert unconfirmed.status_code == 422  # "Revoke all" needs its confirmation tick
    with db() as session:
        assert set(session.scalars(select(PortalAccount.status))) == {"active", "revoked"}
    hold = client.post(
        "/accounts/students/S2/hold",
        data={"csrf_token": token, "reason": "Safeguarding concern raised", "confirm": "yes"},
    )
    assert hold.status_code == 302
    with db() as session:
        statuses = {
            c: s for c, s in session.execute(select(PortalAccount.contact_id, PortalAccount.status))
        }
    assert statuses == {"C1": "revoked", "C2": "revoked"}
    reinstated = client.post(
        f"/accounts/{ids['C2']}/reinstate",
        data={"csrf_token": token, "reason": "Investigation closed"},
    )
    assert reinstated.status_code == 302
    with db() as session:
        account = session.get(PortalAccount, ids["C2"])
        assert account.status == "active"
        assert [c.student_id for c in account.children] == ["S1"]  # S2 stays held
    assert client.get(f"/accounts/{uuid.uuid4()}").status_code == 404


def test_reject_writes_letter(client_as, db, users, tmp_path):
    client = client_as("approver1")
    form_id = add_form(db, users, {1: "C1", 2: "X99"}, {1: "S1"})
    response = client.post(
        f"/accounts/forms/{form_id}/reject", data={"csrf_token": csrf(client), "code": "NOT_FOUND"}
    )
    assert response.status_code == 302
    with db() as session:
        letters = session.scalars(select(RejectionLetter).order_by(RejectionLetter.slot)).all()
        assert [(x.slot, x.addressed_to) for x in letters] == [(1, "file"), (2, "form")]
        assert session.get(Form, form_id).state == "rejected"
    pdf = client.get(f"/accounts/rejection-letters/{letters[1].id}")
    assert pdf.status_code == 200 and "no-store" in pdf.headers["Cache-Control"]
    text = pdftotext(pdf.data, tmp_path)
    assert "99 FORM STREET" in text and "address written on your form" in text


def test_export_and_json_api(client_as, db, users):
    approver = client_as("approver1")
    approver.post(
        f"/accounts/forms/{add_form(db, users, {1: 'C1'}, {1: 'S1'})}/approve",
        data={"csrf_token": csrf(approver)},
    )
    assert approver.get("/accounts/export.csv").status_code == 403  # export is for admins
    admin = client_as("admin1")
    csv_response = admin.get("/accounts/export.csv")
    assert csv_response.status_code == 200 and "no-store" in csv_response.headers["Cache-Control"]
    assert csv_response.data.decode("utf-8-sig").startswith("username,contact_id,student_ids")
    created = admin.post(
        "/accounts/api-tokens",
        data={"csrf_token": csrf(admin, "/accounts/api-tokens"), "name": "MIS sync"},
    )
    assert created.status_code == 201
    token = re.search(r"<code>(ppx_[^<]+)</code>", created.get_data(as_text=True)).group(1)
    anonymous = admin.application.test_client()
    assert anonymous.get(f"/api/accounts?token={token}").status_code == 401
    assert anonymous.get("/api/accounts").status_code == 401
    ok = anonymous.get(
        "/api/accounts?callback=x", headers={"Authorization": f"Bearer {token}", "Origin": "null"}
    )
    assert ok.status_code == 200 and ok.mimetype == "application/json"
    assert "attachment" in ok.headers["Content-Disposition"]
    assert "Access-Control-Allow-Origin" not in ok.headers
    assert not ok.get_data(as_text=True).startswith("x(")
    data = json.loads(ok.data)
    assert [a["contact_id"] for a in data["accounts"]] == ["C1"]
    with db() as session:
        exports = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "accounts.exported")
        ).all()
        assert [e.detail["via"] for e in exports] == ["staff", "api"]
        token_id = session.scalar(
            select(AuditEntry.object_id).where(AuditEntry.action == "api_token.created")
        )
    admin.post(
        f"/accounts/api-tokens/{token_id}/revoke",
        data={"csrf_token": csrf(admin, "/accounts/api-tokens")},
    )
    assert (
        anonymous.get("/api/accounts", headers={"Authorization": f"Bearer {token}"}).status_code
        == 401
    )


def test_retention_command_purges_rejected_scans_and_keeps_account_forms(
    client_as, db, users, web_settings, monkeypatch
):
    import numpy as np
    from click.testing import CliRunner

    from intake.cli import cli
    from intake.db.accounts import FormDecision
    from intake.db.workflow import Page, Upload

    storage = LocalStorage(web_settings.data_dir / "files")
    client = client_as("approver1")
    token = csrf(client)
    by_accounts = add_form(db, users, {1: "C3"}, {1: "S1"})
    by_review = add_form(db, users, {1: "C3"}, {1: "S2"})
    approved = add_form(db, users, {1: "C1"}, {1: "S1"})
    client.post(
        f"/accounts/forms/{by_accounts}/reject", data={"csrf_token": token, "code": "NO_PR"}
    )
    client.post(f"/accounts/forms/{approved}/approve", data={"csrf_token": token})
    long_ago = datetime.now(UTC) - timedelta(days=400)
    keys: dict[str, list[str]] = {}
    with db() as session, session.begin():
        for i, form_id in enumerate((by_accounts, by_review, approved)):
            form = session.get(Form, form_id)
            upload = Upload(
                batch_id=form.batch_id,
                storage_key="orig",
                sha256="0" * 64,
                size=1,
                display_name="scan.pdf",
                kind="pdf",
            )
            session.add(upload)
            session.flush()
            keys[form_id] = [storage.put_page_image(np.zeros((8, 8), np.uint8)) for _ in range(2)]
            session.add(
                Page(
                    upload_id=upload.id,
                    batch_id=form.batch_id,
                    index=i,
                    status="read",
                    form_id=form_id,
                    scan_key=keys[form_id][0],
                    image_key=keys[form_id][1],
                    fields={"p1_forename": {"value": "X"}},
                )
            )
        session.get(Form, by_review).state = "rejected"
        for form in session.scalars(select(Form)):
            form.updated_at = long_ago
        for decision in session.scalars(select(FormDecision)):
            decision.decided_at = long_ago
    monkeypatch.setenv("INTAKE_DATA_DIR", str(web_settings.data_dir))
    monkeypatch.setenv("INTAKE_DATABASE_URL", web_settings.sqlalchemy_url)
    runner = CliRunner()
    dry = runner.invoke(cli, ["retention", "apply", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would remove: scans and read values of 2 rejected form(s)" in dry.output
    assert all(storage.path(k).exists() for ks in keys.values() for k in ks)
    done = runner.invoke(cli, ["retention", "apply"])
    assert done.exit_code == 0, done.output
    assert "removed: scans and read values of 2 rejected form(s) (4 file(s))" in done.output
    for form_id in (by_accounts, by_review):
        assert not any(storage.path(k).exists() for k in keys[form_id])
    assert all(storage.path(k).exists() for k in keys[approved])  # a live account's form
    with db() as session:
        assert session.get(Form, by_review).values == {}
        assert session.get(Form, approved).values != {}
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "retention.applied")
        ).one()
        assert sorted(entry.detail["forms"]) == sorted([by_accounts, by_review])
    again = runner.invoke(cli, ["retention", "apply"])
    assert "of 0 rejected form(s)" in again.output


def test_accounts_cli_export_token_and_sample_letter(
    client_as, db, users, web_settings, monkeypatch, tmp_path
):
    from click.testing import CliRunner

    from intake.cli import cli

    client = client_as("approver1")
    client.post(
        f"/accounts/forms/{add_form(db, users, {1: 'C1'}, {1: 'S1'})}/approve",
        data={"csrf_token": csrf(client)},
    )
    monkeypatch.setenv("INTAKE_DATA_DIR", str(web_settings.data_dir))
    monkeypatch.setenv("INTAKE_DATABASE_URL", web_settings.sqlalchemy_url)
    runner = CliRunner()
    out = tmp_path / "accounts.csv"
    result = runner.invoke(cli, ["accounts", "export", "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 account(s) written" in result.output
    assert out.read_text("utf-8-sig").splitlines()[1].startswith("jsmith")
    created = runner.invoke(cli, ["accounts", "api-token", "create", "MIS sync"])
    assert created.exit_code == 0 and "ppx_" in created.output
    letter = tmp_path / "sample.pdf"
    assert runner.invoke(cli, ["accounts", "sample-letter", str(letter)]).exit_code == 0
    assert letter.read_bytes().startswith(b"%PDF")


def test_sixth_export_in_an_hour_is_429_with_an_alert(web_settings, db, users):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "accounts-web-tests-secret-key",
            "INTAKE_SETTINGS": web_settings,
            "INTAKE_QUEUE": object(),
            "INTAKE_STORAGE": LocalStorage(web_settings.data_dir / "files"),
            "RATELIMIT_ENABLED": True,
        }
    )
    client = app.test_client()
    page = client.get("/login")
    token = CSRF_RE.search(page.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"username": "admin1", "password": PASSWORD, "csrf_token": token})
    codes = [client.get("/accounts/export.csv").status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    with db() as session:
        actions = list(session.scalars(select(AuditEntry.action)))
    assert actions.count("accounts.exported") == 5
    assert actions.count("accounts.export_rate_limited") == 1
    app.extensions["intake_engine"].dispose()


def test_search_by_child_name_finds_accounts_and_offers_a_hold(client_as, db, users):
    client = client_as("approver1")
    client.post(
        f"/accounts/forms/{add_form(db, users, {1: 'C1', 2: 'C2'}, {1: 'S1'})}/approve",
        data={"csrf_token": csrf(client)},
    )
    page = client.get("/accounts?q=amy smith").get_data(as_text=True)
    assert "Revoke all for this child" in page and "S1" in page
    assert page.count("/accounts/") >= 2
    with db() as session:
        ids = list(session.scalars(select(PortalAccount.id)))
    assert all(i in page for i in ids)  # both parents' accounts are listed
    hold = client.post(
        "/accounts/students/S3/hold",  # Cara has no account yet
        data={"csrf_token": csrf(client), "reason": "Court ruling pending", "confirm": "yes"},
    )
    assert hold.status_code == 302
    form_id = add_form(db, users, {1: "C4"}, {1: "S3"})
    token = csrf(client)
    blocked = client.post(f"/accounts/forms/{form_id}/approve", data={"csrf_token": token})
    assert blocked.status_code == 409 and "child-protection hold" in blocked.get_data(True)
    # with an override the held child is left out; Dana's other child (S4) is linked
    approved = client.post(
        f"/accounts/forms/{form_id}/approve",
        data={"csrf_token": token, "override_reason": "Cara is held; Dan only"},
    )
    assert approved.status_code == 302
    with db() as session:
        account = session.scalars(
            select(PortalAccount).where(PortalAccount.contact_id == "C4")
        ).one()
        assert [c.student_id for c in account.children] == ["S4"]


def test_print_one_batch_of_letters(client_as, db, users):
    client = client_as("approver1")
    token = csrf(client)
    first = add_form(db, users, {1: "C1"}, {1: "S1"})
    second = add_form(db, users, {1: "C4"}, {1: "S3"})
    for form_id in (first, second):
        client.post(f"/accounts/forms/{form_id}/approve", data={"csrf_token": token})
    with db() as session:
        batch_id = session.get(Form, first).batch_id
    page = client.get("/accounts").get_data(as_text=True)
    assert "Print this batch" in page and batch_id in page
    response = client.post("/accounts/letters", data={"csrf_token": token, "batch_id": batch_id})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    with db() as session:
        printed = {
            a.contact_id: a.password_hash is not None
            for a in session.scalars(select(PortalAccount))
        }
    assert printed == {"C1": True, "C4": False}


def add_hand_chosen_form(db: sessionmaker[Session], users: dict[str, str]) -> str:
    """Issue 20, hole 4: the Jones family's signed form, on which an office user linked the
    child row to Amy Smith and the applicant to Mrs Jane Smith by hand."""
    values = {
        **signed(1),
        "p1_forename": {"value": "DANA"},
        "p1_surname": {"value": "JONES"},
        "child1_name": {"value": "CARA JONES"},
    }
    with db() as session, session.begin():
        batch = Batch(label="Year 7 returns")
        session.add(batch)
        session.flush()
        form = Form(
            batch_id=batch.id,
            identity=f"serial:{uuid.uuid4().hex[:8]}",
            state="checked",
            values=values,
            match={
                "applicants": [{"party": "parent1", "contact_id": "C1"}],
                "children": [{"row": 1, "student_id": "S1"}],
            },
            uploaded_by=users["office1"],
            last_edited_by=users["office1"],
        )
        session.add(form)
        session.flush()
        return form.id


def test_hand_choices_of_another_family_need_an_explicit_confirmation(client_as, db, users):
    form_id = add_hand_chosen_form(db, users)
    client = client_as("approver1")
    page = client.get(f"/accounts/forms/{form_id}").get_data(as_text=True)
    assert "Child 1 was linked by hand to Amy Smith (7B), but the form says Cara Jones" in page
    assert "Parent/Carer 1 was matched by hand to Mrs Jane Smith, but the form says" in page
    assert "would also give Mrs Jane Smith access to Ben Smith (9C), who is not on the form" in page
    assert 'name="confirm_checked"' in page
    token = csrf(client)
    refused = client.post(f"/accounts/forms/{form_id}/approve", data={"csrf_token": token})
    assert refused.status_code == 409
    assert "need your confirmation" in refused.get_data(as_text=True)
    assert count_accounts(db) == 0
    ok = client.post(
        f"/accounts/forms/{form_id}/approve", data={"csrf_token": token, "confirm_checked": "yes"}
    )
    assert ok.status_code == 302 and count_accounts(db) == 1
    with db() as session:
        detail = session.scalars(
            select(AuditEntry.detail).where(AuditEntry.action == "form.approved")
        ).one()
    assert detail["confirmed"] == ["CHILD_NAME_DIFFERS", "CONTACT_NAME_DIFFERS", "NOT_ON_FORM"]


def test_a_hand_choice_that_agrees_with_the_form_is_shown_but_needs_no_tick(client_as, db, users):
    form_id = add_form(
        db,
        users,
        {1: "C1"},
        {1: "S1", 2: "S2"},
        by_hand=True,
        child_names={1: "AMY SMITH", 2: "BEN SMITH"},
    )
    client = client_as("approver1")
    page = client.get(f"/accounts/forms/{form_id}").get_data(as_text=True)
    assert "Child 1 was linked by hand to Amy Smith (7B); the form says Amy Smith" in page
    assert 'name="confirm_checked"' not in page
    ok = client.post(f"/accounts/forms/{form_id}/approve", data={"csrf_token": csrf(client)})
    assert ok.status_code == 302 and count_accounts(db) == 1


def test_decide_screen_names_people_and_suggests_the_letter(client_as, db, users):
    form_id = add_form(db, users, {1: "C3"}, {1: "S1"})
    client = client_as("approver1")
    page = client.get(f"/accounts/forms/{form_id}").get_data(as_text=True)
    assert "Mr Tom Smith (Parent/Carer 1) has no parental responsibility for Amy Smith (7B)" in page
    assert "contact C3" not in page and "student S1" not in page
    assert '<option value="NO_PR" selected>' in page
    assert '<option value="UNSIGNED" selected>' not in page


def test_four_eyes_refusal_names_its_reason(client_as, db, users):
    form_id = add_form(db, users, {1: "C1"}, {1: "S1"}, by="approver1")
    client = client_as("approver1")
    page = client.get(f"/accounts/forms/{form_id}").get_data(as_text=True)
    assert "You uploaded this batch; another approver must decide" in page
    response = client.post(f"/accounts/forms/{form_id}/approve", data={"csrf_token": csrf(client)})
    assert response.status_code == 403
    assert "You uploaded this batch; another approver must decide" in response.get_data(True)
    assert "Your role does not allow this" not in response.get_data(True)
