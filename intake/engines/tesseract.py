"""The one doorway to Tesseract (through pytesseract): single glyphs and whole field lines.

Every call has a timeout; Tesseract's failures, timeouts and stderr become ``EngineError``; its
TSV output is parsed here into typed values, so the rest of the code never sees it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pytesseract
from PIL import Image

from intake.engines.base import CharGuess
from intake.errors import EngineError

log = logging.getLogger(__name__)

#: pytesseract keeps the program path in a module global; calls that change it take this lock
_COMMAND_LOCK = threading.Lock()
#: white border added round a crop: Tesseract reads badly when ink touches the image edge
_BORDER_PX = 10
#: characters that cannot be passed inside Tesseract's quoted ``-c`` option
_UNQUOTABLE = set('"\\`$') | {" ", "\t", "\n"}


@dataclass(frozen=True)
class TesseractWord:
    """One word of Tesseract's TSV output."""

    text: str
    confidence: float  # 0..1 (Tesseract's conf / 100)


def _check_alphabet(alphabet: str) -> None:
    if not alphabet:
        raise EngineError("an empty alphabet was given to Tesseract")
    bad = sorted(set(alphabet) & _UNQUOTABLE)
    if bad:
        raise EngineError(f"Tesseract cannot be restricted to the characters {bad!r}")


def _to_image(pixels: np.ndarray) -> Image.Image:
    if not isinstance(pixels, np.ndarray) or pixels.ndim != 2 or pixels.size == 0:
        raise EngineError(
            f"Tesseract needs a 2-D grayscale image, got {getattr(pixels, 'shape', None)}"
        )
    grey = np.clip(pixels, 0, 255).astype(np.uint8)
    return Image.fromarray(np.pad(grey, _BORDER_PX, constant_values=255))


def parse_words(data: dict[str, list[object]]) -> list[TesseractWord]:
    """Turn ``image_to_data`` output (``Output.DICT``) into words with 0..1 confidences."""
    words = []
    for text, conf in zip(data.get("text", []), data.get("conf", []), strict=False):
        cleaned = str(text).strip()
        try:
            value = float(str(conf))
        except ValueError:
            continue
        if cleaned and value >= 0:
            words.append(TesseractWord(cleaned, min(value / 100.0, 1.0)))
    return words


@dataclass(frozen=True)
class TesseractEngine:
    """Tesseract as a ``CharEngine`` (psm 10) and a ``LineEngine`` (psm 7), whitelisted."""

    timeout_s: float = 5.0
    lang: str = "eng"
    command: str | None = None  # the tesseract program; None: the one on PATH

    name = "tesseract"  # a class attribute, not a field: the CharEngine/LineEngine name

    @contextmanager
    def _errors(self, timeout_s: float) -> Iterator[None]:
        """Tesseract's failures, timeouts and odd exits turned into ``EngineError``."""
        try:
            with _COMMAND_LOCK:
                if self.command is not None:
                    pytesseract.pytesseract.tesseract_cmd = self.command
                try:
                    yield
                finally:
                    if self.command is not None:
                        pytesseract.pytesseract.tesseract_cmd = "tesseract"
        except pytesseract.TesseractNotFoundError as exc:
            raise EngineError("the Tesseract program is not installed or not on PATH") from exc
        except pytesseract.TesseractError as exc:
            log.warning("tesseract failed with status %s", exc.status)
            raise EngineError(f"Tesseract failed (status {exc.status})") from exc
        except RuntimeError as exc:  # pytesseract's way of saying the timeout struck
            raise EngineError(f"Tesseract took longer than {timeout_s} s") from exc
        except SystemExit as exc:  # pytesseract exits on a version string it cannot parse
            raise EngineError("the Tesseract program reported an unusable version") from exc
        except (OSError, ValueError) as exc:
            raise EngineError(f"Tesseract could not be run or its output read: {exc}") from exc

    def _words(self, image: Image.Image, psm: int, alphabet: str) -> list[TesseractWord]:
        config = f'--psm {psm} -c "tessedit_char_whitelist={alphabet}"'
        with self._errors(self.timeout_s):
            data = pytesseract.image_to_data(
                image,
                lang=self.lang,
                config=config,
                timeout=self.timeout_s,
                output_type=pytesseract.Output.DICT,
            )
        if not isinstance(data, dict):
            raise EngineError("Tesseract returned output in an unexpected form")
        return parse_words(data)

    def read_page_text(self, image: np.ndarray, timeout_s: float = 120.0) -> str:
        """A whole page with default layout analysis (the benchmark's speed yardstick)."""
        with self._errors(timeout_s):
            text = pytesseract.image_to_string(_to_image(image), lang=self.lang, timeout=timeout_s)
        return str(text)

    def classify(self, glyphs: Sequence[np.ndarray], alphabet: str) -> list[CharGuess]:
        """One guess per glyph (page segmentation mode 10: a single character).

        A glyph Tesseract finds nothing in gets the alphabet's first character at confidence 0.
        """
        _check_alphabet(alphabet)
        guesses = []
        for glyph in glyphs:
            words = self._words(_to_image(glyph), 10, alphabet)
            found = [(c, w.confidence) for w in words for c in w.text.upper() if c in alphabet]
            if found:
                char, confidence = max(found, key=lambda pair: pair[1])
                guesses.append(CharGuess(char, confidence))
            else:
                guesses.append(CharGuess(alphabet[0], 0.0))
        return guesses

    def read_line(self, image: np.ndarray, alphabet: str) -> tuple[str, float]:
        """A whole field crop (page segmentation mode 7: one text line); ``("", 0.0)`` if empty."""
        _check_alphabet(alphabet)
        words = self._words(_to_image(image), 7, alphabet)
        kept = ["".join(c for c in w.text.upper() if c in alphabet) for w in words]
        texts = [t for t in kept if t]
        if not texts:
            return "", 0.0
        confidence = float(np.mean([w.confidence for w, t in zip(words, kept, strict=True) if t]))
        return " ".join(texts), confidence
