"""Every incoming file scanned for malware before anything reads it; a hit kept in quarantine
and written to the audit log as a security event.

``screen_uploads`` runs in ``create_batch``, the path the web upload, ``intake batch import``
and the hot folder share, so each file is scanned once whichever way it came, after the size
check and before its type is looked at (a virus in a renamed ``.exe`` is a security event, not
a wrong file type). With ``antivirus.clamd`` empty it does nothing.

A hit is the file's own refusal, but the upload is refused whole, as for any refused file. The
flagged file is stored sealed under ``quar/`` (``intake.storage``), which nothing in the product
reads or serves; the event ``upload.malware_found`` carries the quarantine id, the signature's
name, the file's SHA-256, its size and where it came from, with the uploader as actor: ids and
codes only, never the file's name (a parent's name is often in it). The event is committed
before the refusal is raised, since every caller rolls its transaction back on a refusal.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from intake import audit
from intake.batch.antivirus import TooLargeToScan, scanner_for
from intake.config import Settings
from intake.errors import InputFileError
from intake.storage import Storage

log = logging.getLogger(__name__)

MALWARE_FOUND = "upload.malware_found"
_NOT_IN_A_CODE = re.compile(r"[^A-Za-z0-9_.:\-]")


@dataclass(frozen=True)
class Quarantined:
    """One flagged file: the name it was shown under, what clamd found, where it is kept."""

    name: str
    signature: str
    quarantine_id: str

    def describe(self) -> str:
        return (
            f"{self.name}: the antivirus scanner found {self.signature} in it; the file was not"
            f" read and is kept in quarantine (quar/{self.quarantine_id})"
        )


class MalwareFoundError(InputFileError):
    """One or more files of an upload were flagged; each is named, quarantined and audited."""

    def __init__(self, hits: Sequence[Quarantined]) -> None:
        lines = "; ".join(hit.describe() for hit in hits)
        super().__init__(f"{lines}. Nothing of this upload was taken; tell your IT support")
        self.hits = tuple(hits)


def screen_uploads(
    session: Session,
    storage: Storage,
    settings: Settings,
    files: Sequence[tuple[str, bytes]],
    *,
    user_id: str | None,
    source: str,
) -> None:
    """Scan each ``(display name, bytes)``; ``MalwareFoundError`` after quarantining every hit
    and committing its event. ``ScannerUnavailable`` or ``TooLargeToScan`` (both
    ``InputFileError``) when a file cannot be scanned: the scan fails closed."""
    scanner = scanner_for(settings.antivirus)
    if scanner is None:
        return
    hits: list[Quarantined] = []
    try:
        for name, data in files:
            try:
                signature = scanner.scan(data)
            except TooLargeToScan as exc:
                raise TooLargeToScan(f"{name}: {exc}") from None
            if signature:
                hits.append(_quarantine(session, storage, name, data, signature, user_id, source))
    finally:
        if hits:
            session.commit()  # the security events outlive the caller's rollback
    if hits:
        raise MalwareFoundError(hits)


def _quarantine(
    session: Session,
    storage: Storage,
    name: str,
    data: bytes,
    signature: str,
    user_id: str | None,
    source: str,
) -> Quarantined:
    kept = storage.put_quarantined(data)
    quarantine_id = kept.key.partition("/")[2]
    code = _NOT_IN_A_CODE.sub("_", signature)[:80]
    audit.record(
        session,
        actor_id=user_id,
        action=MALWARE_FOUND,
        object_type="quarantine",
        object_id=quarantine_id,
        detail={"signature": code, "sha256": kept.sha256, "size": kept.size, "source": source},
    )
    log.warning("malware %s in an upload (%s): quarantined as %s", code, source, quarantine_id)
    return Quarantined(name, signature, quarantine_id)
