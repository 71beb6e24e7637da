"""The approver's flow in Debian's Chromium: decide a form with an override, print the letters,
revoke an account. Uses the app and data of ``test_web``."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from intake.db.accounts import PortalAccount
from intake.db.workflow import Form

from .test_web import (
    PASSWORD,
    add_form,
    add_hand_chosen_form,
    app,
    db,
    fast_hashes,
    users,
    web_settings,
)

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


def _chromium() -> str:
    chromium = shutil.which("chromium")
    if chromium is None:
        from tests.conftest import service_missing  # type: ignore[import-not-found]

        service_missing("Debian's chromium is not installed")
    return str(chromium)


#: elements with their own text, whose computed size is under 14 px (WCAG-minded floor)
SMALL_TEXT_JS = """() => Array.from(document.querySelectorAll('main *')).filter(e =>
  Array.from(e.childNodes).some(n => n.nodeType === 3 && n.textContent.trim()) &&
  e.offsetParent !== null && parseFloat(getComputedStyle(e).fontSize) < 14
).map(e => e.tagName + '.' + e.className + ': ' + e.textContent.trim().slice(0, 30))"""
WIDE_JS = """() => Array.from(document.querySelectorAll('body *')).filter(e =>
  e.getBoundingClientRect().right > innerWidth + 1).map(e => e.tagName + '.' + e.className)
  .slice(0, 8)"""
AXE_JS = """async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa']}))
  .violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
  .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))"""


def _axe_core() -> Path:
    """axe-core from npm (``.ci/install`` puts it in node_modules/, or INTAKE_AXE_CORE)."""
    default = Path(__file__).resolve().parents[2] / "node_modules/axe-core/axe.min.js"
    found = Path(os.environ.get("INTAKE_AXE_CORE", default))
    if not found.is_file():
        from tests.conftest import service_missing  # type: ignore[import-not-found]

        service_missing("axe-core is not installed (run .ci/install, or set INTAKE_AXE_CORE)")
    return found


def _accessibility_problems(page, axe: Path) -> list[str]:
    page.add_script_tag(path=str(axe))
    return [*page.evaluate(AXE_JS), *(f"small text {t}" for t in page.evaluate(SMALL_TEXT_JS))]


def test_approve_with_override_print_and_revoke(live_url, db, users, tmp_path):
    chromium = _chromium()
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


def test_bulk_approve_twenty_ready_forms_and_confirm_a_hand_choice(live_url, db, users):
    """The approver's term-start flow at 1366x768: select a page of ready forms, read the
    summary, confirm; then a form with hand choices of another family, which the browser will
    not approve until the confirmation box is ticked."""
    chromium = _chromium()
    from playwright.sync_api import sync_playwright

    ready = [add_form(db, users, {1: "C1", 2: "C2"}, {1: "S1", 2: "S2"}) for _ in range(20)]
    hand = add_hand_chosen_form(db, users)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        try:
            page.goto(f"{live_url}/login")
            page.fill("input[name=username]", "approver1")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            started = time.monotonic()
            page.goto(f"{live_url}/accounts/queue?ready=1")
            page.check("#select-all")
            page.click("text=Approve selected")
            assert "Approve 20 form(s)?" in page.text_content("h1")
            page.click("#confirm-bulk")
            assert "Approved 20 form(s)" in page.text_content(".flash")
            seconds = time.monotonic() - started
            # the page must not scroll sideways at 1366 px
            assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")

            page.goto(f"{live_url}/accounts/forms/{hand}")
            assert "the surname differs from the school's record" in page.text_content("main")
            page.click("text=Approve and create accounts")  # the required tick stops it here
            assert page.url.endswith(f"/accounts/forms/{hand}")
            page.check("#confirm_checked")
            page.click("text=Approve and create accounts")
            assert "account(s) created" in page.text_content(".flash")
        finally:
            browser.close()
    print(f"approver: 20 ready forms decided in {seconds:.1f} s")
    assert seconds < 60
    with db() as session:
        states = {session.get(Form, f).state for f in [*ready, hand]}
    assert states == {"accounts_created"}


def test_approver_screens_pass_axe_at_1366_and_at_200_percent_zoom(live_url, db, users):
    """axe-core finds no serious or critical violation, no text is under 14 px, and the
    queue and decide screens do not scroll sideways at 1366x768 or at 200% zoom (683 px)."""
    chromium = _chromium()
    axe = _axe_core()
    from playwright.sync_api import sync_playwright

    add_form(db, users, {1: "C1", 2: "C3"}, {1: "S1"})
    hand = add_hand_chosen_form(db, users)
    paths = ["/accounts/queue", f"/accounts/forms/{hand}", "/accounts?q=Smith"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            for width, height, scale in ((1366, 768, 1), (683, 384, 2)):
                page = browser.new_page(
                    viewport={"width": width, "height": height},
                    device_scale_factor=scale,
                    bypass_csp=True,  # to inject axe-core
                )
                page.goto(f"{live_url}/login")
                page.fill("input[name=username]", "approver1")
                page.fill("input[name=password]", PASSWORD)
                page.click("button[type=submit]")
                for path in paths:
                    page.goto(f"{live_url}{path}")
                    assert _accessibility_problems(page, axe) == [], (width, path)
                    wide = page.evaluate("document.documentElement.scrollWidth - innerWidth")
                    culprits = page.evaluate(WIDE_JS) if wide > 0 else []
                    assert wide <= 0, (width, path, wide, culprits)
                page.close()
        finally:
            browser.close()
