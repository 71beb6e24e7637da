"""FieldRead <-> JSON, for the ``forms.values`` and ``pages.fields`` columns."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from intake.reading.result import CharRead, FieldRead, Problem
from intake.template.model import FieldKind


def field_to_json(read: FieldRead) -> dict[str, Any]:
    """A read field as stored JSON: enums as their codes, tuples as lists."""
    data = asdict(read)
    data["kind"] = read.kind.value
    data["chars"] = [
        {
            "char": c.char,
            "confidence": c.confidence,
            "alternatives": [list(a) for a in c.alternatives],
        }
        for c in read.chars
    ]
    data["box_mm"] = list(read.box_mm)
    data["problems"] = [str(p) for p in read.problems]
    return data


def field_from_json(data: dict[str, Any]) -> FieldRead:
    """The stored JSON back as a typed read (an unknown kind or problem code is refused)."""
    chars = tuple(
        CharRead(
            char=c.get("char", ""),
            confidence=float(c.get("confidence", 0.0)),
            alternatives=tuple((str(a[0]), float(a[1])) for a in c.get("alternatives", ())),
        )
        for c in data.get("chars", ())
    )
    box = data.get("box_mm") or (0.0, 0.0, 0.0, 0.0)
    return FieldRead(
        field_id=data["field_id"],
        kind=FieldKind(data.get("kind", FieldKind.TEXT)),
        page=int(data.get("page", 1)),
        value=data.get("value", ""),
        raw=data.get("raw", ""),
        confidence=float(data.get("confidence", 0.0)),
        chars=chars,
        box_mm=(float(box[0]), float(box[1]), float(box[2]), float(box[3])),
        problems=tuple(Problem(p) for p in data.get("problems", ())),
    )
