"""Which installed Debian fonts the character model may learn from, and which are held out.

The split is fixed here, by name, so the training script and every measurement agree on it:
a figure measured on ``HELD_OUT_FONTS`` counts only because no training step ever saw them.
"""

from __future__ import annotations

from pathlib import Path

FONT_ROOT = Path("/usr/share/fonts")

#: handwriting fonts used to train (glyph sources)
TRAIN_HANDWRITING_GLOBS: tuple[str, ...] = (
    "truetype/fifthhorseman/dkg*.ttf",
    "truetype/breip/*.ttf",
    "truetype/femkeklaver/femkeklaver.ttf",
    "truetype/rufscript/Rufscript010.ttf",
    "opentype/bwht/BecauseWeBuild-Regular.otf",
    "opentype/bwht/BecauseWeCreate-Regular.otf",
    "opentype/bwht/BecauseWeMentor-Regular.otf",
    "opentype/bwht/BecauseWeOrganize-Regular.otf",
)

#: ordinary (non-handwriting) fonts used to train, for shape variety
TRAIN_PRINT_GLOBS: tuple[str, ...] = (
    "truetype/dejavu/DejaVuSans*.ttf",
    "truetype/dejavu/DejaVuSerif*.ttf",
    "truetype/noto/Noto*Mono*.ttf",
    "opentype/urw-base35/C059-*.otf",
    "opentype/urw-base35/NimbusMonoPS-*.otf",
    "opentype/urw-base35/NimbusRoman-*.otf",
    "opentype/urw-base35/NimbusSans-*.otf",
    "opentype/urw-base35/NimbusSansNarrow-*.otf",
    "opentype/urw-base35/P052-*.otf",
    "opentype/urw-base35/URWBookman-*.otf",
    "opentype/urw-base35/URWGothic-*.otf",
)

#: training fonts kept apart to choose epochs and fit the confidence temperature
VALIDATION_FONT_NAMES: frozenset[str] = frozenset(
    {"BecauseWeOrganize-Regular.otf", "dkgIt.ttf", "DejaVuSansCondensed-Oblique.ttf"}
)

#: handwriting fonts NEVER used in training or tuning: measurement only
HELD_OUT_GLOBS: tuple[str, ...] = (
    "truetype/humor-sans/Humor-Sans.ttf",
    "opentype/comic-neue/ComicNeue-*.otf",
    "opentype/bwht/BecauseWeLearn-Regular.otf",
    "opentype/bwht/BecauseWeConnect-Regular.otf",
)


def _expand(globs: tuple[str, ...], root: Path) -> list[Path]:
    found: set[Path] = set()
    for pattern in globs:
        found.update(root.glob(pattern))
    return sorted(found)


def held_out_fonts(root: Path = FONT_ROOT) -> list[Path]:
    """The installed held-out handwriting fonts (measurement only)."""
    return _expand(HELD_OUT_GLOBS, root)


def training_fonts(root: Path = FONT_ROOT) -> list[Path]:
    """Installed fonts the model trains on (validation fonts excluded)."""
    held = set(held_out_fonts(root))
    fonts = _expand(TRAIN_HANDWRITING_GLOBS + TRAIN_PRINT_GLOBS, root)
    return [f for f in fonts if f not in held and f.name not in VALIDATION_FONT_NAMES]


def validation_fonts(root: Path = FONT_ROOT) -> list[Path]:
    """Installed training-side fonts kept apart for validation."""
    fonts = _expand(TRAIN_HANDWRITING_GLOBS + TRAIN_PRINT_GLOBS, root)
    return [f for f in fonts if f.name in VALIDATION_FONT_NAMES]


def is_handwriting(font: Path) -> bool:
    """Whether ``font`` is one of the handwriting fonts (as opposed to a print font)."""
    hand = _expand(TRAIN_HANDWRITING_GLOBS + HELD_OUT_GLOBS, FONT_ROOT)
    return font in hand
