"""Credential letters and rejection letters as PDF, rendered in memory with ReportLab.

The only module that talks to ReportLab. Every string that comes from the roster, the form or
the configuration goes through ``_text`` (XML-escaped) before it becomes Paragraph markup, so a
name like ``<img src="/etc/passwd"/>`` prints literally. The address printed is always the one
the caller passes: for credential letters the roster's home address on file, never the form's.
Letters are returned as bytes for streaming and never written to disk here.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import registerFontFamily
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from intake.config import School
from intake.errors import WorkflowError
from intake.roster.model import Address

_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
_INK = colors.HexColor("#1d3557")


@dataclass(frozen=True)
class CredentialLetter:
    """One account's letter: to the contact's home address on file."""

    addressee: str  # "Mrs A Smith"
    salutation: str  # "Mrs Smith"
    address: Address  # the roster's address on file
    username: str
    password: str
    expires_on: date
    children: tuple[str, ...]  # first names of the linked children
    letter_date: date
    password_profile: str = "school"  # noqa: S105 - a profile name (PASSWORD_RULES), no secret
    #: held at the school office, handed over after a photo ID check (not posted)
    for_collection: bool = False


@dataclass(frozen=True)
class RejectionLetterContent:
    addressee: str
    salutation: str
    address: Address
    address_from_form: bool  # True: the school holds no address for this applicant
    reason_code: str
    letter_date: date


#: how each password profile is explained to parents
PASSWORD_RULES = {
    "school": "It must have at least 6 characters, a number or symbol, upper and lower case "
    "letters, and must not be like your name or username.",
    "ncsc": "It must have at least 12 characters; three random words make a strong password "
    "that is easy to remember. Do not use your name, your username or the school's "
    "name, or a common password.",
}

REJECTION_TEXT: dict[str, tuple[str, str]] = {
    "UNSIGNED": (
        "the form was not signed. We can only accept the original form signed by each "
        "parent or carer who applies.",
        "Please sign both signature boxes on a new form and return the original to the school "
        "office.",
    ),
    "NO_PR": (
        "our records do not show you as having parental responsibility for the child or "
        "children named on the form.",
        "If you believe our records are wrong, please contact the school office, who will "
        "explain what evidence we need.",
    ),
    "NOT_FOUND": (
        "we could not find you among the contacts the school holds for the child or children "
        "named on the form.",
        "Please contact the school office so that we can check and update our records, then "
        "apply again.",
    ),
    "UNREADABLE": (
        "we could not read the form clearly enough to process it.",
        "Please complete a new form in BLOCK CAPITALS in black ink and return it to the school "
        "office.",
    ),
    "NOT_ORIGINAL": (
        "we received a copy rather than the original signed form.",
        "Please return the original signed form to the school office; we cannot accept "
        "applications by phone or email.",
    ),
    "OTHER": (
        "we could not approve it as it stands.",
        "Please contact the school office, who will explain what is needed.",
    ),
}


def long_date(day: date) -> str:
    """ "7 September 2026", as a school letter writes it."""
    return f"{day.day} {day:%B %Y}"


def _fonts() -> tuple[str, str, str]:
    """Regular, bold and monospace font names (DejaVu when present: it covers accented names)."""
    names = ("IntakeSans", "IntakeSans-Bold", "IntakeMono")
    files = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansMono-Bold.ttf")
    if all((_FONT_DIR / f).is_file() for f in files):
        for name, file in zip(names, files, strict=True):
            if name not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont(name, str(_FONT_DIR / file)))
        registerFontFamily(
            names[0], normal=names[0], bold=names[1], italic=names[0], boldItalic=names[1]
        )
        return names
    return ("Helvetica", "Helvetica-Bold", "Courier-Bold")


def _text(value: str) -> str:
    """Escape a data string for Paragraph markup (quotes too, for attribute contexts)."""
    return escape(value, {'"': "&quot;", "'": "&#39;"})


class _Styles:
    def __init__(self) -> None:
        regular, bold, mono = _fonts()
        self.body = ParagraphStyle(
            "body", fontName=regular, fontSize=10.5, leading=14.5, spaceAfter=6
        )
        self.small = ParagraphStyle(
            "small",
            parent=self.body,
            fontSize=8.5,
            leading=11,
            textColor=colors.HexColor("#444444"),
        )
        self.right = ParagraphStyle("right", parent=self.small, alignment=TA_RIGHT)
        self.school = ParagraphStyle(
            "school", fontName=bold, fontSize=15, leading=18, textColor=_INK
        )
        self.heading = ParagraphStyle(
            "heading",
            fontName=bold,
            fontSize=12.5,
            leading=16,
            spaceBefore=6,
            spaceAfter=6,
            textColor=_INK,
        )
        self.label = ParagraphStyle("label", fontName=bold, fontSize=10.5, leading=14)
        self.mono = ParagraphStyle("mono", fontName=mono, fontSize=17, leading=22)
        self.bold = bold


def _letterhead(school: School, st: _Styles) -> list[Flowable]:
    contact = "<br/>".join(
        _text(x)
        for x in [
            *school.address_lines,
            school.postcode,
            f"Tel: {school.phone}",
            school.email,
            school.website,
        ]
        if x
    )
    head = Table(
        [[Paragraph(_text(school.name), st.school), Paragraph(contact, st.right)]],
        colWidths=[100 * mm, 64 * mm],
        hAlign="LEFT",
    )
    head.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 1.2, _INK),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return [head, Spacer(1, 10 * mm)]


def _address_block(
    addressee: str, address: Address, when: date, st: _Styles, note: str = ""
) -> list[Flowable]:
    lines = [addressee, *address.lines, address.postcode]
    block = "<br/>".join(_text(x) for x in lines if x)
    if note:
        block += f"<br/><font size='7.5'>{_text(note)}</font>"
    table = Table(
        [[Paragraph(block, st.body), Paragraph(_text(long_date(when)), st.right)]],
        colWidths=[104 * mm, 60 * mm],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return [table, Spacer(1, 12 * mm)]


def _credentials_box(letter: CredentialLetter, st: _Styles) -> Flowable:
    rows = [
        [Paragraph("Username", st.label), Paragraph(_text(letter.username), st.mono)],
        [Paragraph("Password", st.label), Paragraph(_text(letter.password), st.mono)],
    ]
    box = Table(rows, colWidths=[32 * mm, 118 * mm])
    box.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1, _INK),
                ("INNERGRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa5b1")),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef2f7")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return box


def _sign_off(school: School, st: _Styles) -> list[Flowable]:
    return [
        Spacer(1, 4 * mm),
        Paragraph("Yours sincerely,", st.body),
        Spacer(1, 8 * mm),
        Paragraph(
            f"{_text(school.staff_contact_name)}<br/>{_text(school.staff_contact_role)}", st.body
        ),
    ]


def _credential_page(letter: CredentialLetter, school: School, st: _Styles) -> list[Flowable]:
    url = _text(school.portal_url)
    children = ", ".join(letter.children)
    story: list[Flowable] = [*_letterhead(school, st)]
    if letter.for_collection:
        story.append(Paragraph("FOR COLLECTION AT THE SCHOOL OFFICE: do not post", st.heading))
    story += _address_block(letter.addressee, letter.address, letter.letter_date, st)
    story += [
        Paragraph(f"Dear {_text(letter.salutation)},", st.body),
        Paragraph("Your Parent Portal account", st.heading),
        Paragraph(
            "Thank you for applying for Parent Portal. Your application has been checked "
            "against the school's records and your personal account is ready. It is linked to: "
            f"<b>{_text(children)}</b>.",
            st.body,
        ),
        Spacer(1, 2 * mm),
        KeepTogether([_credentials_box(letter, st)]),
        Paragraph(
            "The password contains no letter O or digit 0, and no letter I, letter l or digit 1. "
            "Type it exactly as printed, including the hyphens and capital letters.",
            st.small,
        ),
        Paragraph("How to log in", st.heading),
        Paragraph(f"1. Go to <b>{url}</b> in your web browser.", st.body),
        Paragraph("2. Enter the username and password above.", st.body),
        Paragraph(
            "3. Choose your own new password when asked. "
            + _text(PASSWORD_RULES.get(letter.password_profile, PASSWORD_RULES["school"])),
            st.body,
        ),
        Paragraph(
            "This password works only until "
            f"<b>{_text(long_date(letter.expires_on))}</b>. If it has expired, or you "
            "did not apply for an account, please contact the school office on "
            f"{_text(school.phone)} or {_text(school.email)}.",
            st.body,
        ),
        Paragraph(
            "This account is for you alone: please do not share your username or password with "
            "anyone, including other family members, who need their own account. Keep this "
            "letter somewhere safe or destroy it once you have changed your password.",
            st.body,
        ),
    ]
    story += _sign_off(school, st)
    return story


def render_credential_letters(letters: Sequence[CredentialLetter], school: School) -> bytes:
    """One PDF for a print run: one page per account."""
    if not letters:
        raise WorkflowError("There are no letters to print.")
    st = _Styles()
    story: list[Flowable] = []
    for i, letter in enumerate(letters):
        if i:
            story.append(PageBreak())
        story += _credential_page(letter, school, st)
    return _build(story, "Parent Portal credential letters", school)


def render_rejection_letter(content: RejectionLetterContent, school: School) -> bytes:
    """A short letter telling an applicant why the form was not approved and what to do."""
    why, what = REJECTION_TEXT.get(content.reason_code, REJECTION_TEXT["OTHER"])
    st = _Styles()
    note = (
        "Sent to the address written on your form, as the school holds none for you."
        if content.address_from_form
        else ""
    )
    story: list[Flowable] = [*_letterhead(school, st)]
    story += _address_block(content.addressee, content.address, content.letter_date, st, note)
    story += [
        Paragraph(f"Dear {_text(content.salutation)},", st.body),
        Paragraph("Your Parent Portal application", st.heading),
        Paragraph(
            f"Thank you for your application. We are sorry that we could not approve "
            f"it because {_text(why)}",
            st.body,
        ),
        Paragraph(_text(what), st.body),
        Paragraph(
            f"You can reach the school office on {_text(school.phone)} or {_text(school.email)}.",
            st.body,
        ),
    ]
    story += _sign_off(school, st)
    return _build(story, "Parent Portal application", school)


def _footer(school: School) -> Callable[[Canvas, Any], None]:
    regular = _fonts()[0]

    def draw(canvas: Canvas, _doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(regular, 7.5)
        canvas.setFillColor(colors.HexColor("#666666"))
        canvas.drawString(
            20 * mm,
            10 * mm,
            f"{school.name} · {school.website} · Private and confidential: for the addressee only",
        )
        canvas.restoreState()

    return draw


def _build(story: list[Flowable], title: str, school: School) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=title,
        author="",
        subject="",
        creator="",
        invariant=1,
    )
    footer = _footer(school)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
