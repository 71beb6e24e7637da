"""Cutting character boxes out of an aligned page: find the outline, remove it, keep the ink.

Everything here works on the aligned page (``ALIGNED_PX_PER_MM`` pixels per template mm), so the
template's millimetres turn into pixels by one multiplication. Box outlines are printed light red:
in colour scans the red tells print from ink; in grey scans the outline is lighter than ink, and
on its known line a pixel must be darker still to count as ink (ink that crosses the line is kept).
Colour scans are read in their red channel, as form scanners drop out red print: the outline all
but vanishes there while blue and black ink stay dark. Black-and-white scans have no grey level to
tell print from ink: ``intake.reading.bilevel`` removes the outline by its shape and place there.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np

from intake.engines.base import ALIGNED_PX_PER_MM, GLYPH_MARGIN_MM
from intake.reading.bilevel import (
    bridged,
    dark_outline,
    outline_printed,
    scan_is_bilevel,
    window_is_bilevel,
)
from intake.template.model import Rect

PX = ALIGNED_PX_PER_MM
#: how far (mm) the printed outline may lie from where alignment puts it
OUTLINE_SEARCH_MM = 1.0
#: half-width (mm) of the band along the outline treated as print
OUTLINE_BAND_MM = 0.45
#: ink blobs smaller than this (mm²) are scanner dust (on grey and colour scans)
DUST_MM2 = 0.08
#: a pixel this much darker than the paper is ink (grey levels) ...
INK_CONTRAST = 85
#: ... or, for a light pen, half as dark as the field's darkest ink, but never less than this
INK_MIN_CONTRAST = 50
#: ... and on the outline band, darker than this absolute grey level when the outline's own
#: level is unknown or black (a black-and-white scan)
INK_ON_LINE_GREY = 110
#: on a light outline, a pixel this much darker than the outline's level is ink crossing it
LINE_INK_CONTRAST = 38
#: an outline whose centre is this much ink-dark was made black by the scan (no ink contrast)
BLACK_OUTLINE_SHARE = 0.25
#: the paper's level at a pixel is the brightest within this distance (mm): wider than a stroke
PAPER_REACH_MM = 2.5
#: marks narrower than this (mm) are not paper for ``ShadowPaper``: wider than a tick box
SHADOW_REACH_MM = 8.0
#: ``ShadowPaper`` works at 1 / this of the aligned resolution
SHADOW_SCALE = 4
#: half-width (mm) of the outline's centre, where its grey level is measured
LINE_CENTRE_MM = 0.1
#: red minus green above this is the printed outline colour in colour scans
RED_PRINT = 30
#: an ink share this many times above (or below) the written threshold is a sure decision
EMPTY_SURE_FACTOR = 2.5
#: a full stop's blob is between these sizes (mm) across
FULL_STOP_MM = (0.25, 1.2)
#: a struck-through box holds at least this share of ink
CROSSED_MIN_INK = 0.12
#: ink runs per row across the box's middle that make a scribble rather than a letter
SCRIBBLE_RUNS = 5
#: share of the expected outline that must be seen before the search trusts what it found
OUTLINE_COVERAGE = 0.45
#: print-map levels that count as "outline seen" (red mask; grey darkness)
RED_VISIBLE = 0.5
GREY_VISIBLE = 25.0
#: pixels of dilation that join a black-and-white scan's dotted outline when looking for it
BILEVEL_JOIN_PX = 5
#: a page with at least this share of red print pixels is a colour scan (outlines cover ~2%)
RED_PAGE_SHARE = 0.004
#: the grey red print is shown in on the page picture: light, so that the writing stands out,
#: dark enough to find the boxes by (one of the review image's 16 levels)
PRINT_GREY = 187
#: a warped red-print mask (0 or 255 before warping) above this is print
PRINT_MASK_LEVEL = 127


@dataclass(frozen=True)
class PageInk:
    """The aligned page split for box work: grey levels and, on colour scans, the red print."""

    grey: np.ndarray  # uint8 (H, W)
    red: np.ndarray | None  # bool (H, W): printed light-red pixels, or None for grey scans
    paper: float  # grey level of bare paper
    #: a black-and-white scan (next to no mid greys before alignment blurred its edges): the
    #: light outline came out black or dotted, and ink has no grey level to tell it from print
    bilevel: bool = False

    @cached_property
    def shadow_paper(self) -> ShadowPaper:
        """The page's paper level that keeps a shadow's edge (made on first use)."""
        return ShadowPaper.of(self.grey)


@dataclass(frozen=True)
class ShadowPaper:
    """The paper's grey level over the page, through shadows: a morphological closing over
    ``SHADOW_REACH_MM`` fills in every mark narrower than that (strokes, a tick, a box filled
    in solid, printed lines) with the paper around it, while a change of light wider than that
    (a phone's or a hand's shadow across a photo) keeps its edge. Against the bare local
    brightest level, the dark side of a shadow edge reads as ink, and an empty tick box half in
    shadow reads ticked for sure. Made at a quarter of the aligned resolution (cheap; an edge
    blurs by a third of a millimetre)."""

    small: np.ndarray  # uint8, the closed paper at 1 / SHADOW_SCALE of the page
    shape: tuple[int, int]

    @classmethod
    def of(cls, grey: np.ndarray) -> ShadowPaper:
        height, width = grey.shape
        small = cv2.resize(
            grey,
            (max(1, width // SHADOW_SCALE), max(1, height // SHADOW_SCALE)),
            interpolation=cv2.INTER_AREA,
        )
        reach = max(3, round(SHADOW_REACH_MM * PX / SHADOW_SCALE)) | 1
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (reach, reach))
        closed = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel)
        return cls(cv2.blur(closed, (3, 3)), (height, width))

    def around(self, x: int, y: int, w: int, h: int) -> np.ndarray:
        """float32 paper level of the window (x, y, w, h) of the page."""
        scale = SHADOW_SCALE
        x0, y0 = x // scale, y // scale
        x1 = min(self.small.shape[1], -(-(x + w) // scale) + 1)
        y1 = min(self.small.shape[0], -(-(y + h) // scale) + 1)
        crop = self.small[y0:y1, x0:x1].astype(np.float32)
        # the crop's pixels are centred at (i + 0.5) * scale; map the window's pixel centres
        xs = (np.arange(x, x + w) + 0.5) / scale - 0.5 - x0
        ys = (np.arange(y, y + h) + 0.5) / scale - 0.5 - y0
        map_x = np.broadcast_to(xs[None, :], (h, w)).astype(np.float32)
        map_y = np.broadcast_to(ys[:, None], (h, w)).astype(np.float32)
        paper = cv2.remap(crop, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        # the coarse map blurs a sharp shadow edge over a few pixels, lighting its dark side:
        # the darkest level near each pixel keeps that edge from reading as a stroke
        near = 2 * scale + 1
        return cv2.erode(paper, cv2.getStructuringElement(cv2.MORPH_RECT, (near, near)))


@dataclass(frozen=True, eq=False)
class BoxCut:
    """One character box: the cleaned glyph and what the ink says about it."""

    glyph: np.ndarray  # uint8, ink dark on white, outline removed
    ink_ratio: float  # ink share inside the box (outline band excluded)
    written: bool
    empty_confidence: float  # how sure the written/empty decision is, 0..1
    crossed_out: bool
    rect_px: tuple[int, int, int, int]  # the grown crop on the aligned page (x, y, w, h)


def page_ink(aligned: np.ndarray, scan: np.ndarray | None = None) -> PageInk:
    """Prepare an aligned page (RGB or grey) for cutting boxes. ``scan``, the image it was
    aligned from, tells a black-and-white scan best (alignment blurs its edges into greys)."""
    red: np.ndarray | None = None
    if aligned.ndim == 3:
        r = aligned[..., 0].astype(np.int16)
        g = aligned[..., 1].astype(np.int16)
        red = r - g > RED_PRINT
        if float(np.mean(red[::4, ::4])) < RED_PAGE_SHARE:
            red = None  # a grey or black-and-white scan, or one whose print lost its colour
        grey = dropout_grey(aligned, red is not None)
    else:
        grey = aligned
    paper = float(np.percentile(grey[::8, ::8], 90))
    source = grey if scan is None else scan
    if source.ndim == 3:
        source = cv2.cvtColor(source, cv2.COLOR_RGB2GRAY)
    return PageInk(grey, red, paper, red is None and scan_is_bilevel(source))


def dropout_grey(rgb: np.ndarray, red_print: bool) -> np.ndarray:
    """The grey image boxes are read from: the red channel where the print is red (red dropout,
    the outline nearly vanishes and ink stays dark), otherwise the usual luminance."""
    if red_print:
        return np.ascontiguousarray(rgb[..., 0])
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


def _ink_scans(image: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, bool]:
    """(grey, red print or None, bilevel) at scan resolution: what the boxes are read from."""
    red_scan: np.ndarray | None = None
    if image.ndim == 3:
        # 255 where red print, 0 elsewhere, in place: one page-sized array where there were four
        red_scan = cv2.subtract(image[..., 0], image[..., 1])
        cv2.threshold(red_scan, RED_PRINT, 255, cv2.THRESH_BINARY, dst=red_scan)
        if float(np.mean(red_scan[::4, ::4] > 0)) < RED_PAGE_SHARE:
            red_scan = None
        grey_scan = dropout_grey(image, red_scan is not None)
    else:
        grey_scan = image
    return grey_scan, red_scan, red_scan is None and scan_is_bilevel(grey_scan)


def _band(rows_mm: tuple[float, float], height: int) -> tuple[int, int]:
    return max(0, int(rows_mm[0] * PX)), min(height, int(np.ceil(rows_mm[1] * PX)))


def _ink_of_band(
    grey_band: np.ndarray,
    red_band: np.ndarray | None,
    top: int,
    size: tuple[int, int],
    bilevel: bool,
) -> PageInk:
    """The page's ink from its warped field rows; the rest of the page is left white."""
    width, height = size
    bottom = top + grey_band.shape[0]
    grey = np.full((height, width), 255, np.uint8)
    grey[top:bottom] = grey_band
    red = None
    if red_band is not None:
        red = np.zeros((height, width), bool)
        red[top:bottom] = red_band > PRINT_MASK_LEVEL
    paper = float(np.percentile(grey[top:bottom:8, ::8], 90)) if bottom > top else 255.0
    return PageInk(grey, red, paper, bilevel)


def page_ink_from_scan(
    image: np.ndarray,
    homography: np.ndarray,
    rows_mm: tuple[float, float],
    page_w: float,
    page_h: float,
) -> PageInk:
    """Like ``page_ink(aligned_page(...))`` but cheaper: grey and red print are found at scan
    resolution, and only the rows ``rows_mm`` (where the fields are) are warped; the rest of the
    aligned page is left white."""
    grey_scan, red_scan, bilevel = _ink_scans(image)
    width, height = round(page_w * PX), round(page_h * PX)
    top, bottom = _band(rows_mm, height)
    size = (width, bottom - top)
    grey = _band_warp(grey_scan, homography, top, size, border=(255,))
    red = None if red_scan is None else _band_warp(red_scan, homography, top, size, border=(0,))
    return _ink_of_band(grey, red, top, (width, height), bilevel)


def _band_warp(
    image: np.ndarray,
    homography: np.ndarray,
    y0: int,
    size: tuple[int, int],
    px: float = PX,
    border: tuple[int, ...] = (255, 255, 255),
) -> np.ndarray:
    """Rows ``y0`` on of the aligned page at ``px`` pixels per mm, ``size`` (width, rows) of
    them; ``border`` is what lies outside the scan (white paper)."""
    scan_from_band = homography @ np.array([[1 / px, 0, 0], [0, 1 / px, y0 / px], [0, 0, 1]])
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    return cv2.warpPerspective(image, scan_from_band, size, flags=flags, borderValue=border)


def page_ink_and_image(
    image: np.ndarray,
    homography: np.ndarray,
    rows_mm: tuple[float, float],
    page_w: float,
    page_h: float,
    image_px_per_mm: float,
) -> tuple[PageInk, np.ndarray]:
    """``page_ink_from_scan`` and the whole aligned page in grey at ``image_px_per_mm`` (at most
    ``PX``), from the very warps that read the fields: the picture of the field rows is their
    ink scaled down, and the rows above and below them, which are only looked at, are warped
    straight at ``image_px_per_mm``.

    The picture is the page as the reader sees it: grey scans as they are, colour scans by
    luminance, and red print as ``PRINT_GREY`` over the red channel, where ink of every colour
    stays dark (red ink too shows, as print does). No warp of the scan's colour is needed: that
    warp, its copy and its conversion to grey were a third of the batch path's cost beyond
    reading, and most of a worker's memory beyond the scan itself."""
    grey_scan, red_scan, bilevel = _ink_scans(image)
    width, height = round(page_w * PX), round(page_h * PX)
    top, bottom = _band(rows_mm, height)
    size = (width, bottom - top)
    grey = _band_warp(grey_scan, homography, top, size, border=(255,))
    red = None if red_scan is None else _band_warp(red_scan, homography, top, size, border=(0,))
    ink = _ink_of_band(grey, red, top, (width, height), bilevel)
    band = _with_print(grey, red)  # the grey rows themselves, print painted in
    del red
    picture = _page_picture(
        (grey_scan, red_scan), homography, band, top, (page_w, page_h), image_px_per_mm
    )
    return ink, picture


def _with_print(grey: np.ndarray, red: np.ndarray | None) -> np.ndarray:
    """``grey`` (warped rows of the boxes' grey) with the warped red print ``red`` painted in
    at ``PRINT_GREY``, in place; ``grey`` itself where there is no red print."""
    if red is not None:
        grey[red > PRINT_MASK_LEVEL] = PRINT_GREY
    return grey


def _page_picture(
    scans: tuple[np.ndarray, np.ndarray | None],
    homography: np.ndarray,
    band: np.ndarray,
    top: int,
    page_mm: tuple[float, float],
    px: float,
) -> np.ndarray:
    """The aligned grey page at ``px`` per mm: the warped field rows ``band`` (at ``PX``, from
    row ``top``) scaled down, the rows above and below warped from ``scans`` (the boxes' grey
    and the red print, or None, at scan resolution); each written straight into the page."""
    grey_scan, red_scan = scans
    width, height = round(page_mm[0] * px), round(page_mm[1] * px)
    first = min(height, round(top * px / PX))
    last = min(height, first + round(band.shape[0] * px / PX))
    picture = np.empty((height, width), np.uint8)
    if last > first:
        # linear is enough: a shrink by 1.5 from a page that warping already smoothed
        cv2.resize(band, (width, last - first), picture[first:last], interpolation=cv2.INTER_LINEAR)
    for y0, y1 in ((0, first), (last, height)):
        if y1 > y0:
            size = (width, y1 - y0)
            rows = _band_warp(grey_scan, homography, y0, size, px, border=(255,))
            red = None
            if red_scan is not None:
                red = _band_warp(red_scan, homography, y0, size, px, border=(0,))
            picture[y0:y1] = _with_print(rows, red)
    return picture


def _px(rect: Rect) -> tuple[int, int, int, int]:
    return (round(rect.x * PX), round(rect.y * PX), round(rect.w * PX), round(rect.h * PX))


def _clip(ink: PageInk, x: int, y: int, w: int, h: int) -> tuple[int, int, int, int]:
    height, width = ink.grey.shape
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(width, x + w), min(height, y + h)
    return x0, y0, max(0, x1 - x0), max(0, y1 - y0)


def _print_map(ink: PageInk, x: int, y: int, w: int, h: int) -> np.ndarray:
    """Float map of how much each pixel looks like printed outline."""
    grey = ink.grey[y : y + h, x : x + w].astype(np.float32)
    if ink.red is not None:
        return ink.red[y : y + h, x : x + w].astype(np.float32)
    paper = float(np.percentile(grey, 90)) if grey.size else ink.paper
    darkness = np.clip(paper - grey, 0, 255)
    # ink is darker than the light outline: damp it so that letters do not pull the fit
    return np.where(grey < INK_ON_LINE_GREY, darkness * 0.25, darkness)


def outline_mask(
    rects: list[Rect],
    origin: tuple[int, int],
    size: tuple[int, int],
    band_mm: float = OUTLINE_BAND_MM,
) -> np.ndarray:
    """uint8 mask (h, w) of the outline bands of ``rects`` in a window at ``origin`` (px)."""
    w, h = size
    mask = np.zeros((h, w), np.uint8)
    thickness = max(1, round(2 * band_mm * PX))
    for rect in rects:
        x, y, rw, rh = _px(rect)
        cv2.rectangle(
            mask,
            (x - origin[0], y - origin[1]),
            (x - origin[0] + rw, y - origin[1] + rh),
            1,
            thickness,
        )
    return mask


def refine_offset(ink: PageInk, rects: list[Rect]) -> tuple[int, int]:
    """Pixel shift (dx, dy) that best lays the printed outlines of ``rects`` on the scan.

    Alignment is never perfect; a small search for the outline keeps boxes and crops centred.
    Returns (0, 0) when the outline is not visible (a black-and-white scan may drop it).
    """
    search = round(OUTLINE_SEARCH_MM * PX)
    xs = [_px(r) for r in rects]
    x0 = min(r[0] for r in xs) - search
    y0 = min(r[1] for r in xs) - search
    x1 = max(r[0] + r[2] for r in xs) + search + 1
    y1 = max(r[1] + r[3] for r in xs) + search + 1
    cx, cy, cw, ch = _clip(ink, x0, y0, x1 - x0, y1 - y0)
    if (cx, cy, cw, ch) != (x0, y0, x1 - x0, y1 - y0):
        return (0, 0)
    window = _print_map(ink, cx, cy, cw, ch)
    if ink.bilevel:
        # a black-and-white scan dots a light outline: join the dots before looking for it
        window = cv2.dilate(window, np.ones((BILEVEL_JOIN_PX, BILEVEL_JOIN_PX), np.uint8))
    template = outline_mask(
        rects, (x0 + search, y0 + search), (cw - 2 * search, ch - 2 * search), band_mm=0.15
    ).astype(np.float32)
    if window.max() <= 0 or template.sum() == 0:
        return (0, 0)
    scores = cv2.matchTemplate(window, template, cv2.TM_CCORR)
    best = float(scores.max())
    if best <= 1.5 * float(np.median(scores)) + 1e-6:
        return (0, 0)  # no clear outline: trust the alignment
    dy, dx = np.unravel_index(int(np.argmax(scores)), scores.shape)
    under = window[dy : dy + template.shape[0], dx : dx + template.shape[1]][template > 0]
    visible = RED_VISIBLE if ink.red is not None else GREY_VISIBLE
    if float(np.mean(under > visible)) < OUTLINE_COVERAGE:
        return (0, 0)  # what matched is ink, not an outline (black-and-white scans drop it)
    return (int(dx) - search, int(dy) - search)


def ink_mask(
    ink: PageInk,
    x: int,
    y: int,
    w: int,
    h: int,
    band: np.ndarray,
    centre: np.ndarray | None = None,
    paper: np.ndarray | None = None,
) -> np.ndarray:
    """bool mask of ink (not print) in a window; ``band`` marks the outline's known position and
    ``centre`` (optional) its middle, where the printed outline's own grey level is measured.
    ``paper`` (optional, float32 of the window's shape) replaces the local paper level; the
    darkness is then measured as a share of it, so a pen under a shadow keeps its contrast.

    Ink lying on the outline is kept when it is clearly darker than the outline: a letter's top
    bar written along the box's top edge is still part of the letter. Without ``centre``, or on a
    black outline, only ink darker than ``INK_ON_LINE_GREY`` survives on the band."""
    grey = ink.grey[y : y + h, x : x + w]
    # paper is measured around each pixel, not over the page: phone photos and shadows light it
    # unevenly, and a field spans the page
    if paper is None:
        darkness = local_paper(grey) - grey.astype(np.float32)
    else:  # the caller's own paper level (a tick box's, which no shadow edge fools)
        darkness = (paper - grey) * (255.0 / np.maximum(paper, 1.0))
    on_line = band.astype(bool)
    off_line = darkness[~on_line]
    strongest = float(np.percentile(off_line, 99)) if off_line.size else 255.0
    contrast = max(INK_MIN_CONTRAST, min(INK_CONTRAST, 0.5 * strongest))
    dark = darkness > contrast
    line = _outline_darkness(darkness, centre)
    black_outline = (
        ink.bilevel
        or line is None
        or _black_share(grey, centre) >= BLACK_OUTLINE_SHARE
        or window_is_bilevel(grey)
    )
    if black_outline or line is None:
        line_ink = grey < INK_ON_LINE_GREY
    else:
        line_ink = darkness > max(line + LINE_INK_CONTRAST, contrast)
    if ink.red is not None:
        # light red is print; red-tinged but as dark as ink over the outline is ink (JPEG colour
        # blurs the outline's red into strokes that cross it)
        dark &= ~ink.red[y : y + h, x : x + w] | line_ink
    dark &= ~on_line | line_ink
    if ink.red is None and black_outline and outline_printed(dark, centre):
        dark &= ~dark_outline(dark & on_line, centre)
    if ink.bilevel:
        # a black-and-white scan breaks a light pen's strokes into specks: all of them are kept,
        # as dust removal would take a faint letter for dirt (the copier's threshold leaves a
        # clean page white, and a stray speck is too small to make an empty box written)
        return bridged(dark, on_line)
    return _drop_dust(dark)


def local_paper(grey: np.ndarray) -> np.ndarray:
    """float32 grey level of the paper around each pixel: the brightest level within
    ``PAPER_REACH_MM`` (wider than any stroke or printed line), smoothed."""
    reach = max(3, round(PAPER_REACH_MM * PX)) | 1
    brightest = cv2.dilate(grey, cv2.getStructuringElement(cv2.MORPH_RECT, (reach, reach)))
    return cv2.blur(brightest, (reach, reach)).astype(np.float32)


def _black_share(grey: np.ndarray, centre: np.ndarray | None) -> float:
    """Share of the outline's centre that is as dark as ink: high where a black-and-white scan
    turned the light outline black, low where only crossing strokes darken it."""
    if centre is None or not centre.any():
        return 1.0
    return float(np.mean(grey[centre.astype(bool)] < INK_ON_LINE_GREY))


def _outline_darkness(darkness: np.ndarray, centre: np.ndarray | None) -> float | None:
    """How much darker than the paper the printed outline is (median along its centre), or None
    when not known."""
    if centre is None or centre.shape != darkness.shape or not centre.any():
        return None
    return float(np.median(darkness[centre.astype(bool)]))


def _drop_dust(mask: np.ndarray) -> np.ndarray:
    count, labels, stats, _ = cv2.connectedComponentsWithStats(
        mask.astype(np.uint8), connectivity=8
    )
    if count <= 1:
        return mask
    keep = stats[:, cv2.CC_STAT_AREA] >= DUST_MM2 * PX * PX
    keep[0] = False
    return keep[labels]


def _diagonal_struck(box_ink: np.ndarray, rising: bool) -> bool:
    """A stroke from corner to corner: letters stay clear of a box's corners, strikes do not."""
    h, w = box_ink.shape
    near = cv2.dilate(box_ink.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    steps = np.linspace(0.03, 0.97, 32)
    hits = np.array(
        [near[int(((1 - t) if rising else t) * (h - 1)), int(t * (w - 1))] for t in steps]
    )
    return bool(hits.mean() >= 0.9 and hits[:3].all() and hits[-3:].all())


def _scribbled(box_ink: np.ndarray) -> bool:
    """Scribbled over, back and forth: many separate strokes on each row across the box."""
    h = box_ink.shape[0]
    rows = box_ink[int(h * 0.35) : int(h * 0.65)].astype(np.int8)
    if rows.size == 0:
        return False
    runs = np.count_nonzero(np.diff(rows, axis=1) == 1, axis=1)
    return float(np.median(runs)) >= SCRIBBLE_RUNS


def crossed_out(box_ink: np.ndarray) -> bool:
    """A character struck through with a cross, or scribbled over. (A single diagonal stroke
    is left alone: bold letters reach across a box too often to tell it apart safely.)"""
    h, w = box_ink.shape
    if h < 8 or w < 8 or float(box_ink.mean()) < CROSSED_MIN_INK:
        return False
    return (_diagonal_struck(box_ink, True) and _diagonal_struck(box_ink, False)) or _scribbled(
        box_ink
    )


def has_full_stop(box_ink: np.ndarray) -> bool:
    """A small round blob low in the box: a full stop, too small to pass the ink share."""
    h = box_ink.shape[0]
    count, _, stats, _ = cv2.connectedComponentsWithStats(box_ink.astype(np.uint8), connectivity=8)
    low, high = FULL_STOP_MM[0] * PX, FULL_STOP_MM[1] * PX
    for index in range(1, count):
        _, y, w, bh, area = stats[index]
        if (
            low <= w <= high
            and low <= bh <= high
            and max(w, bh) <= 2.5 * min(w, bh)
            and area >= 0.4 * w * bh
            and area >= DUST_MM2 * PX * PX  # a speck a black-and-white scan kept is not one
            and y >= 0.45 * h
        ):
            return True
    return False


def _box_cut(
    ink: PageInk,
    window: tuple[int, int, int, int],
    mask: np.ndarray,
    band: np.ndarray,
    rect: Rect,
    offset: tuple[int, int],
    written_ratio: float,
) -> BoxCut:
    """One box's glyph and decision, sliced from its field's window (x, y, w, h on the page)."""
    wx, wy, ww, wh = window
    gx, gy, gw, gh = _px(rect.grown(GLYPH_MARGIN_MM))
    gx, gy = gx + offset[0], gy + offset[1]
    x0, y0 = max(gx, wx), max(gy, wy)
    x1, y1 = min(gx + gw, wx + ww), min(gy + gh, wy + wh)
    glyph = np.full((gh, gw), 255, np.uint8)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return BoxCut(glyph, 0.0, False, 0.5, False, (gx, gy, gw, gh))
    sub = (slice(y0 - wy, y1 - wy), slice(x0 - wx, x1 - wx))
    box_mask, box_band = mask[sub], band[sub]
    keep = cv2.dilate(box_mask.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    keep &= ~box_band | box_mask
    glyph[y0 - gy : y1 - gy, x0 - gx : x1 - gx] = np.where(keep, ink.grey[y0:y1, x0:x1], 255)
    bx, by, bw, bh = _px(rect)
    bx, by = bx + offset[0] - wx, by + offset[1] - wy
    inset = round(OUTLINE_BAND_MM * PX)
    inside = mask[
        max(0, by + inset) : max(0, by + bh - inset), max(0, bx + inset) : max(0, bx + bw - inset)
    ]
    ratio = float(inside.mean()) if inside.size else 0.0
    box_ink = mask[max(0, by) : max(0, by + bh), max(0, bx) : max(0, bx + bw)]
    written = ratio >= written_ratio or (box_ink.size > 0 and has_full_stop(box_ink))
    if written and ratio < written_ratio:
        ratio = written_ratio  # a full stop: written, with the least confidence a mark earns
    margin = abs(np.log((ratio + 1e-4) / written_ratio))
    confidence = 0.5 + 0.4999 * min(1.0, margin / np.log(EMPTY_SURE_FACTOR))
    crossed = written and box_ink.size > 0 and crossed_out(box_ink)
    return BoxCut(glyph, ratio, written, confidence, crossed, (gx, gy, gw, gh))


def cut_boxes(
    ink: PageInk, rects: list[Rect], offset: tuple[int, int], written_ratio: float
) -> list[BoxCut]:
    """Cut a field's boxes (each grown by ``GLYPH_MARGIN_MM``), outline removed, each decided
    written or empty. The ink is found once over the field's window, then sliced per box."""
    grown = [_px(r.grown(GLYPH_MARGIN_MM)) for r in rects]
    left = min(g[0] for g in grown) + offset[0]
    top = min(g[1] for g in grown) + offset[1]
    right = max(g[0] + g[2] for g in grown) + offset[0]
    bottom = max(g[1] + g[3] for g in grown) + offset[1]
    window = _clip(ink, left, top, right - left, bottom - top)
    wx, wy, ww, wh = window
    if ww < 4 or wh < 4:
        return [
            _box_cut(
                ink,
                window,
                np.zeros((1, 1), bool),
                np.zeros((1, 1), bool),
                r,
                offset,
                written_ratio,
            )
            for r in rects
        ]
    origin = (wx - offset[0], wy - offset[1])
    band = outline_mask(rects, origin, (ww, wh)).astype(bool)
    centre = outline_mask(rects, origin, (ww, wh), band_mm=LINE_CENTRE_MM)
    mask = ink_mask(ink, wx, wy, ww, wh, band, centre)
    return [_box_cut(ink, window, mask, band, r, offset, written_ratio) for r in rects]


def cut_box(ink: PageInk, rect: Rect, offset: tuple[int, int], written_ratio: float) -> BoxCut:
    """Cut one box (grown by ``GLYPH_MARGIN_MM``), remove its outline, decide if it is written."""
    return cut_boxes(ink, [rect], offset, written_ratio)[0]


def region_grey(ink: PageInk, rect: Rect, inset_mm: float) -> np.ndarray:
    """The aligned grey inside ``rect`` shrunk by ``inset_mm`` (empty when nothing is left)."""
    x, y, w, h = _clip(ink, *_px(rect.grown(-inset_mm)))
    return ink.grey[y : y + h, x : x + w]


def cut_region(
    ink: PageInk, rect: Rect, inset_mm: float, *, shadow_proof: bool = False
) -> tuple[np.ndarray, float]:
    """Ink mask inside ``rect`` shrunk by ``inset_mm`` (outline removed) and its ink share.
    ``shadow_proof``: measured against ``ink.shadow_paper`` (see there), for tick boxes."""
    inner = rect.grown(-inset_mm)
    x, y, w, h = _clip(ink, *_px(inner))
    if w < 2 or h < 2:
        return np.zeros((1, 1), bool), 0.0
    band = outline_mask([rect], (x, y), (w, h))
    paper = ink.shadow_paper.around(x, y, w, h) if shadow_proof else None
    mask = ink_mask(ink, x, y, w, h, band, paper=paper)
    return mask, float(mask.mean())
