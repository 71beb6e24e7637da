"""Canary values through a whole upload -> review -> approve -> letters -> export flow: the
initial portal password and the staff one-time password exist only in the response that shows
them (never in the database, the audit log, the logs or an export); logs carry no personal
data; the CSV export neutralises spreadsheet formulas in every column; the letter PDF prints
markup from the roster literally and takes its URL from configuration, not the Host header."""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select
from web.helpers import forms_in_review, upload_fake_batch

from intake.accounts import credentials
from intake.accounts.export import safe_cell
from intake.db import workflow
from intake.db.accounts import PortalAccount
from intake.db.workflow import AuditEntry, Form
from intake.log_lines import JsonLines
from intake.staff import passwords

from .conftest import FONT_PAYLOAD, FORMULA, LETTER_MARKUP, csrf_from

PORTAL_CANARY = "Kq7m-Zx4v-Canary9"
STAFF_CANARY = "StaffCanary8Hq4Wz"
NAME_CANARY = "ZEBEDEECANARY"
CORRECTION_CANARY = "QUIMBYCANARY"
EMAIL_CANARY = "dormouse.canary@example.org"
LOG_INJECTION = "SMITH\r\n2025-01-01 INFO admin exported all"
#: personal data that must never reach a log line (roster names, form values, corrections)
PERSONAL = (NAME_CANARY, CORRECTION_CANARY, EMAIL_CANARY, "HYPERLINK", "Acacia", "+447700900123")
DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r", "\0")


def _pdftotext(pdf: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    path = tmp_path / "letters.pdf"
    path.write_bytes(pdf)
    try:
        return subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, timeout=60
        ).stdout.decode()
    finally:
        path.unlink()


@pytest.fixture
def canaries(monkeypatch: pytest.MonkeyPatch, reader) -> None:
    monkeypatch.setattr(credentials, "generate_initial_password", lambda: PORTAL_CANARY)
    monkeypatch.setattr(passwords, "one_time_password", lambda *_: STAFF_CANARY)
    reader.values[1] = dict(
        reader.values[1],
        p1_forename=(NAME_CANARY, ()),
        p1_email=(EMAIL_CANARY, ()),
        child1_name=(LOG_INJECTION, ()),
    )


def _everything_on_disk(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())


def test_canaries_through_the_whole_flow(
    app, client_as, db_factory, roster, canaries, caplog, tmp_path, settings
) -> None:
    log_file = tmp_path / "app.log"
    handler = logging.FileHandler(log_file)
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(JsonLines())
    root = logging.getLogger()
    root.addHandler(handler)
    caplog.set_level(logging.DEBUG)
    try:
        office = client_as("office")
        assert upload_fake_batch(office, forms=1).status_code == 302
        form = forms_in_review(db_factory)[0]
        office.get(f"/review/{form.id}")
        accepted = office.post(
            f"/forms/{form.id}/accept",
            json={"row_version": form.row_version, "values": {"p1_surname": CORRECTION_CANARY}},
            headers={"X-CSRFToken": csrf_from(office, "/review")},
        )
        assert accepted.status_code == 200
        approver = client_as("approver")
        token = csrf_from(approver, "/accounts")
        approved = approver.post(f"/accounts/forms/{form.id}/approve", data={"csrf_token": token})
        assert approved.status_code == 302, approved.get_data(as_text=True)[-1500:]
        letters = approver.post("/accounts/letters", data={"csrf_token": token})
        assert letters.status_code == 200 and letters.mimetype == "application/pdf"
        assert "no-store" in letters.headers["Cache-Control"]
        assert letters.headers["Content-Disposition"].startswith("attachment")
        text = _pdftotext(letters.data, tmp_path)
        assert PORTAL_CANARY in text  # the letter is the one place it is written
        admin = client_as("admin")
        export = admin.get("/accounts/export.csv")
        assert export.status_code == 200
        created = admin.post(
            "/admin/staff",
            data={
                "csrf_token": csrf_from(admin, "/admin/staff"),
                "username": "o2",
                "role": "office",
            },
        )
        assert STAFF_CANARY in created.get_data(as_text=True)
        assert "no-store" in created.headers["Cache-Control"]
    finally:
        root.removeHandler(handler)
        handler.close()

    # the passwords: nowhere but the letter and the one page that shows them
    stored = _everything_on_disk(tmp_path)  # database, scans, logs
    for secret in (PORTAL_CANARY, STAFF_CANARY):
        assert secret.encode() not in stored, secret
        assert secret not in caplog.text
        assert secret not in export.get_data(as_text=True)
    with db_factory() as session:
        details = json.dumps([e.detail for e in session.scalars(select(AuditEntry))])
        hashes = list(session.scalars(select(PortalAccount.password_hash)))
    assert PORTAL_CANARY not in details and STAFF_CANARY not in details
    assert hashes and all(h and h.startswith("$argon2id$") for h in hashes)
    assert NAME_CANARY not in details and CORRECTION_CANARY not in details

    # the logs: ids only, and one line per record
    logged = caplog.text + log_file.read_text("utf-8")
    assert caplog.records, "the flow logged nothing at all: is logging captured?"
    for value in PERSONAL:
        assert value not in logged, value
    assert "exported all" not in logged
    for record in caplog.records:
        assert "\n" not in record.getMessage(), record.getMessage()[:200]
    lines = log_file.read_text("utf-8").splitlines()
    assert len(lines) == len(caplog.records)  # one line a record, each a JSON object
    assert all(json.loads(line)["message"] for line in lines)


def test_session_cookie_holds_ids_only(app, client_as) -> None:
    from flask.sessions import SecureCookieSessionInterface

    client = client_as("office")
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert cookie is not None and serializer is not None
    data = serializer.loads(cookie.value)
    assert "office1" not in json.dumps(data, default=str)
    assert not any("password" in key for key in data)


def test_csv_export_neutralises_formulas_in_every_column(
    client_as, db_factory, roster, tmp_path
) -> None:
    office = client_as("office")
    upload_fake_batch(office, forms=1)
    form = forms_in_review(db_factory)[0]
    approver = client_as("approver")
    token = csrf_from(approver, "/accounts")
    assert (
        approver.post(f"/accounts/forms/{form.id}/approve", data={"csrf_token": token}).status_code
        == 302
    )
    export = client_as("admin").get("/accounts/export.csv")
    assert export.status_code == 200 and "no-store" in export.headers["Cache-Control"]
    assert export.headers.get("Content-Disposition", "").startswith("attachment")
    rows = list(csv.reader(io.StringIO(export.data.decode("utf-8-sig"))))
    assert len(rows) == 2
    for row in rows:
        for cell in row:
            assert not cell.startswith(DANGEROUS_FIRST), cell
    body = dict(zip(rows[0], rows[1], strict=True))
    assert body["forename"] == "'" + FORMULA  # kept, as text
    assert body["surname"] == "'+447700900123"
    assert body["email"] == "'@SUM(1+1)@example.org"
    for column in ("password", "password_hash", "court_order", "reason"):
        assert column not in rows[0]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+447700900123", "'+447700900123"),
        ("-2+3", "'-2+3"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("\0=1", "'\0=1"),
        ("O'Brien", "O'Brien"),
        ("Smith-Jones", "Smith-Jones"),
    ],
)
def test_safe_cell(value: str, expected: str) -> None:
    assert safe_cell(value) == expected


def test_letter_prints_roster_markup_literally(client_as, db_factory, roster, tmp_path) -> None:
    """The CVE-2023-33733 payload and an <img> tag as roster names print as text."""
    import reportlab

    assert tuple(int(x) for x in reportlab.Version.split(".")[:3]) >= (3, 6, 13)
    from intake.db.workflow import Batch

    with db_factory() as session, session.begin():
        batch = Batch(label="letters")
        session.add(batch)
        session.flush()
        values = {
            "p1_signature_agree": {"value": "signed"},
            "p1_signature_confirm": {"value": "signed"},
            "p1_forename": {"value": "X"},
            "p1_surname": {"value": "Y"},
        }
        match = {
            "applicants": [{"party": "parent1", "contact_id": "C2"}],
            "children": [{"row": 1, "student_id": "S2"}],
        }
        users_by_name = {u.username: u.id for u in session.scalars(select(workflow.StaffUser))}
        form = Form(
            batch_id=batch.id,
            identity="serial:letters",
            state="review",
            values=values,
            match=match,
            uploaded_by=users_by_name["office1"],
            last_edited_by=users_by_name["office1"],
        )
        session.add(form)
        session.flush()
        form_id = form.id
    approver = client_as("approver")
    token = csrf_from(approver, "/accounts")
    # the contact was chosen by hand and "Y" is not the roster's surname: the approver confirms
    approved = approver.post(
        f"/accounts/forms/{form_id}/approve", data={"csrf_token": token, "confirm_checked": "yes"}
    )
    assert approved.status_code == 302, approved.get_data(as_text=True)[-1500:]
    letters = approver.post("/accounts/letters", data={"csrf_token": token})
    assert letters.status_code == 200, letters.get_data(as_text=True)[-800:]
    text = re.sub(r"\s+", " ", _pdftotext(letters.data, tmp_path))
    assert LETTER_MARKUP in text
    assert "[[[getattr(pow" in text and "<font color=" in text, text[:1500]
    assert FONT_PAYLOAD.split(">")[0] in text
