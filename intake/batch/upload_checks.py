"""Checks on uploaded files before anything is stored: size, type by content, a safe name.

The size is checked before the antivirus scan (``intake.batch.quarantine``), the type after it.
"""

from __future__ import annotations

import re
import unicodedata

from intake.errors import InputFileError
from intake.reading.ingest import refusal, sniff_type

MAX_NAME_CHARS = 120
_BIDI_AND_CONTROL = re.compile(
    r"[\u0000-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)


def display_name(filename: str | None) -> str:
    """The name shown to staff: no folders, no control or direction-override characters (shown
    as ``[U+XXXX]`` so a disguised name stays visible), at most 120 characters."""
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[/\\]", name)[-1]
    name = _BIDI_AND_CONTROL.sub(lambda m: f"[U+{ord(m.group()):04X}]", name).strip(" .")
    if not name:
        name = "unnamed upload"
    if len(name) > MAX_NAME_CHARS:
        name = name[: MAX_NAME_CHARS - 1] + "…"
    return name


def check_size(data: bytes, max_bytes: int) -> None:
    """``InputFileError`` for an empty file or one over ``max_bytes``."""
    if not data:
        raise InputFileError("the file is empty (0 bytes)")
    if len(data) > max_bytes:
        raise InputFileError(f"the file is over the limit of {max_bytes // 1048576} MB")


def check_kind(data: bytes) -> str:
    """The file's kind ("pdf", "png", "jpeg", "tiff") from its content, or ``InputFileError``."""
    kind = sniff_type(data[:2048])
    if kind is None:
        raise InputFileError(refusal(data[:2048]))
    return kind
