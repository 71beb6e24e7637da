"""Key rotation of the stored files: every file sealed again under the current key.

With the key file, ``rotate_key`` puts a new key at the top of the file (the old ones stay
below it, so every file stays readable while it runs), seals each file that is not under the
new key again (a file written before encryption gets sealed for the first time) and, when all
are done, leaves only the new key in the file. Interrupted, it is simply run again. With
``INTAKE_STORAGE_KEY`` the product cannot change the variable: the operator puts a new key
(``intake storage new-key``) first, keeps the old ones after it, runs the rotation, then drops
the old ones. Run it with the web app and the worker stopped: they hold the keys they read at
start-up.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from intake.config import Settings
from intake.errors import IntakeError
from intake.file_encryption import (
    StorageKeys,
    is_sealed,
    key_file_path,
    new_key_entry,
    storage_keys,
    write_owner_only,
)
from intake.records.file_retention import EXPORTS_DIR, exports_dir
from intake.storage import QUARANTINE, check_key

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RotationReport:
    key_id: str
    resealed: int  # files moved from an older key
    first_sealed: int  # files written before encryption, sealed now
    unchanged: int  # already under the current key
    retired: tuple[str, ...]  # key ids no file needs any more
    source: str


def stored_files(settings: Settings) -> Iterator[tuple[Path, str]]:
    """Every sealed file of the data folder with its name in the store: originals, page
    images, quarantined uploads and subject-access exports."""
    files = settings.data_dir / "files"
    for folder in ("orig", "page", QUARANTINE):
        for path in sorted((files / folder).glob("*")):
            name = f"{folder}/{path.name}"
            if path.is_file() and _is_store_key(name):
                yield path, name
    for path in sorted(exports_dir(settings).glob("*.zip")):
        if path.is_file():
            yield path, f"{EXPORTS_DIR}/{path.name}"


def _is_store_key(name: str) -> bool:
    try:
        check_key(name)
    except IntakeError:
        return False  # a temporary or foreign file: left alone
    return True


def _entries(keys: StorageKeys) -> list[str]:
    return [
        f"{key_id}:{base64.urlsafe_b64encode(key).decode('ascii')}"
        for key_id, key in keys.keys.items()
    ]


def rotate_key(settings: Settings) -> RotationReport:
    """Seal every stored file under a new key (key file) or the first key (environment)."""
    keys = storage_keys(settings)
    path = key_file_path(settings)
    if not keys.from_environment:
        write_owner_only(path, ("\n".join([new_key_entry(), *_entries(keys)]) + "\n").encode())
        keys = StorageKeys.from_file(path)
    resealed = first = unchanged = 0
    for file_path, name in stored_files(settings):
        blob = file_path.read_bytes()
        if keys.is_current(blob):
            unchanged += 1
            continue
        plain = keys.open(blob, name)
        if is_sealed(blob):
            resealed += 1
        else:
            first += 1
        keys.write(file_path, plain, name)
    retired = tuple(k for k in keys.keys if k != keys.current)
    if not keys.from_environment:
        current = _entries(keys)[0]
        write_owner_only(path, (current + "\n").encode())
    log.info(
        "storage key %s: %d resealed, %d sealed for the first time, %d unchanged",
        keys.current,
        resealed,
        first,
        unchanged,
    )
    return RotationReport(keys.current, resealed, first, unchanged, retired, keys.source)
