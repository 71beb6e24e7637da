"""A roster import waiting for the admin's confirmation: the file, sealed in the store, and
what its dry run would change, until it is confirmed or cancelled.

The session cookie holds ids only (``PREVIEW_SESSION_KEY``): the stored keys of the file and of
its merge map, the file's SHA-256 and a digest of the changes shown. What the admin confirms
is that file and those changes: the import is made from the stored bytes (checked against the
hash), and a roster that changed meanwhile, so that the same file would now change other
links, is shown again instead of being made. A new preview or a cancel deletes the old copy.

A preview lives ``ROSTER_PREVIEW_LIFETIME`` (an hour): after that it cannot be confirmed, and
its copies are deleted by the next preview any admin makes and by ``intake retention apply``,
so that a preview abandoned without cancel (a closed tab) does not keep a copy of the roster.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from intake.errors import IntakeError
from intake.records.file_retention import ROSTER_PREVIEW_LIFETIME, abandoned_previews
from intake.storage import Storage
from intake.web.roster_import import PREVIEW_SESSION_KEY


@dataclass(frozen=True)
class Stash:
    """The previewed import, read back from the store."""

    data: bytes
    merges: dict[str, str]
    preview: dict[str, Any]
    changes_digest: str


def digest(result: dict[str, Any]) -> str:
    """What the changes to confirm come to, order aside."""
    lines = sorted(result.get("changes_to_confirm") or [])
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def keep(
    session: MutableMapping[str, Any],
    storage: Storage,
    data: bytes,
    merges: dict[str, str],
    preview: dict[str, Any],
    now: datetime,
) -> dict[str, str]:
    """Seal the file and what its dry run showed; forget any earlier preview. Returns the
    keys of the sealed copies (for the audit entry, which is what finds them if abandoned)."""
    drop(session, storage)
    stored = storage.put_original(data)
    shown = storage.put_original(json.dumps({"merges": merges, "preview": preview}).encode())
    session[PREVIEW_SESSION_KEY] = {
        "file": stored.key,
        "sha256": stored.sha256,
        "shown": shown.key,
        "changes": digest(preview),
        "made_at": now.isoformat(),
    }
    # the audit takes ids: the name in the store (every copy is an "orig/" file)
    return {"file": stored.key.removeprefix("orig/"), "shown": shown.key.removeprefix("orig/")}


def load(session: MutableMapping[str, Any], storage: Storage, now: datetime) -> Stash | None:
    """The waiting import, or None (none, past its lifetime, or its copy is gone or does not
    match its hash)."""
    ids = session.get(PREVIEW_SESSION_KEY)
    if not isinstance(ids, dict):
        return None
    try:
        made_at = datetime.fromisoformat(str(ids["made_at"]))
    except (KeyError, ValueError):
        made_at = datetime.min.replace(tzinfo=UTC)
    if now - made_at > ROSTER_PREVIEW_LIFETIME:
        drop(session, storage)
        return None
    try:
        data = storage.get(str(ids["file"]))
        shown = json.loads(storage.get(str(ids["shown"])))
    except (IntakeError, OSError, KeyError, ValueError):
        return None
    if hashlib.sha256(data).hexdigest() != ids.get("sha256"):
        return None
    return Stash(data, dict(shown["merges"]), dict(shown["preview"]), str(ids["changes"]))


def drop(session: MutableMapping[str, Any], storage: Storage) -> None:
    """Delete the waiting import's sealed copies and forget it."""
    ids = session.pop(PREVIEW_SESSION_KEY, None)
    if not isinstance(ids, dict):
        return
    for name in ("file", "shown"):
        # already gone, or not a key of ours: nothing to delete
        with contextlib.suppress(IntakeError, OSError):
            storage.delete(str(ids.get(name, "")))


def sweep(db_session: Session, storage: Storage, now: datetime, spare: dict[str, str]) -> int:
    """Delete the copies of every abandoned preview (past its lifetime), never those of the
    preview just made (``spare``, what ``keep`` returned); how many there were."""
    actions = [
        action
        for action in abandoned_previews(db_session, storage, now)
        if action.key.removeprefix("orig/") not in spare.values()
    ]
    for action in actions:
        storage.delete(action.key)
    return len(actions)
