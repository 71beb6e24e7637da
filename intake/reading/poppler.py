"""The one doorway to poppler (``pdfinfo``, ``pdftoppm``, ``pdfimages``) for uploaded PDFs.

Uploaded PDFs are hostile until shown otherwise, so this module looks before it renders:
``inspect_pdf`` asks ``pdfinfo -box`` for the size of *every* page (a 1 KB file with an A4 first
page and 4600 pt pages behind it once took 2.9 GB to render), and ``render_page`` runs
``pdftoppm`` under an address-space limit (``RLIMIT_AS``) so that what the size check cannot
foresee (a content-stream bomb, say) ends as a clear message, not a machine out of memory.

The page size that counts is the MediaBox: ``pdftoppm`` renders the MediaBox, not the CropBox
that pdfinfo's "Page size" line shows, so a small CropBox must not hide a huge MediaBox.
Poppler ignores ``/UserUnit`` when rendering, so the boxes in points are what it allocates.
"""

from __future__ import annotations

import logging
import math
import re
import resource
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from intake.config import Limits

log = logging.getLogger(__name__)

_POINTS_PER_INCH = 72
_PASSWORD_WORDS = ("incorrect password", "password")
_OUT_OF_MEMORY_WORDS = ("out of memory", "bad_alloc", "cannot allocate")
_BOX = re.compile(
    r"^Page\s+(\d+)\s+(MediaBox|CropBox):\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)"
)


class PdfRefused(Exception):
    """A PDF (or one of its pages) that will not be rendered; the message is for office staff."""


@dataclass(frozen=True)
class PdfPageSize:
    """One page's rendered area in points (the larger of its MediaBox and CropBox)."""

    number: int  # 1-based, as staff count pages
    width_pt: float
    height_pt: float

    def megapixels(self, dpi: int) -> float:
        scale = dpi / _POINTS_PER_INCH
        return (self.width_pt * scale) * (self.height_pt * scale) / 1e6


@dataclass(frozen=True)
class PdfLayout:
    """What ``pdfinfo`` says about a PDF: its page count and every page's size."""

    pages: int
    sizes: tuple[PdfPageSize, ...]
    encrypted: bool = False


def _address_space_limit(megabytes: int) -> Callable[[], None]:
    """A ``preexec_fn`` that caps the child's address space at ``megabytes``.

    It runs between fork and exec, so it does one system call and nothing that takes a lock
    (the worker and ``intake read`` render from one thread; the web process never renders)."""
    limit = megabytes * 1024 * 1024

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def _run(args: list[str], limits: Limits) -> subprocess.CompletedProcess[bytes]:
    """Run a poppler tool with the renderer's memory limit and the page timeout."""
    return subprocess.run(  # noqa: S603 - an argument list of our own, never a shell
        args,
        capture_output=True,
        timeout=limits.page_timeout_s,
        preexec_fn=_address_space_limit(limits.renderer_memory_mb),
        check=False,
    )


def _ran_out_of_memory(stderr: bytes) -> bool:
    text = stderr.decode("utf-8", "replace").lower()
    return any(word in text for word in _OUT_OF_MEMORY_WORDS)


def _parse_sizes(text: str) -> tuple[PdfPageSize, ...]:
    boxes: dict[int, list[tuple[float, float]]] = {}
    for line in text.splitlines():
        match = _BOX.match(line)
        if match is None:
            continue
        x1, y1, x2, y2 = (float(v) for v in match.group(3, 4, 5, 6))
        boxes.setdefault(int(match.group(1)), []).append((abs(x2 - x1), abs(y2 - y1)))
    return tuple(
        PdfPageSize(number, max(w for w, _ in sides), max(h for _, h in sides))
        for number, sides in sorted(boxes.items())
    )


def inspect_pdf(path: Path, limits: Limits) -> PdfLayout:
    """Page count, encryption and every page's size, or ``PdfRefused`` with the reason."""
    try:
        done = _run(
            ["pdfinfo", "-box", "-f", "1", "-l", str(limits.max_pdf_pages + 1), str(path)],
            limits,
        )
    except FileNotFoundError as exc:
        raise PdfRefused("the PDF tools (poppler-utils) are not installed on this server") from exc
    except subprocess.TimeoutExpired as exc:
        raise PdfRefused("the PDF could not be opened in time; it may be damaged") from exc
    text = done.stdout.decode("utf-8", "replace")
    if done.returncode != 0:
        error = done.stderr.decode("utf-8", "replace").lower()
        if any(word in error for word in _PASSWORD_WORDS):
            raise PdfRefused("password-protected PDFs are not accepted; save it without a password")
        if _ran_out_of_memory(done.stderr):
            raise PdfRefused(
                f"the PDF needs more memory to open than the limit of "
                f"{limits.renderer_memory_mb} MB allows"
            )
        raise PdfRefused("the PDF is damaged or not a PDF (its structure cannot be read)")
    found = re.search(r"^Pages:\s+(\d+)", text, re.MULTILINE)
    encrypted = re.search(r"^Encrypted:\s+yes", text, re.MULTILINE) is not None
    pages = int(found.group(1)) if found else 0
    return PdfLayout(pages, _parse_sizes(text), encrypted)


def check_layout(layout: PdfLayout, limits: Limits) -> None:
    """``PdfRefused`` unless the page count and every page's size are within the limits."""
    if layout.pages <= 0:
        raise PdfRefused("the PDF has no pages")
    if layout.pages > limits.max_pdf_pages:
        raise PdfRefused(
            f"the PDF has {layout.pages} pages, over the limit of {limits.max_pdf_pages} pages "
            "per file; split it into smaller files"
        )
    if len(layout.sizes) != layout.pages:
        raise PdfRefused("the PDF's page sizes cannot be read; it may be damaged")
    for size in layout.sizes:
        if size.megapixels(limits.render_dpi) > limits.max_image_megapixels:
            raise PdfRefused(
                f"page {size.number} of the PDF is {size.width_pt:.0f} x {size.height_pt:.0f} pt, "
                f"too large to render (over {limits.max_image_megapixels} megapixels at "
                f"{limits.render_dpi} dpi); scan at A4"
            )


def _read_ppm(path: Path) -> np.ndarray:
    """A binary PPM (P6, 8 bit) as an RGB array, read straight into one buffer: no copies."""
    with path.open("rb") as handle:
        header = handle.read(64)
        match = re.match(rb"P6\s+(\d+)\s+(\d+)\s+255\s", header)
        if match is None:
            raise ValueError("not an 8-bit binary PPM")
        width, height = int(match.group(1)), int(match.group(2))
        handle.seek(match.end())
        pixels = np.fromfile(handle, dtype=np.uint8, count=width * height * 3)
    if pixels.size != width * height * 3:
        raise ValueError("the rendered page is truncated")
    return pixels.reshape(height, width, 3)


def page_dpi(size: PdfPageSize, limits: Limits, wanted: int | None = None) -> int:
    """``wanted`` (default ``limits.render_dpi``), or less for a page larger than
    ``limits.reduce_above_megapixels`` at that resolution (an A3 sheet, say): a page never
    needs more pixels than that."""
    dpi = wanted or limits.render_dpi
    megapixels = size.megapixels(dpi)
    if megapixels <= limits.reduce_above_megapixels:
        return dpi
    return max(1, math.floor(dpi * math.sqrt(limits.reduce_above_megapixels / megapixels)))


def render_page(path: Path, number: int, dpi: int, limits: Limits) -> np.ndarray:
    """Page ``number`` (1-based) at ``dpi`` as RGB, or ``PdfRefused`` saying why."""
    with tempfile.TemporaryDirectory(prefix="intake-render-") as folder:
        root = Path(folder) / "page"
        args = ["pdftoppm", "-r", str(dpi), "-f", str(number), "-l", str(number)]
        try:
            done = _run([*args, "-singlefile", str(path), str(root)], limits)
        except subprocess.TimeoutExpired as exc:
            raise PdfRefused(
                f"page {number} of the PDF took longer than {limits.page_timeout_s} s to render"
            ) from exc
        # pdftoppm may print "Out of memory" and still exit 0 with a partial page
        if _ran_out_of_memory(done.stderr):
            log.warning("pdftoppm hit the %d MB memory limit", limits.renderer_memory_mb)
            raise PdfRefused(
                f"page {number} of the PDF needs more memory to render than the limit of "
                f"{limits.renderer_memory_mb} MB allows"
            )
        try:
            if done.returncode != 0:
                raise ValueError(f"pdftoppm exited {done.returncode}")
            return _read_ppm(root.with_suffix(".ppm"))
        except (OSError, ValueError) as exc:
            log.warning("page %d did not render: %s", number, exc)
            raise PdfRefused(
                f"page {number} of the PDF could not be rendered; it may be damaged"
            ) from exc


def extract_image(path: Path, number: int, limits: Limits) -> bytes:
    """The one image of page ``number`` (1-based) as ``pdfimages`` writes it: a JPEG as it is
    stored, any other image (CCITT G4, JBIG2, Flate...) decoded to PBM (1 bit) or PPM. Run
    under the renderer's memory limit and the page timeout; ``PdfRefused`` saying why."""
    with tempfile.TemporaryDirectory(prefix="intake-extract-") as folder:
        root = Path(folder) / "image"
        args = ["pdfimages", "-j", "-f", str(number), "-l", str(number), str(path), str(root)]
        try:
            done = _run(args, limits)
        except subprocess.TimeoutExpired as exc:
            raise PdfRefused(
                f"the image on page {number} of the PDF took longer than "
                f"{limits.page_timeout_s} s to decode"
            ) from exc
        if _ran_out_of_memory(done.stderr):
            log.warning("pdfimages hit the %d MB memory limit", limits.renderer_memory_mb)
            raise PdfRefused(
                f"the image on page {number} of the PDF needs more memory to decode than the "
                f"limit of {limits.renderer_memory_mb} MB allows"
            )
        written = sorted(Path(folder).iterdir())
        if done.returncode != 0 or len(written) != 1:
            log.warning(
                "page %d: pdfimages exited %d, %d files", number, done.returncode, len(written)
            )
            raise PdfRefused(f"the image on page {number} of the PDF could not be decoded")
        return written[0].read_bytes()
