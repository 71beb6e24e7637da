"""Pages -> forms: group by what the QR says, then find the problems of a whole form.

Personalised pages carry the family serial, so pages of one form find each other wherever they are
in the batch. Unpersonalised pages (serial "") are paired in file order: a page joins the form
opened just before it when that form lacks its page number and uses the same template; otherwise
it opens a new form. A page number a form never received is ``page_missing``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from intake.reading.result import FieldRead, FormRead, PageRead, Problem
from intake.reading.signatures import SIGNED
from intake.template.model import FieldKind, FormTemplate

APPLICANTS = ("parent1", "parent2")
#: the applicant's own details: filling any of them in makes a parent/carer an applicant
_DETAIL_KINDS = {
    FieldKind.NAME,
    FieldKind.TEXT,
    FieldKind.EMAIL,
    FieldKind.PHONE,
    FieldKind.POSTCODE,
}


@dataclass(frozen=True)
class PageResult:
    """One page's read and its fields, as the grouping stage takes them."""

    page: PageRead
    fields: dict[str, FieldRead]


@dataclass
class _Open:
    key: str
    serial: str
    pages: dict[int, PageResult]


def _groupable(page: PageRead, templates: Mapping[str, FormTemplate]) -> str:
    key = f"{page.form_type}-v{page.version}"
    if page.status in ("read", "unreadable") and page.page_number and key in templates:
        return key
    return ""


def _assign(
    results: Iterable[PageResult],
    templates: Mapping[str, FormTemplate],
) -> tuple[list[_Open], list[PageRead]]:
    forms: list[_Open] = []
    by_serial: dict[tuple[str, str], list[_Open]] = {}
    last_plain: _Open | None = None
    unassigned: list[PageRead] = []
    for result in results:
        page = result.page
        key = _groupable(page, templates)
        if not key:
            unassigned.append(page)
            continue
        number = page.page_number
        if page.serial:
            candidates = by_serial.setdefault((key, page.serial), [])
            target = next((f for f in candidates if number not in f.pages), None)
            if target is None:
                target = _Open(key, page.serial, {})
                candidates.append(target)
                forms.append(target)
        else:
            target = last_plain
            if target is None or target.key != key or number in target.pages:
                target = _Open(key, "", {})
                forms.append(target)
            last_plain = target
        target.pages[number] = result
    return forms, unassigned


def _active_parties(fields: Mapping[str, FieldRead], template: FormTemplate) -> set[str]:
    active = {"parent1", "child1"}
    for _, f in template.fields():
        read = fields.get(f.id)
        if read is None or not read.value:
            continue
        if f.kind in _DETAIL_KINDS or f.kind == FieldKind.SIGNATURE:
            active.add(f.party)
    return active


def _flag_missing_tutor_groups(
    template: FormTemplate, child_names: list[str], fields: dict[str, FieldRead]
) -> None:
    """A named child whose tutor group reads blank: a person looks, since a blank read may be a
    missed faint entry (the roster can still find the child without it)."""
    for name_id in child_names:
        group_id = name_id.replace("_name", "_tutor_group")
        name, group = fields.get(name_id), fields.get(group_id)
        if name is None or group is None or not name.value or group.value:
            continue
        if Problem.REQUIRED_MISSING.value not in group.problems:
            fields[group_id] = replace(
                group, problems=(*group.problems, Problem.REQUIRED_MISSING.value)
            )


def form_problems(
    template: FormTemplate, pages: Mapping[int, PageResult], fields: dict[str, FieldRead]
) -> list[str]:
    """Form-level problem codes; marks required fields that are empty (updates ``fields``)."""
    problems: list[str] = []
    present = {n for n, r in pages.items() if r.page.status == "read"}
    for page in template.pages:
        if page.number not in pages:
            problems.append(Problem.PAGE_MISSING.value)
        elif page.number not in present:
            problems.append(Problem.PAGE_UNREADABLE.value)
    active = _active_parties(fields, template)
    for number, f in template.fields():
        read = fields.get(f.id)
        if number not in present or read is None or f.party not in active:
            continue
        if f.required and not read.value and f.kind not in (FieldKind.SIGNATURE, FieldKind.TICK):
            fields[f.id] = replace(read, problems=(*read.problems, Problem.REQUIRED_MISSING.value))
            if f.kind == FieldKind.EMAIL:
                problems.append(Problem.EMAIL_MISSING.value)
            else:
                problems.append(Problem.REQUIRED_MISSING.value)
    for party in APPLICANTS:
        if party not in active:
            continue
        signatures = [
            (n, f)
            for n, f in template.fields()
            if f.party == party and f.kind == FieldKind.SIGNATURE and n in present
        ]
        if any(fields[f.id].value != SIGNED for _, f in signatures if f.id in fields):
            problems.append(Problem.UNSIGNED.value)
    child_names = [
        f.id
        for n, f in template.fields()
        if f.kind == FieldKind.NAME and f.party.startswith("child") and n in present
    ]
    _flag_missing_tutor_groups(template, child_names, fields)
    if child_names and not any(fields[i].value for i in child_names if i in fields):
        problems.append(Problem.NO_CHILDREN.value)
    return list(dict.fromkeys(problems))


def group_forms(
    results: Iterable[PageResult],
    templates: Mapping[str, FormTemplate],
) -> tuple[list[FormRead], list[PageRead]]:
    """Forms in order of their first page, and the pages that belong to no form."""
    opened, unassigned = _assign(results, templates)
    forms: list[FormRead] = []
    for item in opened:
        template = templates[item.key]
        fields: dict[str, FieldRead] = {}
        for number in sorted(item.pages):
            fields.update(item.pages[number].fields)
        problems = form_problems(template, item.pages, fields)
        pages = tuple(item.pages[n].page for n in sorted(item.pages))
        forms.append(
            FormRead(
                form_type=template.form_type,
                version=template.version,
                serial=item.serial,
                pages=pages,
                fields=fields,
                problems=tuple(problems),
                seconds=round(sum(p.seconds for p in pages), 4),
            )
        )
    return forms, unassigned
