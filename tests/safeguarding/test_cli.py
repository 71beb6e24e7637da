"""``intake roster import`` prints what it does to accounts (``--dry-run`` first, changing
nothing), takes a merge map, and ``intake accounts expire-links`` ends leavers' links."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from intake.cli import main
from intake.errors import RosterError
from intake.roster.csv_io import write_roster

from .helpers import give_account, run_import, school, state, with_link, without_student


@pytest.fixture()
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db_url: str) -> Path:
    monkeypatch.delenv("INTAKE_CONFIG", raising=False)
    monkeypatch.setenv("INTAKE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("INTAKE_DATABASE_URL", db_url)
    return tmp_path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out + err


def test_dry_run_shows_the_account_changes_and_changes_nothing(env: Path, factory, capsys) -> None:
    run_import(factory, school())
    account_id = give_account(factory, "C1", ["S1", "S2"])
    changed = env / "changed.csv"
    write_roster(with_link(school(), "S1", "C1", court_order=True), changed)
    code, out = _run(capsys, "roster", "import", "--dry-run", str(changed))
    assert code == 0, out
    assert "accounts: 1 change(s) would be made" in out
    assert f"link suspended: court order: account {account_id} (contact C1), student S1" in out
    assert state(factory, account_id) == ("active", {"S1": "active", "S2": "active"})
    code, out = _run(capsys, "roster", "import", str(changed), "--yes")
    assert code == 0 and "accounts: 1 change(s) made" in out and "safeguarding screen" in out
    assert state(factory, account_id) == ("active", {"S1": "suspended", "S2": "active"})


def test_a_court_order_change_is_imported_only_once_confirmed(
    env: Path, factory, capsys, monkeypatch
) -> None:
    run_import(factory, school())
    account_id = give_account(factory, "C1", ["S1", "S2"])
    changed = env / "changed.csv"
    write_roster(with_link(school(), "S1", "C1", court_order=True), changed)
    for answer in ("", "n\n"):  # no answer (a script), then a no
        monkeypatch.setattr("sys.stdin", io.StringIO(answer))
        code, out = _run(capsys, "roster", "import", str(changed))
        assert code == 1 and out.rstrip().endswith("aborted"), out
        assert "student S1, contact C1: court order added" in out
        assert "would be made" in out and "Nothing is imported until you confirm" in out
        assert state(factory, account_id) == ("active", {"S1": "active", "S2": "active"})
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    code, out = _run(capsys, "roster", "import", str(changed))
    assert code == 0 and "Import these 1 change(s)? [y/N]" in out and "change(s) made" in out
    assert state(factory, account_id) == ("active", {"S1": "suspended", "S2": "active"})
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, out = _run(capsys, "roster", "import", str(changed))  # nothing left to confirm
    assert code == 0 and "Import these" not in out, out


def test_changes_other_than_the_ones_shown_are_not_imported(env: Path, factory) -> None:
    from intake.config import load_settings
    from intake.roster.cli import ImportRun, _source

    run_import(factory, school())
    changed = env / "changed.csv"
    write_roster(with_link(school(), "S1", "C1", court_order=True), changed)
    run = ImportRun(load_settings(), [_source(changed, None)], True, False, {})
    shown = [("S1", "C2", "court order added")]
    with pytest.raises(RosterError, match="changed since the changes were shown"):
        run.once(dry_run=False, expected=shown)
    assert run.once(dry_run=True).flag_changes  # nothing was imported


def test_a_merge_map_from_the_command_line(env: Path, factory, capsys) -> None:
    run_import(factory, school())
    account_id = give_account(factory, "C3", ["S3"])
    roster = school()
    renamed = type(roster)(
        roster.students,
        tuple(
            c if c.contact_id != "C3" else type(c)(**{**c.__dict__, "contact_id": "C30"})
            for c in roster.contacts
        ),
        tuple(
            r if r.contact_id != "C3" else type(r)(**{**r.__dict__, "contact_id": "C30"})
            for r in roster.relationships
        ),
    )
    path = env / "renamed.csv"
    write_roster(renamed, path)
    merges = env / "merges.csv"
    merges.write_text("OldContactID,NewContactID\nC3,C30\n", "utf-8")
    code, out = _run(
        capsys, "roster", "import", str(path), "--contact-merges", str(merges), "--yes"
    )
    assert code == 0, out
    assert "account moved to a new MIS contact id" in out and "from C3" in out
    assert state(factory, account_id) == ("active", {"S3": "active"})


def test_expire_links_command(env: Path, factory, capsys) -> None:
    run_import(factory, school())
    account_id = give_account(factory, "C3", ["S3"])
    run_import(
        factory, without_student(school(), "S3"), now=datetime(2025, 11, 1, tzinfo=UTC)
    )  # ended at the end of 31 December 2025, before today
    code, out = _run(capsys, "accounts", "expire-links", "--dry-run")
    assert code == 0 and "would end 1 link(s)" in out
    assert state(factory, account_id) == ("active", {"S3": "active"})
    code, out = _run(capsys, "accounts", "expire-links")
    assert code == 0 and "ended 1 link(s)" in out and "account deactivated" in out
    assert state(factory, account_id) == ("deactivated", {"S3": "ended"})
