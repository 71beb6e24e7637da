"""Shared fixtures for the form and pack tests."""

from __future__ import annotations

import copy
import json
import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from intake.config import School
from intake.roster.model import Address, Contact, Relationship, Roster, Student
from intake.roster.upn import make_upn
from intake.template import FormTemplate, load_template, template_path


@pytest.fixture(scope="session")
def template() -> FormTemplate:
    return load_template("parent-portal-v1")


@pytest.fixture(scope="session")
def template_dict() -> dict[str, Any]:
    return json.loads(template_path("parent-portal-v1").read_text("utf-8"))


@pytest.fixture()
def raw(template_dict: dict[str, Any]) -> dict[str, Any]:
    """A fresh, mutable copy of the v1 template's JSON, to break in one place."""
    return copy.deepcopy(template_dict)


@pytest.fixture(scope="session")
def school() -> School:
    return School()


@pytest.fixture(scope="session")
def other_school() -> School:
    """A school that is not the seed's, so hard-coded Belper wording would show."""
    return School(
        name="Oakfield Community Academy",
        short_name="Oakfield Academy",
        address_lines=("1 Orchard Road", "Testbury"),
        postcode="TB1 2ZZ",
        phone="01632 960123",
        email="office@oakfield.example.org",
        website="www.oakfield.example.org",
        headteacher="Dr A Example",
        staff_contact_name="Jo Testperson",
        staff_contact_role="Data Manager",
        portal_url="https://portal.oakfield.example.org",
    )


def _pdf_page_texts(path: Path) -> list[str]:
    out = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    return [" ".join(page.split()) for page in out.split("\f")[:-1]]


@pytest.fixture(scope="session")
def pdf_pages() -> Callable[[Path], list[str]]:
    """Each page's text of a PDF (poppler's pdftotext), whitespace runs made single spaces."""
    return _pdf_page_texts


@pytest.fixture(scope="session")
def small_roster() -> Roster:
    """Two households: Mr and Mrs Khan with one child, Ms Lee with another."""
    home = Address(("12 Mill Lane", "Belper"), "DE56 1AB")
    away = Address(("4 Station Road", "Ripley"), "DE5 9ZZ")
    students = tuple(
        Student(
            student_id=sid,
            upn=make_upn("830", "4000", 2019, n),
            legal_forename="Test",
            legal_surname="Child",
            preferred_forename="Test",
            preferred_surname="Child",
            dob=date(2013, 1, 1),
            year=8,
            tutor_group="8B",
        )
        for n, sid in enumerate(("S1", "S2"), start=1)
    )
    contacts = (
        Contact(contact_id="C1", title="Mr", forename="Imran", surname="Khan", address=home),
        Contact(contact_id="C2", title="Mrs", forename="Sara", surname="Khan", address=home),
        Contact(contact_id="C3", title="Ms", forename="Ann", surname="Lee", address=away),
    )
    relationships = (
        Relationship("S1", "C1", "PAF", True, 1),
        Relationship("S1", "C2", "PAM", True, 2),
        Relationship("S2", "C3", "PAM", True, 1),
    )
    return Roster(students=students, contacts=contacts, relationships=relationships)
