"""What a copier or a phone does to a filled page: the scan simulation.

``choose_scan`` draws how one form is scanned (colour mode, resolution, JPEG quality, phone photo
or not); ``scan_page`` turns a filled page raster into the image the school's copier would write:
skewed, shifted, scaled by "fit to page", with noise, blur, JPEG artefacts, sometimes a shadow or
a coffee stain, sometimes upside down or sideways. ``photo_page`` makes a phone photo instead:
perspective, uneven light, the table around the page. Every random draw comes from the generator
passed in; every effect applied is named in the returned ``conditions`` for the ground truth.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image

MM_PER_INCH = 25.4
#: rows, columns of the shared grain field: a 300 dpi A4 page photographed with a margin
_GRAIN_SHAPE = (4600, 3600)
COLOUR_MODES = ("colour", "grey", "bw")
#: share of black-and-white copier scans sent as bi-tonal CCITT G4 PDFs, one per page, as most
#: copiers e-mail them; the rest are 1-bit PNGs
BW_PDF_SHARE = 0.6
#: the resolution copiers send black and white at (unless ``--dpi`` fixes every form's)
BW_PDF_DPI = 300
#: share of forms a parent photographs with a phone instead of posting the paper
PHOTO_RATE = 0.06
#: share of phone photos with a hard-edged shadow across the page
CAST_SHADOW_SHARE = 0.5
#: ... and, of those, with a second one (the phone's and the hand's)
SECOND_SHADOW_SHARE = 0.35


@dataclass(frozen=True)
class ScanPlan:
    """How one form's pages are captured."""

    mode: str  # "colour", "grey" or "bw" (thresholded black and white)
    dpi: int
    jpeg_quality: int
    photo: bool  # a phone photo rather than a copier scan


@dataclass(frozen=True)
class ScannedPage:
    """One captured page: the encoded file bytes, its extension and what was done to it."""

    data: bytes
    extension: str  # "jpg" or "png"
    rotation: int  # degrees clockwise: 0, 90, 180, 270
    conditions: tuple[str, ...]


def choose_scan(
    rng: np.random.Generator, dpi: int | None = None, photo_rate: float = PHOTO_RATE
) -> ScanPlan:
    """Draw one form's capture: mostly grey or colour copier scans, a quarter black and white,
    a few phone photos. ``dpi`` fixes the resolution; otherwise it is 200 to 300."""
    mode = str(rng.choice(COLOUR_MODES, p=[0.35, 0.4, 0.25]))
    chosen_dpi = int(dpi) if dpi else int(rng.choice([200, 240, 300]))
    photo = bool(rng.random() < photo_rate)
    if photo:
        mode = "colour"
    return ScanPlan(mode=mode, dpi=chosen_dpi, jpeg_quality=int(rng.integers(50, 90)), photo=photo)


def _rotation(rng: np.random.Generator) -> int:
    draw = rng.random()
    if draw < 0.06:
        return 180
    if draw < 0.09:
        return 90
    if draw < 0.12:
        return 270
    return 0


def scan_page(page: np.ndarray, plan: ScanPlan, rng: np.random.Generator) -> ScannedPage:
    """A copier scan of ``page`` (RGB ``uint8`` at ``plan.dpi``)."""
    px_mm = plan.dpi / MM_PER_INCH
    h, w = page.shape[:2]
    conditions = [plan.mode, f"{plan.dpi}dpi"]
    work = page
    if rng.random() < 0.07:
        work = work.copy()
        _coffee_stain(work, rng, px_mm)
        conditions.append("stain")
    skew = float(np.clip(rng.normal(0.0, 1.6), -5.0, 5.0))
    if rng.random() < 0.1:
        skew = float(rng.uniform(-5.0, 5.0))
    scale = float(rng.uniform(0.95, 1.03))
    shift_x, shift_y = (float(v) for v in rng.normal(0.0, 2.0 * px_mm, 2))
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), skew, scale)
    matrix[0, 2] += shift_x
    matrix[1, 2] += shift_y
    bed = int(rng.integers(225, 250))  # the scanner lid around a page that does not fill the bed
    work = cv2.warpAffine(work, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=(bed,) * 3)
    conditions.append(f"skew={skew:+.1f}")
    conditions.append(f"scale={scale:.3f}")
    if plan.mode != "colour":
        work = cv2.cvtColor(work, cv2.COLOR_RGB2GRAY)
    if rng.random() < 0.1:
        work = _shadow(work, rng)
        conditions.append("shadow")
    blur = float(rng.uniform(0.0, 1.1)) * plan.dpi / 300
    if blur > 0.35:
        work = cv2.GaussianBlur(work, (0, 0), blur)
        conditions.append("blur")
    out = _add_noise(work, float(rng.uniform(1.0, 4.5)), rng)
    if plan.mode == "bw":
        threshold = int(rng.integers(150, 200))
        out = np.where(out > threshold, 255, 0).astype(np.uint8)
    rotation = _rotation(rng)
    out = _turn(out, rotation)
    if rotation:
        conditions.append(f"rotated={rotation}")
    data, extension = encode(out, plan)
    if extension == "jpg":
        conditions.append(f"jpeg={plan.jpeg_quality}")
    return ScannedPage(data, extension, rotation, tuple(conditions))


def photo_page(page: np.ndarray, plan: ScanPlan, rng: np.random.Generator) -> ScannedPage:
    """A phone photo of ``page`` lying on a table: perspective, uneven light, background."""
    h, w = page.shape[:2]
    frame_h = int(h * rng.uniform(1.08, 1.25))
    frame_w = int(frame_h * 0.75)
    background = _table(frame_h, frame_w, rng)
    margin_x, margin_y = (frame_w - w * 0.92) / 2, (frame_h - h * 0.92) / 2
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    base = np.array(
        [
            [margin_x, margin_y],
            [frame_w - margin_x, margin_y],
            [frame_w - margin_x, frame_h - margin_y],
            [margin_x, frame_h - margin_y],
        ],
        np.float32,
    )
    jitter = rng.normal(0.0, 0.035, (4, 2)) * [w, h]
    target = (base + np.clip(jitter, -0.8 * margin_x, 0.8 * margin_x)).astype(np.float32)
    matrix = cv2.getPerspectiveTransform(corners, target)
    warped = cv2.warpPerspective(page, matrix, (frame_w, frame_h), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(
        np.full((h, w), 255, np.uint8), matrix, (frame_w, frame_h), flags=cv2.INTER_LINEAR
    )
    alpha = (mask.astype(np.float32) / 255.0)[:, :, None]
    image = warped.astype(np.float32) * alpha + background * (1.0 - alpha)
    image *= _uneven_light(frame_h, frame_w, rng)[:, :, None]
    # the phone's or the hand's shadow, from a generator of its own (the draws after it stay)
    shade = np.random.default_rng(
        [frame_h, frame_w, *np.round(jitter * 1e3).astype(np.int64).ravel() % (1 << 31)]
    )
    shadowed = shade.random() < CAST_SHADOW_SHARE
    if shadowed:
        image *= _cast_shadow(frame_h, frame_w, shade)[:, :, None]
        if shade.random() < SECOND_SHADOW_SHARE:  # the phone's and the hand's
            image *= _cast_shadow(frame_h, frame_w, shade)[:, :, None]
    cast = [1.0, float(rng.uniform(0.94, 1.0)), float(rng.uniform(0.82, 0.97))]
    image *= np.array(cast, np.float32)
    image = cv2.GaussianBlur(image, (0, 0), float(rng.uniform(0.6, 1.4)))
    out = _add_noise(np.clip(image, 0, 255).astype(np.uint8), 4.0, rng)
    rotation = 90 if rng.random() < 0.2 else 0
    out = _turn(out, rotation)
    conditions = ["photo", "perspective", "uneven_light", f"jpeg={plan.jpeg_quality}"]
    if shadowed:
        conditions.append("cast_shadow")
    if rotation:
        conditions.append(f"rotated={rotation}")
    data, extension = encode(out, plan)
    return ScannedPage(data, extension, rotation, tuple(conditions))


def blank_back(front: np.ndarray, plan: ScanPlan, rng: np.random.Generator) -> ScannedPage:
    """The blank back of a single-sided sheet from a duplex scan: paper, noise and a faint
    mirror image of the front showing through."""
    grey = cv2.cvtColor(front, cv2.COLOR_RGB2GRAY)
    small = cv2.resize(grey, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    through = cv2.resize(cv2.flip(small, 1), (grey.shape[1], grey.shape[0]))
    strength = float(rng.uniform(0.02, 0.07))
    paper = 255.0 - (255.0 - through.astype(np.float32)) * strength
    page = cv2.cvtColor(np.clip(paper, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2RGB)
    plain = ScanPlan(mode=plan.mode, dpi=plan.dpi, jpeg_quality=plan.jpeg_quality, photo=False)
    scanned = scan_page(page, plain, rng)
    return ScannedPage(scanned.data, scanned.extension, 0, ("blank_back", *scanned.conditions))


def encode(image: np.ndarray, plan: ScanPlan) -> tuple[bytes, str]:
    """JPEG for colour and grey, 1-bit PNG for black and white."""
    if plan.mode == "bw" and not plan.photo:
        buffer = io.BytesIO()
        Image.fromarray(image).convert("1", dither=Image.Dither.NONE).save(
            buffer, format="PNG", optimize=False, dpi=(plan.dpi, plan.dpi)
        )
        return buffer.getvalue(), "png"
    buffer = io.BytesIO()
    Image.fromarray(image).save(
        buffer, format="JPEG", quality=plan.jpeg_quality, dpi=(plan.dpi, plan.dpi)
    )
    return buffer.getvalue(), "jpg"


def _turn(image: np.ndarray, rotation: int) -> np.ndarray:
    """Rotate clockwise by ``rotation`` degrees (a multiple of 90)."""
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return cv2.rotate(image, codes[rotation]) if rotation in codes else image


def _coffee_stain(page: np.ndarray, rng: np.random.Generator, px_mm: float) -> None:
    """A coffee-cup ring (and a faint fill) somewhere on the page, in place."""
    h, w = page.shape[:2]
    radius = int(rng.uniform(25, 45) * px_mm)
    cx, cy = int(rng.uniform(0.1, 0.9) * w), int(rng.uniform(0.1, 0.9) * h)
    size = 2 * radius + 8
    x0, y0 = cx - size // 2, cy - size // 2
    ring = np.zeros((size, size), np.float32)
    centre = (size // 2, size // 2)
    axes = (radius, int(radius * rng.uniform(0.85, 1.0)))
    cv2.ellipse(ring, centre, axes, float(rng.uniform(0, 180)), 0, 360, 1.0, max(2, int(px_mm)))
    ring = cv2.GaussianBlur(ring, (0, 0), px_mm * 0.6) * 0.5
    fill = np.zeros_like(ring)
    cv2.ellipse(fill, centre, axes, 0, 0, 360, 1.0, -1)
    ring += cv2.GaussianBlur(fill, (0, 0), px_mm * 2) * 0.12
    ring *= float(rng.uniform(0.5, 1.0))
    ys, xs = slice(max(0, y0), min(h, y0 + size)), slice(max(0, x0), min(w, x0 + size))
    cut = ring[ys.start - y0 : ys.stop - y0, xs.start - x0 : xs.stop - x0][:, :, None]
    brown = np.array([150, 100, 55], np.float32)
    region = page[ys, xs].astype(np.float32)
    page[ys, xs] = (region * (1 - cut) + np.minimum(region, brown) * cut).astype(np.uint8)


def _shadow(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A dark band along one edge, as when the lid is not closed or the page is curled."""
    h, w = image.shape[:2]
    edge = int(rng.integers(4))
    length = w if edge < 2 else h
    depth = float(rng.uniform(0.04, 0.12)) * length
    darkest = float(rng.uniform(0.45, 0.8))
    d = np.arange(length, dtype=np.float32)
    ramp = darkest + (1 - darkest) * np.clip(d / depth, 0, 1) ** 0.6
    if edge % 2:
        ramp = ramp[::-1]
    profile = ramp[None, :] if edge < 2 else ramp[:, None]
    if image.ndim == 3:
        profile = profile[:, :, None]
    return (image * profile).astype(np.uint8)


@lru_cache(maxsize=1)
def _grain_field() -> np.ndarray:
    """Unit Gaussian grain, made once per process from a fixed seed, larger than any page;
    each page takes a crop at a random offset (cheaper than fresh noise for every pixel)."""
    return np.random.default_rng(0x5CA7).standard_normal(_GRAIN_SHAPE, dtype=np.float32)


def _add_noise(image: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Sensor grain: the same grey noise on every channel, saturating at black and white."""
    h, w = image.shape[:2]
    field = _grain_field()
    if h > field.shape[0] or w > field.shape[1]:  # beyond 400 dpi: fresh noise
        crop = rng.standard_normal((h, w), dtype=np.float32)
    else:
        oy = int(rng.integers(0, field.shape[0] - h + 1))
        ox = int(rng.integers(0, field.shape[1] - w + 1))
        crop = field[oy : oy + h, ox : ox + w]
    grain = (crop * sigma).astype(np.int16)
    if image.ndim == 3:
        grain = np.asarray(cv2.merge([grain, grain, grain]))
    return np.asarray(cv2.add(image, grain, dtype=cv2.CV_8U))


def _table(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """A plain-coloured surface with a soft texture, behind a photographed page."""
    surfaces = [[120, 85, 60], [70, 70, 75], [160, 140, 115], [40, 45, 55]]
    base = np.array(surfaces[int(rng.integers(len(surfaces)))], np.float32)
    small = rng.normal(0.0, 14.0, (max(h // 40, 2), max(w // 40, 2))).astype(np.float32)
    texture = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    return np.clip(base[None, None, :] + texture[:, :, None], 0, 255).astype(np.float32)


def _cast_shadow(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """A shadow over part of the page: a straight edge at a random angle, darker on one side
    (0.4 to 0.85 of the light), its penumbra 0.2 to 4% of the photo's width (a phone held
    close casts a sharp one)."""
    ys = np.arange(h, dtype=np.float32)[:, None] / h
    xs = np.arange(w, dtype=np.float32)[None, :] / w
    angle = float(rng.uniform(0, math.tau))
    offset = float(rng.uniform(-0.35, 0.35))
    distance = (xs - 0.5) * math.cos(angle) + (ys - 0.5) * math.sin(angle) - offset
    softness = float(rng.uniform(0.002, 0.04))
    # 1 in the shadow, 0 outside: the logistic written with tanh, which cannot overflow
    inside = 0.5 * (1.0 + np.tanh(distance / (2.0 * softness)))
    depth = float(rng.uniform(0.15, 0.6))
    return (1.0 - depth * inside).astype(np.float32)


def _uneven_light(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """A smooth light field: brighter where the lamp is, darker in one corner."""
    ys = np.linspace(-1, 1, max(h // 16, 2), dtype=np.float32)[:, None]
    xs = np.linspace(-1, 1, max(w // 16, 2), dtype=np.float32)[None, :]
    lx, ly = (float(v) for v in rng.uniform(-1, 1, 2))
    light = 1.0 - 0.25 * float(rng.uniform(0.4, 1.0)) * ((xs - lx) ** 2 + (ys - ly) ** 2) / 2
    angle = float(rng.uniform(0, math.tau))
    light += 0.08 * (math.cos(angle) * xs + math.sin(angle) * ys)
    return cv2.resize(np.clip(light, 0.5, 1.1), (w, h), interpolation=cv2.INTER_LINEAR)
