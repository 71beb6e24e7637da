"""The page identity in every page's QR code: form type, template version, page, family serial.

The text is short and upper case (``PPI1:PARENT-PORTAL:1:2:F00042``) so that the QR encoder can
use its alphanumeric mode and keep the modules large. The reader calls ``decode_payload`` on what
a QR detector returned; anything that is not one of our pages raises ``PageError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import segno

from intake.errors import PageError

#: marks our payloads and the version of this format
MAGIC = "PPI1"
SEPARATOR = ":"
_FORM_TYPE = re.compile(r"^[a-z][a-z0-9-]*$")
_SERIAL = re.compile(r"^[A-Za-z0-9-]{0,24}$")
_NUMBER = re.compile(r"^[1-9][0-9]{0,3}$")
#: the error-correction levels we accept, weakest first
_LEVELS = ("M", "Q", "H")


@dataclass(frozen=True)
class QrPayload:
    """What one page's QR code says about the page."""

    form_type: str
    version: int
    page: int
    serial: str = ""

    @property
    def template_key(self) -> str:
        """The template's key, as ``FormTemplate.key`` spells it (``parent-portal-v1``)."""
        return f"{self.form_type}-v{self.version}"


def encode_payload(form_type: str, version: int, page: int, serial: str = "") -> str:
    """The QR text for one page. Raises ``ValueError`` on values that could not round-trip."""
    if not _FORM_TYPE.match(form_type):
        raise ValueError(f"form type {form_type!r} must be lower-case letters, digits and '-'")
    if version < 1 or page < 1:
        raise ValueError(f"version ({version}) and page ({page}) must be 1 or more")
    if not _SERIAL.match(serial):
        raise ValueError(f"family serial {serial!r} may hold only letters, digits and '-'")
    parts = [MAGIC, form_type.upper(), str(version), str(page), serial]
    return SEPARATOR.join(parts)


def decode_payload(text: str) -> QrPayload:
    """Parse a QR text made by ``encode_payload``; raise ``PageError`` saying what is wrong."""
    parts = text.strip().split(SEPARATOR)
    if len(parts) != 5 or parts[0] != MAGIC:
        raise PageError(
            "the page's QR code is not from a Parent Portal intake form "
            f"(expected 5 parts starting {MAGIC!r}, got {len(parts)} part(s))"
        )
    _, form_type, version, page, serial = parts
    form_type = form_type.lower()
    if not _FORM_TYPE.match(form_type):
        raise PageError(f"the page's QR code names an invalid form type {form_type!r}")
    if not _NUMBER.match(version) or not _NUMBER.match(page):
        raise PageError(
            f"the page's QR code has an invalid version {version!r} or page number {page!r}"
        )
    if not _SERIAL.match(serial):
        raise PageError("the page's QR code has an invalid family serial")
    return QrPayload(form_type=form_type, version=int(version), page=int(page), serial=serial)


def make_qr(payload: str, error_correction: str = "Q") -> segno.QRCode:
    """The QR symbol for ``payload`` at the given level (M, Q or H; never weaker than M)."""
    level = error_correction.upper()
    if level not in _LEVELS:
        raise ValueError(f"QR error correction must be one of {_LEVELS}, not {error_correction!r}")
    return segno.make_qr(payload, error=level.lower(), boost_error=False)


def qr_modules(payload: str, error_correction: str = "Q") -> list[list[bool]]:
    """The symbol's dark modules, row by row, without the quiet zone."""
    symbol = make_qr(payload, error_correction)
    return [[bool(cell) for cell in row] for row in symbol.matrix]


#: the blank border a reader needs around the symbol, in modules
QUIET_ZONE_MODULES = 4
