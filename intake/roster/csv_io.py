"""The product's roster CSV: long format, one row per student-contact pair.

Reading maps headers through synonyms (``csv_columns.py``), takes any column order, UTF-8 with or
without a BOM, any line ending, and keeps every cell as text (an Adno ``001234`` keeps its zeros; a
cell that looks like a formula is kept literally). A student's columns repeat on each of their
rows and must agree; a contact's columns must agree on every row that names its ``ContactID``.
A student without contacts has one row with the contact columns blank.

A bad file raises ``RosterError`` listing every problem with its line number (capped), and yields
nothing: the caller never sees half a roster. Doubts that do not stop an import (an unknown LA
code in a UPN, a DOB outside the year group's range, a postcode of an odd shape, a blank parental
responsibility cell) come back as warnings.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from intake.errors import RosterError
from intake.roster.contact_details import is_postcode, normalise_postcode
from intake.roster.control_chars import problem as control_problem
from intake.roster.csv_columns import CONTACT_REQUIRED, WRITE_ORDER, map_headers
from intake.roster.model import Address, Contact, Relationship, Roster, Student
from intake.roster.upn import check_upn
from intake.roster.validate import combined_contact, student_warnings
from intake.roster.values import (
    parse_bool,
    parse_dob,
    parse_priority,
    parse_relationship,
    parse_sex,
    parse_year,
)

_CsvReader = Any  # the type of csv.reader(...), which the csv module does not export
MAX_PROBLEMS = 200
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
T = TypeVar("T")


@dataclass(frozen=True)
class RosterFile:
    """A roster read from one file, with the doubts that did not stop it."""

    roster: Roster
    warnings: tuple[str, ...] = ()
    kind: str = "csv"  # "csv" or "ctf"
    full: bool = True  # a whole-school file: students missing from it are leavers


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 with or without a BOM; a clear message with the line of the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RosterError(
            f"{name} is not UTF-8 text (line {line}); save it as 'CSV UTF-8' and try again"
        ) from None


def read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise RosterError(
                f"{path.name} is {size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.1f} MB"
            )
        return path.read_bytes()
    except OSError as exc:
        raise RosterError(f"cannot read {path}: {exc.strerror}") from None


class _Rows:
    """Collects problems and warnings while rows are turned into records."""

    def __init__(self, mapping: dict[str, int]) -> None:
        self.mapping = mapping
        self.problems: list[str] = []
        self.warnings: list[str] = []
        self.line = 0
        self.row: list[str] = []

    def cell(self, name: str) -> str:
        index = self.mapping.get(name)
        if index is None or index >= len(self.row):
            return ""
        return self.row[index].strip()

    def check_controls(self) -> None:
        """A problem for each cell of a known column that holds a control character."""
        for name, index in self.mapping.items():
            if index < len(self.row):
                found = control_problem(f"line {self.line}", name, self.row[index])
                if found:
                    self.problems.append(f"{found}; remove it in the MIS and export again")

    def parsed(self, name: str, parse: Callable[[str], T], default: T) -> T:
        try:
            return parse(self.cell(name))
        except ValueError as exc:
            self.problems.append(f"line {self.line}: {name}: {exc}")
            return default

    def required(self, *names: str) -> bool:
        missing = [name for name in names if not self.cell(name)]
        for name in missing:
            self.problems.append(f"line {self.line}: {name} is empty")
        return not missing

    def student(self) -> Student | None:
        if not self.required("StudentID", "LegalSurname", "LegalForename", "DOB", "NCYear"):
            return None
        upn = self.cell("UPN")
        if upn:
            check = check_upn(upn)
            if not check.valid:
                self.problems.append(f"line {self.line}: UPN {upn}: {check.problem}")
            elif check.warning:
                self.warnings.append(f"line {self.line}: UPN {check.upn}: {check.warning}")
            upn = check.upn
        year = self.parsed("NCYear", parse_year, 0)
        if year and not 7 <= year <= 13:
            self.problems.append(f"line {self.line}: NCYear {year} is outside years 7 to 13")
        forename, surname = self.cell("LegalForename"), self.cell("LegalSurname")
        return Student(
            student_id=self.cell("StudentID"),
            upn=upn,
            legal_forename=forename,
            legal_surname=surname,
            preferred_forename=self.cell("PreferredForename") or forename,
            preferred_surname=self.cell("PreferredSurname") or surname,
            dob=self.parsed("DOB", parse_dob, None),  # type: ignore[arg-type]
            year=year,
            tutor_group=self.cell("RegGroup"),
            sex=self.parsed("Sex", parse_sex, ""),
            previous_tutor_group=self.cell("PreviousRegGroup"),
        )

    def address(self) -> Address:
        lines = [self.cell(f"AddressLine{n}") for n in (1, 2, 3)]
        if not any(lines):
            house = " ".join(p for p in (self.cell("HouseNumber"), self.cell("Street")) if p)
            lines = [
                self.cell("HouseName"),
                house,
                self.cell("District"),
                self.cell("Town"),
                self.cell("County"),
            ]
        postcode = self.cell("Postcode")
        if postcode and not is_postcode(postcode):
            self.warnings.append(f"line {self.line}: postcode {postcode!r} has an unusual shape")
        return Address(
            lines=tuple(line for line in lines if line),
            postcode=normalise_postcode(postcode) if is_postcode(postcode) else postcode,
        )

    def contact(self) -> Contact:
        if combined_contact(self.cell("ContactForename"), self.cell("ContactSurname")):
            self.warnings.append(
                f"line {self.line}: contact {self.cell('ContactID')} names two "
                "people; each parent needs their own contact record"
            )
        return Contact(
            contact_id=self.cell("ContactID"),
            title=self.cell("Title"),
            forename=self.cell("ContactForename"),
            surname=self.cell("ContactSurname"),
            address=self.address(),
            home_phone=self.cell("HomePhone"),
            mobile_phone=self.cell("Mobile"),
            email=self.cell("Email"),
        )

    def relationship(self, student_id: str, contact_id: str) -> Relationship:
        pr = self.parsed("ParentalResponsibility", parse_bool, None)
        if pr is None and self.cell("ParentalResponsibility") == "":
            self.warnings.append(f"line {self.line}: parental responsibility blank: treated as no")
        lives_with = self.parsed("LivesWithPupil", parse_bool, None)
        return Relationship(
            student_id=student_id,
            contact_id=contact_id,
            relationship=self.parsed("Relationship", parse_relationship, "OTH"),
            parental_responsibility=bool(pr),
            priority=self.parsed("Priority", parse_priority, 1),
            court_order=bool(self.parsed("CourtOrder", parse_bool, None)),
            no_contact=bool(self.parsed("NoContact", parse_bool, None)),
            lives_with_pupil=True if lives_with is None else lives_with,
        )


_CONTACT_COLUMNS = ("Title", "ContactForename", "ContactSurname", "Email", "Mobile", "Relationship")


def csv_rows(text: str) -> _CsvReader:
    """A reader for comma, semicolon (European Excel) or tab (SIMS text export) separated text,
    the separator being the one the header line uses most."""
    header = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=header.count)
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def parse_roster_text(text: str, name: str, academic_year: int | None = None) -> RosterFile:
    """Parse CSV text (already decoded); raises ``RosterError`` listing every problem.

    ``academic_year`` (its start year; default: today's) is what DOBs are checked against."""
    reader = csv_rows(text)
    try:
        headers = next(reader, None)
    except csv.Error as exc:
        raise RosterError(f"{name}: line 1: {exc}") from None
    if not headers or not any(h.strip() for h in headers):
        raise RosterError(f"{name} is empty or has no header row")
    mapping, unknown, problems = map_headers(headers)
    if problems:
        raise RosterError(f"{name}: the header row cannot be used", problems)
    rows = _Rows(mapping)
    if unknown:
        rows.warnings.append(f"line 1: ignored column(s): {', '.join(unknown)}")
    students: dict[str, tuple[int, Student]] = {}
    contacts: dict[str, tuple[int, Contact]] = {}
    links: dict[tuple[str, str], tuple[int, Relationship]] = {}
    try:
        for row in reader:
            rows.line, rows.row = reader.line_num, row
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(headers) and any(c.strip() for c in row[len(headers) :]):
                rows.problems.append(f"line {rows.line}: more cells than the header has columns")
            rows.check_controls()
            _take_row(rows, students, contacts, links)
    except csv.Error as exc:
        rows.problems.append(f"line {reader.line_num}: {exc}")
    _check_unique_upns(rows, students)
    if rows.problems:
        shown = rows.problems[:MAX_PROBLEMS]
        if len(rows.problems) > MAX_PROBLEMS:
            shown.append(f"... and {len(rows.problems) - MAX_PROBLEMS} more problems")
        raise RosterError(f"{name}: {len(rows.problems)} problem(s); nothing was imported", shown)
    if not students:
        raise RosterError(f"{name} has a header row but no students")
    roster = Roster(
        tuple(s for _, s in students.values()),
        tuple(sorted((c for _, c in contacts.values()), key=lambda c: c.contact_id)),
        tuple(sorted((r for _, r in links.values()), key=lambda r: (r.student_id, r.priority))),
    )
    warnings = rows.warnings + [
        w for s in roster.students for w in student_warnings(s, academic_year)
    ]
    return RosterFile(roster, tuple(warnings), "csv", True)


def _take_row(
    rows: _Rows,
    students: dict[str, tuple[int, Student]],
    contacts: dict[str, tuple[int, Contact]],
    links: dict[tuple[str, str], tuple[int, Relationship]],
) -> None:
    student = rows.student()
    if student is None:
        return
    if student.student_id in students:
        first_line, first = students[student.student_id]
        if first != student:
            rows.problems.append(
                f"line {rows.line}: student {student.student_id} differs from line {first_line}"
                f" ({_differences(first, student)})"
            )
    else:
        students[student.student_id] = (rows.line, student)
    contact_id = rows.cell("ContactID")
    if not contact_id:
        if any(rows.cell(name) for name in _CONTACT_COLUMNS):
            rows.problems.append(f"line {rows.line}: contact details without a ContactID")
        return
    if not rows.required(*CONTACT_REQUIRED):
        return
    contact = rows.contact()
    if contact_id in contacts:
        first_line, known = contacts[contact_id]
        if known != contact:
            rows.problems.append(
                f"line {rows.line}: contact {contact_id} differs from line {first_line}"
                f" ({_differences(known, contact)})"
            )
    else:
        contacts[contact_id] = (rows.line, contact)
    key = (student.student_id, contact_id)
    if key in links:
        rows.problems.append(
            f"line {rows.line}: student {key[0]} and contact {key[1]} already paired on line "
            f"{links[key][0]}"
        )
        return
    links[key] = (rows.line, rows.relationship(*key))


def _differences(first: object, second: object) -> str:
    names = [
        name
        for name in first.__dataclass_fields__  # type: ignore[attr-defined]
        if getattr(first, name) != getattr(second, name)
    ]
    return "different " + ", ".join(names)


def _check_unique_upns(rows: _Rows, students: dict[str, tuple[int, Student]]) -> None:
    seen: dict[str, str] = {}
    for line, student in students.values():
        if not student.upn:
            continue
        if student.upn in seen:
            rows.problems.append(
                f"line {line}: UPN {student.upn} is also student {seen[student.upn]}'s"
            )
        seen.setdefault(student.upn, student.student_id)


def load_csv(
    path: Path, max_bytes: int = DEFAULT_MAX_BYTES, academic_year: int | None = None
) -> RosterFile:
    """Read a roster CSV with its warnings; raises ``RosterError`` on any problem."""
    path = Path(path)
    text = decode_text(read_bytes(path, max_bytes), path.name)
    return parse_roster_text(text, path.name, academic_year)


def read_roster(path: Path) -> Roster:
    """Read a roster CSV (the benchmark and the matcher can use it without a database)."""
    return load_csv(Path(path)).roster


def _yes_no(value: bool) -> str:
    return "Y" if value else "N"


def roster_rows(roster: Roster) -> list[dict[str, str]]:
    """The roster as CSV rows (canonical headers), one per student-contact pair."""
    out: list[dict[str, str]] = []
    links_of: dict[str, list[Relationship]] = {}
    for link in roster.relationships:
        links_of.setdefault(link.student_id, []).append(link)
    for student in roster.students:
        base = {
            "StudentID": student.student_id,
            "UPN": student.upn,
            "LegalSurname": student.legal_surname,
            "LegalForename": student.legal_forename,
            "PreferredSurname": ""
            if student.preferred_surname == student.legal_surname
            else student.preferred_surname,
            "PreferredForename": ""
            if student.preferred_forename == student.legal_forename
            else student.preferred_forename,
            "DOB": student.dob.isoformat(),
            "Sex": student.sex,
            "NCYear": str(student.year),
            "RegGroup": student.tutor_group,
            "PreviousRegGroup": student.previous_tutor_group,
        }
        links = sorted(links_of.get(student.student_id, []), key=lambda r: r.priority)
        if not links:
            out.append(base)
        for link in links:
            contact = roster.contact(link.contact_id)
            lines = list(contact.address.lines)
            if len(lines) > 3:
                lines = [*lines[:2], ", ".join(lines[2:])]
            lines += [""] * (3 - len(lines))
            out.append(
                {
                    **base,
                    "ContactID": contact.contact_id,
                    "Priority": str(link.priority),
                    "Relationship": link.relationship,
                    "ParentalResponsibility": _yes_no(link.parental_responsibility),
                    "CourtOrder": _yes_no(link.court_order),
                    "NoContact": _yes_no(link.no_contact),
                    "LivesWithPupil": _yes_no(link.lives_with_pupil),
                    "Title": contact.title,
                    "ContactForename": contact.forename,
                    "ContactSurname": contact.surname,
                    "AddressLine1": lines[0],
                    "AddressLine2": lines[1],
                    "AddressLine3": lines[2],
                    "Postcode": contact.address.postcode,
                    "Email": contact.email,
                    "Mobile": contact.mobile_phone,
                    "HomePhone": contact.home_phone,
                }
            )
    return out


def write_roster(roster: Roster, path: Path) -> None:
    """Write the roster CSV (UTF-8 with a BOM so that Excel shows accents; CRLF line ends)."""
    with Path(path).open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(WRITE_ORDER), restval="")
        writer.writeheader()
        writer.writerows(roster_rows(roster))
