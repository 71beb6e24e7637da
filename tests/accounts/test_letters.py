"""Credential letters: the PDF's text, the address on file, escaping, and what a print does to
passwords (new each time, hashed only, expiring, changed at first login)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from intake.accounts import credentials
from intake.accounts.credentials import (
    accounts_awaiting_letters,
    change_password,
    print_letters,
    verify_login,
)
from intake.accounts.ports import AccountsContext, ChildOnForm
from intake.accounts.revocation import revoke_account
from intake.accounts.service import approve_form
from intake.db.accounts import PortalAccount
from intake.db.base import transaction
from intake.errors import ConflictError, LoginRefused, WorkflowError

from .helpers import add_form, applicant, smith_form

CANARY = "Vq7m-Ptrx-Zq9k"


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "letters.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, timeout=60
    )
    return out.stdout.decode("utf-8")


def approve_and_print(
    factory: sessionmaker[Session],
    ctx: AccountsContext,
    form_id: str,
) -> credentials.PrintRun:
    with transaction(factory) as session:
        approve_form(session, ctx, form_id, "approver1")
    with transaction(factory) as session:
        ids = [a.id for a in accounts_awaiting_letters(session)]
        return print_letters(session, ctx, ids, "approver1")


def test_letter_text_has_address_on_file_username_password_and_school(
    factory, ctx, tmp_path, monkeypatch
):
    monkeypatch.setattr(credentials, "generate_initial_password", lambda: CANARY)
    run = approve_and_print(
        factory, ctx, add_form(factory, [applicant(1, "C1")], [ChildOnForm(1, "S1")])
    )
    text = pdf_text(run.pdf, tmp_path)
    with factory() as session:
        account = session.scalars(select(PortalAccount)).one()
    assert "12 Acacia Avenue" in text and "DE56 1AA" in text  # the roster's address
    assert "FORM STREET" not in text and "FO1 1RM" not in text  # never the form's
    assert account.username in text
    assert CANARY in text
    assert "https://portal.belperschool.co.uk" in text
    assert "Belper School & Sixth Form Centre" in text and "01773 825281" in text
    assert "Dear Mrs Smith" in text
    assert "Amy, Ben" in text  # first names only
    assert "Smith" in text and "7B" not in text  # no tutor groups or other child data
    assert "28 September 2026" in text  # expiry: 21 days after 7 September
    assert "at least 6 characters" in text  # the school profile's rules


def test_one_page_per_account(factory, ctx, tmp_path):
    run = approve_and_print(factory, ctx, smith_form(factory))
    assert len(run.account_ids) == 2
    text = pdf_text(run.pdf, tmp_path)
    assert text.count("\f") == 2  # pdftotext ends each page with a form feed
    assert text.count("Your Parent Portal account") == 2


def test_markup_in_roster_names_prints_literally(factory, ctx, tmp_path):
    run = approve_and_print(
        factory, ctx, add_form(factory, [applicant(1, "C6")], [ChildOnForm(1, "S5")])
    )
    text = " ".join(pdf_text(run.pdf, tmp_path).split())  # undo line wrapping
    assert '<img src="/etc/passwd"/>' in text
    assert "<font size=40>Big</font> House" in text
    assert "Dr O'Brien-Núñez" in text


def test_password_exists_only_in_the_letter(factory, ctx, tmp_path, monkeypatch, engine, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr(credentials, "generate_initial_password", lambda: CANARY)
    run = approve_and_print(factory, ctx, smith_form(factory))
    assert CANARY in pdf_text(run.pdf, tmp_path)
    assert CANARY not in caplog.text and "print run" in caplog.text
    engine.dispose()
    for path in tmp_path.glob("accounts.sqlite3*"):
        assert CANARY.encode() not in path.read_bytes()
    with factory() as session:
        hashes = [a.password_hash for a in session.scalars(select(PortalAccount))]
    assert all(h and h.startswith("$argon2id$") for h in hashes)


def test_reprint_sets_new_password_and_old_stops_working(factory, ctx, monkeypatch):
    passwords = iter(["Vq7m-Ptrx-Zq9k", "Hw3e-Kd8u-Ny4b"])
    monkeypatch.setattr(credentials, "generate_initial_password", lambda: next(passwords))
    approve_and_print(factory, ctx, add_form(factory, [applicant(1, "C4")], [ChildOnForm(1, "S3")]))
    with factory() as session:
        account = session.scalars(select(PortalAccount)).one()
        assert verify_login(session, ctx, account.username, "Vq7m-Ptrx-Zq9k").must_change_password
    with transaction(factory) as session:
        print_letters(session, ctx, [account.id], "approver1")
    with factory() as session:
        with pytest.raises(LoginRefused):
            verify_login(session, ctx, account.username, "Vq7m-Ptrx-Zq9k")
        assert verify_login(session, ctx, account.username.upper(), "Hw3e-Kd8u-Ny4b")


def test_initial_password_expires_and_must_be_changed(factory, ctx, clock, monkeypatch):
    monkeypatch.setattr(credentials, "generate_initial_password", lambda: CANARY)
    approve_and_print(factory, ctx, add_form(factory, [applicant(1, "C4")], [ChildOnForm(1, "S3")]))
    with factory() as session:
        account = session.scalars(select(PortalAccount)).one()
    clock.now += timedelta(days=21, seconds=1)
    with factory() as session, pytest.raises(LoginRefused, match="expired"):
        verify_login(session, ctx, account.username, CANARY)
    clock.now -= timedelta(days=2)
    refused = pytest.raises(WorkflowError, match="name or username")
    with transaction(factory) as session, refused:
        change_password(session, ctx, account.id, CANARY, "Jones2026")
    reused = pytest.raises(WorkflowError, match="not used before")
    with transaction(factory) as session, reused:
        change_password(session, ctx, account.id, CANARY, CANARY)
    with transaction(factory) as session:
        change_password(session, ctx, account.id, CANARY, "Heron-Lamp7")
    with factory() as session:
        result = verify_login(session, ctx, account.username, "Heron-Lamp7")
        assert not result.must_change_password


def test_revoked_account_cannot_log_in_or_print(factory, ctx, monkeypatch):
    monkeypatch.setattr(credentials, "generate_initial_password", lambda: CANARY)
    approve_and_print(factory, ctx, add_form(factory, [applicant(1, "C4")], [ChildOnForm(1, "S3")]))
    with transaction(factory) as session:
        account = session.scalars(select(PortalAccount)).one()
        revoke_account(session, ctx, account.id, "approver1", "Court ruling received today")
    with factory() as session, pytest.raises(LoginRefused):
        verify_login(session, ctx, account.username, CANARY)
    with transaction(factory) as session, pytest.raises(ConflictError, match="revoked"):
        print_letters(session, ctx, [account.id], "approver1")


def test_rejection_letter_to_form_address_is_marked(tmp_path):
    from datetime import date

    from intake.accounts.letters import RejectionLetterContent, render_rejection_letter
    from intake.config import School
    from intake.roster.model import Address

    pdf = render_rejection_letter(
        RejectionLetterContent(
            addressee="Ms A <Tester>",
            salutation="Ms Tester",
            address=Address(("99 Form Street",), "FO1 1RM"),
            address_from_form=True,
            reason_code="UNSIGNED",
            letter_date=date(2026, 9, 7),
        ),
        School(),
    )
    text = pdf_text(pdf, tmp_path)
    assert "Ms A <Tester>" in text
    assert "address written on your form" in text
    assert "not signed" in text and "sign both signature boxes" in text
