"""Write the README pictures of the queue, the review screen, a character group and the term
view, and print the review figures over the whole sample batch:

    .venv/bin/python -m tests.web.make_screenshots docs/images

It runs the real app (waitress, job workers) on a free port with the committed samples and the
truth-based reader, and drives Debian's Chromium as a scripted reviewer.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

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


def main(out: Path) -> int:
    from playwright.sync_api import sync_playwright

    folder = sample_folder()
    chromium = ensure_chromium()
    if folder is None or not chromium:
        print("needs samples/ and Debian's chromium", file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    figures = Figures()
    with (
        tempfile.TemporaryDirectory() as tmp,
        live_app(Path(tmp) / "data", folder) as app,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        sign_in(page, app.url)
        upload_and_wait(page, app.url, sample_files(folder, 100))
        group = page.locator("#groups a[href*='verify?char=']").first.get_attribute("href")
        page.goto(f"{app.url}{group}")
        page.screenshot(path=str(out / "group-verification.png"))
        page.goto(f"{app.url}/review")
        page.screenshot(path=str(out / "review-queue.png"))
        review_everything(page, app.url, app.reader, figures, screenshot=out / "review-screen.png")
        page.goto(f"{app.url}/term")
        page.screenshot(path=str(out / "term-view.png"), full_page=True)
        browser.close()
    print("REVIEW FIGURES:", figures.report())
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/images")))
