"""``intake demo --no-serve``: the demo school from the committed samples, set up once."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from intake.cli import main
from intake.db.base import make_engine, make_session_factory
from intake.db.migrate import current_revisions, head_revisions
from intake.db.roster import RosterImportRow, StudentRow
from intake.db.workflow import Batch, StaffUser, Upload
from intake.demo import DEMO_ADMIN, DEMO_BATCH_LABEL, demo_samples
from intake.errors import ConfigError
from intake.roster.csv_io import read_roster


@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("INTAKE_DATABASE_URL", "INTAKE_CONFIG", "INTAKE_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    folder = tmp_path / "data"
    monkeypatch.setenv("INTAKE_DATA_DIR", str(folder))
    return folder


def _demo(capsys: pytest.CaptureFixture[str]) -> str:
    main(["demo", "--no-serve", "--port", "8123"])
    return capsys.readouterr().out


def test_demo_sets_up_the_school_and_exits(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _demo(capsys)
    assert "one-time password" in out and "intake serve --host 127.0.0.1 --port 8123" in out
    again = _demo(capsys)
    assert "Imported" not in again and "will be read" not in again

    url = f"sqlite:///{data_dir / 'intake.sqlite3'}"
    assert current_revisions(url) == head_revisions()
    roster = read_roster(demo_samples() / "roster.csv")
    pdf = (demo_samples() / "batch.pdf").read_bytes()
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(RosterImportRow)) == 1
        students = session.scalar(select(func.count()).select_from(StudentRow))
        assert students == len(roster.students)
        (batch,) = session.scalars(select(Batch)).all()
        assert batch.label == DEMO_BATCH_LABEL
        (upload,) = session.scalars(select(Upload)).all()
        assert upload.batch_id == batch.id and upload.sha256 == hashlib.sha256(pdf).hexdigest()
        assert session.scalar(select(StaffUser.role).where(StaffUser.username == DEMO_ADMIN))
    engine.dispose()


def test_missing_sample_files_are_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "roster.csv").write_text("upn\n")
    monkeypatch.setattr("intake.demo.product_folder", lambda name: tmp_path)
    with pytest.raises(ConfigError, match=r"sample files batch\.pdf are missing from"):
        demo_samples()
