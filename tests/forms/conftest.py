"""Shared fixtures for the form and pack tests."""

from __future__ import annotations

import copy
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from intake.config import School
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
