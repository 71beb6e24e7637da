"""Double keying of a new email: the value that becomes the portal's username or recovery address.

An email the applicant wrote that the school's record does not confirm (``proposed.confirmed``)
decides the account, and a misread one sends credentials nowhere. The review screen hides the
reading of such a field (``blind``): the reviewer types the email from the crop, and accepting
checks the keying. It stands when it agrees with the reading (two sources agree: the reader's
and the person's) or with the same field keyed a second time (the screen clears the box and asks
again when the first keying disagrees with the reading). How each email was settled is kept in
``forms.proposed["keyed"]`` and in the accept's audit entry (codes, never the email).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from intake.db.workflow import Form
from intake.errors import WorkflowError
from intake.review.straight_through import PARTY_WORDS
from intake.template.model import FieldKind, FormTemplate, Purpose

#: how a keyed email was settled
AGREES_WITH_READING = "agrees_with_reading"
KEYED_TWICE = "keyed_twice"
#: nothing is written: the reviewer left the box empty twice (the reading was specks)
KEYED_EMPTY = "keyed_empty"


class KeyingNeeded(WorkflowError):
    """The accept needs an email typed (``missing``) or typed again (``again``)."""

    def __init__(self, message: str, missing: tuple[str, ...], again: tuple[str, ...]) -> None:
        super().__init__(message)
        self.missing = missing
        self.again = again


@dataclass(frozen=True)
class Keyed:
    """The emails an accept settled: field id -> how (``AGREES_WITH_READING``, ``KEYED_TWICE``)."""

    how: Mapping[str, str]


def normalised(email: str) -> str:
    """An email as compared: no spaces, lower case."""
    return "".join(email.split()).lower()


def blind_fields(form: Form, template: FormTemplate) -> tuple[str, ...]:
    """The emails to be keyed on the review screen, the reading hidden: written, deciding the
    account, not confirmed by the record and not settled by an earlier keying."""
    values = form.values or {}
    proposed = form.proposed or {}
    confirmed = set(proposed.get("confirmed") or {})
    settled = set(proposed.get("keyed") or {})
    out = []
    for _, spec in template.fields():
        if spec.kind is not FieldKind.EMAIL or spec.purpose is not Purpose.DECIDES:
            continue
        read = values.get(spec.id) or {}
        if read.get("value") and spec.id not in confirmed and spec.id not in settled:
            out.append(spec.id)
    return tuple(out)


def check_keying(
    form: Form,
    template: FormTemplate,
    corrections: Mapping[str, str],
    first_keyings: Mapping[str, str],
) -> Keyed:
    """How each blind email is settled by this accept, or ``KeyingNeeded`` saying what to type."""
    how: dict[str, str] = {}
    missing: list[str] = []
    again: list[str] = []
    for field_id in blind_fields(form, template):
        typed = normalised(corrections.get(field_id, ""))
        reading = normalised(str((form.values or {}).get(field_id, {}).get("value", "")))
        if not typed:
            if field_id in first_keyings and not normalised(first_keyings[field_id]):
                how[field_id] = KEYED_EMPTY  # the box is empty on the form: said twice
            else:
                missing.append(field_id)
        elif typed == reading:
            how[field_id] = AGREES_WITH_READING
        elif typed == normalised(first_keyings.get(field_id, "")):
            how[field_id] = KEYED_TWICE
        else:
            again.append(field_id)
    if missing or again:
        raise KeyingNeeded(_message(template, missing, again), tuple(missing), tuple(again))
    return Keyed(how)


def _who(template: FormTemplate, field_id: str) -> str:
    party = template.field(field_id).party
    return PARTY_WORDS.get(party, party)


def _message(template: FormTemplate, missing: list[str], again: list[str]) -> str:
    parts = [
        f"Type {_who(template, f)}'s email as it is written on the form: it is new to the "
        "school's record and becomes the portal's username. If nothing is written there, "
        "press Enter again."
        for f in missing
    ] + [
        f"The email you typed for {_who(template, f)} is not what was read. Type it again from "
        "the form to confirm it."
        for f in again
    ]
    return " ".join(parts)
