"""The roster CSV: round trip, MIS header vocabulary, encodings, and all-or-nothing errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.errors import RosterError
from intake.roster.csv_io import load_csv, read_roster, write_roster
from intake.roster.model import Roster
from intake.roster.values import parse_bool, parse_dob, parse_year

SIMS_STYLE = (
    "Reg Group,Adno,Legal Surname,Legal Forename,Preferred Forename,Date of Birth,Gender,"
    "Year Group,UPN,Contact Priority,Parental Responsibility,Relationship to Student,"
    "Contact ID,Contact Title,Contact Forename,Contact Surname,Address Line 1,Post Code,"
    "Mobile Number,Primary Email,Court Order,Lives With Pupil\r\n"
    "8RWA,001234,O'Brien-Smith,Siân,Sian,12/03/2014,F,Year 8,M830000019011,1,Yes,Mother,"
    'P77,Ms,Aoife,O\'Brien,"14 Acacia Avenue, Milford",de560ab,07700 900123,'
    "aoife@example.com,N,T\r\n"
    "8RWA,001234,O'Brien-Smith,Siân,Sian,12/03/2014,F,Year 8,M830000019011,2,No,Step Father,"
    'P78,Mr,Dónal,Ó Súilleabháin,"14 Acacia Avenue, Milford",DE56 0AB,,,,\r\n'
    "11C,000017,=1+2,Zoë,,2011-01-05,M,11,,,,,,,,,,,,,,\r\n"
)


def _write(tmp_path: Path, text: str, name: str = "roster.csv", bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def test_round_trip_keeps_everything(tmp_path: Path, demo_roster: Roster) -> None:
    path = tmp_path / "roster.csv"
    write_roster(demo_roster, path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbfStudentID,UPN,")
    loaded = load_csv(path, academic_year=2026)
    assert loaded.roster == demo_roster
    assert loaded.warnings == ()  # the demo school's data is clean for the 2026/27 year


@pytest.mark.parametrize("bom", [False, True])
def test_mis_vocabulary_any_order_bom_and_crlf(tmp_path: Path, bom: bool) -> None:
    loaded = load_csv(_write(tmp_path, SIMS_STYLE, bom=bom))
    roster = loaded.roster
    student = roster.student("001234")  # leading zeros kept: cells are text
    assert (student.legal_surname, student.legal_forename) == ("O'Brien-Smith", "Siân")
    assert student.preferred_forename == "Sian" and student.preferred_surname == "O'Brien-Smith"
    assert student.dob == date(2014, 3, 12) and student.year == 8 and student.tutor_group == "8RWA"
    mother, step = [roster.contact(r.contact_id) for r in roster.relationships[:2]]
    assert mother.address.postcode == "DE56 0AB"
    assert mother.address.lines == ("14 Acacia Avenue, Milford",)
    assert step.forename == "Dónal" and step.surname == "Ó Súilleabháin"
    links = {r.contact_id: r for r in roster.relationships}
    assert links["P77"].relationship == "PAM" and links["P77"].parental_responsibility
    assert links["P78"].relationship == "STF" and not links["P78"].parental_responsibility
    # a formula-looking cell stays text; a student without contacts is allowed
    assert roster.student("000017").legal_surname == "=1+2"
    assert roster.contacts_of("000017") == []
    assert not [w for w in loaded.warnings if "ignored column" in w]  # every header was mapped


def test_header_names_ignore_case_space_and_punctuation(tmp_path: Path) -> None:
    text = (
        "student_id,LEGAL-SURNAME,legal forename,D.O.B,nc year,registration form\n"
        "A1,Khan,Muhammad,2014-10-01,7,7A\n"
    )
    roster = read_roster(_write(tmp_path, text))
    assert roster.student("A1").tutor_group == "7A"


BAD = (
    "StudentID,UPN,LegalSurname,LegalForename,DOB,NCYear,RegGroup,ContactID,Relationship,"
    "ParentalResponsibility,ContactSurname\n"
    "S1,P207000016049,Khan,Ali,2014-10-01,7,7A,C1,PAM,Y,Khan\n"  # line 2: fine
    "S2,Q207000016049,Ng,Mei,03/25/2014,7,7B,,,,\n"  # line 3: UPN, US date
    "S3,,,Ola,2014-10-01,7,7B,,,,\n"  # line 4: surname
    "S4,,Lee,Bo,2014-10-01,Year 15,7B,C1,Grandad,maybe,Khan-Lee\n"  # line 5: 4 problems
    '"S5",,"Multi\nLine",Jo,2014-10-01,7,7C,,,,\n'  # lines 6-7: fine
    "S5,,Other,Jo,2014-10-01,7,7C,,,,\n"  # line 8: differs
)


def test_bad_file_lists_every_problem_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(
        RosterError, match=r"roster.csv: \d+ problem\(s\); nothing was imported"
    ) as caught:
        load_csv(_write(tmp_path, BAD))
    problems = "\n".join(caught.value.problems)
    for expected in [
        "line 3: UPN Q207000016049: wrong check letter (expected P)",
        "line 3: DOB: '03/25/2014' looks like a US date",
        "line 4: LegalSurname is empty",
        "line 5: NCYear 15 is outside years 7 to 13",
        "line 5: contact C1 differs from line 2 (different surname)",
        "line 5: Relationship: 'Grandad' is not a known relationship",
        "line 5: ParentalResponsibility: 'maybe' is not yes or no",
        "line 8: student S5 differs from line 7 (different legal_surname",
    ]:
        assert expected in problems
    assert not [p for p in caught.value.problems if p.startswith("line 2:")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("StudentID,LegalSurname\nS1,Khan\n", "header row cannot be used"),
        ("StudentID,Adno,LegalSurname,LegalForename,DOB,NCYear,RegGroup\n", "header row"),
        ("", "empty or has no header row"),
        ("StudentID,LegalSurname,LegalForename,DOB,NCYear,RegGroup\n", "no students"),
    ],
)
def test_unusable_files(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(RosterError, match=message):
        load_csv(_write(tmp_path, text))


def test_missing_and_duplicate_columns_are_named(tmp_path: Path) -> None:
    with pytest.raises(RosterError) as caught:
        load_csv(_write(tmp_path, "Adno,Student ID,Surname\n1,1,Khan\n"))
    problems = " ".join(caught.value.problems)
    assert "'Adno' and 'Student ID' both mean StudentID" in problems
    assert "missing column(s): LegalForename, DOB, NCYear, RegGroup" in problems


def test_not_utf8_says_how_to_fix(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("StudentID,LegalSurname\nS1,Zo\u00eb\n".encode("cp1252"))
    with pytest.raises(RosterError, match=r"not UTF-8 text \(line 2\); save it as 'CSV UTF-8'"):
        load_csv(path)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("Y", True),
        ("yes", True),
        ("T", True),
        ("True", True),
        ("1", True),
        ("N", False),
        ("No", False),
        ("f", False),
        ("FALSE", False),
        ("0", False),
        ("", None),
        ("  ", None),
    ],
)
def test_booleans(raw: str, value: bool | None) -> None:
    assert parse_bool(raw) is value


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("03/25/2014", "US date"),
        ("41234", "Excel date serial"),
        ("12/03/14", "two-digit year"),
        ("31/02/2014", "not a real date"),
        ("March 2014", "not a date"),
    ],
)
def test_bad_dates(raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_dob(raw)


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31)))
def test_iso_and_uk_dates_agree(day: date) -> None:
    assert parse_dob(day.isoformat()) == day
    assert parse_dob(day.strftime("%d/%m/%Y")) == day


@pytest.mark.parametrize(
    ("raw", "year"),
    [
        ("7", 7),
        ("07", 7),
        ("Y7", 7),
        ("Yr 7", 7),
        ("Year 7", 7),
        ("Year Seven", 7),
        ("L6", 12),
        ("Upper Sixth", 13),
        ("NC13", 13),
    ],
)
def test_year_labels(raw: str, year: int) -> None:
    assert parse_year(raw) == year


_cell_text = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(bool)
)


@given(surname=_cell_text, forename=_cell_text, contact_surname=_cell_text, email=_cell_text)
def test_any_names_survive_a_round_trip(
    tmp_path_factory: pytest.TempPathFactory,
    surname: str,
    forename: str,
    contact_surname: str,
    email: str,
) -> None:
    from intake.roster.model import Address, Contact, Relationship, Student

    student = Student("007", "", forename, surname, forename, surname, date(2012, 9, 1), 9, "9A")
    contact = Contact(
        "C1", "Mx", "Sam", contact_surname, Address(('1, "The" Row',), "DE56 1AA"), email=email
    )
    roster = Roster((student,), (contact,), (Relationship("007", "C1", "CAR", True, 1),))
    path = tmp_path_factory.mktemp("rt") / "roster.csv"
    write_roster(roster, path)
    assert read_roster(path) == roster


@pytest.mark.parametrize("separator", [";", "\t"])
def test_semicolon_and_tab_separated_exports(tmp_path: Path, separator: str) -> None:
    text = SIMS_STYLE.replace(",", separator).replace(
        f'"14 Acacia Avenue{separator} Milford"', '"14 Acacia Avenue, Milford"'
    )
    roster = read_roster(_write(tmp_path, text))
    assert roster.student("001234").legal_surname == "O'Brien-Smith"
    assert roster.contact("P77").address.lines == ("14 Acacia Avenue, Milford",)


def test_doubtful_names_are_warned_not_changed(tmp_path: Path) -> None:
    text = (
        "StudentID,LegalSurname,LegalForename,DOB,NCYear,RegGroup,ContactID,Relationship,"
        "ParentalResponsibility,ContactForename,ContactSurname\n"
        "S1,MCDONALD,Eilidh,2014-10-01,7,7A,C1,PAM,Y,Mr and Mrs,Bloggs\n"
        "S2,ffrench,Jo,2014-10-01,7,7A,,,,,\n"
    )
    loaded = load_csv(_write(tmp_path, text))
    assert loaded.roster.student("S1").legal_surname == "MCDONALD"
    warnings = "\n".join(loaded.warnings)
    assert "student S1: legal surname is all capitals" in warnings
    assert "line 2: contact C1 names two people" in warnings
    assert "S2" not in warnings
