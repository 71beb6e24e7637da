"""The commands: intake demo-data, intake db upgrade/current, intake roster import/show."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from intake.cli import main
from intake.db.base import make_engine, make_session_factory
from intake.db.migrate import head_revisions
from intake.db.roster import RosterImportRow, StudentRow
from intake.roster.csv_io import read_roster

from .conftest import FIXTURES


@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("INTAKE_DATABASE_URL", "INTAKE_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    folder = tmp_path / "nested" / "data"
    monkeypatch.setenv("INTAKE_DATA_DIR", str(folder))
    return folder


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _students(data_dir: Path) -> tuple[int, int]:
    engine = make_engine(f"sqlite:///{data_dir / 'intake.sqlite3'}")
    with make_session_factory(engine)() as session:
        on_roll = session.scalar(select(func.count()).where(StudentRow.on_roll.is_(True)))
        imports = session.scalar(select(func.count()).select_from(RosterImportRow))
    engine.dispose()
    return on_roll or 0, imports or 0


def test_demo_data_import_show(tmp_path: Path, data_dir: Path, capsys) -> None:
    out_file = tmp_path / "roster.csv"
    code, out, _ = _run(
        capsys, "demo-data", "--students", "120", "--seed", "3", "--out", str(out_file)
    )
    assert code == 0 and "120 students" in out
    roster = read_roster(out_file)
    code, out, _ = _run(capsys, "db", "upgrade")
    (head,) = head_revisions()
    assert code == 0 and f"database at {head}" in out and (data_dir / "intake.sqlite3").exists()
    code, out, _ = _run(capsys, "roster", "import", str(out_file))
    assert code == 0 and "full import changed" in out and "120 added" in out
    code, out, _ = _run(capsys, "roster", "show")
    assert code == 0 and "students on roll: 120" in out and "year  7:" in out
    names = {s.legal_surname for s in roster.students} | {c.email for c in roster.contacts}
    assert not [n for n in names if n and n in out]  # counts only, no personal data
    assert _students(data_dir) == (120, 1)


def test_bad_file_exits_2_with_lines_and_changes_nothing(tmp_path, data_dir, capsys) -> None:
    good = tmp_path / "roster.csv"
    _run(capsys, "demo-data", "--students", "60", "--out", str(good))
    _run(capsys, "roster", "import", str(good))
    bad = tmp_path / "bad.csv"
    lines = good.read_text("utf-8-sig").splitlines()
    lines[3] = lines[3].replace(",2", ",13/31/2", 1) if ",2" in lines[3] else lines[3]
    bad.write_text("\n".join([*lines[:5], lines[5].replace(lines[5].split(",")[1], "X1")]), "utf-8")
    code, _, err = _run(capsys, "roster", "import", str(bad))
    assert code == 2 and "nothing was imported" in err and "line 6: UPN X1" in err
    assert _students(data_dir) == (60, 1)


def test_ctf_import_needs_tutor_groups_said_clearly(data_dir: Path, capsys) -> None:
    code, out, _ = _run(capsys, "roster", "import", str(FIXTURES / "ctf24_full.xml"))
    assert code == 0 and "partial import changed" in out
    assert "a CTF has no tutor groups" in out
    code, out, _ = _run(
        capsys, "roster", "import", "--dry-run", str(FIXTURES / "ctf25_partial.xml")
    )
    assert code == 0 and "would change" in out
    assert _students(data_dir) == (2, 1)


def test_db_current(data_dir: Path, capsys) -> None:
    code, out, _ = _run(capsys, "db", "current")
    (head,) = head_revisions()
    assert code == 0 and "not migrated" in out and f"newest:   {head}" in out
    assert not (data_dir / "intake.sqlite3").exists()  # looking creates nothing
