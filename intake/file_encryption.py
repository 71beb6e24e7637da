"""Encryption at rest of the files the product stores: AES-256-GCM with a key kept outside the
database, a random 96-bit nonce per file, and a key id in each file's header so that keys can
be rotated (``intake storage rotate-key``) while files under the old key stay readable.

A sealed file is ``MAGIC | key id (8 hex characters) | nonce (12 bytes) | ciphertext + tag``.
The header and the file's name in the store (``orig/<hex>``, ``exports/<name>.zip``) are the
associated data, so a sealed file moved to another name, or a header edited, fails to open
like a changed byte does. A file without the header was written before encryption: it is read
as it is, and ``rotate-key`` seals it.

The keys come from ``INTAKE_STORAGE_KEY`` (setting ``storage_key``) when it is set, else from
the key file (setting ``storage_key_file``; default ``<data_dir>/storage.key``), created
owner-only at the first start. Either holds one entry per key, ``<key id>:<urlsafe base64 of 32
bytes>``, separated by new lines or commas; the first entry is the key new files are sealed
with, the others are only read.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from intake.config import Settings
from intake.errors import IntakeError

MAGIC = b"INTKENC1"
KEY_ID_BYTES = 8
NONCE_BYTES = 12
HEADER_BYTES = len(MAGIC) + KEY_ID_BYTES + NONCE_BYTES
#: the key file's name in the data folder when ``storage_key_file`` is not set
KEY_FILE_NAME = "storage.key"
_KEY_ID = re.compile(r"^[0-9a-f]{8}$")


class StorageKeyError(IntakeError):
    """A stored file cannot be opened, or the storage keys cannot be read."""


def new_key_entry() -> str:
    """A fresh key as one key-file line: ``<key id>:<base64 key>``."""
    key = AESGCM.generate_key(bit_length=256)
    return f"{secrets.token_hex(4)}:{base64.urlsafe_b64encode(key).decode('ascii')}"


def parse_keys(text: str, source: str) -> dict[str, bytes]:
    """The keys in ``text`` in order (the first is the current one)."""
    keys: dict[str, bytes] = {}
    for raw in re.split(r"[\s,]+", text.strip()):
        if not raw:
            continue
        key_id, _, encoded = raw.partition(":")
        try:
            key = base64.urlsafe_b64decode(encoded.encode("ascii"))
        except (binascii.Error, ValueError):
            key = b""
        if not _KEY_ID.match(key_id) or len(key) != 32:
            raise StorageKeyError(
                f"{source}: a storage key must be '<8 hex characters>:<base64 of 32 bytes>' "
                "(`intake storage new-key` prints one)"
            )
        keys[key_id] = key
    if not keys:
        raise StorageKeyError(f"{source} holds no storage key")
    return keys


def write_owner_only(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (a temporary file beside it, then a rename), the
    file 0600 from its creation."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class StorageKeys:
    """The keys files are sealed and opened with; ``current`` seals, all of them open."""

    keys: dict[str, bytes]
    current: str
    #: where they came from: ``FROM_ENVIRONMENT`` or the key file's path
    source: str

    @classmethod
    def from_text(cls, text: str, source: str) -> StorageKeys:
        keys = parse_keys(text, source)
        return cls(keys, next(iter(keys)), source)

    @classmethod
    def from_file(cls, path: Path) -> StorageKeys:
        """The keys in ``path``, made (owner-only) with one new key if it does not exist."""
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(new_key_entry() + "\n")
        os.chmod(path, 0o600)
        try:
            text = path.read_text("ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise StorageKeyError(f"cannot read the storage key file {path}: {exc}") from exc
        return cls.from_text(text, str(path))

    @property
    def from_environment(self) -> bool:
        return self.source == FROM_ENVIRONMENT

    def seal(self, data: bytes, name: str) -> bytes:
        """``data`` encrypted under the current key, bound to its ``name`` in the store."""
        header = MAGIC + self.current.encode("ascii") + os.urandom(NONCE_BYTES)
        cipher = AESGCM(self.keys[self.current])
        return header + cipher.encrypt(header[-NONCE_BYTES:], data, header + name.encode())

    def open(self, blob: bytes, name: str) -> bytes:
        """The plain bytes of a stored file (one written before encryption is returned as it
        is)."""
        if not is_sealed(blob):
            return blob
        key_id = key_id_of(blob)
        key = self.keys.get(key_id)
        if key is None:
            raise StorageKeyError(
                f"stored file {name} is encrypted with key {key_id}, which is not among the "
                f"storage keys ({self.source}): restore that key to read it"
            )
        header = blob[:HEADER_BYTES]
        try:
            return AESGCM(key).decrypt(
                header[-NONCE_BYTES:], blob[HEADER_BYTES:], header + name.encode()
            )
        except InvalidTag as exc:
            raise StorageKeyError(
                f"stored file {name} cannot be decrypted with key {key_id}: the key is wrong "
                "or the file was altered"
            ) from exc

    def is_current(self, blob: bytes) -> bool:
        """Sealed under the current key already (nothing for a rotation to do)."""
        return is_sealed(blob) and key_id_of(blob) == self.current

    def write(self, path: Path, data: bytes, name: str) -> None:
        """Seal ``data`` into ``path`` (0600, atomically)."""
        write_owner_only(path, self.seal(data, name))

    def read(self, path: Path, name: str) -> bytes:
        return self.open(path.read_bytes(), name)


def is_sealed(blob: bytes) -> bool:
    return blob.startswith(MAGIC) and len(blob) >= HEADER_BYTES


def key_id_of(blob: bytes) -> str:
    return blob[len(MAGIC) : len(MAGIC) + KEY_ID_BYTES].decode("ascii", "replace")


#: ``StorageKeys.source`` of keys from the setting (``INTAKE_STORAGE_KEY``)
FROM_ENVIRONMENT = "INTAKE_STORAGE_KEY"


def key_file_path(settings: Settings) -> Path:
    """Where the key file is (or would be) for ``settings``."""
    if settings.storage_key_file.strip():
        return Path(settings.storage_key_file).expanduser()
    return settings.data_dir / KEY_FILE_NAME


def storage_keys(settings: Settings) -> StorageKeys:
    """The keys from ``INTAKE_STORAGE_KEY`` when set, else from the key file (made if absent)."""
    if settings.storage_key.strip():
        return StorageKeys.from_text(settings.storage_key, FROM_ENVIRONMENT)
    return StorageKeys.from_file(key_file_path(settings))
