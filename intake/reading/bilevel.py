"""What black-and-white scans need when boxes are cut.

A copier's black-and-white mode thresholds the page once: the light printed outline comes out
black, dashed, dotted or not at all, and a light pen's strokes break into dots or vanish. These
helpers tell such a scan (next to no mid greys), tell whether it kept the outline, find the
outline's straight runs to remove, and bridge broken strokes, for ``intake.reading.boxes``.
"""

from __future__ import annotations

import cv2
import numpy as np

from intake.engines.base import ALIGNED_PX_PER_MM

PX = ALIGNED_PX_PER_MM

#: a window with fewer mid greys than this share is black and white
BILEVEL_MID_SHARE = 0.03
#: a scanned page with fewer mid greys than this share is black and white
PAGE_MID_SHARE = 0.004
#: a dark straight run this long (mm) on the outline band is the outline, not ink ...
OUTLINE_RUN_MM = 2.0
#: ... gaps this long (mm) bridged, as a black-and-white scan dashes a light outline ...
OUTLINE_GAP_MM = 1.0
#: ... and only this near (mm) the outline's centre: beyond, a straight run is a letter's stroke
OUTLINE_NEAR_MM = 0.1
#: a black-and-white scan kept the outline when this share of its centre line is dark
OUTLINE_KEPT_SHARE = 0.12
#: gaps (mm) closed in the strokes of a black-and-white scan, which breaks light pens up ...
BRIDGE_MM = 0.4
#: ... after which a blob with this share of its pixels on the outline band is outline
BRIDGED_ON_LINE_SHARE = 0.8
#: ... the band widened by this much (mm) on each side, as a dotted outline's place is uncertain
BRIDGE_BAND_MM = 0.15


def scan_is_bilevel(grey: np.ndarray) -> bool:
    """A black-and-white scan: next to no mid greys over the page (a grey scan's printed text
    and outlines alone leave several percent; JPEG ringing round black text leaves a little)."""
    sample = grey[::3, ::3]
    return bool(sample.size) and float(np.mean((sample > 60) & (sample < 195))) < PAGE_MID_SHARE


def window_is_bilevel(grey: np.ndarray) -> bool:
    """A black-and-white scan: next to no mid greys (a grey scan's outline alone has many)."""
    return float(np.mean((grey > 80) & (grey < 200))) < BILEVEL_MID_SHARE


def outline_printed(dark: np.ndarray, centre: np.ndarray | None) -> bool:
    """Whether a black-and-white scan kept the light outline (black, dashed or dotted) rather
    than dropping it: then dark runs along it are print; otherwise they are the letters'."""
    if centre is None or centre.shape != dark.shape or not centre.any():
        return True
    near = cv2.dilate(dark.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    return float(np.mean(near[centre.astype(bool)])) >= OUTLINE_KEPT_SHARE


def dark_outline(on_band: np.ndarray, centre: np.ndarray | None = None) -> np.ndarray:
    """Straight runs of dark pixels along the outline band: the printed outline where a
    black-and-white scan made it black, dashed or dotted (gaps up to ``OUTLINE_GAP_MM`` are
    bridged along the line). Ink that crosses the line leaves only a short run; with the
    outline's ``centre`` known, a letter's stroke running beside the line is not it either."""
    if not on_band.any():
        return on_band
    length = max(3, round(OUTLINE_RUN_MM * PX))
    gap = max(3, round(OUTLINE_GAP_MM * PX))
    band = cv2.morphologyEx(on_band.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    rows = cv2.morphologyEx(band, cv2.MORPH_CLOSE, np.ones((1, gap), np.uint8))
    rows = cv2.morphologyEx(rows, cv2.MORPH_OPEN, np.ones((1, length), np.uint8))
    cols = cv2.morphologyEx(band, cv2.MORPH_CLOSE, np.ones((gap, 1), np.uint8))
    cols = cv2.morphologyEx(cols, cv2.MORPH_OPEN, np.ones((length, 1), np.uint8))
    lines = cv2.dilate(np.maximum(rows, cols), np.ones((3, 3), np.uint8)) > 0
    if centre is not None and centre.shape == on_band.shape and centre.any():
        reach = 2 * max(1, round(OUTLINE_NEAR_MM * PX)) + 1
        lines &= cv2.dilate(centre.astype(np.uint8), np.ones((reach, reach), np.uint8)) > 0
    return lines


def bridged(dark: np.ndarray, on_line: np.ndarray) -> np.ndarray:
    """A black-and-white scan breaks a light pen's strokes into dots: close the gaps (up to
    ``BRIDGE_MM``), then drop what lies mostly on the outline band (bits of a dotted outline
    that the closing joined up)."""
    size = max(3, round(BRIDGE_MM * PX))
    closed = cv2.morphologyEx(
        dark.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((size, size), np.uint8)
    )
    count, labels, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    if count <= 1:
        return closed.astype(bool)
    reach = 2 * round(BRIDGE_BAND_MM * PX) + 1
    near_line = cv2.dilate(on_line.astype(np.uint8), np.ones((reach, reach), np.uint8)) > 0
    on_band = np.bincount(labels[near_line], minlength=count)
    keep = on_band < BRIDGED_ON_LINE_SHARE * stats[:, cv2.CC_STAT_AREA]
    keep[0] = False
    return np.asarray(keep[labels])
