"""A reviewer's corrections of what was read: only the template's text fields, kept in the form's
history with the old and the new value (the audit log gets field ids only)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from intake.db.workflow import Form, FormEdit
from intake.fieldjson import field_from_json, field_to_json
from intake.template.model import FieldKind, FormTemplate

MAX_VALUE_CHARS = 200
#: what a person may type over; ticks and signatures are decided by looking, not by typing
EDITABLE_KINDS = frozenset(FieldKind) - {FieldKind.TICK, FieldKind.SIGNATURE}


def editable_fields(template: FormTemplate) -> dict[str, int]:
    """Field id -> page number, for the fields a reviewer may correct."""
    return {f.id: page for page, f in template.fields() if FieldKind(f.kind) in EDITABLE_KINDS}


def apply_corrections(
    session: Session,
    form: Form,
    template: FormTemplate,
    corrections: Mapping[str, str],
    actor_id: str,
) -> tuple[str, ...]:
    """Change the editable fields named in ``corrections`` whose value differs; every other key
    is ignored (no mass assignment). Returns the ids of the fields changed, sorted."""
    editable = editable_fields(template)
    values = dict(form.values or {})
    changed: list[str] = []
    for field_id, typed in corrections.items():
        if field_id not in editable or not isinstance(typed, str):
            continue
        new = typed.strip()[:MAX_VALUE_CHARS]
        old_read = field_from_json(values[field_id]) if field_id in values else None
        old = old_read.value if old_read else ""
        if new == old:
            continue
        base = values.get(field_id) or {
            "field_id": field_id,
            "kind": str(template.field(field_id).kind),
            "page": editable[field_id],
            "raw": "",
        }
        updated = dict(
            base,
            value=new,
            confidence=1.0,
            problems=[],
            chars=[{"char": c, "confidence": 1.0, "alternatives": []} for c in new],
        )
        values[field_id] = field_to_json(field_from_json(updated))
        session.add(
            FormEdit(
                form_id=form.id, actor_id=actor_id, field_id=field_id, old_value=old, new_value=new
            )
        )
        changed.append(field_id)
    if changed:
        form.values = values
        form.last_edited_by = actor_id
    return tuple(sorted(changed))
