"""The roster CSV's columns and the header names MIS reports use for them.

Header matching ignores case, spaces and punctuation (``Legal Surname``, ``legal_surname`` and
``LEGAL-SURNAME`` are one header). ``write_roster`` writes the canonical names.
"""

from __future__ import annotations

import re

#: canonical header -> other names seen in SIMS, Arbor, Bromcom, CMIS, Integris, ParentMail...
SYNONYMS: dict[str, tuple[str, ...]] = {
    "StudentID": (
        "Adno",
        "Admission Number",
        "Adm No",
        "Admission No",
        "Student Id",
        "Pupil ID",
        "Person ID",
        "Student Person ID",
        "MIS ID",
        "Pupil Number",
    ),
    "UPN": ("Unique Pupil Number", "Pupil UPN"),
    "LegalSurname": (
        "Legal Surname",
        "Surname",
        "Student Surname",
        "Pupil Surname",
        "Last Name",
        "Legal Last Name",
    ),
    "LegalForename": (
        "Legal Forename",
        "Forename",
        "Student Forename",
        "Pupil Forename",
        "First Name",
        "Legal First Name",
        "Legal Forename(s)",
    ),
    "PreferredSurname": ("Preferred Surname", "Known As Surname", "Chosen Surname"),
    "PreferredForename": (
        "Preferred Forename",
        "Preferred Name",
        "Known As",
        "Known Name",
        "Chosen Name",
        "Preferred First Name",
    ),
    "DOB": ("Date of Birth", "Birth Date", "DateOfBirth", "Student DOB"),
    "Sex": ("Gender", "Student Sex", "Student Gender"),
    "NCYear": (
        "Year",
        "Year Group",
        "NC Year",
        "Curriculum Year",
        "National Curriculum Year",
        "NC Year Actual",
        "School Year",
        "Current Year Group",
    ),
    "RegGroup": (
        "Reg Group",
        "Registration Group",
        "Reg",
        "Registration Form",
        "Form",
        "Tutor Group",
        "Form Group",
        "Class",
        "Current Class",
        "Tutor",
    ),
    "PreviousRegGroup": (
        "Previous Reg Group",
        "Previous Registration Group",
        "Previous Tutor Group",
        "Previous Form",
        "Last Year Reg Group",
        "Prev Reg Group",
    ),
    "ContactID": ("Contact ID", "Parent ID", "Contact Person ID", "Guardian ID", "Contact Number"),
    "Priority": (
        "Contact Priority",
        "Priority Order",
        "Order",
        "Contact Order",
        "Emergency Contact",
    ),
    "Relationship": (
        "Relationship to Student",
        "Relationship to Pupil",
        "Relation",
        "Contact Relationship",
        "Relationship Name",
    ),
    "ParentalResponsibility": (
        "Parental Responsibility",
        "Responsibility",
        "PR",
        "Legal Guardian",
        "Has Parental Responsibility",
    ),
    "CourtOrder": ("Court Order", "Court Order Restricted Access", "Court Order Flag"),
    "NoContact": ("No Contact", "Do Not Contact", "Contact Restricted", "Access Restricted"),
    "LivesWithPupil": (
        "Lives With Pupil",
        "Lives With Student",
        "Lives With",
        "Same Address As Pupil",
    ),
    "Title": ("Contact Title", "Salutation Title", "Prefix"),
    "ContactForename": (
        "Contact Forename",
        "Contact First Name",
        "Parent Forename",
        "Guardian Forename",
        "Contact Legal Forename",
    ),
    "ContactSurname": (
        "Contact Surname",
        "Contact Last Name",
        "Parent Surname",
        "Guardian Surname",
        "Contact Legal Surname",
    ),
    "AddressLine1": ("Address Line 1", "Address 1", "Address1", "Contact Address Line 1"),
    "AddressLine2": ("Address Line 2", "Address 2", "Address2", "Contact Address Line 2"),
    "AddressLine3": ("Address Line 3", "Address 3", "Address3", "Contact Address Line 3"),
    "HouseName": ("House Name",),
    "HouseNumber": ("House Number", "House No", "PAON"),
    "Street": ("Street Name", "Road"),
    "District": ("Locality",),
    "Town": ("Post Town", "City"),
    "County": (),
    "Postcode": ("Post Code", "Contact Postcode", "Postal Code", "Home Postcode"),
    "Email": (
        "Contact Email",
        "Primary Email",
        "Email Address",
        "Home Email",
        "Main Email",
        "Parent Email",
    ),
    "Mobile": ("Mobile Number", "Mobile Phone", "Contact Mobile", "Mobile Tel", "Mobile No"),
    "HomePhone": (
        "Home Phone",
        "Home Telephone",
        "Home Tel",
        "Telephone",
        "Main Telephone",
        "Home Number",
        "Phone",
    ),
}

#: the columns ``write_roster`` writes, in order
WRITE_ORDER = (
    "StudentID",
    "UPN",
    "LegalSurname",
    "LegalForename",
    "PreferredSurname",
    "PreferredForename",
    "DOB",
    "Sex",
    "NCYear",
    "RegGroup",
    "PreviousRegGroup",
    "ContactID",
    "Priority",
    "Relationship",
    "ParentalResponsibility",
    "CourtOrder",
    "NoContact",
    "LivesWithPupil",
    "Title",
    "ContactForename",
    "ContactSurname",
    "AddressLine1",
    "AddressLine2",
    "AddressLine3",
    "Postcode",
    "Email",
    "Mobile",
    "HomePhone",
)
REQUIRED = ("StudentID", "LegalSurname", "LegalForename", "DOB", "NCYear", "RegGroup")
CONTACT_REQUIRED = ("ContactID", "Relationship", "ParentalResponsibility")


def header_key(name: str) -> str:
    """``Legal Surname`` / ``legal_surname`` / ``LEGAL-SURNAME`` -> ``legalsurname``."""
    return re.sub(r"[^a-z0-9]", "", name.casefold())


_LOOKUP: dict[str, str] = {}
for _canonical, _names in SYNONYMS.items():
    for _name in (_canonical, *_names):
        _LOOKUP.setdefault(header_key(_name), _canonical)


def map_headers(headers: list[str]) -> tuple[dict[str, int], list[str], list[str]]:
    """Header row -> (canonical -> column index, unknown headers, problems)."""
    mapping: dict[str, int] = {}
    unknown: list[str] = []
    problems: list[str] = []
    for index, header in enumerate(headers):
        canonical = _LOOKUP.get(header_key(header))
        if canonical is None:
            if header.strip():
                unknown.append(header.strip())
            continue
        if canonical in mapping:
            first = headers[mapping[canonical]].strip()
            problems.append(
                f"line 1: columns {first!r} and {header.strip()!r} both mean {canonical}"
            )
            continue
        mapping[canonical] = index
    missing = [name for name in REQUIRED if name not in mapping]
    if missing:
        problems.append(f"line 1: missing column(s): {', '.join(missing)}")
    return mapping, unknown, problems
