"""DfE Common Transfer File (CTF 24 and 25) import.

The XML is checked first (``intake.roster.ctf_xml``): size and nesting caps, defusedxml (a DTD,
entity declarations or external references are refused: billion laughs, XXE) and the schema
``schemas/ctf.xsd``. Namespaces are tolerated and ignored. Pupil sex is ``<Gender>`` (CTF 24)
or ``<Sex>`` (CTF 25). Only what the portal needs is read; SEN, FSM, ethnicity, attendance and
assessments are left alone (data minimisation).

Ids. A CTF carries no MIS admission number and, in every version we know, no id for a contact:

- a pupil's ``student_id`` is the ``StudentID`` of the tutor-group CSV given alongside (matched
  by UPN) when it has one, else the UPN;
- a contact's id is ``SuppInfo/ContactID`` or ``SuppInfo/PersonID`` when the sending MIS writes
  one; otherwise it is derived: ``CTF-`` + the first 12 hex digits of SHA-256 of
  ``"<pupil UPN>|<Order>"``. Re-importing the same CTF gives the same ids, but siblings' shared
  parents stay separate contacts: they are linked only by an MIS id, never by name.

Tutor groups. A CTF has none: ``read_ctf(path, tutor_groups_csv)`` takes them from a CSV with a
``UPN`` (or ``StudentID``) column and a ``RegGroup`` column (any synonym, optional ``NCYear`` and
``PreviousRegGroup``), and warns, naming the count, about pupils left without one.

Year. ``NCyearActual`` is the year at the *source* school: a primary school's year-6 pupil joins
in year 7. The tutor-group CSV's ``NCYear`` wins; otherwise 6 becomes 7 (with a warning).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from intake.errors import RosterError
from intake.roster.contact_details import is_postcode, normalise_postcode
from intake.roster.control_chars import roster_control_problems
from intake.roster.csv_columns import map_headers
from intake.roster.csv_io import (
    DEFAULT_MAX_BYTES,
    RosterFile,
    csv_rows,
    decode_text,
    read_bytes,
)
from intake.roster.ctf_xml import CtfElement, parse_ctf_xml
from intake.roster.model import Address, Contact, Relationship, Roster, Student
from intake.roster.upn import check_upn
from intake.roster.validate import student_warnings
from intake.roster.values import parse_bool, parse_dob, parse_relationship, parse_sex, parse_year

log = logging.getLogger(__name__)

SUPPORTED_VERSIONS = ("24", "25")


@dataclass(frozen=True)
class TutorGroupEntry:
    student_id: str
    upn: str
    tutor_group: str
    previous_tutor_group: str
    year: int | None


def _text(element: CtfElement | None, path: str) -> str:
    if element is None:
        return ""
    found = element.find(path)
    return (found.text or "").strip() if found is not None else ""


def read_tutor_groups(path: Path) -> list[TutorGroupEntry]:
    """The CSV beside a CTF: UPN and/or StudentID, RegGroup, optional NCYear/PreviousRegGroup."""
    text = decode_text(read_bytes(Path(path), DEFAULT_MAX_BYTES), Path(path).name)
    reader = csv_rows(text)
    headers: list[str] = next(reader, [])
    mapping, _unknown, _problems = map_headers(headers)
    problems = []
    if "RegGroup" not in mapping or not ({"UPN", "StudentID"} & set(mapping)):
        raise RosterError(
            f"{Path(path).name}: a tutor-group file needs a RegGroup column and a "
            "UPN or StudentID column"
        )
    entries = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue

        def cell(column: str, row: list[str] = row) -> str:
            index = mapping.get(column)
            return row[index].strip() if index is not None and index < len(row) else ""

        year = None
        if cell("NCYear"):
            try:
                year = parse_year(cell("NCYear"))
            except ValueError as exc:
                problems.append(f"line {reader.line_num}: NCYear: {exc}")
        upn = check_upn(cell("UPN")).upn if cell("UPN") else ""
        if not upn and not cell("StudentID"):
            problems.append(f"line {reader.line_num}: neither UPN nor StudentID")
        entries.append(
            TutorGroupEntry(
                cell("StudentID"), upn, cell("RegGroup"), cell("PreviousRegGroup"), year
            )
        )
    if problems:
        raise RosterError(f"{Path(path).name}: {len(problems)} problem(s)", problems[:200])
    return entries


def _address(element: CtfElement | None) -> Address:
    if element is None:
        return Address((), "")
    bs = element.find("BS7666Address")
    if bs is not None:
        saon, paon, street = _text(bs, "SAON"), _text(bs, "PAON"), _text(bs, "Street")
        first = ", ".join(p for p in (saon, " ".join(p for p in (paon, street) if p)) if p)
        town = _text(bs, "PostTown") or _text(bs, "Town")
        lines = [first, _text(bs, "Locality"), town]
    else:
        block = element.find("AddressLines")
        raw = [_text(block, f"AddressLine{n}") for n in range(1, 6)]
        lines = [p for p in raw if p]
        if len(lines) > 3:
            lines = [*lines[:2], ", ".join(lines[2:])]
    postcode = _text(element, "PostCode")
    postcode = normalise_postcode(postcode) if is_postcode(postcode) else postcode
    return Address(tuple(line for line in lines if line), postcode)


def _phones(element: CtfElement | None) -> tuple[str, str]:
    home = mobile = ""
    for phone in element.findall("Phones/Phone") if element is not None else []:
        kind, number = _text(phone, "TelephoneType").upper(), _text(phone, "PhoneNo")
        if kind == "M" and not mobile:
            mobile = number
        elif kind == "H" and not home:
            home = number
    return home, mobile


def derived_contact_id(upn: str, order: str) -> str:
    """The id of a CTF contact that has no MIS id (see the module docstring)."""
    digest = hashlib.sha256(f"{upn}|{order}".encode()).hexdigest()
    return f"CTF-{digest[:12]}"


class _Pupils:
    def __init__(self, name: str, groups: list[TutorGroupEntry] | None) -> None:
        self.name = name
        self.problems: list[str] = []
        self.warnings: list[str] = []
        self.by_upn = {g.upn: g for g in groups or [] if g.upn}
        self.by_id = {g.student_id: g for g in groups or [] if g.student_id}
        self.used: set[int] = set()

    def student(self, index: int, pupil: CtfElement) -> tuple[Student, Address] | None:
        where = f"pupil {index}"
        upn_check = check_upn(_text(pupil, "UPN"))
        if not upn_check.valid:
            self.problems.append(f"{where}: UPN {upn_check.upn!r}: {upn_check.problem}")
            return None
        upn = upn_check.upn
        if upn_check.warning:
            self.warnings.append(f"{where}: UPN {upn}: {upn_check.warning}")
        entry = self.by_upn.get(upn) or self.by_id.get(upn)
        if entry is not None:
            self.used.add(id(entry))
        try:
            dob = parse_dob(_text(pupil, "DOB"))
            sex = parse_sex(_text(pupil, "Sex") or _text(pupil, "Gender"))
        except ValueError as exc:
            self.problems.append(f"{where} ({upn}): {exc}")
            return None
        year = self._year(where, pupil, entry)
        forename, surname = _text(pupil, "Forename"), _text(pupil, "Surname")
        if not forename or not surname:
            self.problems.append(f"{where} ({upn}): Forename or Surname missing")
            return None
        details = pupil.find("BasicDetails")
        student = Student(
            student_id=entry.student_id if entry and entry.student_id else upn,
            upn=upn,
            legal_forename=forename,
            legal_surname=surname,
            preferred_forename=_text(details, "PreferredForename") or forename,
            preferred_surname=_text(details, "PreferredSurname") or surname,
            dob=dob,
            year=year,
            tutor_group=entry.tutor_group if entry else "",
            sex=sex,
            previous_tutor_group=entry.previous_tutor_group if entry else "",
        )
        return student, _address(pupil.find("Address"))

    def _year(self, where: str, pupil: CtfElement, entry: TutorGroupEntry | None) -> int:
        if entry is not None and entry.year is not None:
            return entry.year
        raw = _text(pupil, "BasicDetails/NCyearActual") or _text(pupil, "NCyearActual")
        try:
            year = parse_year(raw)
        except ValueError:
            self.problems.append(f"{where}: NCyearActual {raw!r} is not a year group")
            return 0
        if year == 6:
            self.warnings.append(f"{where}: year 6 at the primary school, imported as year 7")
            year = 7
        if not 7 <= year <= 13:
            self.problems.append(f"{where}: year {year} is outside years 7 to 13")
        return year

    def contacts(
        self, student: Student, pupil_address: Address, pupil: CtfElement
    ) -> Iterable[tuple[Contact, Relationship]]:
        for number, element in enumerate(pupil.findall("Contacts/Contact"), start=1):
            order = _text(element, "Order") or str(number)
            where = f"pupil {student.upn} contact {order}"
            mis_id = _text(element, "SuppInfo/ContactID") or _text(element, "SuppInfo/PersonID")
            try:
                pr = parse_bool(_text(element, "Responsibility"))
                court_order = parse_bool(_text(element, "SuppInfo/CourtOrder"))
                code = parse_relationship(_text(element, "Relationship") or "OTH")
                priority = int(order) if order.isdigit() else 0
                if priority < 1:
                    raise ValueError(f"Order {order!r} is not a priority")
            except ValueError as exc:
                self.problems.append(f"{where}: {exc}")
                continue
            if pr is None:
                self.warnings.append(f"{where}: Responsibility missing: treated as no")
            as_pupil = parse_bool(_text(element, "Address/AddressAsPupil")) is True
            address = pupil_address if as_pupil else _address(element.find("Address"))
            home, mobile = _phones(element)
            contact = Contact(
                contact_id=mis_id or derived_contact_id(student.upn, order),
                title=_text(element, "Title"),
                forename=_text(element, "Forename"),
                surname=_text(element, "Surname"),
                address=address,
                home_phone=home,
                mobile_phone=mobile,
                email=_text(element, "Email"),
            )
            yield (
                contact,
                Relationship(
                    student_id=student.student_id,
                    contact_id=contact.contact_id,
                    relationship=code,
                    parental_responsibility=bool(pr),
                    priority=priority,
                    court_order=bool(court_order),
                    lives_with_pupil=as_pupil or address == pupil_address,
                ),
            )


def read_ctf_file(
    path: Path, tutor_groups_csv: Path | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> RosterFile:
    """Read a CTF with its warnings; ``RosterError`` lists every problem and loads nothing."""
    path = Path(path)
    root = parse_ctf_xml(read_bytes(path, max_bytes), path.name, max_bytes)
    groups = read_tutor_groups(tutor_groups_csv) if tutor_groups_csv else None
    pupils = _Pupils(path.name, groups)
    version = _text(root, "Header/CTFversion")
    if version.split(".")[0] not in SUPPORTED_VERSIONS:
        pupils.warnings.append(f"CTF version {version or '?'} is not 24 or 25: read as 25")
    full = _text(root, "Header/DocumentQualifier").lower() != "partial"
    students: dict[str, Student] = {}
    contacts: dict[str, Contact] = {}
    links: list[Relationship] = []
    for index, pupil in enumerate(root.findall("CTFpupilData/Pupil"), start=1):
        made = pupils.student(index, pupil)
        if made is None:
            continue
        student, address = made
        if student.student_id in students:
            pupils.problems.append(f"pupil {index}: {student.upn} appears twice")
            continue
        students[student.student_id] = student
        for contact, link in pupils.contacts(student, address, pupil):
            if contacts.setdefault(contact.contact_id, contact) != contact:
                pupils.problems.append(f"contact {contact.contact_id} differs between pupils")
            links.append(link)
    pupils.problems.extend(
        roster_control_problems(
            Roster(tuple(students.values()), tuple(contacts.values()), tuple(links))
        )
    )
    if pupils.problems:
        raise RosterError(
            f"{path.name}: {len(pupils.problems)} problem(s); nothing was imported",
            pupils.problems[:200],
        )
    if not students:
        raise RosterError(f"{path.name} holds no pupils")
    _tutor_group_warnings(pupils, list(students.values()), groups, tutor_groups_csv)
    roster = Roster(
        tuple(students.values()),
        tuple(sorted(contacts.values(), key=lambda c: c.contact_id)),
        tuple(links),
    )
    warnings = pupils.warnings + [
        w
        for s in roster.students
        for w in student_warnings(s)
        if "tutor group" not in w or s.tutor_group
    ]
    log.info(
        "CTF read: %d pupils, %d contacts, %d without a tutor group, %d warnings",
        len(roster.students),
        len(roster.contacts),
        sum(1 for s in roster.students if not s.tutor_group),
        len(warnings),
    )
    return RosterFile(roster, tuple(warnings), "ctf", full)


def _tutor_group_warnings(
    pupils: _Pupils,
    students: list[Student],
    groups: list[TutorGroupEntry] | None,
    tutor_groups_csv: Path | None,
) -> None:
    missing = [s for s in students if not s.tutor_group]
    if groups is None:
        pupils.warnings.append(
            f"a CTF has no tutor groups: {len(missing)} pupil(s) imported without one; give "
            "--tutor-groups FILE.csv (UPN or StudentID, RegGroup) to add them"
        )
    elif missing:
        pupils.warnings.append(
            f"{len(missing)} pupil(s) are not in {Path(str(tutor_groups_csv)).name}: no tutor "
            f"group (first: {', '.join(s.upn for s in missing[:5])})"
        )
    if groups:
        unused = [g for g in groups if id(g) not in pupils.used]
        if unused:
            pupils.warnings.append(
                f"{len(unused)} row(s) of the tutor-group file match no pupil in the CTF"
            )


def read_ctf(path: Path, tutor_groups_csv: Path | None = None) -> Roster:
    """The roster in a CTF, tutor groups from ``tutor_groups_csv`` (see the module docstring).

    Pupils without a tutor group are logged as a warning (a count, no names); use
    ``read_ctf_file`` to get every warning."""
    loaded = read_ctf_file(path, tutor_groups_csv)
    missing = sum(1 for s in loaded.roster.students if not s.tutor_group)
    if missing:
        log.warning(
            "CTF %s: %d pupil(s) have no tutor group; give a tutor-group CSV",
            Path(path).name,
            missing,
        )
    return loaded.roster


def looks_like_xml(data: bytes) -> bool:
    """True when a file's content (not its name) is XML: a BOM, then ``<``."""
    return bool(re.match(rb"^(\xef\xbb\xbf)?\s*<", data[:512]))
