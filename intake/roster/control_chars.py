"""Control characters in roster text: refused at import, with the row that holds them.

A NUL byte, an escape sequence or a C1 control in a name is never a real name: it comes from a
corrupt export (UTF-16 saved as bytes, a binary column) or from someone probing. Kept, it reaches
the database, the letters, the exports and terminals (an ``ESC ]8`` sequence draws a link in a
terminal; a NUL truncates the string in C libraries and PostgreSQL refuses it outright). So the
import refuses the file and names the line (CSV) or the record (any source), and the school fixes
the MIS. Tab and line ends are layout (a quoted address cell may hold a line break) and pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from intake.roster.model import Roster

#: C0 controls except tab, line feed and carriage return; DEL; the C1 controls
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def control_character(text: str) -> str | None:
    """The first control character in ``text`` as ``U+XXXX``, or None."""
    match = CONTROL.search(text)
    return f"U+{ord(match.group()):04X}" if match else None


def problem(where: str, label: str, text: str) -> str | None:
    """``"<where>: <label> holds a control character (U+0000)"``, or None when clean."""
    found = control_character(text)
    if found is None:
        return None
    return f"{where}: {label} holds a control character ({found})"


def _shown(record_id: str) -> str:
    """An id as it may appear in a message: quoted with escapes when it holds a control."""
    return repr(record_id) if control_character(record_id) else record_id


def _fields(roster: Roster) -> Iterator[tuple[str, str, str]]:
    for s in roster.students:
        where = f"student {_shown(s.student_id)}"
        yield where, "student id", s.student_id
        yield where, "UPN", s.upn
        yield where, "legal forename", s.legal_forename
        yield where, "legal surname", s.legal_surname
        yield where, "preferred forename", s.preferred_forename
        yield where, "preferred surname", s.preferred_surname
        yield where, "tutor group", s.tutor_group
        yield where, "previous tutor group", s.previous_tutor_group
        yield where, "sex", s.sex
    for c in roster.contacts:
        where = f"contact {_shown(c.contact_id)}"
        yield where, "contact id", c.contact_id
        yield where, "title", c.title
        yield where, "forename", c.forename
        yield where, "surname", c.surname
        yield where, "home phone", c.home_phone
        yield where, "mobile phone", c.mobile_phone
        yield where, "email", c.email
        yield where, "postcode", c.address.postcode
        for number, line in enumerate(c.address.lines, start=1):
            yield where, f"address line {number}", line
    for r in roster.relationships:
        where = f"link {_shown(r.student_id)}-{_shown(r.contact_id)}"
        yield where, "relationship", r.relationship


def roster_control_problems(roster: Roster) -> list[str]:
    """One line per field holding a control character, naming the record (ids are shown with
    ``repr`` when they hold one themselves, so the message never carries the raw character)."""
    found = (problem(where, label, text) for where, label, text in _fields(roster))
    return [line for line in found if line is not None]
