"""A roster import waiting for the admin's confirmation: the file, sealed in the store, and
what its dry run would change, until it is confirmed or cancelled.

The session cookie holds ids only (``PREVIEW_SESSION_KEY``): the stored keys of the file and of
its merge map, the file's SHA-256 and a digest of the changes shown. What the admin confirms
is that file and those changes: the import is made from the stored bytes (checked against the
hash), and a roster that changed meanwhile, so that the same file would now change other
links, is shown again instead of being made. A new preview or a cancel deletes the old copy.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

from intake.errors import IntakeError
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
) -> None:
    """Seal the file and what its dry run showed; forget any earlier preview."""
    drop(session, storage)
    stored = storage.put_original(data)
    shown = storage.put_original(json.dumps({"merges": merges, "preview": preview}).encode())
    session[PREVIEW_SESSION_KEY] = {
        "file": stored.key,
        "sha256": stored.sha256,
        "shown": shown.key,
        "changes": digest(preview),
    }


def load(session: MutableMapping[str, Any], storage: Storage) -> Stash | None:
    """The waiting import, or None (none, or its copy is gone or does not match its hash)."""
    ids = session.get(PREVIEW_SESSION_KEY)
    if not isinstance(ids, dict):
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
