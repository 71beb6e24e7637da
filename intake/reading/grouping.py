"""Pages into forms: the one grouping rule of ``intake read``, ``intake bench`` and the worker.

A page is grouped by what its QR says: the template (form type and version), the family serial
and the page number. Pages with one serial find each other wherever they lie in the batch; a page
number that every open copy of that serial already holds opens another copy, and every copy of a
serial that has more than one is a duplicate (two forms of one family in one batch: a person
decides which counts). Unpersonalised pages (serial "") join the form opened just before them when
it uses the same template and lacks their page number; otherwise they open a new form. A page a
person put into a form by hand joins that form whatever its QR says.

The rule is greedy in page order, so the grouping of the first pages never changes when more
arrive: identities stay the same when the worker puts forms together part-way through a batch,
runs it again or resumes it after a crash.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PageKey:
    """What grouping looks at of one page."""

    #: the page's template ("parent-portal-v1"); "" for a page that joins no form by itself
    template_key: str
    form_type: str
    serial: str  # the family serial from the QR, "" when the form was not personalised
    page_number: int
    #: a stable name of the page (its row id, or file#index): it names a form the page opens
    anchor: str
    #: the identity of the form a person put this page into, "" when none
    assigned: str = ""


@dataclass(frozen=True)
class FormGroup:
    """One form's pages, as positions in the grouped sequence (in page order)."""

    identity: str
    template_key: str
    serial: str
    members: tuple[int, ...]
    #: another form of the same family serial is in the batch
    duplicate: bool = False


@dataclass
class _Open:
    identity: str
    template_key: str
    form_type: str
    serial: str
    numbers: set[int] = field(default_factory=set)
    members: list[int] = field(default_factory=list)


def _serial_identity(form_type: str, serial: str, copy: int) -> str:
    """``serial:<type>:<serial>`` for the first form of a serial (as stored before duplicates were
    told apart), then ``...:2``, ``...:3`` for the next ones in page order."""
    base = f"serial:{form_type}:{serial}"
    return base if copy == 1 else f"{base}:{copy}"


def _opened(
    identity: str, page: PageKey, serial: str, opened: list[_Open], by_identity: dict[str, _Open]
) -> _Open:
    """The form of ``identity``, opened now unless a person's assignment opened it already."""
    target = by_identity.get(identity)
    if target is None:
        target = _Open(identity, page.template_key, page.form_type, serial)
        by_identity[identity] = target
        opened.append(target)
    elif serial and not target.serial:
        target.serial, target.template_key = serial, page.template_key
    return target


def _serial_copy(
    page: PageKey,
    by_serial: dict[tuple[str, str], list[_Open]],
    opened: list[_Open],
    by_identity: dict[str, _Open],
) -> _Open:
    """The first copy of the page's family form that lacks its page number, or a new copy."""
    copies = by_serial.setdefault((page.form_type, page.serial), [])
    for copy in copies:
        if copy.template_key == page.template_key and page.page_number not in copy.numbers:
            return copy
    identity = _serial_identity(page.form_type, page.serial, len(copies) + 1)
    copy = _opened(identity, page, page.serial, opened, by_identity)
    copies.append(copy)
    return copy


def _plain_form(
    page: PageKey, last: _Open | None, opened: list[_Open], by_identity: dict[str, _Open]
) -> _Open:
    """The unpersonalised form opened just before, when the page fits it, or a new one."""
    fits = last is not None and last.template_key == page.template_key
    if last is not None and fits and page.page_number not in last.numbers:
        return last
    return _opened(f"page:{page.anchor}", page, "", opened, by_identity)


def group_pages(pages: Sequence[PageKey]) -> tuple[list[FormGroup], list[int]]:
    """Forms in order of their first page, and the positions of pages that join no form."""
    opened: list[_Open] = []
    by_identity: dict[str, _Open] = {}
    by_serial: dict[tuple[str, str], list[_Open]] = {}
    last_plain: _Open | None = None
    unassigned: list[int] = []
    for position, page in enumerate(pages):
        if page.assigned:
            target = _opened(page.assigned, page, "", opened, by_identity)
        elif not page.template_key or page.page_number <= 0:
            unassigned.append(position)
            continue
        elif page.serial:
            target = _serial_copy(page, by_serial, opened, by_identity)
        else:
            target = _plain_form(page, last_plain, opened, by_identity)
            last_plain = target
        target.numbers.add(page.page_number)
        target.members.append(position)
    duplicates = {id(f) for copies in by_serial.values() if len(copies) > 1 for f in copies}
    groups = [
        FormGroup(
            identity=item.identity,
            template_key=item.template_key,
            serial=item.serial,
            members=tuple(item.members),
            duplicate=id(item) in duplicates,
        )
        for item in opened
    ]
    return groups, unassigned
