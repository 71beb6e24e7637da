"""File storage behind one interface: originals kept unchanged, derived page images beside them.

Keys are server-generated UUIDs (never a user's file name), so no path can escape the store.
The local implementation keeps files under ``<data_dir>/files`` with directories 0700 and files
0600; another backend (object storage) would implement the same ``Storage`` protocol.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
from PIL import Image

from intake.config import Settings
from intake.errors import IntakeError

_KEY = re.compile(r"^(orig|page)/[0-9a-f]{32}$")


@dataclass(frozen=True)
class StoredFile:
    key: str
    sha256: str
    size: int


class Storage(Protocol):
    def put_original(self, data: bytes) -> StoredFile: ...

    def put_page_image(self, image: np.ndarray) -> str: ...

    def get(self, key: str) -> bytes: ...

    def path(self, key: str) -> Path: ...

    def delete(self, key: str) -> None: ...


def check_key(key: str) -> str:
    """Refuse anything that is not a key this store generated."""
    if not _KEY.match(key):
        raise IntakeError("not a stored file key")
    return key


class LocalStorage:
    """Files in a local folder; the default for a single school."""

    def __init__(self, root: Path) -> None:
        self.root = root
        for sub in ("orig", "page"):
            (root / sub).mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(root, 0o700)

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def _write(self, prefix: str, data: bytes) -> str:
        key = f"{prefix}/{uuid.uuid4().hex}"
        target = self.root / key
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return key

    def put_original(self, data: bytes) -> StoredFile:
        """Keep the uploaded bytes exactly as they came."""
        key = self._write("orig", data)
        return StoredFile(key=key, sha256=hashlib.sha256(data).hexdigest(), size=len(data))

    def put_page_image(self, image: np.ndarray) -> str:
        """Store a page image (RGB or grey array) as PNG without metadata."""
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format="PNG", optimize=False)
        return self._write("page", buffer.getvalue())

    def get(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError as exc:
            raise IntakeError("the stored file is missing") from exc

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)


def local_storage(settings: Settings) -> LocalStorage:
    """The store under ``<data_dir>/files``."""
    return LocalStorage(settings.data_dir / "files")
