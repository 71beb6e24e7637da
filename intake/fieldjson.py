"""FieldRead <-> JSON, for the ``forms.values`` and ``pages.fields`` columns."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from intake.reading.result import CharRead, FieldRead


def field_to_json(read: FieldRead) -> dict[str, Any]:
    data = asdict(read)
    data["chars"] = [
        {
            "char": c.char,
            "confidence": c.confidence,
            "alternatives": [list(a) for a in c.alternatives],
        }
        for c in read.chars
    ]
    data["box_mm"] = list(read.box_mm)
    data["problems"] = list(read.problems)
    return data


def field_from_json(data: dict[str, Any]) -> FieldRead:
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
        kind=data.get("kind", "text"),
        page=int(data.get("page", 1)),
        value=data.get("value", ""),
        raw=data.get("raw", ""),
        confidence=float(data.get("confidence", 0.0)),
        chars=chars,
        box_mm=(float(box[0]), float(box[1]), float(box[2]), float(box[3])),
        problems=tuple(data.get("problems", ())),
    )
