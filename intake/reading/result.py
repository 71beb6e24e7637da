"""What reading a form yields: typed values with confidences, crop boxes and problems.

These cross every stage boundary after reading (matching, the review app, the benchmark), so
they are frozen and carry no image data: crops are cut on demand from the stored aligned page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from intake.template.model import FieldKind


class Problem(StrEnum):
    """Problems a reviewer should see. Values are stable codes stored in the database."""

    UNSIGNED = "unsigned"
    EMAIL_MISSING = "email_missing"
    REQUIRED_MISSING = "required_missing"
    INVALID_VALUE = "invalid_value"
    DATE_IN_FUTURE = "date_in_future"
    PAGE_MISSING = "page_missing"
    PAGE_UNREADABLE = "page_unreadable"
    LOW_CONFIDENCE = "low_confidence"
    NO_CHILDREN = "no_children"
    SUSPICIOUS_TEXT = "suspicious_text"  # control or bidi characters, mixed scripts
    DUPLICATE = "duplicate"  # another form of the same family serial is in the batch
    DUPLICATE_BATCH = "duplicate_batch"  # the same family serial came in another batch too


class PageStatus(StrEnum):
    """What became of one page. Values are stable codes stored in the database."""

    READ = "read"
    BLANK = "blank"
    NOT_FORM = "not_form"
    UNREADABLE = "unreadable"


@dataclass(frozen=True)
class CharRead:
    char: str  # "" for an empty box
    confidence: float  # 0..1
    alternatives: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class FieldRead:
    field_id: str
    kind: FieldKind
    page: int
    value: str  # normalised (phone digits, postcode with one space, date ISO, email lower case)
    raw: str  # as the boxes read, before normalisation
    confidence: float  # 0..1, including what validation says
    chars: tuple[CharRead, ...] = ()
    #: the field's box on the aligned page, in template millimetres (x, y, w, h)
    box_mm: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    problems: tuple[Problem, ...] = ()

    @property
    def empty(self) -> bool:
        return self.value == ""


@dataclass(frozen=True)
class PageRead:
    index_in_file: int  # 0-based position in the uploaded file
    source: str  # the upload's id or file name (never shown to parents)
    status: PageStatus
    reason: str = ""
    form_type: str = ""
    version: int = 0
    page_number: int = 0
    serial: str = ""  # family serial from the QR, "" when the form was not personalised
    rotation: int = 0  # degrees the scan was turned to read it: 0, 90, 180, 270
    #: 3x3 homography from template millimetres to scan pixels, row-major; empty if unaligned
    homography: tuple[float, ...] = ()
    align_error_mm: float = 0.0
    seconds: float = 0.0  # time spent reading this page (identify, align, fields)


@dataclass(frozen=True)
class FormRead:
    form_type: str
    version: int
    serial: str
    pages: tuple[PageRead, ...]
    fields: dict[str, FieldRead] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()
    seconds: float = 0.0

    @property
    def needs_review(self) -> bool:
        return bool(self.problems) or any(f.problems for f in self.fields.values())


@dataclass(frozen=True)
class BatchRead:
    forms: tuple[FormRead, ...]
    unassigned_pages: tuple[PageRead, ...]  # blank, not this form, unreadable: each with a reason
