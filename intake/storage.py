"""File storage behind one interface: originals kept unchanged, derived page images beside them.

Keys are server-generated UUIDs (never a user's file name), so no path can escape the store.
The local implementation keeps files under ``<data_dir>/files`` with directories 0700 and files
0600, each sealed with AES-GCM (``intake.file_encryption``): what lies on the disk is never a
readable PDF or image. ``get`` opens a file into memory; a tool that must read a file by path
(pdftoppm, pdfinfo) gets ``plain_copy``, an owner-only temporary copy removed when the block
ends. Another backend (object storage) would implement the same ``Storage`` protocol.

An upload the antivirus scanner flagged is kept too (the original is always kept), in
``quar/``, sealed like the rest; ``get`` and ``plain_copy`` refuse a quarantine key, so nothing
in the product can read or serve one back. It is there for the school's IT to take out
(``intake storage take-out-quarantined``) and send to the antivirus vendor, or to delete.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import struct
import tempfile
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np
from PIL import Image

from intake.config import Settings
from intake.errors import IntakeError
from intake.file_encryption import KEY_FILE_NAME, StorageKeys, storage_keys, write_owner_only

QUARANTINE = "quar"
_KEY = re.compile(r"^(orig|page|quar)/[0-9a-f]{32}$")

#: greys a 4-bit palette holds
PALETTE_GREYS = 16


@dataclass(frozen=True)
class StoredFile:
    key: str
    sha256: str
    size: int


class Storage(Protocol):
    #: the keys its files are sealed with (exports beside the store use them too)
    keys: StorageKeys

    def put_original(self, data: bytes) -> StoredFile: ...

    def put_page_image(
        self, image: np.ndarray, *, compress_level: int = 6, grey_levels: int = 256
    ) -> str: ...

    def put_quarantined(self, data: bytes) -> StoredFile: ...

    def get(self, key: str) -> bytes: ...

    def plain_copy(self, key: str) -> contextlib.AbstractContextManager[Path]: ...

    def path(self, key: str) -> Path: ...

    def delete(self, key: str) -> None: ...


def check_key(key: str) -> str:
    """Refuse anything that is not a key this store generated."""
    if not _KEY.match(key):
        raise IntakeError("not a stored file key")
    return key


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def grey_palette_png(image: np.ndarray, levels: int, compress_level: int) -> bytes:
    """A grey image of ``levels`` (at most 16) evenly spaced greys as a 4-bit palette PNG.

    Written here rather than by Pillow, which takes twice as long for the same bytes: it
    deflates a row at a time, and the page is one block here (indices packed two a byte, each
    row behind filter byte 0, as PNG's 4-bit palette images are laid out)."""
    step = 255 / (levels - 1)
    index = np.round(np.arange(256) / step).astype(np.uint8)
    indices: np.ndarray = np.asarray(cv2.LUT(np.ascontiguousarray(image), index), np.uint8)
    height, width = indices.shape
    if width % 2:
        indices = np.pad(indices, ((0, 0), (0, 1)))
    rows = np.zeros((height, 1 + indices.shape[1] // 2), np.uint8)  # column 0: filter "none"
    np.bitwise_or(indices[:, 0::2] << 4, indices[:, 1::2], out=rows[:, 1:])
    header = struct.pack(">IIBBBBB", width, height, 4, 3, 0, 0, 0)
    palette = bytes(round(i * step) for i in range(levels) for _ in range(3))
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _png_chunk(b"IHDR", header),
            _png_chunk(b"PLTE", palette),
            _png_chunk(b"IDAT", zlib.compress(rows.tobytes(), compress_level)),
            _png_chunk(b"IEND", b""),
        )
    )


class LocalStorage:
    """Files in a local folder, sealed with ``keys``; the default for a single school.

    Without ``keys`` the key file beside the folder (``<root>/../storage.key``, the default
    place of ``<data_dir>/storage.key``) is used, and made if it does not exist."""

    def __init__(self, root: Path, keys: StorageKeys | None = None) -> None:
        self.root = root
        for sub in ("orig", "page", QUARANTINE):
            (root / sub).mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(root / sub, 0o700)
        os.chmod(root, 0o700)
        self.keys = keys or StorageKeys.from_file(root.parent / KEY_FILE_NAME)

    def path(self, key: str) -> Path:
        """Where the (sealed) file lies: for existence checks and deletion, not for reading."""
        return self.root / check_key(key)

    def _write(self, prefix: str, data: bytes) -> str:
        key = f"{prefix}/{uuid.uuid4().hex}"
        write_owner_only(self.root / key, self.keys.seal(data, key))
        return key

    def put_original(self, data: bytes) -> StoredFile:
        """Keep the uploaded bytes exactly as they came (sealed on the disk)."""
        key = self._write("orig", data)
        return StoredFile(key=key, sha256=hashlib.sha256(data).hexdigest(), size=len(data))

    def put_page_image(
        self, image: np.ndarray, *, compress_level: int = 6, grey_levels: int = 256
    ) -> str:
        """Store a page image (RGB or grey array) as PNG without metadata. A grey image of at
        most 16 evenly spaced ``grey_levels`` (0 and 255 among them) is stored as a 4-bit grey
        palette: the same picture, in half the time and a little less space."""
        if image.ndim == 2 and grey_levels <= PALETTE_GREYS:
            return self._write("page", grey_palette_png(image, grey_levels, compress_level))
        buffer = io.BytesIO()
        Image.fromarray(image).save(
            buffer, format="PNG", optimize=False, compress_level=compress_level
        )
        return self._write("page", buffer.getvalue())

    def put_quarantined(self, data: bytes) -> StoredFile:
        """Keep an upload the antivirus scanner flagged, sealed, where nothing reads it."""
        key = self._write(QUARANTINE, data)
        return StoredFile(key=key, sha256=hashlib.sha256(data).hexdigest(), size=len(data))

    def get(self, key: str) -> bytes:
        """The file's plain bytes (a file stored before encryption is read as it is); never
        those of a quarantined file."""
        if check_key(key).startswith(QUARANTINE + "/"):
            raise IntakeError("a quarantined file is never opened by the product")
        try:
            blob = self.path(key).read_bytes()
        except FileNotFoundError as exc:
            raise IntakeError("the stored file is missing") from exc
        return self.keys.open(blob, key)

    @contextlib.contextmanager
    def plain_copy(self, key: str) -> Iterator[Path]:
        """A plain copy of the file for a tool that reads by path: in a new owner-only (0700)
        temporary folder, the file 0600, both removed when the block ends."""
        data = self.get(key)
        with tempfile.TemporaryDirectory(prefix="intake-plain-") as folder:
            path = Path(folder) / "file"
            write_owner_only(path, data)
            yield path

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)


def local_storage(settings: Settings) -> LocalStorage:
    """The store under ``<data_dir>/files``, sealed with the configured keys."""
    return LocalStorage(settings.data_dir / "files", storage_keys(settings))
