"""The one doorway to the PDF rasteriser and to image decoding.

``iter_pages`` turns an uploaded file into page images one at a time, so that a 500-page batch
never sits in memory at once. Whatever is wrong with a file or a page becomes a ``PageFailure``
with a reason an office member can act on; nothing here raises on bad input, and the input file
is only ever opened for reading.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from intake.config import Limits

log = logging.getLogger(__name__)

#: a scanned A4 page at 50 dpi is about 400x580 px; anything much smaller cannot hold a form
MIN_PAGE_SIDE_PX = 300

_PDF_ERRORS_PASSWORD = ("incorrect password", "encrypted", "password")


@dataclass(frozen=True)
class PageImage:
    """One decoded page: RGB ``uint8`` array, ``(height, width, 3)``."""

    index: int  # 0-based position in the file
    image: np.ndarray
    dpi: float | None = None  # as the file states it (PDF: the render dpi); None if unknown
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


def sniff_type(head: bytes) -> str | None:
    """The file type from its first bytes: "pdf", "png", "jpeg", "tiff", or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if b"%PDF-" in head[:1024]:
        return "pdf"
    return None


def _extension_note(path: Path, kind: str) -> str:
    suffix = path.suffix.lower()
    if suffix in _KNOWN_SUFFIXES and suffix not in _EXTENSIONS[kind]:
        return (
            f"the file's name ends {suffix} but its content is a {kind.upper()}; "
            f"it was read as a {kind.upper()}"
        )
    return ""


def iter_pages(path: Path, limits: Limits) -> Iterator[PageOrFailure]:
    """Every page of ``path`` as a ``PageImage`` or a ``PageFailure``, in file order."""
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
        yield PageFailure(
            0,
            "the file is not a PDF, TIFF, PNG or JPEG (its content matches none of them)",
            whole_file=True,
        )
        return
    note = _extension_note(path, kind)
    if note:
        log.warning("file content and extension differ: %s read as %s", path.suffix, kind)
    if kind == "pdf":
        yield from _pdf_pages(path, limits, note)
    else:
        yield from _image_pages(path, limits, note)


# --- PDF ------------------------------------------------------------------------------------


def _pdf_info(path: Path, limits: Limits) -> tuple[dict[str, str] | None, str]:
    """pdfinfo's answer, or None and the reason."""
    from pdf2image import pdfinfo_from_path
    from pdf2image.exceptions import PDFInfoNotInstalledError, PDFPageCountError

    try:
        info = pdfinfo_from_path(str(path), timeout=limits.page_timeout_s)
    except PDFInfoNotInstalledError:
        return None, "the PDF tools (poppler-utils) are not installed on this server"
    except PDFPageCountError as exc:
        text = str(exc).lower()
        if any(word in text for word in _PDF_ERRORS_PASSWORD):
            return None, "password-protected PDFs are not accepted; save it without a password"
        return None, "the PDF is damaged or not a PDF (its structure cannot be read)"
    except Exception as exc:  # poppler timeouts and odd failures: the file, not us
        log.warning("pdfinfo failed: %s", type(exc).__name__)
        return None, "the PDF could not be opened in time; it may be damaged"
    return {str(k): str(v) for k, v in info.items()}, ""


def _page_megapixels(info: dict[str, str], dpi: int) -> float:
    """Megapixels of the first page at ``dpi`` (pdfinfo's "Page size: 595 x 842 pts")."""
    try:
        parts = info.get("Page size", "").split()
        width_pt, height_pt = float(parts[0]), float(parts[2])
    except (IndexError, ValueError):
        return 0.0
    return (width_pt / 72 * dpi) * (height_pt / 72 * dpi) / 1e6


def _pdf_pages(path: Path, limits: Limits, note: str) -> Iterator[PageOrFailure]:
    from pdf2image import convert_from_path

    info, reason = _pdf_info(path, limits)
    if info is None:
        yield PageFailure(0, reason, whole_file=True)
        return
    if info.get("Encrypted", "no").lower().startswith("yes"):
        # owner-password-only PDFs open without a password; anything needing one fails above
        log.info("PDF is encrypted but opens without a password")
    try:
        pages = int(info.get("Pages", "0"))
    except ValueError:
        pages = 0
    if pages <= 0:
        yield PageFailure(0, "the PDF has no pages", whole_file=True)
        return
    if pages > limits.max_pdf_pages:
        yield PageFailure(
            0,
            f"the PDF has {pages} pages, over the limit of {limits.max_pdf_pages} pages per file; "
            "split it into smaller files",
            whole_file=True,
        )
        return
    if _page_megapixels(info, limits.render_dpi) > limits.max_image_megapixels:
        yield PageFailure(
            0,
            f"the PDF's pages are too large to render (over {limits.max_image_megapixels} "
            "megapixels); scan at A4",
            whole_file=True,
        )
        return
    for index in range(pages):
        try:
            images = convert_from_path(
                str(path),
                dpi=limits.render_dpi,
                first_page=index + 1,
                last_page=index + 1,
                timeout=limits.page_timeout_s,
            )
        except Exception as exc:  # a damaged page must not stop the batch
            log.warning("page %d did not render: %s", index, type(exc).__name__)
            yield PageFailure(
                index, "this page of the PDF could not be rendered; it may be damaged"
            )
            continue
        if not images:
            yield PageFailure(index, "this page of the PDF rendered to nothing; it may be damaged")
            continue
        rgb = np.asarray(images[0].convert("RGB"))
        images[0].close()
        yield PageImage(index, rgb, float(limits.render_dpi), note)


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


def _image_pages(path: Path, limits: Limits, note: str) -> Iterator[PageOrFailure]:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        old_cap = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = limits.max_image_megapixels * 1_000_000
        try:
            yield from _decode_frames(path, limits, note)
        finally:
            Image.MAX_IMAGE_PIXELS = old_cap


def _decode_frames(path: Path, limits: Limits, note: str) -> Iterator[PageOrFailure]:
    try:
        image = Image.open(path)  # reads the header only
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
    with image:
        frames = getattr(image, "n_frames", 1)
        if frames > limits.max_tiff_frames:
            yield PageFailure(
                0,
                f"the image has {frames} pages, over the limit of {limits.max_tiff_frames}",
                whole_file=True,
            )
            return
        for index, frame in enumerate(ImageSequence.Iterator(image)):
            problem = _size_problem(frame.width, frame.height, limits)
            if problem:
                yield PageFailure(index, problem, whole_file=frames == 1)
                continue
            try:
                upright = ImageOps.exif_transpose(frame) if index == 0 else frame
                rgb = np.asarray((upright or frame).convert("RGB"))
            except (Image.DecompressionBombError, Image.DecompressionBombWarning):
                yield PageFailure(index, "the image is too large to decode safely")
                continue
            except (OSError, ValueError, SyntaxError):
                yield PageFailure(index, "the image is damaged or truncated and cannot be decoded")
                continue
            yield PageImage(index, rgb, _dpi_of(frame), note)
