"""Pages -> forms: group by what the QR says (``grouping``), then find the problems of a whole form.

The grouping rule is the worker's too (``intake.batch.assembly``). A page number a form never
received is ``page_missing``; a family serial with two forms in the batch makes both ``duplicate``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from intake.reading.grouping import PageKey, group_pages
from intake.reading.result import FieldRead, FormRead, PageRead, PageStatus, Problem
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


def _groupable(page: PageRead, templates: Mapping[str, FormTemplate]) -> str:
    """The page's template key when the page may join a form (it names a known template and a
    page of it, read or not), else ""."""
    key = f"{page.form_type}-v{page.version}"
    if (
        page.status in (PageStatus.READ, PageStatus.UNREADABLE)
        and page.page_number
        and key in templates
    ):
        return key
    return ""


def page_key(page: PageRead, templates: Mapping[str, FormTemplate]) -> PageKey:
    """What ``grouping.group_pages`` needs of a page read from a file."""
    return PageKey(
        template_key=_groupable(page, templates),
        form_type=page.form_type,
        serial=page.serial,
        page_number=page.page_number,
        anchor=f"{page.source}#{page.index_in_file}",
    )


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
        if Problem.REQUIRED_MISSING not in group.problems:
            fields[group_id] = replace(group, problems=(*group.problems, Problem.REQUIRED_MISSING))


def form_problems(
    template: FormTemplate,
    pages: Mapping[int, PageResult],
    fields: dict[str, FieldRead],
    *,
    duplicate: bool = False,
) -> list[Problem]:
    """Form-level problem codes; marks required fields that are empty (updates ``fields``).
    ``duplicate``: another form of the same family serial is in the batch."""
    problems: list[Problem] = [Problem.DUPLICATE] if duplicate else []
    present = {n for n, r in pages.items() if r.page.status == PageStatus.READ}
    for page in template.pages:
        if page.number not in pages:
            problems.append(Problem.PAGE_MISSING)
        elif page.number not in present:
            problems.append(Problem.PAGE_UNREADABLE)
    active = _active_parties(fields, template)
    for number, f in template.fields():
        read = fields.get(f.id)
        if number not in present or read is None or f.party not in active:
            continue
        if f.required and not read.value and f.kind not in (FieldKind.SIGNATURE, FieldKind.TICK):
            fields[f.id] = replace(read, problems=(*read.problems, Problem.REQUIRED_MISSING))
            if f.kind == FieldKind.EMAIL:
                problems.append(Problem.EMAIL_MISSING)
            else:
                problems.append(Problem.REQUIRED_MISSING)
    for party in APPLICANTS:
        if party not in active:
            continue
        signatures = [
            (n, f)
            for n, f in template.fields()
            if f.party == party and f.kind == FieldKind.SIGNATURE and n in present
        ]
        if any(fields[f.id].value != SIGNED for _, f in signatures if f.id in fields):
            problems.append(Problem.UNSIGNED)
    child_names = [
        f.id
        for n, f in template.fields()
        if f.kind == FieldKind.NAME and f.party.startswith("child") and n in present
    ]
    _flag_missing_tutor_groups(template, child_names, fields)
    if child_names and not any(fields[i].value for i in child_names if i in fields):
        problems.append(Problem.NO_CHILDREN)
    return list(dict.fromkeys(problems))


def group_forms(
    results: Sequence[PageResult],
    templates: Mapping[str, FormTemplate],
) -> tuple[list[FormRead], list[PageRead]]:
    """Forms in order of their first page, and the pages that belong to no form."""
    groups, unassigned = group_pages([page_key(r.page, templates) for r in results])
    forms: list[FormRead] = []
    for group in groups:
        template = templates[group.template_key]
        by_number = {results[i].page.page_number: results[i] for i in group.members}
        fields: dict[str, FieldRead] = {}
        for number in sorted(by_number):
            fields.update(by_number[number].fields)
        problems = form_problems(template, by_number, fields, duplicate=group.duplicate)
        pages = tuple(by_number[n].page for n in sorted(by_number))
        forms.append(
            FormRead(
                form_type=template.form_type,
                version=template.version,
                serial=group.serial,
                pages=pages,
                fields=fields,
                problems=tuple(problems),
                seconds=round(sum(p.seconds for p in pages), 4),
            )
        )
    return forms, [results[i].page for i in unassigned]
