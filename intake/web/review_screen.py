"""What the review screen shows of one form, as plain data for Jinja and for the JSON API.

Built from the stored form (FieldRead dicts, matching proposals) and the template (labels, the
order of fields). Court-order and safeguarding details are left out unless the viewer may see
them (approver, admin); office staff see "restricted – refer".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from intake.config import Thresholds
from intake.db.workflow import Form
from intake.fieldjson import field_from_json
from intake.matching.normalise import year_of_tutor_group
from intake.reading.doubt import doubt_reasons, is_doubtful, is_doubtful_char
from intake.reading.result import FieldRead
from intake.review.keying import blind_fields
from intake.template.model import FormTemplate

RESTRICTED = "restricted – refer"
PARTY_TITLES = {
    "parent1": "Parent/Carer 1",
    "parent2": "Parent/Carer 2",
    "form": "Form",
}
#: fields whose values may be edited on the review screen (everything that is read as text)
TEXT_KINDS = {"name", "text", "postcode", "phone", "email", "date", "tutor_group"}
WARNING_TEXT = {
    "address_differs": "address on the form differs from the school's record",
    "email_differs": "email differs from the school's record",
    "phone_differs": "phone differs from the school's record",
    "no_pr": "no parental responsibility recorded",
    "blocked": "blocking flag on a child – do not create an account",
    "unknown_contact": "not a known contact of these children",
    "unsigned": "not signed",
    "page_missing": "a page of the form is missing",
    "duplicate": "another form of this family is in the batch: check which one counts",
    "duplicate_batch": "this family's form came in another batch too: check which one counts",
}


#: states in which an accept keys the new emails (the review screen hides their reading)
KEYED_STATES = ("review", "held", "checked")
BLIND_WHY = (
    "a new email, not the one on record: type it from the form (the reading is hidden); it must "
    "agree with the reading or with your second keying"
)

_PARTY_ORDER = {"parent1": 0, "parent2": 1, **{f"child{i}": 1 + i for i in range(1, 10)}}


@dataclass(frozen=True)
class Viewer:
    can_see_restricted: bool
    can_decide: bool  # approve / reject


def _hidden_characters(value: str) -> list[str]:
    """Invisible or direction-changing characters in a value, as "U+202E" codes to show."""
    return sorted({f"U+{ord(c):04X}" for c in value if unicodedata.category(c) in ("Cf", "Cc")})


def _short_label(label: str) -> str:
    """ "Date (Parent/Carer 1) DD MM YYYY" -> "Date DD MM YYYY": the party is the heading."""
    label = re.sub(r"^Child \d+:\s*", "", label)
    label = " ".join(re.sub(r"\((Parent/Carer|Child) ?\d\)", "", label).split())
    return label[:1].upper() + label[1:]


def _party_title(party: str) -> str:
    if party.startswith("child"):
        return f"Child {party[5:]}"
    return PARTY_TITLES.get(party, party)


def _chars(read: FieldRead, thresholds: Thresholds) -> list[dict[str, Any]]:
    """The characters as read, each marked when doubtful; empty when none is (no noise)."""
    if not any(is_doubtful_char(c, thresholds) for c in read.chars):
        return []
    return [
        {
            "c": c.char or "\u00b7",
            "doubtful": is_doubtful_char(c, thresholds),
        }
        for c in read.chars
    ]


def form_view(
    form: Form, template: FormTemplate, thresholds: Thresholds, viewer: Viewer
) -> dict[str, Any]:
    """Everything the review screen needs for ``form``, as JSON-able data."""
    values = {fid: field_from_json(data) for fid, data in (form.values or {}).items()}
    active = {"parent1", "child1"} | {
        spec.party
        for _, spec in template.fields()
        if str(spec.kind) in TEXT_KINDS and values.get(spec.id) and values[spec.id].value
    }
    confirmed = (form.proposed or {}).get("confirmed") or {}
    corrected = (form.proposed or {}).get("corrected") or {}
    blind = set(blind_fields(form, template)) if form.state in KEYED_STATES else set()
    fields: list[dict[str, Any]] = []
    signatures: list[dict[str, Any]] = []
    ticks: list[dict[str, Any]] = []
    for page_number, spec in template.fields():
        read = values.get(spec.id)
        kind = str(spec.kind)
        entry: dict[str, Any] = {
            "id": spec.id,
            "label": _short_label(spec.label),
            "kind": kind,
            "party": spec.party,
            "party_title": _party_title(spec.party),
            "page": page_number,
            "has_crop": read is not None and read.box_mm[2] > 0,
        }
        if kind == "signature":
            if spec.party not in active:
                continue
            entry["present"] = bool(read and read.value)
            signatures.append(entry)
            continue
        if kind == "tick":
            entry["ticked"] = bool(read and read.value)
            ticks.append(entry)
            continue
        if spec.party not in active:
            continue  # empty second-parent and child rows stay out of the way
        hidden = _hidden_characters(read.value) if read else []
        # read exactly as the school's records hold it: two sources agree, nobody need look
        on_record = read is not None and spec.id in confirmed and not hidden
        entry.update(
            hidden=hidden,
            value=read.value if read else "",
            confidence=round(read.confidence, 3) if read else 0.0,
            doubtful=(is_doubtful(read, thresholds) or bool(hidden)) and not on_record
            if read
            else False,
            on_record=on_record,
            read_as=str(corrected[spec.id].get("read", ""))
            if on_record and spec.id in corrected
            else "",
            chars=_chars(read, thresholds) if read and not on_record else [],
            problems=list(read.problems) if read else [],
            why=(
                doubt_reasons(read, thresholds)
                + [f"hidden characters {' '.join(hidden)}"] * bool(hidden)
            )
            if read and not on_record
            else [],
        )
        if spec.id in blind:
            # a new email is typed from the crop, the reading hidden (``intake.review.keying``)
            entry.update(
                blind=True, value="", chars=[], doubtful=True, why=[BLIND_WHY], confidence=0.0
            )
        fields.append(entry)
    fields.sort(key=lambda f: _PARTY_ORDER.get(f["party"], 9))
    return {
        "id": form.id,
        "row_version": form.row_version,
        "state": form.state,
        "batch_id": form.batch_id,
        "serial": form.serial,
        "doubt": form.doubt,
        "problems": [WARNING_TEXT.get(p, p.replace("_", " ")) for p in form.problems or []],
        "fields": fields,
        "ticks": ticks,
        "signatures": signatures,
        "children": _children(form.proposed or {}),
        "applicants": _applicants(form.proposed or {}, viewer),
        "matching": (form.proposed or {}).get("status", ""),
        "can_decide": viewer.can_decide,
    }


#: candidates shown per child row (keys 1..5 choose them)
SHOWN_CANDIDATES = 5


def _pr_by_student(proposed: dict[str, Any]) -> dict[str, list[str]]:
    """student id -> "Parent/Carer 1: PR yes" for each matched applicant judged for that student."""
    out: dict[str, list[str]] = {}
    for applicant in proposed.get("applicants", []) or []:
        if not applicant.get("contact_id"):
            continue
        title = _party_title(str(applicant.get("party", "")))
        for standing in applicant.get("standings", []) or []:
            pr = "yes" if standing.get("parental_responsibility") else "no"
            out.setdefault(str(standing.get("student_id", "")), []).append(f"{title}: PR {pr}")
    return out


def _children(proposed: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    pr = _pr_by_student(proposed)
    for child in proposed.get("children", []) or []:
        candidates = [
            {
                "student_id": c.get("student_id", ""),
                "name": " ".join(x for x in (c.get("forename", ""), c.get("surname", "")) if x),
                "tutor_group": c.get("tutor_group", ""),
                "year": year_of_tutor_group(str(c.get("tutor_group", ""))) or "",
                "score": round(float(c.get("score", 0.0))),
                "reasons": [str(r).replace("_", " ") for r in c.get("reasons", []) or []],
                "pr": pr.get(str(c.get("student_id", "")), []),
            }
            for c in (child.get("candidates") or [])[:SHOWN_CANDIDATES]
        ]
        out.append(
            {
                "row": child.get("row", len(out) + 1),
                "linked": child.get("student_id") or "",
                "auto_linked": bool(child.get("auto_linked")),
                "reasons": [str(r).replace("_", " ") for r in child.get("reasons", [])],
                "candidates": candidates,
            }
        )
    return out


def _applicants(proposed: dict[str, Any], viewer: Viewer) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for applicant in proposed.get("applicants", []) or []:
        outcome = str(applicant.get("outcome", ""))
        standings = []
        for standing in applicant.get("standings", []) or []:
            blocked = bool(standing.get("blocked"))
            reason = str(standing.get("reason", ""))
            if blocked and not viewer.can_see_restricted:
                reason = RESTRICTED
            standings.append(
                {
                    "student_id": standing.get("student_id", ""),
                    "pr": bool(standing.get("parental_responsibility")),
                    "blocked": blocked,
                    "reason": reason,
                }
            )
        warnings = [
            WARNING_TEXT.get(w, str(w).replace("_", " ")) for w in applicant.get("warnings", [])
        ]
        if outcome in ("no_pr", "blocked", "unknown_contact"):
            warnings.insert(0, WARNING_TEXT[outcome])
        out.append(
            {
                "party": applicant.get("party", ""),
                "party_title": _party_title(str(applicant.get("party", ""))),
                "contact_id": applicant.get("contact_id") or "",
                "outcome": outcome,
                "warnings": warnings,
                "standings": standings,
                "existing_account": bool(applicant.get("link_existing_account")),
            }
        )
    return out
