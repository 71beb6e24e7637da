"""Group verification's lists: every doubtful character (or value) of one kind across a batch.

ABBYY and Kofax show together all the character images read as the same character, so the odd
one out stands out; this module finds them. A *character group* is every doubtful character read
as, say, ``U``; a *value group* is every doubtful value of one field kind (every doubtful
postcode). Only forms waiting for review count (``Action.VERIFY``), only the fields a reviewer
may type over, and never a field the school's records confirm. The doubt rule is the reader's
(``intake.reading.doubt``), the same the review screen marks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.config import Thresholds
from intake.db.workflow import Form
from intake.fieldjson import field_from_json
from intake.reading.doubt import doubt_reasons, is_doubtful_char
from intake.review.corrections import EDITABLE_KINDS
from intake.review.states import RULES, Action
from intake.template.model import FieldKind, FormTemplate

#: forms looked at per batch (a batch is a few hundred forms)
MAX_FORMS = 1000
#: items shown on one group screen
MAX_ITEMS = 300


class GroupBy(StrEnum):
    CHAR = "char"
    KIND = "kind"


@dataclass(frozen=True)
class GroupKey:
    """Which group: the character read (``CHAR``) or the field kind (``KIND``)."""

    by: GroupBy
    value: str


@dataclass(frozen=True)
class DoubtfulItem:
    """One doubtful character (``position`` is its box) or one doubtful value (``None``)."""

    form_id: str
    row_version: int
    field_id: str
    label: str
    kind: str
    position: int | None
    char: str
    confidence: float
    value: str
    #: the boxes as read, one character each (a space for an empty box): ``raw[position]``
    boxes: str
    why: tuple[str, ...]

    @property
    def key(self) -> str:
        """A stable id of the item on the page."""
        return f"{self.form_id}:{self.field_id}:{'' if self.position is None else self.position}"


@dataclass(frozen=True)
class GroupCount:
    key: GroupKey
    count: int


def doubtful_items(
    form: Form, template: FormTemplate, thresholds: Thresholds
) -> list[DoubtfulItem]:
    """Every doubtful character and every doubtful value of ``form`` (fields in template order)."""
    confirmed = (form.proposed or {}).get("confirmed") or {}
    values = form.values or {}
    out: list[DoubtfulItem] = []
    for _page, spec in template.fields():
        if FieldKind(spec.kind) not in EDITABLE_KINDS or spec.id in confirmed:
            continue
        if spec.id not in values:
            continue
        read = field_from_json(values[spec.id])
        why = doubt_reasons(read, thresholds)
        if not why:
            continue
        whole = DoubtfulItem(
            form_id=form.id,
            row_version=form.row_version,
            field_id=spec.id,
            label=spec.label,
            kind=read.kind.value,
            position=None,
            char="",
            confidence=read.confidence,
            value=read.value,
            boxes="".join(c.char or " " for c in read.chars),
            why=tuple(why),
        )
        out.append(whole)
        out.extend(
            replace(whole, position=position, char=char.char, confidence=char.confidence)
            for position, char in enumerate(read.chars)
            if is_doubtful_char(char, thresholds)
        )
    return out


def belongs(item: DoubtfulItem, key: GroupKey) -> bool:
    if key.by is GroupBy.CHAR:
        return item.position is not None and item.char == key.value
    return item.position is None and item.kind == key.value


def counts(items: Iterable[DoubtfulItem]) -> list[GroupCount]:
    """The groups with their sizes: characters first (most common first), then field kinds."""
    chars: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    for item in items:
        if item.position is None:
            kinds[item.kind] += 1
        else:
            chars[item.char] += 1
    by_char = sorted(chars.items(), key=lambda kv: (-kv[1], kv[0]))
    by_kind = sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))
    return [GroupCount(GroupKey(GroupBy.CHAR, c), n) for c, n in by_char] + [
        GroupCount(GroupKey(GroupBy.KIND, k), n) for k, n in by_kind
    ]


def batch_items(
    session: Session,
    batch_id: str,
    thresholds: Thresholds,
    template_of: Callable[[Form], FormTemplate],
) -> list[DoubtfulItem]:
    """Every doubtful item of the batch's forms that group verification may change."""
    states = [s.value for s in RULES[Action.VERIFY].sources]
    forms = session.scalars(
        select(Form)
        .where(Form.batch_id == batch_id, Form.state.in_(states))
        .order_by(Form.created_at, Form.id)
        .limit(MAX_FORMS)
    )
    return [item for form in forms for item in doubtful_items(form, template_of(form), thresholds)]


def group(items: Iterable[DoubtfulItem], key: GroupKey) -> list[DoubtfulItem]:
    """The items of one group, least sure first (the likeliest misreads at the top)."""
    chosen = [i for i in items if belongs(i, key)]
    return sorted(chosen, key=lambda i: (i.confidence, i.form_id, i.field_id))[:MAX_ITEMS]
