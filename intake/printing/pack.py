"""The pack a school posts: invitation letter, usage policy, acceptable use policy, the form.

Everything is drawn on one reportlab canvas: the letter and the policies flow through frames, the
form pages come from ``render.FormCanvas``. Each section starts on a new page, and blank backs are
added so that, printed double-sided, the form's two pages share one sheet and every family's pack
starts on a fresh sheet. A personalised pack addresses the letter to the family's address on file
(positioned for a DL window envelope) and puts the family serial in every form page's QR code.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import escape

from reportlab.lib.colors import HexColor
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Frame, Paragraph, Spacer

from intake.config import School
from intake.errors import InputFileError, TemplateError
from intake.printing import pack_text
from intake.printing.layout import FONT, FONT_BOLD
from intake.printing.render import FormCanvas
from intake.printing.units import mm_to_pt
from intake.printing.wording import fill, printable
from intake.progress import NullProgress, Progress
from intake.roster.model import Address, Roster
from intake.template.model import FormTemplate

log = logging.getLogger(__name__)

#: page margins of the letter and policies (mm)
MARGIN_MM = 20.0
#: top of the recipient's address: inside a DL window envelope's window
ADDRESS_TOP_MM = 48.0
FOOTER_COLOUR = HexColor("#555555")
_HEADINGS = {"h1", "h2", "h3", "small"}
#: a heading starts a new page unless this much room is left below it
_HEADING_ROOM_MM = 32.0


class _NeedSpace(Flowable):
    """Takes no room where enough is left, and none fits where it is not: the page ends there."""

    def __init__(self, height: float) -> None:
        super().__init__()
        self.needed = height

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return (0.0, 0.0) if availHeight >= self.needed else (availWidth, availHeight + 1)

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        return []

    def draw(self) -> None:
        pass


@dataclass(frozen=True)
class PackRecipient:
    """Who one pack is for. The default is the generic "Dear Parent/Carer" pack."""

    serial: str = ""
    salutation: str = ""
    address: Address | None = None

    @property
    def personalised(self) -> bool:
        return bool(self.serial or self.address)


def recipients_from_roster(roster: Roster) -> list[PackRecipient]:
    """One recipient per family of the roster, addressed to the family's address on file."""
    from intake.roster.families import families

    return [
        PackRecipient(serial=f.serial, salutation=f.salutation, address=f.address)
        for f in families(roster)
    ]


def _styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("p", fontName=FONT, fontSize=10, leading=13.2, spaceAfter=5)
    return {
        "p": body,
        "small": ParagraphStyle("small", parent=body, fontSize=9, leading=11.5, spaceAfter=8),
        "bullet": ParagraphStyle(
            "bullet", parent=body, leftIndent=14, bulletIndent=4, spaceAfter=3
        ),
        "h1": ParagraphStyle(
            "h1", parent=body, fontName=FONT_BOLD, fontSize=15, leading=19, spaceAfter=4
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=body,
            fontName=FONT_BOLD,
            fontSize=12,
            leading=15,
            spaceBefore=7,
            spaceAfter=4,
        ),
        "h3": ParagraphStyle(
            "h3",
            parent=body,
            fontName=FONT_BOLD,
            fontSize=10.5,
            leading=13,
            spaceBefore=5,
            spaceAfter=3,
        ),
        "right": ParagraphStyle("right", parent=body, alignment=2),
    }


class _PackWriter:
    """Writes packs onto one canvas, counting pages so blank backs land where needed."""

    def __init__(
        self, canvas: Canvas, template: FormTemplate, school: School, letter_date: date
    ) -> None:
        self.canvas = canvas
        self.template = template
        self.school = school
        self.letter_date = letter_date
        self.styles = _styles()
        self.form = FormCanvas(canvas, template, school)
        self.page_w = mm_to_pt(template.page_w)
        self.page_h = mm_to_pt(template.page_h)
        self.pages = 0

    # -- pages -------------------------------------------------------------------------------
    def _end_page(self) -> None:
        self.canvas.showPage()
        self.pages += 1

    def _footer(self) -> None:
        c = self.canvas
        c.saveState()
        c.setFont(FONT, 7.5)
        c.setFillColor(FOOTER_COLOUR)
        line = f"{self.school.name}  |  {self.school.phone}  |  {self.school.email}"
        c.drawCentredString(self.page_w / 2, mm_to_pt(10), printable(line))
        c.restoreState()

    def _flow(
        self,
        story: list[Flowable],
        top_mm: float = MARGIN_MM,
        decorate: Callable[[], None] | None = None,
    ) -> None:
        """Lay ``story`` out over as many pages as it needs; the first page may start lower."""
        first = True
        while story:
            if first and decorate is not None:
                decorate()
            self._footer()
            top = top_mm if first else MARGIN_MM
            frame = Frame(
                mm_to_pt(MARGIN_MM),
                mm_to_pt(16),
                self.page_w - 2 * mm_to_pt(MARGIN_MM),
                self.page_h - mm_to_pt(top + 16),
                leftPadding=0,
                rightPadding=0,
                topPadding=0,
                bottomPadding=0,
            )
            self._fill_frame(frame, story)
            self._end_page()
            first = False

    def _fill_frame(self, frame: Frame, story: list[Flowable]) -> None:
        """Move flowables from ``story`` into ``frame``, splitting the one that overflows."""
        while story:
            if frame.add(story[0], self.canvas, trySplit=0):
                del story[0]
                continue
            parts = frame.split(story[0], self.canvas)
            if not parts or not frame.add(parts[0], self.canvas, trySplit=0):
                if frame._atTop:
                    raise TemplateError("a paragraph of the pack is too long to fit on one page")
                return
            story[0:1] = parts[1:]

    def _blank_back(self) -> None:
        c = self.canvas
        c.setFont(FONT, 8)
        c.setFillColor(FOOTER_COLOUR)
        c.drawCentredString(self.page_w / 2, self.page_h / 2, "This page is intentionally blank.")
        self._end_page()

    # -- sections ----------------------------------------------------------------------------
    def _paragraphs(self, section: pack_text.Section) -> list[Flowable]:
        out: list[Flowable] = []
        previous = ""
        for style, text in section:
            filled = printable(fill(text, self.school, markup=True))
            if style in _HEADINGS and previous not in _HEADINGS and out:
                out.append(_NeedSpace(mm_to_pt(_HEADING_ROOM_MM)))
            if style == "bullet":
                out.append(Paragraph(filled, self.styles["bullet"], bulletText="\u2022"))
            else:
                out.append(Paragraph(filled, self.styles[style]))
            previous = style
        return out

    def _letterhead(self) -> None:
        """The school's name on the left, its address and contact details on the right."""
        c, s = self.canvas, self.school
        top = self.page_h - mm_to_pt(MARGIN_MM)
        right = self.page_w - mm_to_pt(MARGIN_MM)
        details = [
            *s.address_lines,
            s.postcode,
            "",
            f"Tel: {s.phone}",
            f"Email: {s.email}",
            f"Website: {s.website}",
        ]
        details = [printable(line) for line in details]
        widest = max(stringWidth(line, FONT, 8.5) for line in details)
        room = right - widest - mm_to_pt(8) - mm_to_pt(MARGIN_MM)
        name = printable(s.name)
        size = 15.0
        while size > 10 and stringWidth(name, FONT_BOLD, size) > room:
            size -= 0.5
        name_lines = simpleSplit(name, FONT_BOLD, size, room)
        c.saveState()
        c.setFillColor(HexColor("#000000"))
        c.setFont(FONT_BOLD, size)
        for i, line in enumerate(name_lines):
            c.drawString(mm_to_pt(MARGIN_MM), top - 12 - i * size * 1.15, line)
        c.setFont(FONT, 10)
        below = top - 12 - (len(name_lines) - 1) * size * 1.15 - 14
        c.drawString(mm_to_pt(MARGIN_MM), below, printable(f"Headteacher: {s.headteacher}"))
        c.setFont(FONT, 8.5)
        for i, line in enumerate(details):
            c.drawRightString(right, top - 10 - i * 10.5, line)
        c.restoreState()

    def _letter(self, recipient: PackRecipient) -> list[Flowable]:
        st = self.styles
        story: list[Flowable] = []
        if recipient.address is not None:
            lines = [recipient.salutation, *recipient.address.lines, recipient.address.postcode]
            story.append(
                Paragraph("<br/>".join(escape(printable(line)) for line in lines if line), st["p"])
            )
        else:
            story.append(Spacer(1, mm_to_pt(22)))
        story.append(Spacer(1, mm_to_pt(6)))
        when = f"{self.letter_date.day} {self.letter_date:%B %Y}"
        story.append(Paragraph(when, st["right"]))
        if recipient.serial:
            story.append(Paragraph(f"Our reference: {escape(recipient.serial)}", st["right"]))
        greeting = (
            recipient.salutation
            if recipient.personalised and recipient.salutation
            else ("Parent/Carer")
        )
        story.append(Paragraph(f"Dear {escape(printable(greeting))}", st["p"]))
        story.extend(self._paragraphs(pack_text.LETTER_BODY))
        closing = "Yours sincerely" if greeting != "Parent/Carer" else "Yours faithfully"
        story.append(Paragraph(closing, st["p"]))
        story.append(Spacer(1, mm_to_pt(10)))
        story.append(
            Paragraph(
                f"{escape(printable(self.school.staff_contact_name))}<br/>"
                f"{escape(printable(self.school.staff_contact_role))}",
                st["p"],
            )
        )
        return story

    def write(self, recipient: PackRecipient) -> None:
        """Write one pack: letter, the two policies, a blank back if needed, the form."""
        start = self.pages
        self._flow(self._letter(recipient), top_mm=ADDRESS_TOP_MM, decorate=self._letterhead)
        # the two policies run on from each other: a page (and a sheet of paper) less per family
        policies = self._paragraphs(pack_text.USAGE_POLICY)
        policies.append(Spacer(1, mm_to_pt(8)))
        policies.extend(self._paragraphs(pack_text.ACCEPTABLE_USE_POLICY))
        self._flow(policies)
        if (self.pages - start) % 2:
            self._blank_back()
        for page in self.template.pages:
            self.form.draw_page(page, recipient.serial)
            self._end_page()
        if (self.pages - start) % 2:
            self._blank_back()


def render_pack_pdf(
    template: FormTemplate,
    school: School,
    out: Path | BinaryIO,
    recipients: Sequence[PackRecipient] = (PackRecipient(),),
    letter_date: date | None = None,
    progress: Progress | None = None,
) -> int:
    """Write one pack per recipient into one PDF; return the number of pages."""
    if not recipients:
        raise ValueError("render_pack_pdf needs at least one recipient")
    canvas = Canvas(
        str(out) if isinstance(out, Path) else out,
        pagesize=(mm_to_pt(template.page_w), mm_to_pt(template.page_h)),
        pageCompression=1,
        invariant=1,
    )
    canvas.setTitle(f"Parent Portal invitation pack ({template.key})")
    canvas.setAuthor(printable(school.name))
    canvas.setCreator("Parent Portal intake")
    writer = _PackWriter(canvas, template, school, letter_date or date.today())
    progress = progress or NullProgress()
    progress.start(len(recipients), "packs")
    for recipient in recipients:
        writer.write(recipient)
        progress.advance()
    progress.finish()
    try:
        canvas.save()
    except OSError as exc:
        raise InputFileError(f"cannot write the pack PDF to {out}: {exc}") from exc
    log.info("rendered %d pack(s), %d page(s)", len(recipients), writer.pages)
    return writer.pages


def pack_file_name(recipient: PackRecipient, index: int) -> str:
    """``pack-<serial>.pdf``, or ``pack-<n>.pdf`` for a pack without a serial."""
    return f"pack-{recipient.serial}.pdf" if recipient.serial else f"pack-{index + 1:04d}.pdf"


def render_packs_to_dir(
    template: FormTemplate,
    school: School,
    out_dir: Path,
    recipients: Sequence[PackRecipient],
    letter_date: date | None = None,
    progress: Progress | None = None,
) -> list[Path]:
    """One PDF per recipient in ``out_dir`` (created if missing); return the files written."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputFileError(f"cannot create the output folder {out_dir}: {exc}") from exc
    progress = progress or NullProgress()
    progress.start(len(recipients), "packs")
    written = []
    for index, recipient in enumerate(recipients):
        path = out_dir / pack_file_name(recipient, index)
        render_pack_pdf(template, school, path, (recipient,), letter_date)
        written.append(path)
        progress.advance()
    progress.finish()
    return written
