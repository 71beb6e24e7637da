"""Ground truth for one generated form, written beside its images as ``<form_id>.json``.

Shared by the generator (writes it), the benchmark (scores the reader against it) and the
matching tests. Character fields hold the *box string*: one character per box, a space for an
empty box, trailing empty boxes dropped; that is what ``FieldRead.raw`` is scored against.
A letter a parent wrote in lower case is its upper case here (what it means). A character the
parent struck through is an empty box (``' '``) here and its box index is in ``crossed_out``;
the parent carried on in the next box, so the value meant is the box string without those boxes.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class PageTruth:
    page_number: int  # the template's page number
    file: str  # image file name, or "<batch>.pdf#<index>" for a page of a batch PDF
    rotation: int = 0  # how the page lies in the scan, degrees clockwise: 0, 90, 180, 270
    photo: bool = False  # a phone photo rather than a scan
    #: 0-based page index in the batch PDF that also holds this page; None when not in one
    batch_index: int | None = None
    #: what the scan simulation did: "grey", "240dpi", "skew=-1.2", "stain", "rotated=180"...
    conditions: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChildTruth:
    row: int  # 1..5
    student_id: str | None  # None: the child is not at the school
    written_name: str  # as written on the form (may be a preferred name or misspelt)
    written_tutor_group: str


@dataclass(frozen=True)
class ApplicantTruth:
    party: str  # "parent1" or "parent2"
    contact_id: str | None  # None: not a contact the MIS holds
    #: "pr" (may be approved), "no_pr", "unknown_contact" or "blocked" (court order / no contact)
    outcome: str


def party_prefix(party: str) -> str:
    """The field ids' prefix of an applicant's section: "p1" for parent1, "p2" for parent2."""
    return "p1" if party == "parent1" else "p2"


@dataclass(frozen=True)
class FormTruth:
    form_id: str
    template: str  # "parent-portal-v1"
    serial: str  # family serial in the QR ("" when not personalised)
    family_serial: str  # the roster family the form was filled for
    pages: tuple[PageTruth, ...]
    fields: dict[str, str]  # field id -> box string
    ticks: dict[str, bool]
    signatures: dict[str, bool]
    children: tuple[ChildTruth, ...]
    applicants: tuple[ApplicantTruth, ...]
    #: problem codes a reviewer should see: "unsigned", "date_missing", "address_differs",
    #: "no_parental_responsibility", "blocked_contact", "unknown_contact", "child_not_found",
    #: "tutor_group_outdated", "preferred_name", "misspelt_name", "existing_account_tick",
    #: "email_missing", "crossed_out", "tutor_group_wrong"
    problems: tuple[str, ...] = ()
    writer: dict[str, str] = field(default_factory=dict)  # {"font": ...} or {"glyphs": ...}
    #: field id -> boxes the parent struck through (each is ' ' in the box string); the value
    #: meant is the box string without those boxes
    crossed_out: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=True, ensure_ascii=False)

    def save(self, directory: Path) -> Path:
        path = directory / f"{self.form_id}.json"
        path.write_text(self.to_json(), encoding="utf-8")
        return path

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> FormTruth:
        return cls(
            form_id=raw["form_id"],
            template=raw["template"],
            serial=raw["serial"],
            family_serial=raw["family_serial"],
            pages=tuple(
                PageTruth(**{**p, "conditions": tuple(p.get("conditions", ()))})
                for p in raw["pages"]
            ),
            fields=dict(raw["fields"]),
            ticks=dict(raw["ticks"]),
            signatures=dict(raw["signatures"]),
            children=tuple(ChildTruth(**c) for c in raw["children"]),
            applicants=tuple(ApplicantTruth(**a) for a in raw["applicants"]),
            problems=tuple(raw.get("problems", ())),
            writer=dict(raw.get("writer", {})),
            crossed_out={k: tuple(v) for k, v in raw.get("crossed_out", {}).items()},
        )

    @classmethod
    def load(cls, path: Path) -> FormTruth:
        return cls.from_dict(json.loads(path.read_text("utf-8")))


def load_truths(directory: Path) -> list[FormTruth]:
    """Every ``*.json`` truth in a samples folder, in form id order."""
    return [FormTruth.load(p) for p in sorted(directory.glob("*.json")) if p.stem != "manifest"]
