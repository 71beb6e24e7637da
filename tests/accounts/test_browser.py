"""The approver's flow in Debian's Chromium: decide a form with an override, print the letters,
revoke an account. Uses the app and data of ``test_web``."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from intake.db.accounts import PortalAccount

from .test_web import PASSWORD, add_form, app, db, fast_hashes, users, web_settings

__all__ = ["app", "db", "fast_hashes", "users", "web_settings"]
pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


@pytest.fixture
def live_url(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_approve_with_override_print_and_revoke(live_url, db, users, tmp_path):
    chromium = shutil.which("chromium")
    if chromium is None:
        from tests.conftest import service_missing  # type: ignore[import-not-found]

        service_missing("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    form_id = add_form(db, users, {1: "C1", 2: "C3"}, {1: "S1"})
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(accept_downloads=True)
        try:
            page.goto(f"{live_url}/login")
            page.fill("input[name=username]", "approver1")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.goto(f"{live_url}/accounts/forms/{form_id}")
            assert "has no parental responsibility" in page.text_content("main")
            page.fill("#override_reason", "Step-father has no PR; mother only")
            page.click("text=Approve and create accounts")
            assert "1 account(s) created" in page.text_content(".flash")
            page.goto(f"{live_url}/accounts")
            with page.expect_download() as download:
                page.click("text=Print letters")
            pdf = tmp_path / "letters.pdf"
            download.value.save_as(pdf)
            assert pdf.read_bytes().startswith(b"%PDF")
            assert download.value.suggested_filename == "parent-portal-letters.pdf"
            page.goto(f"{live_url}/accounts")
            page.click("table.grid >> text=/^jsmith/")
            page.fill("#revoke-reason", "Dispute reported by the other parent")
            page.click("button:has-text('Revoke')")
            assert "Account revoked" in page.text_content(".flash")
        finally:
            browser.close()
    with db() as session:
        account = session.scalars(select(PortalAccount)).one()
    assert (account.contact_id, account.status) == ("C1", "revoked")
