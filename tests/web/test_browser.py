"""Real-browser flow through Debian's Chromium: sign in, upload a sample batch, watch it being
read, review from the keyboard, see the forms leave the queue. Prints the figures for the
closing note (key presses, time per form)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from intake.db.workflow import Form, FormEdit

from .browser_flow import (
    CHROMIUM_ARGS,
    Figures,
    ensure_chromium,
    live_app,
    review_everything,
    sample_files,
    sample_folder,
    sign_in,
    upload_and_wait,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
#: enough forms that, with the most doubtful one held, a form needing no correction is reviewed
FORMS = 8


@pytest.fixture(scope="module")
def chromium_executable() -> str:
    path = ensure_chromium()
    if not path:
        from tests.conftest import service_missing  # type: ignore[import-not-found]

        service_missing(
            "Debian's chromium is missing and could not be installed "
            "(apt-get install -y chromium needs root)"
        )
    return path


def test_upload_review_and_accept_from_the_keyboard(tmp_path: Path, chromium_executable) -> None:
    from playwright.sync_api import sync_playwright

    folder = sample_folder()
    if folder is None:
        pytest.skip("the sample scans (samples/) are not in this checkout")
    files = sample_files(folder, FORMS)
    figures = Figures()
    with live_app(tmp_path / "data", folder) as app, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_executable, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        try:
            sign_in(page, app.url)
            cookie = next(c for c in page.context.cookies() if c["name"] == "intake_session")
            assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
            progress = upload_and_wait(page, app.url, files)
            assert "pages done" in progress and " blank · " in progress
            queue_html = page.goto(f"{app.url}/review").text()
            assert "@" not in queue_html.split("<main", 1)[1]  # no email addresses in the list
            with app.sessions() as session:
                forms = session.scalars(select(Form)).all()
                assert len(forms) == FORMS and all(f.state == "review" for f in forms)
            held = _hold_first_form_from_the_keyboard(page, app.url)
            shot = tmp_path / "review-screen.png"
            review_everything(page, app.url, app.reader, figures, screenshot=shot)
            assert Image.open(io.BytesIO(shot.read_bytes())).size == (1440, 900)
            assert page.url.endswith("/review")  # back at the queue: the rest left it
            rows = page.locator("table.queue tbody tr")
            assert rows.count() == 1 and rows.first.get_attribute("data-form-id") == held
        finally:
            browser.close()
        with app.sessions() as session:
            states = {f.state for f in session.scalars(select(Form))}
            edits = session.scalars(select(FormEdit)).all()
        assert states == {"checked", "held"}
        assert len(edits) == figures.corrected_fields > 0
        assert all(
            app.reader.truth_value(_serial(app, e.form_id), e.field_id) == e.new_value
            for e in edits
        )
    assert figures.keys_clean_forms and set(figures.keys_clean_forms) == {1}
    print("\nREVIEW FIGURES:", figures.report())


def _hold_first_form_from_the_keyboard(page, url: str) -> str:
    """Alt+H, a reason, Enter: the form is parked and the next one is on screen."""
    page.goto(f"{url}/review")
    page.click("#start-review")
    page.wait_for_selector("#fields .field")
    form_id = page.get_attribute("#review", "data-form-id")
    ref = page.text_content("#form-ref")
    page.keyboard.press("Alt+h")
    page.wait_for_selector("#reason-dialog[open]")
    page.keyboard.type("ring home about the email")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "ref => document.getElementById('form-ref').textContent !== ref", arg=ref
    )
    return form_id


def _serial(app, form_id: str) -> str:
    with app.sessions() as session:
        return session.get(Form, form_id).serial


def test_forms_that_need_nobody_reach_the_approver_with_reasons(
    tmp_path: Path, chromium_executable
) -> None:
    """Straight through on: the sample batch's certain forms skip the review queue and the
    approver's queue and decide screen say why in words."""
    from playwright.sync_api import sync_playwright

    folder = sample_folder()
    if folder is None:
        pytest.skip("the sample scans (samples/) are not in this checkout")
    files = sample_files(folder, FORMS)
    with (
        live_app(tmp_path / "data", folder, straight_through=True) as app,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=chromium_executable, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        try:
            sign_in(page, app.url)
            upload_and_wait(page, app.url, files)
            with app.sessions() as session:
                forms = session.scalars(select(Form)).all()
                straight = [f.id for f in forms if "straight_through" in (f.proposed or {})]
                waiting = [f.id for f in forms if f.state == "review"]
            assert straight and waiting, "the sample batch has forms of both kinds"
            assert len(straight) + len(waiting) == FORMS
            review_html = page.goto(f"{app.url}/review").text()
            assert all(form_id not in review_html for form_id in straight)
            page.goto(f"{app.url}/accounts/queue")
            assert page.locator("text=straight through: no reviewer needed").count() == len(
                straight
            )
            page.locator("summary", has_text="Why no reviewer was needed").first.click()
            assert page.locator("details.safe[open] li").count() >= 4
            page.goto(f"{app.url}/accounts/forms/{straight[0]}")
            section = page.locator("#straight-through")
            assert "Sent straight through" in section.text_content()
            assert "signed (twice)" in section.text_content()
        finally:
            browser.close()
