"""The real app on a free localhost port (waitress in a thread, job workers beside it), and the
scripted reviewer that drives it through Chromium. Used by ``test_browser.py`` and by
``make_screenshots.py`` (which writes the README pictures)."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from huey import MemoryHuey

from intake import PROJECT_ROOT
from intake.batch.context import BatchContext
from intake.batch.jobs import build_queue, start_consumer_in_process
from intake.config import Settings, load_settings
from intake.db.base import make_engine, make_session_factory
from intake.db.migrate import upgrade
from intake.staff import directory, passwords
from intake.storage import LocalStorage
from intake.web import create_app

from .truth_reader import TruthReader, load_truths

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REVIEWER = "reviewer"
REVIEWER_PASSWORD = "violet tractor ocean plum"
#: decides the forms the reviewer uploaded (the four-eyes rule)
SECOND_APPROVER = "approver2"


def ensure_chromium() -> str:
    """Debian's Chromium, installed with apt when we are root and it is missing; '' if not."""
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if (
        shutil.which("apt-get")
        and hasattr(__import__("os"), "geteuid")
        and __import__("os").geteuid() == 0
    ):
        subprocess.run(
            ["apt-get", "install", "-y", "chromium"],
            check=False,
            capture_output=True,
            timeout=900,
        )
    return CHROMIUM if Path(CHROMIUM).exists() else ""


def sample_folder() -> Path | None:
    """The committed sample scans with their truth (``samples/``), when present."""
    folder = PROJECT_ROOT / "samples"
    return folder if any(folder.glob("form-*.json")) else None


def sample_files(folder: Path, forms: int) -> list[Path]:
    """Page images of the first ``forms`` sample forms."""
    files: list[Path] = []
    for truth in sorted(folder.glob("form-*.json"))[:forms]:
        files.extend(
            sorted(p for p in folder.glob(f"{truth.stem}-p*.*") if p.suffix in (".png", ".jpg"))
        )
    return files


@dataclass
class LiveApp:
    url: str
    settings: Settings
    sessions: Any
    reader: TruthReader
    stop: Any = None


def _matcher(settings: Settings, folder: Path) -> Any:
    """The real roster matcher over the samples' roster, when the roster area is installed."""
    roster_csv = folder / "roster.csv"
    try:
        from intake.batch.wiring import default_matcher
        from intake.web.roster_import import import_roster_bytes
    except ImportError:
        from batch.fakes import fake_matcher

        return fake_matcher
    factory = make_session_factory(make_engine(settings.sqlalchemy_url))
    if roster_csv.is_file():
        with factory() as session:
            import_roster_bytes(session, roster_csv, settings)
            session.commit()
    return default_matcher(settings)


@contextmanager
def live_app(
    data_dir: Path, folder: Path, *, straight_through: bool = False, real_reader: bool = False
) -> Iterator[LiveApp]:
    """Migrated database, a reviewer account and a second approver, job workers and waitress on
    a free port. ``straight_through`` off by default: the reviewer's flow wants every form in
    review. ``real_reader``: the product's reader reads the scans (the truths still say what
    the forms hold)."""
    from waitress.server import create_server

    # MFA has its own browser test (tests/staff/test_mfa_browser.py)
    settings = load_settings(
        environ={"INTAKE_DATA_DIR": str(data_dir)},
        mfa_required_roles=(),
        straight_through=straight_through,
    )
    upgrade(settings.sqlalchemy_url)
    sessions = make_session_factory(make_engine(settings.sqlalchemy_url))
    with sessions() as session:
        for name in (REVIEWER, SECOND_APPROVER):
            user, _ = directory.create_staff(session, name, "approver")
            user.password_hash = passwords.hash_password(REVIEWER_PASSWORD)
            user.must_change_password = False
        session.commit()
    reader = TruthReader(load_truths(folder))
    if real_reader:
        from intake.batch.wiring import default_reader
    ctx = BatchContext(
        settings=settings,
        sessions=sessions,
        storage=LocalStorage(data_dir / "files"),
        reader=default_reader(settings) if real_reader else reader,
        matcher=_matcher(settings, folder),
    )
    queue = build_queue(settings, huey=MemoryHuey("browser"), context=lambda: ctx)
    consumer = start_consumer_in_process(queue, workers=1)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "browser-test-secret-key-0123456789",
            "INTAKE_SETTINGS": settings,
            "INTAKE_QUEUE": queue,
            "INTAKE_STORAGE": ctx.storage,
        }
    )
    server = create_server(app, host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield LiveApp(f"http://127.0.0.1:{server.effective_port}", settings, sessions, reader)
    finally:
        server.close()
        consumer.stop(graceful=False)


@dataclass
class Figures:
    forms: int = 0
    corrected_fields: int = 0
    keys_for_corrections: int = 0
    #: key presses spent on each form that needed no correction (the goal is 1)
    keys_clean_forms: list[int] = field(default_factory=list)
    keys_total: int = 0
    #: new emails typed a second time (the first keying disagreed with the reading)
    keyed_twice: int = 0
    seconds_per_form: list[float] = field(default_factory=list)
    #: from the Enter key to the next form on screen (the app's own share of the time)
    seconds_enter_to_next: list[float] = field(default_factory=list)

    def report(self) -> str:
        per_field = self.keys_for_corrections / max(self.corrected_fields, 1)
        clean = sorted(set(self.keys_clean_forms))
        mean = sum(self.seconds_per_form) / max(len(self.seconds_per_form), 1)
        return (
            f"forms reviewed: {self.forms}; key presses to accept a form needing no "
            f"correction: {clean}; corrected fields: {self.corrected_fields}, "
            f"{per_field:.1f} key presses per corrected field (typing the value + Tab); "
            f"new emails keyed twice: {self.keyed_twice}; "
            f"total key presses {self.keys_total}; scripted reviewer "
            f"{mean:.2f} s per form (min {min(self.seconds_per_form, default=0):.2f}, "
            f"max {max(self.seconds_per_form, default=0):.2f}); Enter to next form on "
            f"screen: median {_median(self.seconds_enter_to_next):.2f} s"
        )


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else 0.0


#: each doubtful field in Tab order: its id, its value and the selection focus will make
_DOUBTFUL_FIELDS = """() => Array.from(document.querySelectorAll("input[data-doubtful='1']")).map(
  input => {
    const marks = Array.from(input.parentNode.querySelector('.chars').children)
      .map(s => s.className === 'doubt');
    const first = marks.indexOf(true), last = marks.lastIndexOf(true);
    const run = first >= 0 && marks.length === input.value.length
      && !marks.slice(first, last + 1).includes(false) ? [first, last + 1] : null;
    return [input.name.slice(6), input.value, run];
  })"""


_MOVED_OR_ASKED = """ref => { const el = document.getElementById('form-ref');
  const banner = document.getElementById('banner');
  return !el || el.textContent !== ref || (banner && !banner.hidden); }"""


def _key_again_if_asked(page: Any, ref: str | None, serial: str, reader: Any, figures: Any) -> int:
    """A new email whose first keying disagreed with the reading is typed again (the screen
    cleared its box and focused it), and an empty one left empty with a second Enter; returns
    the key presses it took."""
    page.wait_for_function(_MOVED_OR_ASKED, arg=ref, timeout=15000)
    banner = page.query_selector("#banner:not([hidden])")
    said = (banner.text_content() or "") if banner is not None else ""
    if "Type it again" not in said and "press Enter again" not in said:
        return 0
    field_id = page.evaluate("() => document.activeElement.name.slice(6)")
    truth = reader.truth_value(serial, field_id)
    page.keyboard.type(truth)
    page.keyboard.press("Enter")
    figures.keyed_twice += 1
    return len(truth) + 1


def _keys_to_fix(page: Any, value: str, run: list[int] | None, truth: str) -> int:
    """Type the fix into the focused field; returns the key presses it took."""
    if run is not None:
        start, end = run
        if (
            len(truth) >= start
            and truth[:start] == value[:start]
            and truth.endswith(value[end:])
            and len(truth) - len(value[end:]) >= start
        ):
            replacement = truth[start : len(truth) - len(value[end:])]
            if not replacement:
                page.keyboard.press("Delete")
                return 1
            page.keyboard.type(replacement)  # replaces the selected doubtful characters
            return len(replacement)
        page.keyboard.press("Control+a")
        page.keyboard.type(truth)
        return 1 + len(truth)
    page.keyboard.type(truth)  # the whole value is selected: typing overwrites it
    return len(truth)


def sign_in(page: Any, url: str, username: str = REVIEWER) -> None:
    page.goto(f"{url}/login")
    page.fill("#username", username)
    page.fill("#password", REVIEWER_PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(f"{url}/review")


def upload_and_wait(page: Any, url: str, files: list[Path], timeout_s: float = 180) -> str:
    """Upload the files as one batch and wait on the batch page until it is read."""
    page.goto(f"{url}/batches")
    page.fill("#label", "Returns week 1")
    page.set_input_files("#files", [str(p) for p in files])
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{url}/batches/*")
    seen = set()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = page.text_content("#batch-status") or ""
        seen.add(page.text_content("#progress-text") or "")
        if status.strip() == "done":
            break
        page.wait_for_timeout(300)
    page.wait_for_selector("text=Forms")
    return "\n".join(sorted(seen))


def review_everything(
    page: Any, url: str, reader: TruthReader, figures: Figures, screenshot: Path | None = None
) -> None:
    """The scripted reviewer: fix what differs from the truth, from the keyboard only."""
    page.goto(f"{url}/review")
    page.click("#start-review")
    page.wait_for_selector("#fields .field")
    first = True
    while True:
        started = time.perf_counter()
        ref = page.text_content("#form-ref")
        meta = page.text_content("#form-meta") or ""
        serial = meta.split("serial ")[1].split(" ")[0] if "serial " in meta else ""
        if first and screenshot is not None:
            page.wait_for_function(
                "() => Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)"
            )
            page.screenshot(path=str(screenshot), full_page=False)
        first = False
        state = page.evaluate(_DOUBTFUL_FIELDS)
        plan = []
        for field_id, value, run in state:
            truth = reader.truth_value(serial, field_id) if serial else ""
            plan.append((value, run, truth, value != truth and truth != ""))
        last_fix = max((i for i, step in enumerate(plan) if step[3]), default=-1)
        keys = 0
        for i, (value, run, truth, fix) in enumerate(plan[: last_fix + 1]):
            if fix:
                typed = _keys_to_fix(page, value, run, truth)
                keys += typed
                figures.corrected_fields += 1
                figures.keys_for_corrections += typed + 1  # the fix and one Tab or Enter
            if i < last_fix:
                page.keyboard.press("Tab")
                keys += 1
        shown = time.perf_counter()
        page.keyboard.press("Enter")
        keys += 1
        keys += _key_again_if_asked(page, ref, serial, reader, figures)
        if last_fix < 0:
            figures.keys_clean_forms.append(keys)
        figures.keys_total += keys
        figures.forms += 1
        page.wait_for_function(
            "ref => { const el = document.getElementById('form-ref');"
            " return !el || el.textContent !== ref; }",
            arg=ref,
            timeout=15000,
        )
        figures.seconds_per_form.append(time.perf_counter() - started)
        figures.seconds_enter_to_next.append(time.perf_counter() - shown)
        if "/review/" not in page.url:
            break
        page.wait_for_selector("#fields .field")
