"""Group verification and the term view in Debian's Chromium: axe-core finds no serious or
critical violation at 1366x768 and at 200% zoom, and a scripted reviewer settles a character
group from the keyboard (Enter where the machine read it right, the right key where it did
not). Prints the figures: key presses and seconds per character."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from intake.db.workflow import AuditEntry, Form
from intake.fieldjson import field_from_json

from .browser_flow import (
    CHROMIUM_ARGS,
    ensure_chromium,
    live_app,
    sample_files,
    sample_folder,
    sign_in,
    upload_and_wait,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
FORMS = 10
AXE_JS = """async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa']}))
  .violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
  .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))"""


def _needs(path: str, what: str) -> None:
    if not path:
        from tests.conftest import service_missing  # type: ignore[import-not-found]

        service_missing(what)


def _axe_core() -> Path:
    default = Path(__file__).resolve().parents[2] / "node_modules/axe-core/axe.min.js"
    found = Path(os.environ.get("INTAKE_AXE_CORE", default))
    _needs(str(found) if found.is_file() else "", "axe-core is not installed (run .ci/install)")
    return found


def _group_url(page: Any, url: str, batch_path: str) -> str:
    """The batch page's biggest character group (the links come most common first)."""
    page.goto(f"{url}{batch_path}")
    link = page.locator("#groups a[href*='verify?char=']").first
    return f"{url}{link.get_attribute('href')}"


def test_a_character_group_is_settled_from_the_keyboard(tmp_path: Path) -> None:
    chromium = ensure_chromium()
    _needs(chromium, "Debian's chromium is missing")
    axe = _axe_core()
    from playwright.sync_api import sync_playwright

    folder = sample_folder()
    if folder is None:
        pytest.skip("the sample scans (samples/) are not in this checkout")
    with live_app(tmp_path / "data", folder) as app, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 768}, bypass_csp=True)
            sign_in(page, app.url)
            upload_and_wait(page, app.url, sample_files(folder, FORMS))
            batch_path = page.url.removeprefix(app.url)
            group = _group_url(page, app.url, batch_path)
            for width, height, scale in ((1366, 768, 1), (683, 384, 2)):
                page.set_viewport_size({"width": width, "height": height})
                names = group.split("?")[0] + "?kind=name"
                for path in (group, names, f"{app.url}/term", f"{app.url}{batch_path}"):
                    page.goto(path)
                    page.add_script_tag(path=str(axe))
                    assert page.evaluate(AXE_JS) == [], (width, scale, path)
                    wide = page.evaluate("document.documentElement.scrollWidth - innerWidth")
                    assert wide <= 0, (width, path, wide)
            page.set_viewport_size({"width": 1366, "height": 768})
            plan: list[tuple[str, str, int, str, str]] = []
            seconds: list[float] = []
            groups = 0
            while page.goto(f"{app.url}{batch_path}") and groups < 30:
                link = page.locator("#groups a[href*='verify?char=']")
                if not link.count():
                    break  # every doubtful character of the batch is settled
                groups += 1
                page.goto(f"{app.url}{link.first.get_attribute('href')}")
                _settle_group(page, app, plan, seconds)
            values = _settle_values(page, app, f"{app.url}{batch_path}/verify?kind=name")
        finally:
            browser.close()
        with app.sessions() as session:
            for form_id, field_id, position, _read, truth in plan:
                read = field_from_json(session.get(Form, form_id).values[field_id])
                assert read.chars[position].char == truth and read.chars[position].confidence == 1
            verified = session.scalars(
                select(AuditEntry).where(AuditEntry.action == "form.verify")
            ).all()
            for form_id, field_id, truth in values:
                read = field_from_json(session.get(Form, form_id).values[field_id])
                assert read.value == truth and read.confidence == 1.0
        assert len(verified) == len(plan) + len(values)
    wrong = sum(1 for *_x, read, truth in plan if read != truth)
    assert 0 < wrong < len(plan)  # both paths: Enter confirms, a key corrects
    seconds.sort()
    print(
        f"\nGROUP FIGURES: {groups} groups, {len(plan)} characters ({wrong} misread) settled with "
        f"{len(plan)} key presses; median {seconds[len(seconds) // 2]:.2f} s, "
        f"slowest {seconds[-1]:.2f} s from key to saved"
    )


def _settle_group(page, app, plan: list, seconds: list[float]) -> None:
    """Enter where the machine read the truth, the truth's key where it did not."""
    items = page.locator(".group-item")
    assert page.evaluate("document.activeElement.classList.contains('typed')")
    for i in range(items.count()):
        item = items.nth(i)
        form_id = item.get_attribute("data-form-id")
        field_id = item.locator("input[name=field_id]").get_attribute("value")
        position = int(item.locator("input[name=position]").get_attribute("value"))
        read = item.locator("input.typed").get_attribute("data-original")
        with app.sessions() as session:
            serial = session.get(Form, form_id).serial
        truth = app.reader.truth_value(serial, field_id)[position]
        plan.append((form_id, field_id, position, read, truth))
        started = time.perf_counter()
        page.keyboard.press("Enter" if read == truth else truth)
        page.wait_for_selector(f".group-item:nth-child({i + 1}).done")
        seconds.append(time.perf_counter() - started)
    assert page.text_content("#group-status").strip().endswith("0 left to check.")


def _settle_values(page: Any, app: Any, url: str, most: int = 4) -> list[tuple[str, str, str]]:
    """A value group: Enter where the whole name was read right, else the right name typed."""
    page.goto(url)
    items = page.locator(".group-item")
    assert items.count() > 0  # the characters were settled, the names not yet sure as a whole
    done = []
    for i in range(min(most, items.count())):
        item = items.nth(i)
        form_id = item.get_attribute("data-form-id")
        field_id = item.locator("input[name=field_id]").get_attribute("value")
        with app.sessions() as session:
            serial = session.get(Form, form_id).serial
        truth = app.reader.truth_value(serial, field_id)
        box = item.locator("input.typed")
        assert page.evaluate("document.activeElement.classList.contains('typed')")
        if box.input_value() != truth:
            page.keyboard.press("Control+a")
            page.keyboard.type(truth)
        page.keyboard.press("Enter")
        page.wait_for_selector(f".group-item:nth-child({i + 1}).done")
        done.append((form_id, field_id, truth))
    return done
