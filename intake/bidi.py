"""Direction-override characters in names: made visible on pages, escaped in JSON.

U+202A..U+202E (embeddings and overrides), U+2066..U+2069 (isolates) and the marks U+200E,
U+200F and U+061C reorder the text around them: ``\\u202Enhoj`` shows as "john", and an
override in a name can flip the words after it on a reviewer's screen (the "Trojan Source"
trick). The product keeps a name as the school's records or the form hold it, so the characters
are not removed from the data; instead

- on every page staff see them as a visible marker, ``[U+202E]``, in place of the character (the
  web app's Jinja ``finalize`` hook and ``review.js`` apply :func:`visible`), so nothing is
  reordered and the reviewer sees that the name holds one;
- in every JSON body they are written as ``\\u202e`` escapes (:func:`escape_json`): the value a
  JSON reader gets is unchanged, but no raw override reaches a log viewer, a terminal or a
  program that shows the text unparsed.
"""

from __future__ import annotations

import re

#: the characters that change the direction of the text around them
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")
_BIDI_UTF8 = re.compile(b"|".join(re.escape(c.encode()) for c in BIDI_CONTROLS))


def has_bidi_control(text: str) -> bool:
    return _BIDI.search(text) is not None


def marker(char: str) -> str:
    """What staff see in place of one direction control: ``[U+202E]``."""
    return f"[U+{ord(char):04X}]"


def visible(text: str) -> str:
    """``text`` with each direction control replaced by its marker, for display."""
    return _BIDI.sub(lambda m: marker(m.group()), text)


def escape_json(body: str) -> str:
    """A JSON text with each raw direction control written as a ``\\uXXXX`` escape.

    Safe on any valid JSON text: these characters are not JSON whitespace, so outside a string
    they would make it invalid; inside one the escape means the same character."""
    return _BIDI.sub(lambda m: f"\\u{ord(m.group()):04x}", body)


def escape_json_bytes(body: bytes) -> bytes:
    """:func:`escape_json` for a UTF-8 encoded body (the web app's after-request hook)."""
    return _BIDI_UTF8.sub(lambda m: f"\\u{ord(m.group().decode()):04x}".encode(), body)
