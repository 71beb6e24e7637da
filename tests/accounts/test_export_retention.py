"""Export (columns, injection safety, audit, no secrets) and retention (what goes, what stays)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import timedelta

from sqlalchemy import func, select

from intake.accounts import credentials
from intake.accounts.credentials import accounts_awaiting_letters, print_letters
from intake.accounts.export import (
    COLUMNS,
    authenticate_bearer,
    create_api_token,
    export_accounts,
    revoke_api_token,
    safe_cell,
)
from intake.accounts.ports import ChildOnForm
from intake.accounts.rejection import reject_form
from intake.accounts.retention import apply_retention
from intake.accounts.revocation import revoke_account
from intake.accounts.service import approve_form
from intake.db.accounts import (
    ApiToken,
    LetterPrint,
    PortalAccount,
    RejectionLetter,
)
from intake.db.base import transaction
from intake.db.workflow import AuditEntry

from .helpers import add_form, applicant, smith_form

CANARY = "Vq7m-Ptrx-Zq9k"


def setup_accounts(factory, ctx, monkeypatch):
    monkeypatch.setattr(credentials, "generate_initial_password", lambda: CANARY)
    for form_id in (
        smith_form(factory),
        add_form(factory, [applicant(1, "C6")], [ChildOnForm(1, "S5")]),
    ):
        with transaction(factory) as session:
            approve_form(session, ctx, form_id, "approver1")
    with transaction(factory) as session:
        ids = [a.id for a in accounts_awaiting_letters(session)]
        print_letters(session, ctx, ids, "approver1")


def test_safe_cell():
    for dangerous in ("=1+1", "+44 7700 900123", "-2", "@SUM(A1)", "\tx", "\rx", "\0x"):
        assert safe_cell(dangerous) == "'" + dangerous
    assert safe_cell("jsmith47") == "jsmith47"
    assert safe_cell("") == ""


def test_csv_export_columns_safety_and_audit(factory, ctx, monkeypatch):
    setup_accounts(factory, ctx, monkeypatch)
    with transaction(factory) as session:
        result = export_accounts(session, ctx.audit, "admin1", "csv")
    text = result.body.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == COLUMNS
    assert result.rows == len(rows) - 1 == 3
    for row in rows[1:]:
        for cell in row:
            assert not cell or cell[0] not in "=+-@\t\r\0", cell
    by_contact = {r[1]: r for r in rows[1:]}
    assert by_contact["C6"][5] == '\'=HYPERLINK("x")@example.org'
    assert by_contact["C1"][2] == "S1;S2"
    assert by_contact["C1"][6] == "active"
    assert CANARY not in text and "argon2" not in text
    assert "court" not in text.lower()
    with factory() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "accounts.exported")
        ).one()
    assert entry.actor_id == "admin1"
    assert entry.detail["rows"] == 3
    assert entry.detail["sha256"] == hashlib.sha256(result.body).hexdigest()


def test_json_export_schema_and_revoked_status(factory, ctx, monkeypatch):
    setup_accounts(factory, ctx, monkeypatch)
    with transaction(factory) as session:
        account = session.scalars(
            select(PortalAccount).where(PortalAccount.contact_id == "C2")
        ).one()
        revoke_account(session, ctx, account.id, "approver1", "Parental dispute reported")
    with transaction(factory) as session:
        result = export_accounts(session, ctx.audit, "token-id", "json", via="api")
    data = json.loads(result.body)
    assert data["columns"] == list(COLUMNS)
    assert all(sorted(a) == sorted(COLUMNS) for a in data["accounts"])
    statuses = {a["contact_id"]: a["status"] for a in data["accounts"]}
    assert statuses["C2"] == "revoked"
    assert "Parental dispute" not in result.body.decode()


def test_api_tokens_hashed_and_revocable(factory, ctx):
    with transaction(factory) as session:
        token_id, token = create_api_token(session, ctx, "MIS sync", "admin1")
    with factory() as session:
        stored = session.get(ApiToken, token_id)
        assert stored is not None and token not in stored.token_hash
    with transaction(factory) as session:
        assert authenticate_bearer(session, f"Bearer {token}") is not None
        assert authenticate_bearer(session, token) is None
        assert authenticate_bearer(session, "Bearer wrong") is None
        assert authenticate_bearer(session, None) is None
    with transaction(factory) as session:
        revoke_api_token(session, ctx, token_id, "admin1")
    with transaction(factory) as session:
        assert authenticate_bearer(session, f"Bearer {token}") is None


class RecordingPurger:
    def __init__(self):
        self.forms: list[str] = []

    def rejected_before(self, session, cutoff):
        return []

    def is_rejected(self, session, form_id):
        return True

    def purge_form(self, session, form_id):
        self.forms.append(form_id)
        return [f"scan-{form_id}", f"page-{form_id}"]


def test_retention_purges_old_rejected_forms_and_letters_only(factory, ctx, clock, monkeypatch):
    setup_accounts(factory, ctx, monkeypatch)
    rejected = add_form(factory, [applicant(1, "C3")], [ChildOnForm(1, "S1")])
    with transaction(factory) as session:
        # the one reject path writes the letter (C3 has a home address on file)
        assert len(reject_form(session, ctx, rejected, "approver1", "NO_PR").letter_ids) == 1
    recent = add_form(factory, [applicant(1, "C3")], [ChildOnForm(1, "S2")])
    clock.now += timedelta(days=170)
    with transaction(factory) as session:
        reject_form(session, ctx, recent, "approver1", "NO_PR")
    now = clock.now + timedelta(days=20)  # rejected: 190 days ago; letters: 190 days ago
    purger = RecordingPurger()
    with transaction(factory) as session:
        dry = apply_retention(session, ctx.settings, purger, ctx.audit, "admin1", now, dry_run=True)
    assert dry.rejected_forms == (rejected,) and purger.forms == []
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(LetterPrint)) == 3
    with transaction(factory) as session:
        report = apply_retention(session, ctx.settings, purger, ctx.audit, "admin1", now)
    assert purger.forms == [rejected]  # not the recent one, not approved (account) forms
    assert report.files_to_delete == (f"scan-{rejected}", f"page-{rejected}")
    assert report.rejection_letters == 1 and report.letter_prints == 3
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(LetterPrint)) == 0
        # the recent rejection's letter (20 days old) is kept
        letters = session.scalars(select(RejectionLetter.form_id)).all()
        assert letters == [recent]
        assert session.scalar(select(func.count()).select_from(PortalAccount)) == 3
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "retention.applied")
        ).one()
    assert entry.detail["forms"] == [rejected] and entry.detail["files"] == 2
    with transaction(factory) as session:  # a second run finds nothing more
        again = apply_retention(session, ctx.settings, purger, ctx.audit, "admin1", now)
    assert again.rejected_forms == () and purger.forms == [rejected]
