"""What matching needs from a read form: child rows and applicants, as keys with confidences.

Field ids follow the v1 template: ``child<N>_name``, ``child<N>_tutor_group``,
``child<N>_has_account``, and ``p<N>_forename``, ``_surname``, ``_print_name``, ``_address1``,
``_address2``, ``_postcode``, ``_home_tel``, ``_mobile_tel``, ``_email``.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from intake.errors import IntakeError
from intake.matching.applicants import ApplicantRead
from intake.matching.children import ChildRead
from intake.matching.normalise import Folded, fold
from intake.reading.result import FieldRead, FormRead
from intake.template.load import load_template
from intake.template.model import CharField

log = logging.getLogger(__name__)

MAX_CHILD_ROWS = 9
#: a name filling this share of its boxes may have been cut short (parents stop at a word)
CUT_SHORT_SHARE = 0.6
PARTIES = ("parent1", "parent2")
_TICKED = frozenset({"1", "true", "yes", "y", "x", "ticked", "on", "✓", "✔"})


@lru_cache(maxsize=4)
def _box_counts(template_key: str) -> dict[str, int]:
    try:
        template = load_template(template_key)
    except IntakeError:
        log.warning(
            "template %s not found: names are not checked for being cut short", template_key
        )
        return {}
    return {f.id: f.boxes for _, f in template.fields() if isinstance(f, CharField)}


def folded(read: FieldRead | None, boxes: int = 0) -> Folded:
    """The field's key with one confidence (and the reader's alternatives) per key character.

    Per-box reads (``chars``) give each character its own confidence; an empty box is a word
    break. Without them, every character gets the field's confidence. ``boxes``: how many boxes
    the field has; a read that fills them all may have been cut short.
    """
    if read is None:
        return fold("")
    truncated = boxes > 0 and len(read.raw.rstrip()) >= CUT_SHORT_SHARE * boxes
    if read.chars:
        text = "".join(c.char[:1] or " " for c in read.chars)
        confs = [c.confidence if c.char else 1.0 for c in read.chars]
        alts = ["".join(a for a, _ in c.alternatives) for c in read.chars]
        return fold(text, confs, alts, truncated, mac=False)
    text = read.value or read.raw
    return fold(text, [read.confidence] * len(text), truncated=truncated, mac=False)


def text(form: FormRead, field_id: str) -> str:
    read = form.fields.get(field_id)
    return (read.value or read.raw).strip() if read else ""


def ticked(form: FormRead, field_id: str) -> bool:
    """A tick box's value says ticked (the reader writes "ticked"; its raw is an ink share)."""
    read = form.fields.get(field_id)
    return read is not None and read.value.strip().lower() in _TICKED


def child_reads(form: FormRead) -> list[ChildRead]:
    """Every child row with a name or a tutor group written, in row order."""
    boxes = _box_counts(_template_key(form))
    rows = []
    for row in range(1, MAX_CHILD_ROWS + 1):
        name = form.fields.get(f"child{row}_name")
        group = form.fields.get(f"child{row}_tutor_group")
        if name is None and group is None:
            continue
        child = ChildRead(
            row=row,
            name=folded(name, boxes.get(f"child{row}_name", 0)),
            tutor_group=folded(group),
            has_account_tick=ticked(form, f"child{row}_has_account"),
        )
        if child.name.text or child.tutor_group.text:
            rows.append(child)
    return rows


def applicant_reads(form: FormRead) -> list[ApplicantRead]:
    """Parent/Carer 1 and 2, where anything identifying was written."""
    out = []
    for number, party in enumerate(PARTIES, start=1):
        p = f"p{number}_"
        read = ApplicantRead(
            party=party,
            forename=folded(form.fields.get(p + "forename")),
            surname=folded(form.fields.get(p + "surname")),
            print_name=folded(form.fields.get(p + "print_name")),
            address_lines=tuple(
                t for t in (text(form, p + "address1"), text(form, p + "address2")) if t
            ),
            postcode=text(form, p + "postcode"),
            home_phone=text(form, p + "home_tel"),
            mobile_phone=text(form, p + "mobile_tel"),
            email=text(form, p + "email"),
        )
        if not read.empty:
            out.append(read)
    return out


def _template_key(form: FormRead) -> str:
    """``parent-portal`` version 1 -> ``parent-portal-v1`` (a key given whole is kept)."""
    if form.form_type.endswith(f"-v{form.version}"):
        return form.form_type
    return f"{form.form_type}-v{form.version}"
