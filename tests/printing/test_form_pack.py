"""The pack: the school's own details from configuration, the policy rules, the personalisation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import cv2
import numpy as np
import pytest
from pdf2image import convert_from_path

from intake.config import School
from intake.printing import qr
from intake.printing.pack import (
    PackRecipient,
    pack_file_name,
    recipients_from_roster,
    render_pack_pdf,
    render_packs_to_dir,
)
from intake.roster.model import Address, Roster
from intake.template import FormTemplate

LETTER_DATE = date(2026, 9, 7)

#: the seed's policy rules, which the pack must keep
POLICY_RULES = [
    "Usernames will be created only for individuals. There can be no shared access.",
    "A signed copy of the agreement will be held by the school for audit purposes.",
    "Passwords must be at least 6 characters (a-z, 0-9) in length",
    "Passwords must contain at least 1 number / symbol",
    "Passwords must contain a mix of upper and lowercase letters",
    "Passwords must not be similar to your own name or username, for example: Cutler1",
    "The validity of parental responsibility is questioned",
    "Court ruling preventing access to child or family members is issued",
    "Users found to be in breach of the Parent Portal usage policy",
    "the school will revoke access for all parties concerned pending investigation",
    "we need the original signed copies of the application form",
    "post usernames and passwords to the home address registered on file",
    "each individual requiring access to Parent Portal must have a separate account",
    "they are all linked to your one username",
]


def _page_qrs(path: Path) -> list[str]:
    """The QR text of each page of a PDF ('' where a page has none)."""
    texts = []
    for image in convert_from_path(str(path), dpi=100, grayscale=True):
        text, _, _ = cv2.QRCodeDetector().detectAndDecode(np.asarray(image))
        texts.append(text)
    return texts


@pytest.fixture(scope="module")
def generic_pack(
    tmp_path_factory: pytest.TempPathFactory, template: FormTemplate, other_school: School
) -> tuple[Path, int]:
    path = tmp_path_factory.mktemp("pack") / "pack.pdf"
    pages = render_pack_pdf(template, other_school, path, letter_date=LETTER_DATE)
    return path, pages


def test_pack_uses_the_configured_school(
    generic_pack: tuple[Path, int], pdf_pages: Callable[[Path], list[str]]
) -> None:
    path, pages = generic_pack
    texts = pdf_pages(path)
    assert len(texts) == pages
    text = " ".join(texts)
    for detail in (
        "Oakfield Community Academy",
        "1 Orchard Road",
        "TB1 2ZZ",
        "01632 960123",
        "office@oakfield.example.org",
        "Dr A Example",
        "Jo Testperson",
        "Data Manager",
        "https://portal.oakfield.example.org",
    ):
        assert detail in text
    assert "Belper" not in text
    assert "Kazmierczak" not in text
    assert "Internet Explorer" not in text
    assert "7 September 2026" in texts[0]
    assert "Dear Parent/Carer" in texts[0] and "Yours faithfully" in texts[0]


def test_pack_keeps_the_policy_rules(
    generic_pack: tuple[Path, int], pdf_pages: Callable[[Path], list[str]]
) -> None:
    text = " ".join(pdf_pages(generic_pack[0]))
    for rule in POLICY_RULES:
        assert rule in text, rule
    for title in (
        "Parent Portal Usage Policy",
        "Oakfield Academy Parent Portal Acceptable Use Policy",
        "Application for Parent Portal Account",
    ):
        assert title in text


def test_pack_order_letter_policies_form(
    generic_pack: tuple[Path, int], pdf_pages: Callable[[Path], list[str]]
) -> None:
    texts = pdf_pages(generic_pack[0])
    usage = next(i for i, t in enumerate(texts) if t.startswith("Parent Portal Usage Policy"))
    aup = next(i for i, t in enumerate(texts) if "Acceptable Use Policy This policy" in t)
    form = next(
        i
        for i, t in enumerate(texts)
        if "Application for Parent Portal Account" in t and "BLOCK CAPITALS and returned" in t
    )
    assert 0 < usage <= aup < form
    # printed double-sided, the form's two pages share one sheet
    assert form % 2 == 0
    assert "Page 2 of 2" in texts[form + 1]
    assert len(texts) % 2 == 0


def test_blank_pack_form_pages_carry_no_serial(generic_pack: tuple[Path, int]) -> None:
    qrs = [t for t in _page_qrs(generic_pack[0]) if t]
    assert [qr.decode_payload(t) for t in qrs] == [
        qr.QrPayload("parent-portal", 1, 1, ""),
        qr.QrPayload("parent-portal", 1, 2, ""),
    ]


FAMILIES = [
    PackRecipient(
        serial="F00001",
        salutation="Mr and Mrs Khan",
        address=Address(("12 Mill Lane", "Belper"), "DE56 1AB"),
    ),
    PackRecipient(
        serial="F00002",
        salutation="Ms O'Brien",
        address=Address(("Flat 3", "7 Bridge Street", "Belper"), "DE56 2XY"),
    ),
]


def test_personalised_packs_address_each_family_and_carry_its_serial(
    tmp_path: Path,
    template: FormTemplate,
    school: School,
    pdf_pages: Callable[[Path], list[str]],
) -> None:
    path = tmp_path / "packs.pdf"
    pages = render_pack_pdf(template, school, path, FAMILIES, letter_date=LETTER_DATE)
    texts = pdf_pages(path)
    assert pages == len(texts) and pages % 2 == 0
    letters = [t for t in texts if t.startswith(school.name) and "Dear" in t]
    assert len(letters) == 2
    assert "Mr and Mrs Khan 12 Mill Lane Belper DE56 1AB" in letters[0]
    assert "Dear Mr and Mrs Khan" in letters[0] and "Yours sincerely" in letters[0]
    assert "Our reference: F00001" in letters[0]
    assert "Ms O'Brien Flat 3 7 Bridge Street Belper DE56 2XY" in letters[1]
    assert "Our reference: F00002" in letters[1]
    # every form page's QR carries its family's serial, in order; no other page has a QR
    qrs = _page_qrs(path)
    payloads = [qr.decode_payload(t) for t in qrs if t]
    assert [(p.page, p.serial) for p in payloads] == [
        (1, "F00001"),
        (2, "F00001"),
        (1, "F00002"),
        (2, "F00002"),
    ]
    form_pages = [i for i, t in enumerate(qrs) if t]
    second_pack_starts = texts.index(letters[1])
    assert form_pages[1] < second_pack_starts < form_pages[2]
    assert second_pack_starts % 2 == 0  # each pack starts on a fresh sheet


def test_one_pdf_per_family(
    tmp_path: Path, template: FormTemplate, school: School, pdf_pages: Callable[[Path], list[str]]
) -> None:
    written = render_packs_to_dir(template, school, tmp_path / "packs", FAMILIES, LETTER_DATE)
    assert [p.name for p in written] == ["pack-F00001.pdf", "pack-F00002.pdf"]
    assert "Dear Ms O'Brien" in " ".join(pdf_pages(written[1]))
    assert pack_file_name(PackRecipient(), 4) == "pack-0005.pdf"


def test_names_outside_the_pdf_fonts_still_print(
    tmp_path: Path,
    template: FormTemplate,
    school: School,
    pdf_pages: Callable[[Path], list[str]],
) -> None:
    family = PackRecipient(
        serial="F00003",
        salutation="Mr Łukasz Wiśniewski",
        address=Address(("2 Zoë Close",), "DE56 3AA"),
    )
    path = tmp_path / "pack.pdf"
    render_pack_pdf(template, school, path, [family], letter_date=LETTER_DATE)
    letter = pdf_pages(path)[0]
    assert "Dear Mr ?ukasz Wisniewski" in letter  # no Ł in the standard fonts: marked, not lost
    assert "2 Zoë Close" in letter


def test_recipients_from_roster_are_the_families_on_file(small_roster: Roster) -> None:
    recipients = recipients_from_roster(small_roster)
    assert [
        (r.serial, r.salutation, r.address.postcode if r.address else "") for r in recipients
    ] == [
        ("F00001", "Mr and Mrs Khan", "DE56 1AB"),
        ("F00002", "Ms Lee", "DE5 9ZZ"),
    ]


def test_a_long_school_name_fits_the_letterhead(
    tmp_path: Path, template: FormTemplate, pdf_pages: Callable[[Path], list[str]]
) -> None:
    long_name = School(name="St Aldhelm's Church of England Voluntary Aided Academy and Sixth Form")
    path = tmp_path / "pack.pdf"
    render_pack_pdf(template, long_name, path, letter_date=LETTER_DATE)
    letter = pdf_pages(path)[0]
    assert "St Aldhelm's Church of England Voluntary Aided Academy and Sixth" in letter
    assert "Headteacher: Mr M Cooper" in letter


def test_form_prints_a_welsh_school_name_without_black_boxes(
    tmp_path: Path, template: FormTemplate, pdf_pages: Callable[[Path], list[str]]
) -> None:
    from intake.printing.render import render_form_pdf

    path = tmp_path / "form.pdf"
    render_form_pdf(template, School(name="Ysgol Gyfun Gŵyr"), path)
    assert pdf_pages(path)[0].startswith("Ysgol Gyfun Gwyr Application for Parent Portal")
