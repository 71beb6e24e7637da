"""A scripted term-start trial in Chromium, with the real reader: the figures for the README.

    .venv/bin/python -m tests.web.trial [--forms 40] [--seed 77]

Generates ``--forms`` forms for the committed demo roster (``samples/roster.csv``), serves the
real app (waitress, job workers, the product's reader and matcher, straight-through on) and
drives Debian's Chromium: the office uploads the batch; a scripted reviewer fixes from the
keyboard what differs from the truth; a second approver approves the forms that are ready in
bulk. Prints the forms that never needed a reviewer, key presses and seconds per form, and the
seconds the approver took. Not a test: the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from intake import PROJECT_ROOT
from intake.db.workflow import Form, FormEdit
from intake.lab.samples.generate import SampleOptions, generate_samples
from intake.reading.validate import check
from intake.template.load import load_template

from .browser_flow import (
    CHROMIUM_ARGS,
    SECOND_APPROVER,
    Figures,
    ensure_chromium,
    live_app,
    review_everything,
    sign_in,
    upload_and_wait,
)


class TruthAsShown:
    """The truths in the form the review screen shows a value (normalised by field kind)."""

    def __init__(self, reader: object) -> None:
        self.reader = reader
        self.template = load_template("parent-portal-v1")

    def truth_value(self, serial: str, field_id: str) -> str:
        raw = self.reader.truth_value(serial, field_id)  # type: ignore[attr-defined]
        return check(self.template.field(field_id).kind, raw).value if raw else ""


def _page_files(folder: Path) -> list[Path]:
    """Every page the generator wrote: images, and black-and-white pages as copier PDFs."""
    return sorted(
        p for p in folder.glob("form-*-p*.*") if p.suffix.lower() in (".png", ".jpg", ".pdf")
    )


def main(forms: int, seed: int) -> int:
    from playwright.sync_api import sync_playwright

    chromium = ensure_chromium()
    if not chromium:
        print("needs Debian's chromium", file=sys.stderr)
        return 1
    figures = Figures()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "forms"
        generate_samples(
            SampleOptions(
                out=folder, count=forms, seed=seed, roster=PROJECT_ROOT / "samples" / "roster.csv"
            )
        )
        with (
            live_app(Path(tmp) / "data", folder, straight_through=True, real_reader=True) as app,
            sync_playwright() as p,
        ):
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            sign_in(page, app.url)
            started = time.perf_counter()
            upload_and_wait(page, app.url, _page_files(folder), timeout_s=1200)
            read_s = time.perf_counter() - started
            with app.sessions() as session:
                stored = session.scalars(select(Form)).all()
                straight = sum("straight_through" in (f.proposed or {}) for f in stored)
                total = len(stored)
            review_everything(page, app.url, TruthAsShown(app.reader), figures)
            approver = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
            sign_in(approver, app.url, SECOND_APPROVER)
            started = time.perf_counter()
            approver.goto(f"{app.url}/accounts/queue?ready=1")
            ready = approver.locator("input[name=form_id]").count()
            if ready:
                approver.check("#select-all")
                approver.click("button[value=approve]")
                approver.click("#confirm-bulk")
                approver.wait_for_url(f"{app.url}/accounts/queue*")
            decide_s = time.perf_counter() - started
            with app.sessions() as session:
                done = session.scalars(select(Form).where(Form.state == "accounts_created")).all()
                edits = session.scalars(select(FormEdit)).all()
            by_field = Counter(e.field_id.split("_", 1)[-1] for e in edits)
            browser.close()
    print(
        f"TRIAL: {total} forms from {forms} generated (seed {seed}), read in {read_s:.0f} s; "
        f"{straight} went straight through (no reviewer opened them); "
        f"reviewer: {figures.report()}; approver: {ready} ready forms on the first page of "
        f"the ready filter, {len(done)} approved in bulk in {decide_s:.1f} s; "
        f"values changed by the reviewer, by field: {dict(by_field.most_common())}"
    )
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--forms", type=int, default=40)
    parser.add_argument("--seed", type=int, default=77)
    args = parser.parse_args()
    raise SystemExit(main(args.forms, args.seed))
