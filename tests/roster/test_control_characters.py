"""Control characters in roster names and details (issue 20: NUL bytes in imported names were
kept): every way in refuses them with the row that holds them, and nothing is imported."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from intake.db.base import transaction
from intake.db.roster import StudentRow
from intake.errors import RosterError
from intake.roster.control_chars import control_character, roster_control_problems
from intake.roster.csv_io import RosterFile, load_csv, write_roster
from intake.roster.ctf import read_ctf_file
from intake.roster.importing import SourceFile, import_roster
from intake.roster.model import Roster

from .conftest import FIXTURES

CTF24 = FIXTURES / "ctf24_full.xml"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Tom\x00", "U+0000"),
        ("\x1b[31mTom", "U+001B"),
        ("To\x7fm", "U+007F"),
        ("To\x85m", "U+0085"),
        ("Tom", None),
        ("Tom\tand\nJo\r", None),  # tab and line ends are layout, not hostile
        ("O'Brien-Smith Siân", None),
    ],
)
def test_control_character(text: str, found: str | None) -> None:
    assert control_character(text) == found


def _csv(tmp_path: Path, roster: Roster) -> Path:
    path = tmp_path / "roster.csv"
    write_roster(roster, path)
    return path


def test_csv_with_a_nul_in_a_name_names_the_line_and_column(
    tmp_path: Path, small_roster: Roster
) -> None:
    path = _csv(tmp_path, small_roster)
    lines = path.read_bytes().split(b"\r\n")
    forename = small_roster.students[0].legal_forename.encode()
    lines[1] = lines[1].replace(b"," + forename + b",", b"," + forename + b"\x00,", 1)
    path.write_bytes(b"\r\n".join(lines))
    with pytest.raises(RosterError, match="nothing was imported") as error:
        load_csv(path)
    assert any(
        p.startswith("line 2: LegalForename holds a control character (U+0000)")
        for p in error.value.problems
    ), error.value.problems


def test_csv_with_an_escape_sequence_in_a_contact_surname_is_refused(
    tmp_path: Path, small_roster: Roster
) -> None:
    contact = small_roster.contacts[0]
    hostile = replace(contact, surname="\x1b]8;;https://evil.example\x07Smith")
    roster = replace(small_roster, contacts=(hostile, *small_roster.contacts[1:]))
    with pytest.raises(RosterError) as error:
        load_csv(_csv(tmp_path, roster))
    assert any(
        "ContactSurname holds a control character (U+001B)" in p for p in error.value.problems
    )


def test_ctf_with_a_c1_control_in_a_forename_names_the_pupil(tmp_path: Path) -> None:
    # XML 1.0 refuses C0 controls itself, but lets DEL and the C1 controls through
    text = CTF24.read_text("utf-8").replace(
        "<Forename>Zofia</Forename>", "<Forename>Zo\u0085fia</Forename>"
    )
    path = tmp_path / "ctf.xml"
    path.write_text(text, "utf-8")
    with pytest.raises(RosterError, match="nothing was imported") as error:
        read_ctf_file(path)
    assert any(
        "legal forename holds a control character (U+0085)" in p and p.startswith("student ")
        for p in error.value.problems
    ), error.value.problems


def test_import_refuses_a_roster_built_elsewhere(session_factory, small_roster: Roster) -> None:
    student = replace(small_roster.students[3], legal_surname="Smith\x00")
    roster = replace(
        small_roster, students=(*small_roster.students[:3], student, *small_roster.students[4:])
    )
    source = [SourceFile("roster.csv", "0" * 64, RosterFile(roster, (), "csv", True))]
    with (
        pytest.raises(RosterError, match="nothing was imported") as error,
        transaction(session_factory) as session,
    ):
        import_roster(session, source, True)
    assert error.value.problems == [
        f"student {student.student_id}: legal surname holds a control character (U+0000)"
    ]
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(StudentRow)) == 0


def test_a_clean_roster_has_no_problems(small_roster: Roster) -> None:
    assert roster_control_problems(small_roster) == []
