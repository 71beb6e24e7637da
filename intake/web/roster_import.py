"""The admin's roster upload, handed to the roster import (``intake.roster.importing``).

An import that changes who holds parental responsibility, a court order or a no-contact flag
is first run as a dry run and shown (``changes_to_confirm``); it is made only once the admin
confirms, signed in afresh, the very file that was previewed (its bytes kept sealed in the
store meanwhile, under ``PREVIEW_SESSION_KEY`` of their session).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from intake.config import Settings
from intake.roster.csv_io import DEFAULT_MAX_BYTES, load_csv, read_bytes
from intake.roster.ctf import looks_like_xml, read_ctf_file
from intake.roster.importing import SourceFile, import_roster

#: where the previewed file's stash lives in the admin's session
PREVIEW_SESSION_KEY = "roster_preview"


def import_roster_bytes(
    session: Session,
    path: Path,
    settings: Settings,
    actor_id: str = "web",
    merges: dict[str, str] | None = None,
    *,
    dry_run: bool = False,
) -> dict[str, Any]:
    """Import the roster file at ``path`` (CSV or CTF, by content) in the caller's transaction;
    returns the counts to show, under ``"accounts"`` / ``"account_warnings"`` every change
    made to portal accounts in words, and under ``"changes_to_confirm"`` every change of
    parental responsibility, court order or no-contact flag (ids only). A ``RosterError``
    leaves the database as it was. ``dry_run``: nothing outside the transaction is touched
    (the caller rolls it back)."""
    from intake.accounts.roster_sync import rules_from_settings

    data = read_bytes(path, DEFAULT_MAX_BYTES)
    content = read_ctf_file(path, None) if looks_like_xml(data) else load_csv(path)
    source = SourceFile(path.name, hashlib.sha256(data).hexdigest(), content)
    full = content.kind == "csv" and content.full
    rules = rules_from_settings(settings, actor_id, merges, dry_run=dry_run)
    summary = import_roster(session, [source], full, accounts=rules)
    return {
        "import_id": summary.import_id,
        "students_added": summary.students_added,
        "students_updated": summary.students_updated,
        "students_left": summary.students_left,
        "contacts_added": summary.contacts_added,
        "contacts_updated": summary.contacts_updated,
        "links_added": summary.links_added,
        "links_ended": summary.links_ended,
        "flag_changes": len(summary.flag_changes),
        "warnings": len(summary.warnings),
        "account_changes": len(summary.account_changes),
        "accounts": [change.words() for change in summary.account_changes],
        "account_warnings": list(summary.account_warnings),
        "changes_to_confirm": [
            f"student {c.student_id}, contact {c.contact_id}: {c.change}"
            for c in summary.flag_changes
        ],
    }
