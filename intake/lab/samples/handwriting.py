"""Where the generator's handwriting comes from: handwriting fonts or folders of real glyph images.

A *hand* turns one character into an ink mask (``Glyph``): float alpha, 1 where the pen laid
ink, with the rows of its capital height marked so that a caller can place letters, digits and
punctuation on one baseline. Fonts and image folders are the only outside sources here; how the
ink is jittered and laid on the page lives in ``intake.lab.samples.pen``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from intake.errors import InputFileError

log = logging.getLogger(__name__)

FONT_SUFFIXES = (".ttf", ".otf", ".woff", ".woff2", ".ttc")
#: Debian's handwriting fonts, used when no --fonts or --glyphs folder is given
DEFAULT_FONT_GLOBS: tuple[str, ...] = (
    "truetype/fifthhorseman/dkg*.ttf",
    "truetype/breip/*.ttf",
    "truetype/femkeklaver/*.ttf",
    "truetype/humor-sans/*.ttf",
    "truetype/rufscript/*.ttf",
    "opentype/bwht/*.otf",
    "opentype/comic-neue/*.otf",
)
FONT_ROOT = Path("/usr/share/fonts")
#: pixel size fonts are rendered at once and cached; glyphs are scaled down from it
_RENDER_PX = 96
#: the characters a folder of glyph images may hold (one folder per character)
GLYPH_FOLDER_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


@dataclass(frozen=True)
class Glyph:
    """One character's ink: ``alpha`` in 0..1; rows ``cap_top``..``cap_top + cap_h`` hold a
    capital letter's height, so lower case, descenders and punctuation keep their place."""

    alpha: np.ndarray
    cap_top: float
    cap_h: float


def default_fonts(root: Path = FONT_ROOT) -> list[Path]:
    """The installed Debian handwriting fonts, sorted by path."""
    found: set[Path] = set()
    for pattern in DEFAULT_FONT_GLOBS:
        found.update(root.glob(pattern))
    return sorted(found)


def fonts_in(directory: Path) -> list[Path]:
    """Every font file (TTF/OTF/WOFF) in ``directory`` and below; an error if there is none."""
    if not directory.is_dir():
        raise InputFileError(f"fonts folder {directory} does not exist")
    fonts = sorted(p for p in directory.rglob("*") if p.suffix.lower() in FONT_SUFFIXES)
    if not fonts:
        raise InputFileError(f"fonts folder {directory} holds no .ttf, .otf or .woff file")
    return fonts


class FontHand:
    """Writes with one font file. Renders each character once at a large size and caches it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.name
        try:
            self._font = ImageFont.truetype(str(path), _RENDER_PX)
        except OSError as exc:
            raise InputFileError(f"cannot load font {path.name}: {exc}") from exc
        _, top, _, bottom = self._font.getbbox("H")
        self._cap_top = float(top)
        self._cap_h = float(max(bottom - top, 1))
        self._cache: dict[tuple[str, int], Glyph] = {}

    def glyph(self, char: str, weight: int = 0) -> Glyph:
        """The ink of ``char``; ``weight`` 0..3 thickens the strokes."""
        key = (char, weight)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        ascent, descent = self._font.getmetrics()
        pad = 8 + 2 * weight
        width = int(self._font.getlength(char)) + 2 * pad + _RENDER_PX // 2
        image = Image.new("L", (width, ascent + descent + 2 * pad), 0)
        ImageDraw.Draw(image).text(
            (pad, pad), char, fill=255, font=self._font, stroke_width=weight, stroke_fill=255
        )
        alpha = np.asarray(image, dtype=np.float32) / 255.0
        cols = np.flatnonzero(alpha.max(axis=0) > 0.05)
        if cols.size == 0:  # a font without this character: an empty mark
            alpha = np.zeros((int(self._cap_h), 2), np.float32)
            glyph = Glyph(alpha, 0.0, self._cap_h)
        else:
            alpha = alpha[:, cols[0] : cols[-1] + 1]
            glyph = Glyph(np.ascontiguousarray(alpha), self._cap_top + pad, self._cap_h)
        self._cache[key] = glyph
        return glyph


@lru_cache(maxsize=64)
def font_hand(path: Path) -> FontHand:
    """One ``FontHand`` per font file per process."""
    return FontHand(path)


class GlyphHand:
    """Writes with images of real handwritten characters: a folder per character, 64x64, dark ink
    on white, cropped to the ink. Characters without a folder (punctuation, lower case) come from
    a font (``Writer.fallback``). One writer's images are preferred when their file names say
    who wrote them."""

    def __init__(self, directory: Path) -> None:
        if not directory.is_dir():
            raise InputFileError(f"glyphs folder {directory} does not exist")
        self.directory = directory
        self.name = directory.name
        self.files: dict[str, list[Path]] = {}
        for char in GLYPH_FOLDER_CHARS:
            folder = directory / char
            if folder.is_dir():
                images = sorted(folder.glob("*.png")) + sorted(folder.glob("*.jpg"))
                if images:
                    self.files[char] = images
        if not self.files:
            raise InputFileError(
                f"glyphs folder {directory} has no character folders (A/, B/, 0/ ...) with images"
            )
        self._cache: dict[Path, np.ndarray] = {}

    def writers(self) -> list[str]:
        """Writer prefixes seen in file names (``c74k_w001``), sorted."""
        names = {_writer_of(p) for paths in self.files.values() for p in paths}
        return sorted(n for n in names if n)

    def image_for(self, char: str, writer: str, pick: float) -> Path | None:
        """The image to use for ``char``: the writer's own when there is one; ``pick`` in [0, 1)
        chooses among the candidates."""
        paths = self.files.get(char)
        if not paths:
            return None
        own = [p for p in paths if _writer_of(p) == writer] if writer else []
        candidates = own or paths
        return candidates[int(pick * len(candidates)) % len(candidates)]

    def glyph_from(self, path: Path, weight: int = 0) -> Glyph:
        alpha = self._cache.get(path)
        if alpha is None:
            try:
                grey = np.asarray(Image.open(path).convert("L"), dtype=np.float32)
            except OSError as exc:
                raise InputFileError(f"cannot read glyph image {path.name}: {exc}") from exc
            alpha = np.clip((255.0 - grey) / 200.0, 0.0, 1.0)
            rows = np.flatnonzero(alpha.max(axis=1) > 0.1)
            cols = np.flatnonzero(alpha.max(axis=0) > 0.1)
            if rows.size and cols.size:
                alpha = alpha[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
            alpha = np.ascontiguousarray(alpha)
            self._cache[path] = alpha
        if weight:
            import cv2

            size = 2 * weight + 1
            alpha = cv2.dilate(alpha, np.ones((size, size), np.uint8))
        return Glyph(alpha, 0.0, float(alpha.shape[0]))


@lru_cache(maxsize=4)
def glyph_hand(directory: Path) -> GlyphHand:
    """One ``GlyphHand`` per glyph folder per process (the folder is indexed once)."""
    return GlyphHand(directory)


def _writer_of(path: Path) -> str:
    """``c74k_w001`` from ``c74k_w001.png``; empty when the name carries no writer."""
    stem = path.stem
    if stem.startswith("c74k_w"):
        return stem[:9]
    return ""
