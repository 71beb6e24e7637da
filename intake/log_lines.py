"""How the product's log records are written: one JSON object a line, or plain text a line.

A log line must stay one line whatever a message carries. Messages hold ids only (never a
name, an address or a value read from a form), but an id or an exception's text can still hold
a carriage return or a line feed, and a forged line such as ``2025-01-01 INFO admin exported
all`` must never appear in a log as if the product had written it (OWASP ASVS 7.3.1, log
injection). JSON escapes every control character by itself; the text style writes them as
``\\r``, ``\\n`` or ``\\x1b``.

JSON is for a log collector (journald, Docker, a SIEM): each line is an object with ``time``
(UTC, ISO 8601), ``level``, ``logger``, ``message``, ``process`` and, after an exception,
``exception``. Text is for a person at a terminal. ``INTAKE_LOG_FORMAT`` (``json`` or
``text``) or ``intake --log-format`` chooses; by default a terminal gets text and anything else
(a file, a pipe, a service manager) gets JSON.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from datetime import UTC, datetime

STYLES = ("json", "text")
ENV = "INTAKE_LOG_FORMAT"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")


def _escaped(text: str) -> str:
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class JsonLines(logging.Formatter):
    """One JSON object a record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=True)


class TextLines(logging.Formatter):
    """The classic text line, with every control character written as an escape."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        return _escaped(super().format(record))


def chosen_style(style: str | None = None) -> str:
    """The style asked for (the option, then ``INTAKE_LOG_FORMAT``), else text on a terminal
    and JSON elsewhere."""
    style = (style or os.environ.get(ENV) or "").strip().lower()
    if style in STYLES:
        return style
    if style:
        raise ValueError(f"{ENV} must be one of {', '.join(STYLES)}, not {style!r}")
    return "text" if sys.stderr.isatty() else "json"


class _Ours(logging.StreamHandler):
    """The handler this module installs, told apart from one that a host (pytest) put there."""


def configure_logging(level: int, style: str | None = None) -> None:
    """Send the root logger's records to standard error in the chosen style. A second call
    replaces what the first installed; logging that a host configured (pytest's capture) is
    left alone, as ``logging.basicConfig`` would."""
    root = logging.getLogger()
    formatter = JsonLines() if chosen_style(style) == "json" else TextLines()
    for handler in [h for h in root.handlers if isinstance(h, _Ours)]:
        root.removeHandler(handler)
    if root.handlers:
        return
    handler = _Ours()
    handler.setFormatter(formatter)
    root.addHandler(handler)
    root.setLevel(level)
