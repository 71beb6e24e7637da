"""``intake roster import`` prints what it does to accounts (``--dry-run`` first, changing
nothing), takes a merge map, and ``intake accounts expire-links`` ends leavers' links."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from intake.cli import main
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
    code, out = _run(capsys, "roster", "import", str(changed))
    assert code == 0 and "accounts: 1 change(s) made" in out and "safeguarding screen" in out
    assert state(factory, account_id) == ("active", {"S1": "suspended", "S2": "active"})


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
    code, out = _run(capsys, "roster", "import", str(path), "--contact-merges", str(merges))
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
