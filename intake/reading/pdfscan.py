"""What a PDF page holds: the scan a copier laid on it, where and at what resolution.

A copier's PDF page is one image drawn over the whole page. Rendering such a page at a fixed
200 dpi resamples a bi-tonal 300 dpi scan to grey, which smears thin strokes and makes box-edge
remnants and specks in empty rows look like characters. So each page is first asked what it
draws, without decoding any image: ``PdfScans.plan`` walks the page's content stream (the
transformation matrix of every image it paints) and reads each image's dictionary (size, bits,
colour space, filters). A page that is one plain image filling the page upright is taken as that
image, pixel for pixel (``poppler.extract_image``); any other page is rendered at the resolution
of the finest image on it (``render_dpi``).

This is the one module that reads PDF structure with pikepdf for ingest. It never decodes an
image, and it inflates content streams only up to ``MAX_CONTENT_BYTES``: a page it cannot
understand is simply "not a plain scan", and poppler, under its memory limit, renders it.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf

log = logging.getLogger(__name__)

POINTS_PER_INCH = 72.0
#: a copier page's content stream is a few dozen bytes; past this one is not a plain scan
MAX_CONTENT_BYTES = 256 * 1024
#: how far (points, or this share of the side) a drawn image may miss the page edge and still
#: be "the page": page sizes are written to a hundredth of a point
_EDGE_TOLERANCE_PT = 1.0
_EDGE_TOLERANCE_SHARE = 0.002
#: x and y resolutions further apart than this are not square pixels: the page is rendered
_SQUARE_PIXELS = 0.01
#: filters poppler's ``pdfimages`` decodes (JBIG2 and CCITT G4 included)
_DECODABLE = {
    "/CCITTFaxDecode",
    "/JBIG2Decode",
    "/DCTDecode",
    "/FlateDecode",
    "/LZWDecode",
    "/RunLengthDecode",
}
_SPACES = {"/DeviceGray": 1, "/CalGray": 1, "/DeviceRGB": 3, "/CalRGB": 3}
#: operators that put marks on the page other than an image XObject
_PAINTING = {
    *("Tj", "TJ", "'", '"'),  # text
    *("f", "F", "f*", "B", "B*", "b", "b*", "S", "s"),  # paths
    *("sh", "BI", "INLINE IMAGE"),  # shadings, inline images
}
_INHERITED_DEPTH = 32
Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


@dataclass(frozen=True)
class PlacedImage:
    """One image XObject painted on a page: its pixel size and bits, and where it lands."""

    width_px: int
    height_px: int
    bits: int  # bits per component (1: bi-tonal)
    ctm: Matrix  # image space (unit square) to page space, in points
    plain: bool  # its pixels can be taken as they are: known filter, grey or RGB, no mask

    @property
    def megapixels(self) -> float:
        return self.width_px * self.height_px / 1e6

    @property
    def dpi(self) -> tuple[float, float]:
        """Pixels per inch across and down the image as drawn (0 for a degenerate matrix)."""
        a, b, c, d = self.ctm[:4]
        across, down = (a * a + b * b) ** 0.5, (c * c + d * d) ** 0.5
        return (
            self.width_px * POINTS_PER_INCH / across if across else 0.0,
            self.height_px * POINTS_PER_INCH / down if down else 0.0,
        )


@dataclass(frozen=True)
class PagePlan:
    """How to read one page: take its one image as it is (``scan``), or render it."""

    images: tuple[PlacedImage, ...] = ()
    #: the page is exactly this image, upright and filling the page; None: render the page
    scan: PlacedImage | None = None
    rotate: int = 0  # the page's /Rotate, clockwise degrees (0, 90, 180, 270)
    #: something other than images is painted (text, paths, forms, annotations), or the
    #: content could not be read
    other_marks: bool = False
    why_rendered: str = ""  # for the log, when ``scan`` is None

    @property
    def image_dpi(self) -> float | None:
        """The resolution of the finest image on the page; None for a page without images."""
        found = [max(image.dpi) for image in self.images if max(image.dpi) > 0]
        return max(found) if found else None

    @property
    def bitonal(self) -> bool:
        """The page is only bi-tonal images: it must come out black and white, never grey."""
        return bool(self.images) and not self.other_marks and all(i.bits == 1 for i in self.images)

    @property
    def largest(self) -> PlacedImage | None:
        return max(self.images, key=lambda i: i.megapixels, default=None)


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    """``m`` then ``n`` (PDF's row-vector convention: m x n)."""
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (
        a * p + b * r,
        a * q + b * s,
        c * p + d * r,
        c * q + d * s,
        e * p + f * r + t,
        e * q + f * s + u,
    )


def _inherited(page: pikepdf.Dictionary, key: str) -> Any:
    """``key`` of the page, or of the nearest page-tree node above it that has it."""
    node: Any = page
    for _ in range(_INHERITED_DEPTH):
        if key in node:
            return node[key]
        if "/Parent" not in node:
            return None
        node = node["/Parent"]
    return None


def _filters(stream: pikepdf.Stream) -> list[str]:
    """The names of a stream's filters, in order (none: an empty list)."""
    filters = stream.get("/Filter")
    if filters is None:
        return []
    if isinstance(filters, pikepdf.Array):
        return [str(f) for f in filters]
    return [str(filters)]


def _content_bytes(page: pikepdf.Dictionary) -> bytes | None:
    """The page's content, inflated to at most ``MAX_CONTENT_BYTES``; None if it is larger,
    or compressed other than with one Flate filter."""
    contents = page.get("/Contents")
    if contents is None:
        return b""
    streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
    out = bytearray()
    for stream in streams:
        if not isinstance(stream, pikepdf.Stream):
            return None
        filters = _filters(stream)
        if filters not in ([], ["/FlateDecode"]):
            return None
        declared = stream.get("/Length")
        if not isinstance(declared, int) or declared > MAX_CONTENT_BYTES:
            return None  # looked at before a byte is read
        raw = stream.read_raw_bytes()
        if len(raw) > MAX_CONTENT_BYTES:
            return None
        if filters:
            try:
                raw = zlib.decompressobj().decompress(raw, MAX_CONTENT_BYTES + 1)
            except zlib.error:
                return None
        out += raw + b"\n"
        if len(out) > MAX_CONTENT_BYTES:
            return None
    return bytes(out)


def _plain(xobject: pikepdf.Stream) -> bool:
    """Whether the image's stored pixels are what the page shows: a filter poppler decodes, a
    grey or RGB colour space, 1 or 8 bits, no mask, no non-default decode array."""
    if any(name not in _DECODABLE for name in _filters(xobject)):
        return False
    if any(key in xobject for key in ("/ImageMask", "/SMask", "/Mask", "/Decode")):
        return False
    space = xobject.get("/ColorSpace")
    if isinstance(space, pikepdf.Array) and len(space) == 2 and str(space[0]) == "/ICCBased":
        components = int(space[1].get("/N", 0))
    else:
        components = _SPACES.get(str(space), 0)
    bits = int(xobject.get("/BitsPerComponent", 0))
    return (components, bits) in {(1, 1), (1, 8), (3, 8)}


def _placed_images(
    pdf: pikepdf.Pdf, page: pikepdf.Page, content: bytes
) -> tuple[list[PlacedImage], bool]:
    """The images painted by ``content`` with their matrices, and whether anything else is."""
    resources = _inherited(page.obj, "/Resources")
    xobjects = resources.get("/XObject") if resources is not None else None
    ctm, stack = _IDENTITY, []
    placed: list[PlacedImage] = []
    other_marks = False
    stream = pikepdf.Stream(pdf, content)
    for instruction in pikepdf.parse_content_stream(stream):
        operands, operator = instruction.operands, str(instruction.operator)
        if operator == "q":
            stack.append(ctm)
        elif operator == "Q":
            ctm = stack.pop() if stack else _IDENTITY
        elif operator == "cm" and len(operands) == 6:
            matrix = tuple(float(v) for v in operands)
            ctm = _multiply(matrix, ctm)  # type: ignore[arg-type]
        elif operator == "Do":
            name = str(operands[0]) if operands else ""
            xobject = xobjects.get(name) if xobjects is not None else None
            if not isinstance(xobject, pikepdf.Stream) or xobject.get("/Subtype") != "/Image":
                other_marks = True  # a form XObject, or a name the page does not define
                continue
            placed.append(
                PlacedImage(
                    int(xobject.get("/Width", 0)),
                    int(xobject.get("/Height", 0)),
                    1 if xobject.get("/ImageMask") else int(xobject.get("/BitsPerComponent", 0)),
                    ctm,
                    _plain(xobject),
                )
            )
        elif operator in _PAINTING:
            other_marks = True
    return placed, other_marks


def _fills_page(image: PlacedImage, box: tuple[float, float, float, float]) -> bool:
    """An upright, unmirrored image drawn exactly over the page box."""
    a, b, c, d, e, f = image.ctm
    x0, y0, x1, y1 = box
    width, height = x1 - x0, y1 - y0

    def near(value: float, target: float, side: float) -> bool:
        return abs(value - target) <= max(_EDGE_TOLERANCE_PT, _EDGE_TOLERANCE_SHARE * side)

    return (
        b == 0
        and c == 0
        and near(a, width, width)
        and near(d, height, height)
        and near(e, x0, width)
        and near(f, y0, height)
    )


def _square(image: PlacedImage) -> bool:
    across, down = image.dpi
    return across > 0 and down > 0 and abs(across - down) <= _SQUARE_PIXELS * max(across, down)


def _page_plan(pdf: pikepdf.Pdf, page: pikepdf.Page) -> PagePlan:
    box = _inherited(page.obj, "/MediaBox")
    x0, y0, x1, y1 = (float(v) for v in box)
    box_pt = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    rotate = int(_inherited(page.obj, "/Rotate") or 0) % 360
    content = _content_bytes(page.obj)
    if content is None:
        return PagePlan(other_marks=True, why_rendered="its content is too large or unusual")
    images, other_marks = _placed_images(pdf, page, content)
    reasons = [
        (float(page.obj.get("/UserUnit", 1)) != 1, "it has a user unit"),
        (rotate % 90 != 0, "its rotation is not a quarter turn"),
        ("/Annots" in page.obj, "it has annotations"),
        (other_marks, "it has text or drawing besides its image"),
        (len(images) != 1, f"it holds {len(images)} images"),
    ]
    if len(images) == 1:
        image = images[0]
        reasons += [
            (not image.plain, "its image is stored in a way that is rendered instead"),
            (not _fills_page(image, box_pt), "its image does not fill the page upright"),
            (not _square(image), "its image's pixels are not square"),
        ]
    why = next((reason for failed, reason in reasons if failed), "")
    if why:
        return PagePlan(tuple(images), None, rotate, other_marks, why)
    return PagePlan(tuple(images), images[0], rotate, other_marks)


class PdfScans:
    """An open PDF whose pages are asked, one at a time, what they hold."""

    def __init__(self, pdf: pikepdf.Pdf | None) -> None:
        self._pdf = pdf

    def plan(self, index: int) -> PagePlan:
        """How to read page ``index`` (0-based); a page that cannot be inspected is rendered."""
        if self._pdf is None:
            return PagePlan(other_marks=True, why_rendered="the PDF's structure was not read")
        try:
            return _page_plan(self._pdf, self._pdf.pages[index])
        except (pikepdf.PdfError, ValueError, TypeError, KeyError, IndexError, AttributeError):
            log.info("page %d not inspected for its images; it is rendered", index)
            return PagePlan(other_marks=True, why_rendered="its structure could not be read")


@contextmanager
def open_scans(path: Path) -> Iterator[PdfScans]:
    """``PdfScans`` over the PDF at ``path``; if pikepdf cannot open it, every page is
    rendered (poppler, which opened it already, says what is wrong with a page)."""
    try:
        pdf = pikepdf.open(path)
    except (pikepdf.PdfError, OSError, ValueError) as exc:
        log.info("PDF not opened for its images: %s", type(exc).__name__)
        yield PdfScans(None)
        return
    with pdf:
        yield PdfScans(pdf)


def render_dpi(plan: PagePlan, default: int, ceiling: int) -> int:
    """The resolution to render a page at: its finest image's, from ``default`` (a page
    without images, or with coarse ones, as the reader has always had it) up to ``ceiling``."""
    wanted = plan.image_dpi
    if wanted is None:
        return default
    return round(min(ceiling, max(default, wanted)))
