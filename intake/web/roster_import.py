"""The admin's roster upload, handed to the roster import (``intake.roster.store``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from intake.config import Settings
from intake.errors import IntakeError


def import_roster_bytes(session: Session, path: Path, settings: Settings) -> dict[str, Any]:
    """Import the roster file at ``path`` into the database; returns counts to show."""
    try:
        from intake.roster import store
    except ImportError as exc:
        raise IntakeError("roster import is not installed on this server") from exc
    result = store.import_roster_files(session, [path], settings)
    if isinstance(result, dict):
        return result
    return {k: v for k, v in vars(result).items() if isinstance(v, int | str)}
