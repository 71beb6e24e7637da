"""Hole 5: a data folder that existed before (a Docker volume made 0755) and a database file
created 0644 are made owner-only at start-up, and new ones are created owner-only."""

from __future__ import annotations

import os
import stat

from click.testing import CliRunner

from intake.batch.jobs import batch_context
from intake.cli import cli
from intake.config import Settings, load_settings
from intake.data_folder import secure_data_folder
from intake.web import create_app


def _mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def _loose_volume(root) -> dict[str, object]:
    """A data folder as a volume left it: everything world-readable."""
    root.mkdir(mode=0o755)
    os.chmod(root, 0o755)
    (root / "files" / "orig").mkdir(parents=True)
    os.chmod(root / "files", 0o755)
    os.chmod(root / "files" / "orig", 0o755)
    made = {
        "db": root / "intake.sqlite3",
        "wal": root / "intake.sqlite3-wal",
        "scan": root / "files" / "orig" / ("ab" * 16),
        "key": root / "storage.key",
        "secret": root / "secret_key",
    }
    for path in made.values():
        path.write_bytes(b"")
        os.chmod(path, 0o644)
    made["key"].write_text("", "ascii")  # type: ignore[attr-defined]
    return made


def _assert_owner_only(root, made) -> None:
    for folder in (root, root / "files", root / "files" / "orig"):
        assert _mode(folder) == 0o700, folder
    for name, path in made.items():
        if name == "wal" and not path.exists():  # type: ignore[attr-defined]
            continue  # SQLite removes its write-ahead log when the last connection closes
        assert _mode(path) == 0o600, path


def test_web_app_start_up_makes_a_loose_volume_owner_only(tmp_path) -> None:
    root = tmp_path / "srv-intake"
    made = _loose_volume(root)
    made["key"].unlink()  # type: ignore[attr-defined]
    settings = load_settings(environ={"INTAKE_DATA_DIR": str(root)})
    create_app({"INTAKE_SETTINGS": settings, "TESTING": True})
    _assert_owner_only(root, made)  # the key file made at the first start too


def test_worker_start_up_and_db_upgrade_make_it_owner_only(tmp_path) -> None:
    root = tmp_path / "srv-intake"
    made = _loose_volume(root)
    made["key"].unlink()  # type: ignore[attr-defined]
    batch_context(load_settings(environ={"INTAKE_DATA_DIR": str(root)}))
    _assert_owner_only(root, made)
    for path in made.values():
        if path.exists():  # type: ignore[attr-defined]
            os.chmod(path, 0o644)  # type: ignore[arg-type]
    os.chmod(root, 0o755)
    result = CliRunner().invoke(cli, ["db", "upgrade"], env={"INTAKE_DATA_DIR": str(root)})
    assert result.exit_code == 0, result.output
    _assert_owner_only(root, made)


def test_a_new_database_and_folder_are_created_owner_only(tmp_path) -> None:
    root = tmp_path / "fresh"
    result = CliRunner().invoke(cli, ["db", "upgrade"], env={"INTAKE_DATA_DIR": str(root)})
    assert result.exit_code == 0, result.output
    assert _mode(root) == 0o700
    assert _mode(root / "intake.sqlite3") == 0o600
    for companion in ("-wal", "-shm"):
        path = root / f"intake.sqlite3{companion}"
        assert not path.exists() or _mode(path) == 0o600


def test_a_database_and_key_file_outside_the_folder_are_made_owner_only(tmp_path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    database = elsewhere / "school.sqlite3"
    database.write_bytes(b"")
    os.chmod(database, 0o644)
    key_file = elsewhere / "intake.key"
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=f"sqlite:///{database}",
        storage_key_file=str(key_file),
    )
    from intake.file_encryption import storage_keys

    storage_keys(settings)
    os.chmod(key_file, 0o644)
    secure_data_folder(settings)
    assert _mode(database) == 0o600
    assert _mode(key_file) == 0o600
    assert _mode(tmp_path / "data") == 0o700


def test_symbolic_links_are_not_followed(tmp_path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("x", "utf-8")
    os.chmod(outside, 0o644)
    root = tmp_path / "data"
    root.mkdir()
    (root / "link").symlink_to(outside)
    secure_data_folder(Settings(data_dir=root, database_url="postgresql://x@127.0.0.1/none"))
    assert _mode(outside) == 0o644


def test_the_job_queue_file_is_created_owner_only(tmp_path) -> None:
    from intake.batch.jobs import make_huey

    make_huey(Settings(data_dir=tmp_path / "data")).storage.conn.close()
    assert _mode(tmp_path / "data" / "jobs.sqlite3") == 0o600
