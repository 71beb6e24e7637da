"""The one doorway to the PDF rasteriser and to image decoding.

``iter_pages`` turns an uploaded file into page images one at a time, so that a 500-page batch
never sits in memory at once. Whatever is wrong with a file or a page becomes a ``PageFailure``
with a reason an office member can act on; nothing here raises on bad input, and the input file
is only ever opened for reading.
"""

from __future__ import annotations

import io
import logging
import mmap
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from intake.config import Limits
from intake.reading import jpegscans, pdfscan, poppler

log = logging.getLogger(__name__)

#: a scanned A4 page at 50 dpi is about 400x580 px; anything much smaller cannot hold a form
MIN_PAGE_SIDE_PX = 300
#: a rendered bi-tonal page: grey at or above this is paper, below it ink
BITONAL_PAPER_LEVEL = 128
#: a PDF page size is written to a hundredth of a point, so a 200 dpi scan may measure 199.9
NATIVE_DPI_SLACK = 0.005
#: rows of a decoded page copied out of Pillow at a time (about 2 MB of a 300 dpi A4 page)
DECODE_STRIP_ROWS = 256


@dataclass(frozen=True)
class PageImage:
    """One decoded page: a ``uint8`` array, RGB ``(height, width, 3)`` or, for a grey or
    black-and-white scan, grey ``(height, width)``."""

    index: int  # 0-based position in the file
    image: np.ndarray
    #: as the file states it (PDF: the embedded scan's, or the render dpi); None if unknown
    dpi: float | None = None
    note: str = ""  # something the reviewer should know, e.g. a misleading file extension


@dataclass(frozen=True)
class PageFailure:
    """A page (or, with ``whole_file``, the whole file) that could not be decoded."""

    index: int
    reason: str
    whole_file: bool = False


PageOrFailure = PageImage | PageFailure

_EXTENSIONS = {
    "pdf": (".pdf",),
    "png": (".png",),
    "jpeg": (".jpg", ".jpeg", ".jpe", ".jfif"),
    "tiff": (".tif", ".tiff"),
}
_KNOWN_SUFFIXES = {s for group in _EXTENSIONS.values() for s in group}


#: a PDF's first bytes: ISO 32000-1 and -2 (7.5.2) make the header the file's first line, and
#: scanners write it at byte 0. Acrobat's old tolerance of a header anywhere in the first
#: 1024 bytes is what lets an HTML page carrying "%PDF-" pass as a PDF, so none is allowed.
_PDF_HEADER = re.compile(rb"%PDF-[12]\.\d")
NOT_A_SCAN = "the file is not a PDF, TIFF, PNG or JPEG (its content matches none of them)"


def sniff_type(head: bytes) -> str | None:
    """The file type from its first bytes: "pdf", "png", "jpeg", "tiff", or None.

    Each type must start with its signature at byte 0: a PDF ``%PDF-1.x`` or ``%PDF-2.x``, a
    PNG its 8-byte signature, a JPEG ``FF D8 FF``, a TIFF ``II*\\0`` or ``MM\\0*``."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if _PDF_HEADER.match(head):
        return "pdf"
    return None


def refusal(head: bytes) -> str:
    """Why a file whose type ``sniff_type`` does not know is refused, for office staff."""
    if b"%PDF-" in head[:1024]:
        return NOT_A_SCAN + "; a PDF must begin with %PDF-, and this one does not"
    return NOT_A_SCAN


def _extension_note(path: Path, kind: str) -> str:
    suffix = path.suffix.lower()
    if suffix in _KNOWN_SUFFIXES and suffix not in _EXTENSIONS[kind]:
        return (
            f"the file's name ends {suffix} but its content is a {kind.upper()}; "
            f"it was read as a {kind.upper()}"
        )
    return ""


def iter_pages(
    path: Path, limits: Limits, skip: frozenset[int] = frozenset()
) -> Iterator[PageOrFailure]:
    """Every page of ``path`` as a ``PageImage`` or a ``PageFailure``, in file order; the
    pages of ``skip`` (already read by a batch) are passed over without being rendered."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(2048)
    except OSError as exc:
        yield PageFailure(0, f"the file cannot be opened: {exc.strerror or exc}", whole_file=True)
        return
    if size == 0:
        yield PageFailure(0, "the file is empty (0 bytes)", whole_file=True)
        return
    if size > limits.max_upload_mb * 1024 * 1024:
        yield PageFailure(
            0,
            f"the file is {size / 1048576:.0f} MB, over the limit of {limits.max_upload_mb} MB",
            whole_file=True,
        )
        return
    kind = sniff_type(head)
    if kind is None:
        yield PageFailure(0, refusal(head), whole_file=True)
        return
    note = _extension_note(path, kind)
    if note:
        log.warning("file content and extension differ: %s read as %s", path.suffix, kind)
    if kind == "pdf":
        yield from _pdf_pages(path, limits, note, skip)
    else:
        for item in _image_pages(path, kind, limits, note):
            if item.index not in skip or (isinstance(item, PageFailure) and item.whole_file):
                yield item


# --- PDF ------------------------------------------------------------------------------------


def _pdf_pages(
    path: Path, limits: Limits, note: str, skip: frozenset[int] = frozenset()
) -> Iterator[PageOrFailure]:
    """Every page, after every page's size has been checked: a scanned page as the image it
    holds, at that image's resolution; any other page rendered by poppler at the resolution
    of its finest image. The pages of ``skip`` are passed over without being decoded."""
    try:
        layout = poppler.inspect_pdf(path, limits)
        poppler.check_layout(layout, limits)
    except poppler.PdfRefused as exc:
        yield PageFailure(0, str(exc), whole_file=True)
        return
    if layout.encrypted:
        # owner-password-only PDFs open without a password; anything needing one fails above
        log.info("PDF is encrypted but opens without a password")
    with pdfscan.open_scans(path) as scans:
        for index, size in enumerate(layout.sizes):
            if index in skip:
                continue
            plan = scans.plan(index) if limits.pdf_native_images else pdfscan.PagePlan()
            try:
                yield _pdf_page(path, index, size, plan, limits, note)
            except poppler.PdfRefused as exc:  # one bad page must not stop the batch
                yield PageFailure(index, str(exc))


def _pdf_page(
    path: Path,
    index: int,
    size: poppler.PdfPageSize,
    plan: pdfscan.PagePlan,
    limits: Limits,
    note: str,
) -> PageImage:
    """One page of a PDF whose size was checked; ``PdfRefused`` saying why it cannot be read."""
    number = index + 1
    largest = plan.largest
    if largest is not None and largest.megapixels > limits.max_image_megapixels:
        raise poppler.PdfRefused(
            f"the image on page {number} of the PDF is {largest.width_px}x{largest.height_px} "
            f"px, over the limit of {limits.max_image_megapixels} megapixels; "
            "scan at 200-300 dpi"
        )
    scan = plan.scan
    if scan is not None and _taken_as_it_is(scan, limits):
        try:
            return _embedded_page(path, index, scan, plan.rotate, limits, note)
        except poppler.PdfRefused as exc:
            log.info("page %d: embedded image not taken (%s); rendering it", index, exc)
    elif plan.why_rendered:
        log.debug("page %d rendered: %s", index, plan.why_rendered)
    wanted = pdfscan.render_dpi(plan, limits.render_dpi, limits.max_render_dpi)
    dpi = poppler.page_dpi(size, limits, wanted)
    rgb = poppler.render_page(path, number, dpi, limits)
    if plan.bitonal:
        # a bi-tonal scan rendered greys only at its pixels' edges: put it back as it was
        paper = np.where(rgb.min(axis=2) >= BITONAL_PAPER_LEVEL, 255, 0).astype(np.uint8)
        return PageImage(index, paper, float(dpi), note)
    return PageImage(index, rgb, float(dpi), note)


def _taken_as_it_is(scan: pdfscan.PlacedImage, limits: Limits) -> bool:
    """A page's one image is the page as it is from ``render_dpi`` (the least the reader is
    tuned for: a coarser scan is rendered up to it, as it always was) to the size a page needs
    (a finer one is rendered down, within the renderer's memory limit)."""
    fine_enough = scan.dpi[0] >= limits.render_dpi * (1 - NATIVE_DPI_SLACK)
    return fine_enough and scan.megapixels <= limits.reduce_above_megapixels


def _embedded_page(
    path: Path, index: int, scan: pdfscan.PlacedImage, rotate: int, limits: Limits, note: str
) -> PageImage:
    """The page's one image, pixel for pixel, turned by the page's /Rotate."""
    data = poppler.extract_image(path, index + 1, limits)
    refused = jpegscans.too_many_scans(data, limits.max_jpeg_scans)
    if refused:
        raise poppler.PdfRefused(f"page {index + 1}: {refused}")
    try:
        with Image.open(io.BytesIO(data), formats=["PPM", "JPEG"]) as picture:
            if picture.size != (scan.width_px, scan.height_px):
                raise poppler.PdfRefused(f"page {index + 1}: the image decoded at another size")
            pixels, factor = _bounded_pixels(picture, False, limits)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise poppler.PdfRefused(f"page {index + 1}: the image cannot be decoded") from exc
    turns = (rotate // 90) % 4
    if turns:
        pixels = np.ascontiguousarray(np.rot90(pixels, -turns))  # /Rotate turns clockwise
    return PageImage(index, pixels, scan.dpi[0] / factor, note)


# --- images ---------------------------------------------------------------------------------


def _size_problem(width: int, height: int, limits: Limits) -> str:
    if width * height > limits.max_image_megapixels * 1_000_000:
        return (
            f"the image is {width}x{height} px, over the limit of "
            f"{limits.max_image_megapixels} megapixels; scan at 200-300 dpi"
        )
    if min(width, height) < MIN_PAGE_SIDE_PX:
        return f"the image is only {width}x{height} px, too small to be a scanned page"
    return ""


def _dpi_of(image: Image.Image) -> float | None:
    dpi = image.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        return None
    return value if value >= 50 else None


#: Pillow's name for each sniffed kind: ``Image.open`` tries that decoder only (never EPS)
_PIL_FORMATS = {"png": "PNG", "jpeg": "JPEG", "tiff": "TIFF"}


def _reduction(width: int, height: int, limits: Limits) -> int:
    """The smallest whole factor that brings a page to ``limits.reduce_above_megapixels``."""
    factor = 1
    while (width // factor) * (height // factor) > limits.reduce_above_megapixels * 1_000_000:
        factor += 1
    return factor


def _bounded_pixels(frame: Image.Image, upright: bool, limits: Limits) -> tuple[np.ndarray, int]:
    """Decode one frame, reduced by a whole factor when it is larger than a page needs; the
    frame's header was checked first. A JPEG is reduced while it is decoded (``draft``), so a
    large one never exists at full size; other formats are reduced as soon as they are decoded,
    and the full-size frame is dropped before its pixels are copied out. A grey or
    black-and-white frame stays grey: as RGB it was three times the memory and every step of
    the reader turned it grey again, to the same levels."""
    factor = _reduction(frame.width, frame.height, limits)
    picture: Image.Image = frame
    if factor > 1 and frame.format == "JPEG":
        decoded = "L" if picture.mode == "L" else "RGB"
        picture.draft(decoded, (frame.width // factor, frame.height // factor))
    picture.load()
    if picture.mode == "1":
        picture = picture.convert("L")
    elif picture.mode not in ("L", "RGB"):
        picture = picture.convert("RGB")
    left = _reduction(picture.width, picture.height, limits)
    if left > 1:
        picture = picture.reduce(left)
    if upright:
        # in place: otherwise an upright picture is copied whole, four bytes a pixel
        ImageOps.exif_transpose(picture, in_place=True)
    return _pixels(picture), factor


def _pixels(picture: Image.Image) -> np.ndarray:
    """An RGB or grey picture's pixels as a new array, copied ``DECODE_STRIP_ROWS`` rows at a
    time: ``np.asarray`` goes through ``tobytes``, which holds the page twice more at once (its
    pieces, then them joined) beside Pillow's own copy."""
    shape: tuple[int, ...] = (picture.height, picture.width)
    if picture.mode != "L":
        shape += (3,)
    pixels = np.empty(shape, np.uint8)
    for top in range(0, picture.height, DECODE_STRIP_ROWS):
        bottom = min(picture.height, top + DECODE_STRIP_ROWS)
        pixels[top:bottom] = np.asarray(picture.crop((0, top, picture.width, bottom)))
    return pixels


def _image_pages(path: Path, kind: str, limits: Limits, note: str) -> Iterator[PageOrFailure]:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        old_cap = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = limits.max_image_megapixels * 1_000_000
        try:
            yield from _decode_frames(path, kind, limits, note)
        finally:
            Image.MAX_IMAGE_PIXELS = old_cap


def _jpeg_refusal(path: Path, limits: Limits) -> str:
    """Why a JPEG file must not be decoded (too many scans), read from its markers in place."""
    with path.open("rb") as handle:
        try:
            data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:  # an empty file: the decoder says it is damaged
            return ""
        with data:
            return jpegscans.too_many_scans(data, limits.max_jpeg_scans)


def _decode_frames(path: Path, kind: str, limits: Limits, note: str) -> Iterator[PageOrFailure]:
    refused = _jpeg_refusal(path, limits) if kind == "jpeg" else ""
    if refused:
        yield PageFailure(0, refused, whole_file=True)
        return
    try:
        image = Image.open(path, formats=[_PIL_FORMATS[kind]])  # reads the header only
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        yield PageFailure(
            0,
            f"the image is larger than the limit of {limits.max_image_megapixels} megapixels "
            "(a possible decompression bomb); scan at 200-300 dpi",
            whole_file=True,
        )
        return
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        yield PageFailure(0, "the image file is damaged and cannot be decoded", whole_file=True)
        return
    try:
        frames = getattr(image, "n_frames", 1)
        if frames > limits.max_tiff_frames:
            yield PageFailure(
                0,
                f"the image has {frames} pages, over the limit of {limits.max_tiff_frames}",
                whole_file=True,
            )
            return
        if frames > 1:
            for index, frame in enumerate(ImageSequence.Iterator(image)):
                yield _decode_frame(frame, index, frames, limits, note)
            return
        only = _decode_frame(image, 0, frames, limits, note)
    finally:
        # Pillow's own copy of the decoded pixels (four bytes a pixel in colour) lives until
        # the image is closed, which leaving a ``with`` block does not do: a one-frame file
        # (every JPEG and PNG) is closed before its page is read, or it doubles the page
        image.close()
    yield only


def _decode_frame(
    frame: Image.Image, index: int, frames: int, limits: Limits, note: str
) -> PageOrFailure:
    """Frame ``index`` of ``frames`` as a page, or why it cannot be one."""
    problem = _size_problem(frame.width, frame.height, limits)
    if problem:
        return PageFailure(index, problem, whole_file=frames == 1)
    try:
        pixels, factor = _bounded_pixels(frame, index == 0, limits)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return PageFailure(index, "the image is too large to decode safely")
    except (OSError, ValueError, SyntaxError):
        return PageFailure(index, "the image is damaged or truncated and cannot be decoded")
    dpi = _dpi_of(frame)
    return PageImage(index, pixels, dpi / factor if dpi else None, note)
