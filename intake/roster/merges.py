"""The merge map given with an import: contacts the MIS merged, or gave a new id.

MIS exports carry each contact's current id only (SIMS person id, Arbor person id; a CTF has no
contact id at all that survives a merge), so the import cannot tell a new id or a merge from a
new person by itself, and must never guess it from a name (uk-school-data.md, key finding 6).
The school says it instead, in a two-column CSV: ``OldContactID,NewContactID`` (header
required; synonyms ``Old``/``From``, ``New``/``To``). An account of the old id then follows the
person to the new id (``intake.accounts.roster_sync``).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from intake.errors import RosterError
from intake.roster.csv_columns import header_key

MAX_BYTES = 1024 * 1024
_OLD = {"oldcontactid", "old", "from", "fromcontactid", "previouscontactid", "mergedcontactid"}
_NEW = {"newcontactid", "new", "to", "tocontactid", "contactid", "keptcontactid"}


def parse_contact_merges(text: str, name: str = "merge map") -> dict[str, str]:
    """old id -> new id; ``RosterError`` listing every bad line (nothing is imported then)."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows:
        raise RosterError(f"{name} is empty")
    keys = [header_key(h) for h in rows[0]]
    old_at = next((i for i, k in enumerate(keys) if k in _OLD), None)
    new_at = next((i for i, k in enumerate(keys) if k in _NEW), None)
    if old_at is None or new_at is None:
        raise RosterError(f"{name}: line 1 must name the columns OldContactID,NewContactID")
    merges: dict[str, str] = {}
    problems: list[str] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        old = row[old_at].strip() if old_at < len(row) else ""
        new = row[new_at].strip() if new_at < len(row) else ""
        if not old or not new:
            problems.append(f"line {number}: both ids are needed")
        elif old in merges and merges[old] != new:
            problems.append(f"line {number}: {old} is already merged into {merges[old]}")
        else:
            merges[old] = new
    chained = sorted(old for old, new in merges.items() if new in merges)
    problems += [f"{old} -> {merges[old]} is merged again: give the final id" for old in chained]
    if problems:
        raise RosterError(f"{name} has errors; nothing was imported", problems)
    return merges


def load_contact_merges(path: Path) -> dict[str, str]:
    """``parse_contact_merges`` of a file (UTF-8, at most 1 MB)."""
    data = path.read_bytes()
    if len(data) > MAX_BYTES:
        raise RosterError(f"{path.name} is larger than 1 MB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RosterError(f"{path.name} is not UTF-8 text") from exc
    return parse_contact_merges(text, path.name)
