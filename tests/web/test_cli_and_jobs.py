"""``intake staff create``, migrations for the workflow tables, and the job queue in both modes
(SQLite file by default, Redis when ``INTAKE_TEST_REDIS_URL`` is set)."""

from __future__ import annotations

import io
import os
import re
from dataclasses import replace

import pytest
from batch.fakes import scan_png
from click.testing import CliRunner
from huey import RedisHuey
from sqlalchemy import func, inspect, select

from intake.batch.jobs import build_queue, make_huey
from intake.cli import cli
from intake.db.base import Base, make_engine, make_session_factory
from intake.db.workflow import Batch, Form, StaffUser, Upload
from intake.storage import LocalStorage

WORKFLOW_TABLES = {"staff_users", "batches", "uploads", "pages", "forms", "form_edits", "audit_log"}


def test_staff_create_prints_a_one_time_password(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("INTAKE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("INTAKE_DATABASE_URL", raising=False)
    result = CliRunner().invoke(cli, ["staff", "create", "head.office", "--role", "admin"])
    assert result.exit_code == 0, result.output
    password = re.search(r"password.*: (\S+)$", result.output.strip()).group(1)
    assert len(password) == 16
    url = f"sqlite:///{(tmp_path / 'data' / 'intake.sqlite3').resolve()}"
    with make_session_factory(make_engine(url))() as session:
        user = session.scalar(select(StaffUser))
        assert (user.username, user.role, user.must_change_password) == (
            "head.office",
            "admin",
            True,
        )
        assert password not in user.password_hash
    again = CliRunner().invoke(cli, ["staff", "create", "head.office"])
    assert again.exit_code != 0


def test_migrations_create_the_workflow_tables_as_the_models_say(tmp_path) -> None:
    from intake.db.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    upgrade(url)
    inspector = inspect(make_engine(url))
    assert set(inspector.get_table_names()) >= WORKFLOW_TABLES
    for table in WORKFLOW_TABLES:
        migrated = {c["name"] for c in inspector.get_columns(table)}
        modelled = {c.name for c in Base.metadata.tables[table].columns}
        assert migrated == modelled, table
    with make_session_factory(make_engine(url))() as session:
        assert session.scalar(select(func.count()).select_from(StaffUser)) == 0


def _store_batch(db_factory, storage: LocalStorage) -> str:
    with db_factory() as session:
        batch = Batch(label="queued")
        session.add(batch)
        session.flush()
        for n, page in ((1, 1), (1, 2)):
            data = scan_png(n, page)
            stored = storage.put_original(data)
            session.add(
                Upload(
                    batch_id=batch.id,
                    storage_key=stored.key,
                    sha256=stored.sha256,
                    size=stored.size,
                    display_name=f"p{page}.png",
                    kind="png",
                )
            )
        session.commit()
        return batch.id


def test_the_queue_runs_the_batch_job(settings, db_factory, batch_ctx) -> None:
    redis_url = os.environ.get("INTAKE_TEST_REDIS_URL", "")
    if redis_url:
        huey = RedisHuey("intake-test", url=redis_url)
        huey.flush()
    else:
        huey = make_huey(replace(settings, redis_url=""))
    queue = build_queue(settings, huey=huey, context=lambda: batch_ctx)
    batch_id = _store_batch(db_factory, batch_ctx.storage)
    queue.enqueue_batch(batch_id)
    assert huey.pending_count() == 1  # only ids travel through the queue
    task = huey.dequeue()
    assert task.args == (batch_id, 1)  # the id and the generation it was queued under
    huey.execute(task)
    while (more := huey.dequeue()) is not None:  # its ranges of pages, ids only too
        assert isinstance(more.args[0], str) and isinstance(more.args[1], int)
        huey.execute(more)
    with db_factory() as session:
        assert session.get(Batch, batch_id).status == "done"
        assert session.scalar(select(func.count()).select_from(Form)) == 1


def test_upload_view_only_queues(settings, db_factory, batch_ctx, users) -> None:
    """With a real (not immediate) queue the request stores and returns; nothing is read."""
    from intake.web import create_app

    from .conftest import csrf_from, login

    huey = make_huey(settings)
    app = create_app(
        {
            "TESTING": True,
            "INTAKE_SETTINGS": settings,
            "INTAKE_STORAGE": batch_ctx.storage,
            "INTAKE_QUEUE": build_queue(settings, huey=huey, context=lambda: batch_ctx),
        }
    )
    client = app.test_client()
    login(client, "office1")
    token = csrf_from(client, "/batches")
    response = client.post(
        "/batches",
        data={"csrf_token": token, "files": [(io.BytesIO(scan_png(1, 1)), "a.png")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with db_factory() as session:
        assert session.scalar(select(Batch.status)) == "queued"
    assert huey.pending_count() == 1


def test_unfinished_batches_are_queued_again(settings, db_factory, batch_ctx) -> None:
    from intake.batch.jobs import requeue_unfinished

    batch_id = _store_batch(db_factory, batch_ctx.storage)
    with db_factory() as session:
        done = Batch(label="finished", status="done")
        session.add(done)
        session.commit()
    huey = make_huey(replace(settings, redis_url=""))
    queue = build_queue(settings, huey=huey, context=lambda: batch_ctx)
    assert requeue_unfinished(settings, queue) == 1
    task = huey.dequeue()
    assert task.args == (batch_id, 1)  # the id and the generation it was queued under
    huey.execute(task)
    while (more := huey.dequeue()) is not None:  # its ranges of pages, ids only too
        assert isinstance(more.args[0], str) and isinstance(more.args[1], int)
        huey.execute(more)
    with db_factory() as session:
        assert session.get(Batch, batch_id).status == "done"


def test_local_secret_key_file(settings, queue) -> None:
    import stat

    from intake.web import create_app, ensure_secret_key

    path = ensure_secret_key(settings)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(path.read_text()) >= 48
    app = create_app({"INTAKE_SETTINGS": settings, "INTAKE_QUEUE": queue})
    assert app.config["SECRET_KEY"] == path.read_text().strip()
    assert app.config["SESSION_COOKIE_NAME"] == "intake_session"  # the local http exception


@pytest.mark.redis
@pytest.mark.slow
def test_worker_processes_on_redis_run_the_web_process_tasks(
    settings, db_factory, batch_ctx, redis_url
):
    """``intake serve`` with Redis starts this consumer; a batch queued by the web process is
    read by its worker processes (same task names, ids-only payload)."""
    import subprocess
    import sys
    import time

    from intake.web.cli import CONSUMER_COMMAND

    on_redis = replace(settings, redis_url=redis_url)
    queue = build_queue(on_redis)
    queue.huey.storage.flush_queue()
    batch_id = _store_batch(db_factory, batch_ctx.storage)
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    env.update(
        INTAKE_DATA_DIR=str(settings.data_dir),
        INTAKE_REDIS_URL=redis_url,
        INTAKE_DATABASE_URL=settings.sqlalchemy_url,
    )
    worker = subprocess.Popen([sys.executable, "-c", CONSUMER_COMMAND.format(workers=2)], env=env)
    try:
        queue.enqueue_batch(batch_id)
        deadline = time.monotonic() + 120
        status = ""
        while time.monotonic() < deadline and status != "done":
            time.sleep(0.5)
            with db_factory() as session:
                status = session.get(Batch, batch_id).status
        assert status == "done"
    finally:
        worker.terminate()
        worker.wait(timeout=30)
