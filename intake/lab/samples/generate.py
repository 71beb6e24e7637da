"""The sample generator's driver: roster -> families -> filled forms -> scans -> files and truths.

``generate_samples`` writes into one folder: each form's page images (``form-0001-p1.jpg``...),
its ground truth (``form-0001.json``, see ``intake.lab.samples.truth``), the roster the forms were
filled from (``roster.csv``), ``manifest.json`` and, with ``batch_pdf``, ``batch.pdf``: the
copier's multi-page PDF of the same scans with blank backs and the odd form in the wrong page
order. Forms are made on two processes; every random draw is seeded from (seed, form index), so
the same arguments give the same bytes.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import re
import shutil
import signal
import time
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from faker import Faker

from intake.config import School
from intake.errors import InputFileError
from intake.lab.samples.batch import BatchEntry, page_pdf, write_batch_pdf
from intake.lab.samples.draw import Writer, draw_page
from intake.lab.samples.fill import fill_form
from intake.lab.samples.handwriting import default_fonts, font_hand, fonts_in, glyph_hand
from intake.lab.samples.pen import random_pen
from intake.lab.samples.readme import samples_readme
from intake.lab.samples.scan import (
    BW_PDF_DPI,
    BW_PDF_SHARE,
    PHOTO_RATE,
    blank_back,
    choose_scan,
    photo_page,
    scan_page,
)
from intake.lab.samples.truth import FormTruth, PageTruth
from intake.progress import NullProgress, Progress
from intake.roster.model import Family, Roster
from intake.template import load_template
from intake.template.model import FormTemplate

log = logging.getLogger(__name__)

GENERATOR_VERSION = "1.0"
#: pupils in the demo roster made when no roster is given
DEMO_STUDENTS = 1200
#: share of forms printed from a family's personalised pack (family serial in the QR)
PERSONALISED_SHARE = 0.8
#: share of forms printed single-sided, whose sheets get a blank back in a duplex batch scan
SINGLE_SIDED_SHARE = 0.6
#: share of forms fed to the copier with page 2 on top
SWAPPED_SHARE = 0.1
BACKS_DIR = ".backs"


@dataclass(frozen=True)
class SampleOptions:
    """What to generate. ``fonts``/``glyphs`` choose the handwriting (default: Debian's
    handwriting fonts); ``dpi`` fixes the scan resolution (default: 200 to 300 per form)."""

    out: Path
    count: int
    seed: int
    fonts: Path | None = None
    glyphs: Path | None = None
    roster: Path | None = None
    batch_pdf: bool = False
    dpi: int | None = None
    workers: int = 2
    template: str = "parent-portal-v1"
    #: share of black-and-white copier scans sent as bi-tonal 300 dpi CCITT G4 PDFs (one per
    #: page), as copiers e-mail them; the rest stay 1-bit PNGs at the drawn resolution
    bw_pdf_share: float = BW_PDF_SHARE
    #: share of forms sent as phone photos rather than scans
    photo_rate: float = PHOTO_RATE


@dataclass(frozen=True)
class SampleSet:
    """What ``generate_samples`` wrote."""

    out: Path
    truths: tuple[FormTruth, ...]
    seconds: float
    batch_pages: int  # 0 without a batch PDF

    @property
    def seconds_per_form(self) -> float:
        return self.seconds / max(len(self.truths), 1)


@dataclass(frozen=True)
class _Context:
    """Everything a worker needs, sent once per process."""

    options: SampleOptions
    template: FormTemplate
    roster: Roster
    families: tuple[Family, ...]
    fonts: tuple[Path, ...]
    school: School


@dataclass(frozen=True)
class _FormResult:
    truth: FormTruth
    swapped: bool
    backs: dict[int, str]
    dpi: int  # page number -> blank back file under BACKS_DIR


_CONTEXT: _Context | None = None  # one per worker process, set by _init_worker


def _init_worker(context: _Context | None) -> None:
    global _CONTEXT
    _CONTEXT = context


def _init_pool_worker(context: _Context) -> None:
    # the pool's terminate() stops its workers with SIGTERM: a handler the parent inherited
    # (a test runner's in-process Huey consumer sets one) would keep them alive, and the pool
    # would wait on them for ever
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _init_worker(context)


def generate_samples(options: SampleOptions, progress: Progress | None = None) -> SampleSet:
    """Generate ``options.count`` filled and scanned forms into ``options.out``."""
    progress = progress or NullProgress()
    started = time.perf_counter()
    _check(options)
    fonts = tuple(fonts_in(options.fonts) if options.fonts else default_fonts())
    if not fonts:
        raise InputFileError(
            "no handwriting fonts found: install fonts-dkg-handwriting or pass --fonts"
        )
    if options.glyphs:
        glyph_hand(options.glyphs)  # fail early on a bad folder
    out = options.out
    out.mkdir(parents=True, exist_ok=True)
    _remove_old_forms(out)
    roster = _roster(options)
    from intake.roster.families import families as find_families

    households = tuple(find_families(roster))
    if not households:
        raise InputFileError("the roster has no family to fill a form for (no contacts?)")
    context = _Context(
        options, load_template(options.template), roster, households, fonts, School()
    )
    order = np.random.default_rng([options.seed, 0xFA]).permutation(len(households))
    jobs = [(index, int(order[index % len(order)])) for index in range(options.count)]
    if options.batch_pdf:
        (out / BACKS_DIR).mkdir(exist_ok=True)
    progress.start(options.count, "forms")
    results: list[_FormResult] = []
    if options.workers > 1 and options.count > 1:
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(options.workers, initializer=_init_pool_worker, initargs=(context,)) as pool:
            for result in pool.imap(_make_form, jobs):
                results.append(result)
                progress.advance()
    else:
        _init_worker(context)
        try:
            for job in jobs:
                results.append(_make_form(job))
                progress.advance()
        finally:
            _init_worker(None)  # the roster is not kept alive in the caller's process
    progress.finish()
    truths, batch_pages = _finish(options, results)
    for truth in truths:
        truth.save(out)
    _write_manifest(options, truths, batch_pages, fonts)
    readme = samples_readme(truths, command_line(options), len(batch_pages))
    (out / "README.md").write_text(readme, encoding="utf-8")
    seconds = time.perf_counter() - started
    log.info("generated %d forms in %.1f s", len(truths), seconds)
    return SampleSet(out, tuple(truths), seconds, len(batch_pages))


def command_line(options: SampleOptions) -> str:
    """The ``intake samples`` command that makes this set again."""
    parts = ["intake samples", f"--count {options.count}", f"--seed {options.seed}"]
    if options.fonts:
        parts.append(f"--fonts {options.fonts}")
    if options.glyphs:
        parts.append(f"--glyphs {options.glyphs}")
    if options.roster:
        parts.append(f"--roster {options.roster}")
    parts.append(f"--bw-pdf-share {options.bw_pdf_share:g}")
    parts.append(f"--out {options.out}")
    if options.batch_pdf:
        parts.append("--batch-pdf")
    if options.dpi:
        parts.append(f"--dpi {options.dpi}")
    return " ".join(parts)


def _check(options: SampleOptions) -> None:
    if options.count < 1:
        raise InputFileError("--count must be 1 or more")
    if options.fonts and options.glyphs:
        raise InputFileError("give either --fonts or --glyphs, not both")
    if options.roster is not None and not options.roster.is_file():
        raise InputFileError(f"roster file {options.roster} does not exist")
    if not 0.0 <= options.bw_pdf_share <= 1.0:
        raise InputFileError(f"--bw-pdf-share {options.bw_pdf_share} is out of range (0 to 1)")
    if options.dpi is not None and not 100 <= options.dpi <= 600:
        raise InputFileError(
            f"--dpi {options.dpi} is out of range (100 to 600; scanners use 200-300)"
        )


_FORM_FILE = re.compile(r"^form-\d{4,}(-p\d+\.(jpg|png|pdf)|\.json)$")


def _remove_old_forms(out: Path) -> None:
    """Delete forms an earlier run left in ``out`` (only the generator's own file names), so a
    smaller run does not leave stale truths beside its own."""
    old = [p for p in out.iterdir() if p.is_file() and _FORM_FILE.match(p.name)]
    for path in old:
        path.unlink()
    if old:
        log.info("removed %d files of an earlier sample run", len(old))


def _roster(options: SampleOptions) -> Roster:
    """The given roster, or a demo roster made from the seed and written to ``roster.csv``."""
    from intake.roster.csv_io import read_roster, write_roster

    target = options.out / "roster.csv"
    if options.roster is not None:
        if not options.roster.is_file():
            raise InputFileError(f"roster file {options.roster} does not exist")
        roster = read_roster(options.roster)
        if options.roster.resolve() != target.resolve():
            shutil.copyfile(options.roster, target)
        return roster
    from intake.lab.roster.demo import make_demo_roster

    write_roster(make_demo_roster(students=DEMO_STUDENTS, seed=options.seed), target)
    # read back what was written, so the truths name exactly the ids in roster.csv
    return read_roster(target)


def _writers(
    context: _Context, rng: np.random.Generator
) -> tuple[dict[str, Writer], dict[str, str]]:
    """Each parent's hand and pen; the names of the sources for the truth."""
    fonts = context.fonts
    first = fonts[int(rng.integers(len(fonts)))]
    second = fonts[int(rng.integers(len(fonts)))] if rng.random() < 0.7 else first
    pen1 = random_pen(rng)
    pen2 = random_pen(rng) if rng.random() < 0.6 else pen1
    glyphs = context.options.glyphs
    if glyphs is None:
        writers = {
            "parent1": Writer(font_hand(first), pen1),
            "parent2": Writer(font_hand(second), pen2),
        }
        return writers, {"font": first.name, "font_parent2": second.name}
    hand = glyph_hand(glyphs)
    fallback = font_hand(first)
    people = hand.writers()
    one = str(rng.choice(people)) if people else ""
    two = str(rng.choice(people)) if people else ""
    writers = {
        "parent1": Writer(hand, pen1, one, fallback),
        "parent2": Writer(hand, pen2, two, fallback),
    }
    names = {"glyphs": glyphs.name, "glyph_writer": one, "glyph_writer_parent2": two}
    return writers, {**names, "fallback_font": first.name}


def _make_form(job: tuple[int, int]) -> _FormResult:
    """Fill, draw and scan one form; write its pages; return its truth (worker side)."""
    context = _CONTEXT
    assert context is not None, "worker not initialised"
    index, family_index = job
    options = context.options
    seed = options.seed
    fill_rng = np.random.default_rng([seed, index, 1])
    ink_rng = np.random.default_rng([seed, index, 2])
    scan_rng = np.random.default_rng([seed, index, 3])
    faker = _faker()
    faker.seed_instance(seed * 1_000_003 + index)
    family = context.families[family_index]
    form_id = f"form-{index + 1:04d}"
    fill = fill_form(context.template, context.roster, family, fill_rng, faker)
    serial = family.serial if fill_rng.random() < PERSONALISED_SHARE else ""
    writers, writer_names = _writers(context, ink_rng)
    cross_ticks = bool(ink_rng.random() < 0.35)
    plan = choose_scan(scan_rng, options.dpi, options.photo_rate)
    # its own stream, so that sets made without PDFs keep every other draw they had
    as_pdf = plan.mode == "bw" and not plan.photo
    as_pdf = as_pdf and np.random.default_rng([seed, index, 4]).random() < options.bw_pdf_share
    if as_pdf and not options.dpi:
        plan = replace(plan, dpi=BW_PDF_DPI)
    single_sided = bool(scan_rng.random() < SINGLE_SIDED_SHARE)
    swapped = bool(scan_rng.random() < SWAPPED_SHARE)
    pages: list[PageTruth] = []
    backs: dict[int, str] = {}
    for page in context.template.pages:
        image = _blank_page(context, page.number, plan.dpi, serial)
        draw_page(image, page, fill, writers, ink_rng, plan.dpi, cross_ticks)
        scanned = (
            photo_page(image, plan, scan_rng) if plan.photo else scan_page(image, plan, scan_rng)
        )
        data, extension, conditions = scanned.data, scanned.extension, scanned.conditions
        if as_pdf:
            data, extension = page_pdf(data, plan.dpi), "pdf"
            conditions = (*conditions, "pdf_ccitt_g4")
        name = f"{form_id}-p{page.number}.{extension}"
        (options.out / name).write_bytes(data)
        pages.append(PageTruth(page.number, name, scanned.rotation, plan.photo, None, conditions))
        if options.batch_pdf and single_sided and not plan.photo:
            back = blank_back(image, plan, scan_rng)
            back_name = f"{BACKS_DIR}/{form_id}-p{page.number}-back.{back.extension}"
            (options.out / back_name).write_bytes(back.data)
            backs[page.number] = back_name
    truth = FormTruth(
        form_id=form_id,
        template=context.template.key,
        serial=serial,
        family_serial=family.serial,
        pages=tuple(pages),
        fields={fid: w.text for fid, w in fill.fields.items()},
        ticks=dict(fill.ticks),
        signatures=dict(fill.signatures),
        children=fill.children,
        applicants=fill.applicants,
        problems=fill.problems,
        writer=writer_names,
        crossed_out=dict(fill.crossed_out),
    )
    log.debug("form %s made", form_id)
    return _FormResult(truth, swapped, backs, plan.dpi)


def _blank_page(context: _Context, page_number: int, dpi: int, serial: str) -> np.ndarray:
    """The printed page with the family's serial in its QR, as RGB at ``dpi``. Rendered afresh:
    serials differ from form to form, so a cache of page rasters would only hold memory."""
    from intake.printing.raster import rasterise_pdf_page
    from intake.printing.render import render_page_pdf_bytes

    pdf = render_page_pdf_bytes(context.template, page_number, context.school, serial)
    blank = rasterise_pdf_page(pdf, dpi=dpi, colour=True)
    return np.asarray(cv2.cvtColor(blank, cv2.COLOR_BGR2RGB))  # the rasteriser speaks BGR


@lru_cache(maxsize=1)
def _faker() -> Faker:
    """One British Faker per process, re-seeded for every form."""
    return Faker("en_GB")


def _finish(
    options: SampleOptions, results: list[_FormResult]
) -> tuple[list[FormTruth], list[BatchEntry]]:
    """Lay the scanned (not photographed) forms into the batch PDF in copier order and record
    each page's place in it."""
    if not options.batch_pdf:
        return [r.truth for r in results], []
    entries: list[BatchEntry] = []
    truths: list[FormTruth] = []
    for result in results:
        truth = result.truth
        if any(p.photo for p in truth.pages):
            truths.append(truth)
            continue
        order = sorted(truth.pages, key=lambda p: p.page_number, reverse=result.swapped)
        placed: dict[int, int] = {}
        for page in order:
            placed[page.page_number] = len(entries)
            entries.append(
                BatchEntry(page.file, truth.form_id, page.page_number, False, result.dpi)
            )
            back = result.backs.get(page.page_number)
            if back:
                entries.append(BatchEntry(back, truth.form_id, page.page_number, True, result.dpi))
        pages = tuple(replace(p, batch_index=placed[p.page_number]) for p in truth.pages)
        truths.append(replace(truth, pages=pages))
    write_batch_pdf(options.out, entries, options.out / "batch.pdf")
    shutil.rmtree(options.out / BACKS_DIR, ignore_errors=True)
    return truths, entries


def _write_manifest(
    options: SampleOptions,
    truths: list[FormTruth],
    batch: list[BatchEntry],
    fonts: tuple[Path, ...],
) -> None:
    if options.glyphs:
        writer = {"glyphs": options.glyphs.name, "fallback_fonts": [f.name for f in fonts]}
    else:
        writer = {"fonts": [f.name for f in fonts]}
    manifest = {
        "generator_version": GENERATOR_VERSION,
        "seed": options.seed,
        "count": options.count,
        "dpi": options.dpi or "200-300",
        "bw_pdf_share": options.bw_pdf_share,
        "template": truths[0].template if truths else options.template,
        "roster": "roster.csv",
        "writer": writer,
        "forms": [t.form_id for t in truths],
        "batch": {
            "file": "batch.pdf",
            "pages": [
                {"form_id": e.form_id, "page_number": e.page_number, "blank_back": e.blank}
                for e in batch
            ],
        }
        if options.batch_pdf
        else None,
    }
    (options.out / "manifest.json").write_text(
        json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8"
    )
