"""A full CTF 25 file of a synthetic roster, for tests and for measuring the CTF import.

Laid out like a secondary school's MIS export (``shared/reference/uk-school-data.md`` 1.7): the
pupil head, ``BasicDetails``, the home address, phones, contacts with ``Order``,
``Responsibility``, ``SuppInfo/ContactID`` (so siblings share their parents) and
``CourtOrder``, and the blocks the portal never reads (FSM, SEN, attendance, assessments,
school history) so that the file has a real file's bulk. The pupil's home is the address of its
first contact who lives with it. ``NCyearActual`` is the roster's year.
"""

from __future__ import annotations

import random
from xml.etree.ElementTree import Element, SubElement, indent, tostring

from intake.roster.model import Address, Contact, Relationship, Roster, Student


def _add(parent: Element, tag: str, text: str | None = None) -> Element:
    element = SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _address(parent: Element, address: Address) -> None:
    block = _add(parent, "Address")
    lines = _add(block, "AddressLines")
    for number, line in enumerate(address.lines[:5], start=1):
        _add(lines, f"AddressLine{number}", line)
    _add(block, "PostCode", address.postcode)
    _add(block, "Country", "United Kingdom")


def _phones(parent: Element, home: str, mobile: str) -> None:
    if not home and not mobile:
        return
    phones = _add(parent, "Phones")
    for kind, number in (("H", home), ("M", mobile)):
        if number:
            phone = _add(phones, "Phone")
            _add(phone, "TelephoneType", kind)
            _add(phone, "PhoneNo", number)


def _header(root: Element, academic_year: int) -> None:
    header = _add(root, "Header")
    _add(header, "DocumentName", "Common Transfer File")
    _add(header, "CTFversion", "25.0")
    _add(header, "DateTime", f"{academic_year}-09-15T10:30:00")
    _add(header, "DocumentQualifier", "full")
    _add(header, "SupplierID", "EXAMPLE-MIS")
    source = _add(header, "SourceSchool")
    for tag, text in (("LEA", "830"), ("Estab", "4001"), ("AcademicYear", str(academic_year))):
        _add(source, tag, text)
    dest = _add(header, "DestSchool")
    _add(dest, "LEA", "830")
    _add(dest, "Estab", "4002")


def _unread_blocks(pupil: Element, rng: random.Random, academic_year: int) -> None:
    fsm = _add(_add(pupil, "FSMhistory"), "FSMinstance")
    _add(fsm, "FSMstartDate", f"{academic_year - 3}-09-01")
    _add(fsm, "FSMendDate", f"{academic_year - 2}-07-20")
    _add(_add(_add(pupil, "SENhistory"), "SEN"), "SENprovision", rng.choice("NKE"))
    attendance = _add(pupil, "Attendance")
    for year in range(academic_year - 3, academic_year):
        sessions = _add(attendance, "YearData")
        _add(sessions, "Year", str(year))
        _add(sessions, "SessionsPossible", "380")
        _add(sessions, "SessionsAuthorised", str(rng.randint(0, 20)))
    assessments = _add(pupil, "StageAssessments")
    for subject in ("ENG", "MAT", "SCI", "REA", "WRI", "GPS"):
        result = _add(_add(assessments, "KeyStage"), "StageAssessment")
        _add(result, "Locale", "EN")
        _add(result, "Year", str(academic_year - 1))
        _add(result, "Subject", subject)
        _add(result, "Result", str(rng.randint(80, 120)))
    school = _add(_add(pupil, "SchoolHistory"), "School")
    for tag, text in (("LEA", "830"), ("Estab", "2001"), ("SchoolName", "Example Primary")):
        _add(school, tag, text)


def _contact(contacts: Element, contact: Contact, link: Relationship, home: Address | None) -> None:
    element = _add(contacts, "Contact")
    _add(element, "Order", str(link.priority))
    for tag, text in (("Title", contact.title), ("Surname", contact.surname)):
        _add(element, tag, text)
    _add(element, "Forename", contact.forename)
    _add(element, "Relationship", link.relationship)
    _add(element, "Responsibility", "true" if link.parental_responsibility else "false")
    if contact.address == home:
        _add(_add(element, "Address"), "AddressAsPupil", "true")
    else:
        _address(element, contact.address)
    _phones(element, contact.home_phone, contact.mobile_phone)
    if contact.email:
        _add(element, "Email", contact.email)
    supp = _add(element, "SuppInfo")
    _add(supp, "SuppID", "EXAMPLE-MIS")
    _add(supp, "ContactID", contact.contact_id)
    _add(supp, "CourtOrder", "Y" if link.court_order else "N")


def _pupil(
    data: Element, roster: Roster, student: Student, rng: random.Random, academic_year: int
) -> None:
    pupil = _add(data, "Pupil")
    for tag, text in (
        ("UPN", student.upn),
        ("Surname", student.legal_surname),
        ("Forename", student.legal_forename),
        ("DOB", student.dob.isoformat()),
        ("Sex", student.sex or "U"),
    ):
        _add(pupil, tag, text)
    details = _add(pupil, "BasicDetails")
    _add(details, "PreferredSurname", student.preferred_surname)
    _add(details, "PreferredForename", student.preferred_forename)
    _add(details, "NCyearActual", str(student.year))
    _add(details, "EnrolStatus", "C")
    _add(details, "Ethnicity", rng.choice(("WBRI", "WIRI", "APKN", "BAFR", "CHNE", "MWBC")))
    pairs = sorted(roster.contacts_of(student.student_id), key=lambda p: p[1].priority)
    home = next((c.address for c, link in pairs if link.lives_with_pupil), None)
    if home is not None:
        _address(pupil, home)
    _unread_blocks(pupil, rng, academic_year)
    if pairs:
        contacts = _add(pupil, "Contacts")
        for contact, link in pairs:
            _contact(contacts, contact, link, home)


def ctf_bytes(roster: Roster, academic_year: int = 2025, seed: int = 1) -> bytes:
    """The roster as a full CTF 25 (UTF-8, no namespace), one ``Pupil`` per student."""
    rng = random.Random(seed)
    root = Element("CTfile")
    _header(root, academic_year)
    data = _add(root, "CTFpupilData")
    for student in roster.students:
        _pupil(data, roster, student, rng, academic_year)
    indent(root)
    text = tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{text}\n'.encode()
