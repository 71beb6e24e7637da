"""Checks on a student record that warn but never stop an import.

Pupils can legitimately be out of cohort (summer-born deferral, SEN, arrivals from abroad), so a
DOB outside the year group's range is a warning; so is a tutor group whose leading year number is
not the pupil's year.
"""

from __future__ import annotations

import re
from datetime import date

from intake.roster.model import Student


def academic_year_of(day: date) -> int:
    """The start year of the academic year (1 September - 31 August) holding ``day``."""
    return day.year if day.month >= 9 else day.year - 1


def expected_year(dob: date, academic_year: int) -> int:
    """The NC year of a child born on ``dob`` in the academic year starting ``academic_year``."""
    cohort = dob.year if dob.month >= 9 else dob.year - 1  # academic year of birth
    return academic_year - cohort - 5


def tutor_group_year(group: str) -> int | None:
    """The year number a tutor group starts with (``10RWA`` -> 10), if any."""
    match = re.match(r"^\s*(?:Y(?:ear|r)?\s*)?(\d{1,2})(?!\d)", group, re.IGNORECASE)
    return int(match.group(1)) if match else None


def name_case_doubtful(name: str) -> bool:
    """ALL CAPS or all lower case: re-casing is lossy (McDONALD, MacHin), so only warn."""
    letters = [c for c in name if c.isalpha()]
    if len(letters) < 2 or name.startswith("ff"):  # ffrench, fforde are lower case by tradition
        return False
    return name == name.upper() or name == name.lower()


def combined_contact(forename: str, surname: str) -> bool:
    """``Mr and Mrs`` / ``John & Jane``: two people in one contact record."""
    text = f" {forename} {surname} ".lower()
    return " and " in text or "&" in text or "+" in text


def student_warnings(student: Student, academic_year: int | None = None) -> list[str]:
    """Doubts about one student, naming the student id only."""
    year_now = academic_year if academic_year is not None else academic_year_of(date.today())
    warnings = []
    if student.dob is not None and student.year:
        expected = expected_year(student.dob, year_now)
        if expected != student.year:
            warnings.append(
                f"student {student.student_id}: date of birth fits year {expected}, "
                f"not year {student.year}"
            )
    for label, name in (("surname", student.legal_surname), ("forename", student.legal_forename)):
        if name_case_doubtful(name):
            warnings.append(
                f"student {student.student_id}: legal {label} is all capitals or "
                "all lower case; check its spelling in the MIS (not changed here)"
            )
    group_year = tutor_group_year(student.tutor_group)
    if group_year is not None and student.year and group_year != student.year:
        warnings.append(
            f"student {student.student_id}: tutor group {student.tutor_group} "
            f"is not a year {student.year} group"
        )
    return warnings
