"""Fill ``{school.name}`` style placeholders in printed wording from the configured ``School``."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import fields
from xml.sax.saxutils import escape

from intake.config import School
from intake.errors import TemplateError

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\.([a-z_]+)\}")


def school_values(school: School) -> dict[str, str]:
    """Every value a placeholder may name, as ``"school.<name>"`` -> text."""
    values = {
        f"school.{f.name}": str(getattr(school, f.name))
        for f in fields(school)
        if isinstance(getattr(school, f.name), str)
    }
    values["school.address"] = ", ".join([*school.address_lines, school.postcode])
    return values


def fill(
    text: str, school: School, extra: dict[str, str] | None = None, markup: bool = False
) -> str:
    """``text`` with each ``{school.x}`` (and each ``extra`` key) replaced; unknown ones raise.

    With ``markup`` the values are escaped for reportlab's paragraph markup (``&`` -> ``&amp;``).
    The result holds only characters the standard PDF fonts can print (see ``printable``).
    """
    values = school_values(school)
    if extra:
        values.update(extra)
    if markup:
        values = {key: escape(value) for key, value in values.items()}

    def replace(match: re.Match[str]) -> str:
        key = f"{match.group(1)}.{match.group(2)}"
        if key not in values:
            raise TemplateError(
                f"unknown placeholder {{{key}}} in printed wording; "
                f"known: {', '.join(sorted(values))}"
            )
        return values[key]

    return printable(_PLACEHOLDER.sub(replace, text))


def printable(text: str) -> str:
    """Text the standard PDF fonts can show: accents kept where cp1252 has them (é, ö), else
    reduced to the base letter (ŵ -> w), else ``?`` (Ł), so that nothing prints as a black box."""
    out = []
    for char in text:
        try:
            char.encode("cp1252")
            out.append(char)
        except UnicodeEncodeError:
            plain = unicodedata.normalize("NFKD", char).encode("cp1252", "ignore").decode("cp1252")
            out.append(plain or "?")
    return "".join(out)
