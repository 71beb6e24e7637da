"""``intake batch import/list/show/retry`` with the real reader over ``samples/``: the web
upload's path (originals kept, audited), every form in the JSON, duplicates named and refused
unless ``--again``, and one clear line when the queue or the database cannot be reached."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intake.cli import main
from intake.config import Settings
from intake.db.base import make_engine, make_session_factory
from intake.db.workflow import AuditEntry, Batch, Form, Page, Upload
from intake.storage import local_storage

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in ("INTAKE_REDIS_URL", "INTAKE_CONFIG", "INTAKE_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("INTAKE_DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("INTAKE_DATABASE_URL", settings.database_url)
    return settings


@pytest.fixture
def sessions(cli_env: Settings) -> Iterator[Callable[[], Session]]:
    """The database the commands migrated (made by the first command, not by ``create_all``)."""
    engines = []

    def open_session() -> Session:
        if not engines:
            engines.append(make_engine(cli_env.sqlalchemy_url))
        return make_session_factory(engines[0])()

    yield open_session
    for engine in engines:
        engine.dispose()


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``intake ARGS`` through the real entry point (its error handler and exit codes)."""
    code = 0
    try:
        main(args)
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _form_pages(tmp_path: Path) -> list[Path]:
    paths = []
    for name in ("form-0001-p1.png", "form-0001-p2.png"):
        paths.append(tmp_path / name)
        shutil.copyfile(SAMPLES / name, paths[-1])
    return paths


@pytest.mark.slow
def test_import_reads_the_files_and_prints_every_form(
    cli_env: Settings, sessions, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = _form_pages(tmp_path)
    code, out, err = run(
        ["batch", "import", *map(str, paths), "--label", "week 1", "--json"], capsys
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["status"] == "done" and report["label"] == "week 1"
    assert report["pages_done"] == 2 and report["pages_failed"] == 0
    (form,) = report["forms"]
    assert form["state"] == "review"
    surname = form["fields"]["p1_surname"]
    assert set(surname) >= {"value", "confidence", "accepted"} and surname["value"]
    assert isinstance(form["children"], list) and isinstance(form["applicants"], list)
    assert "problems" in form
    with sessions() as session:
        batch = session.get(Batch, report["id"])
        uploads = session.scalars(select(Upload).where(Upload.batch_id == batch.id)).all()
        # the originals kept unchanged, as the web upload keeps them
        storage = local_storage(cli_env)
        stored = {storage.get(u.storage_key) for u in uploads}
        assert stored == {p.read_bytes() for p in paths}
        actions = set(session.scalars(select(AuditEntry.action)))
        assert {"batch.upload", "form.created", "batch.processed"} <= actions

    code, out, _ = run(["batch", "list"], capsys)
    assert code == 0 and report["id"][:8] in out and "done" in out
    code, out, _ = run(["batch", "show", report["id"][:8]], capsys)
    assert code == 0 and "2 read, 0 not read, of 2" in out and "forms: 1" in out


@pytest.mark.slow
def test_the_same_file_twice_is_named_and_not_read_again(
    cli_env: Settings, sessions, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = _form_pages(tmp_path)
    assert run(["batch", "import", str(paths[0]), "--wait"], capsys)[0] == 0
    renamed = tmp_path / "copier-0001.png"
    shutil.copyfile(paths[0], renamed)  # another name, the same bytes
    code, _, err = run(["batch", "import", str(renamed), "--wait"], capsys)
    assert code == 2
    assert "copier-0001.png: the same file was uploaded on" in err
    assert "Traceback" not in err
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Batch)) == 1
        assert session.scalar(select(func.count()).select_from(Page)) == 1
    code, _, err = run(["batch", "import", str(renamed), "--again", "--wait"], capsys)
    assert code == 0, err
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Batch)) == 2
        assert session.scalar(select(func.count()).select_from(Page)) == 2


def test_import_without_wait_queues_it_and_retry_reads_it_on(
    cli_env: Settings, sessions, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from intake.batch.jobs import build_queue

    paths = _form_pages(tmp_path)
    code, _, err = run(["batch", "import", str(paths[0])], capsys)
    assert code == 0 and "Queued" in err
    queue = build_queue(cli_env)
    assert queue.huey.pending_count() == 1  # for intake serve or intake worker
    with sessions() as session:
        batch = session.scalar(select(Batch))
        assert (batch.status, batch.generation) == ("queued", 1)
        batch.status, batch.error = "failed", "processing stopped (RuntimeError); run it again"
        session.commit()
        batch_id = batch.id
    code, out, err = run(["batch", "retry", batch_id[:8], "--wait"], capsys)
    assert code == 0, err
    assert "done" in out
    with sessions() as session:
        assert session.get(Batch, batch_id).status == "done"
        assert session.scalar(select(func.count()).select_from(Form)) == 1


def test_an_unknown_batch_is_one_line(cli_env: Settings, capsys) -> None:
    code, _, err = run(["batch", "show", "nosuchbatch"], capsys)
    assert (
        code == 2 and err.strip() == "error: no batch 'nosuchbatch': intake batch list shows them"
    )


def test_redis_unreachable_is_one_line_and_an_exit_code(
    cli_env: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    paths = _form_pages(tmp_path)
    monkeypatch.setenv("INTAKE_REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    code, _, err = run(["batch", "import", str(paths[0])], capsys)
    assert code == 2
    assert err.startswith("error: the job queue cannot be reached: ConnectionError")
    assert len(err.strip().splitlines()) == 1


def test_a_wrong_database_url_is_one_line(
    cli_env: Settings, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("INTAKE_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    code, _, err = run(["batch", "list"], capsys)
    assert code == 2 and err.startswith("error: cannot migrate the database: OperationalError")
    assert len(err.strip().splitlines()) == 1
    monkeypatch.setenv("INTAKE_DATABASE_URL", "not a url")
    code, _, err = run(["batch", "list"], capsys)
    assert code == 3 and err.startswith("error: the database cannot be reached: ArgumentError")
    assert len(err.strip().splitlines()) == 1, err
