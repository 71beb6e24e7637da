"""Stored files are sealed with AES-GCM: never plain on the disk, a clear error for a wrong key
or an altered file, plain copies only for tools and only while they run, and key rotation."""

from __future__ import annotations

import hashlib
import os
import stat

import numpy as np
import pytest
from click.testing import CliRunner

from intake.cli import cli
from intake.config import load_settings
from intake.file_encryption import (
    FROM_ENVIRONMENT,
    StorageKeyError,
    StorageKeys,
    key_id_of,
    new_key_entry,
    storage_keys,
)
from intake.records.file_retention import export_name, exports_dir
from intake.storage import LocalStorage, local_storage

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture()
def settings(tmp_path):
    return load_settings(environ={"INTAKE_DATA_DIR": str(tmp_path / "data")})


def test_stored_files_are_not_plain_on_the_disk_and_read_back(settings) -> None:
    storage = local_storage(settings)
    original = storage.put_original(PDF)
    page = storage.put_page_image(np.full((20, 30), 255, dtype=np.uint8))
    for key in (original.key, page):
        raw = storage.path(key).read_bytes()
        assert raw.startswith(b"INTKENC1")
        assert b"%PDF-" not in raw and b"\x89PNG" not in raw and b"IHDR" not in raw
        assert _mode(storage.path(key)) == 0o600
    assert storage.get(original.key) == PDF
    assert storage.get(page).startswith(b"\x89PNG\r\n\x1a\n")
    # the SHA-256 kept in the database is the original's, not the sealed file's
    assert original.sha256 == hashlib.sha256(PDF).hexdigest()


def test_the_key_file_is_made_owner_only_at_the_first_start(settings) -> None:
    key_file = settings.data_dir / "storage.key"
    assert not key_file.exists()
    keys = storage_keys(settings)
    assert _mode(key_file) == 0o600
    assert key_file.read_text("ascii").startswith(keys.current + ":")
    assert storage_keys(settings).keys == keys.keys  # read again, not replaced


def test_a_key_from_the_environment_wins_and_no_key_file_is_made(tmp_path) -> None:
    entry = new_key_entry()
    settings = load_settings(
        environ={"INTAKE_DATA_DIR": str(tmp_path / "d"), "INTAKE_STORAGE_KEY": entry}
    )
    keys = storage_keys(settings)
    assert (keys.current, keys.source) == (entry.split(":")[0], FROM_ENVIRONMENT)
    assert not (tmp_path / "d" / "storage.key").exists()
    assert entry.split(":")[1] not in repr(settings)  # a secret: kept out of logs


def test_a_malformed_key_is_refused_with_a_clear_message() -> None:
    with pytest.raises(StorageKeyError, match="must be '<8 hex characters>:<base64 of 32 bytes>'"):
        StorageKeys.from_text("abcd1234:dG9vIHNob3J0", FROM_ENVIRONMENT)


def test_a_wrong_key_or_an_altered_file_gives_a_clear_error(settings, tmp_path) -> None:
    storage = local_storage(settings)
    key = storage.put_original(PDF).key
    other = LocalStorage(settings.data_dir / "files", StorageKeys.from_text(new_key_entry(), "x"))
    with pytest.raises(StorageKeyError, match=r"is encrypted with key [0-9a-f]{8}, which is not"):
        other.get(key)
    same_id = f"{storage.keys.current}:{new_key_entry().split(':')[1]}"
    wrong = LocalStorage(settings.data_dir / "files", StorageKeys.from_text(same_id, "x"))
    with pytest.raises(StorageKeyError, match="the key is wrong or the file was altered"):
        wrong.get(key)
    path = storage.path(key)
    raw = bytearray(path.read_bytes())
    raw[-5] ^= 0x01
    path.write_bytes(bytes(raw))
    with pytest.raises(StorageKeyError, match="the key is wrong or the file was altered"):
        storage.get(key)


def test_a_sealed_file_moved_to_another_name_does_not_open(settings) -> None:
    storage = local_storage(settings)
    first = storage.put_original(PDF).key
    second = storage.put_original(b"%PDF-1.4 other").key
    storage.path(second).write_bytes(storage.path(first).read_bytes())
    with pytest.raises(StorageKeyError, match="the key is wrong or the file was altered"):
        storage.get(second)


def test_a_plain_copy_is_owner_only_and_gone_after_the_block(settings) -> None:
    storage = local_storage(settings)
    key = storage.put_original(PDF).key
    with storage.plain_copy(key) as path:
        assert path.read_bytes() == PDF
        assert _mode(path) == 0o600 and _mode(path.parent) == 0o700
    assert not path.exists() and not path.parent.exists()


def test_files_written_before_encryption_are_read_and_sealed_by_rotation(settings) -> None:
    storage = local_storage(settings)
    legacy = "orig/" + "ab" * 16
    storage.path(legacy).write_bytes(PDF)  # as an install before encryption left it
    assert storage.get(legacy) == PDF
    exports = exports_dir(settings)
    exports.mkdir(mode=0o700)
    (exports / "old.zip").write_bytes(b"PK\x03\x04 plain export")
    result = CliRunner().invoke(
        cli, ["storage", "rotate-key"], env={"INTAKE_DATA_DIR": str(settings.data_dir)}
    )
    assert result.exit_code == 0, result.output
    assert "0 file(s) re-encrypted, 2 encrypted for the first time, 0 unchanged" in result.output
    keys = storage_keys(settings)
    assert key_id_of(storage.path(legacy).read_bytes()) == keys.current
    assert keys.read(exports / "old.zip", export_name("old.zip")) == b"PK\x03\x04 plain export"
    assert LocalStorage(settings.data_dir / "files", keys).get(legacy) == PDF


def test_rotation_with_the_key_file_moves_every_file_to_a_new_key(settings) -> None:
    storage = local_storage(settings)
    old_keys = storage.keys
    keys_before = [storage.put_original(PDF + bytes([n])).key for n in range(3)]
    page = storage.put_page_image(np.zeros((8, 8), dtype=np.uint8))
    quarantined = storage.put_quarantined(b"%PDF-1.4 flagged").key
    exports_dir(settings).mkdir(mode=0o700)
    storage.keys.write(exports_dir(settings) / "e.zip", b"PK zip", export_name("e.zip"))
    result = CliRunner().invoke(
        cli, ["storage", "rotate-key"], env={"INTAKE_DATA_DIR": str(settings.data_dir)}
    )
    assert result.exit_code == 0, result.output
    assert "6 file(s) re-encrypted, 0 encrypted for the first time, 0 unchanged" in result.output
    assert f"old key(s) {old_keys.current} removed from" in result.output
    new_keys = storage_keys(settings)
    assert list(new_keys.keys) == [new_keys.current] != [old_keys.current]
    assert _mode(settings.data_dir / "storage.key") == 0o600
    fresh = LocalStorage(settings.data_dir / "files", new_keys)
    assert [fresh.get(k) for k in keys_before] == [PDF + bytes([n]) for n in range(3)]
    assert fresh.get(page).startswith(b"\x89PNG")
    assert new_keys.read(exports_dir(settings) / "e.zip", export_name("e.zip")) == b"PK zip"
    assert new_keys.read(fresh.path(quarantined), quarantined) == b"%PDF-1.4 flagged"
    with pytest.raises(StorageKeyError, match="which is not among the storage keys"):
        LocalStorage(settings.data_dir / "files", old_keys).get(keys_before[0])


def test_rotation_with_the_environment_moves_files_to_its_first_key(tmp_path) -> None:
    old, new = new_key_entry(), new_key_entry()
    data = tmp_path / "data"
    before = load_settings(environ={"INTAKE_DATA_DIR": str(data), "INTAKE_STORAGE_KEY": old})
    key = local_storage(before).put_original(PDF).key
    env = {"INTAKE_DATA_DIR": str(data), "INTAKE_STORAGE_KEY": f"{new},{old}"}
    result = CliRunner().invoke(cli, ["storage", "rotate-key"], env=env)
    assert result.exit_code == 0, result.output
    old_id, new_id = old.split(":")[0], new.split(":")[0]
    assert f"no file needs key(s) {old_id} any more: remove them from" in result.output
    after = load_settings(environ={"INTAKE_DATA_DIR": str(data), "INTAKE_STORAGE_KEY": new})
    storage = local_storage(after)
    assert key_id_of(storage.path(key).read_bytes()) == new_id
    assert storage.get(key) == PDF
