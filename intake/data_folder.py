"""The data folder and the database made owner-only (folders 0700, files 0600) at every start.

The folder may exist before the product first runs (a Docker volume such as ``/srv/intake``
made 0755), and SQLite creates its file with the process's umask (0644): either would let any
local user read children's names and dates of birth. So every entry point that opens the data
(``intake serve``, the worker, ``intake db upgrade``, the web app factory) calls
``secure_data_folder`` first: the folder, everything under it (symbolic links are left alone,
never followed), the SQLite database wherever it lies with its ``-wal``/``-shm``/``-journal``
files, and the storage key file. A SQLite file that does not exist yet is created empty with
mode 0600 first, so SQLite opens it instead of creating it loosely.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from pathlib import Path

from sqlalchemy.engine import make_url

from intake.config import Settings
from intake.file_encryption import key_file_path

log = logging.getLogger(__name__)

FOLDER_MODE = 0o700
FILE_MODE = 0o600
_SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def _tighten(path: Path, mode: int) -> bool:
    """Give ``path`` exactly ``mode`` (not through a link); True when it changed."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return False
    if stat.S_ISLNK(info.st_mode) or stat.S_IMODE(info.st_mode) == mode:
        return False
    os.chmod(path, mode, follow_symlinks=False)
    return True


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL (None: another database, or in memory)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser()


def create_sqlite_file(path: Path) -> None:
    """Make the folder (0700 when new) and an empty database file 0600, unless it exists."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=FOLDER_MODE)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    for suffix in _SQLITE_COMPANIONS:
        _tighten(path.with_name(path.name + suffix), FILE_MODE)


def secure_data_folder(settings: Settings) -> int:
    """Make the data folder, the database and the key file owner-only; the entries changed."""
    root = settings.data_dir
    root.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    changed = int(_tighten(root, FOLDER_MODE))
    for folder, folders, files in os.walk(root, followlinks=False):
        base = Path(folder)
        changed += sum(_tighten(base / name, FOLDER_MODE) for name in folders)
        changed += sum(_tighten(base / name, FILE_MODE) for name in files)
    database = sqlite_path(settings.sqlalchemy_url)
    if database is not None:
        create_sqlite_file(database)
    changed += int(_tighten(key_file_path(settings), FILE_MODE))
    if changed:
        log.warning("data folder %s: %d entries made owner-only", root, changed)
    return changed
