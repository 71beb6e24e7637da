"""Grouping pages into forms by their QR identity, and form-level problems (no images)."""

from __future__ import annotations

from intake.reading.pages_to_forms import PageResult, group_forms
from intake.reading.result import FieldRead, PageRead, Problem
from intake.template.model import FormTemplate


def _page(index: int, number: int, serial: str = "", status: str = "read") -> PageRead:
    return PageRead(
        index_in_file=index,
        source="batch.pdf",
        status=status,
        form_type="parent-portal",
        version=1,
        page_number=number,
        serial=serial,
    )


def _fields(template: FormTemplate, number: int, values: dict[str, str]) -> dict[str, FieldRead]:
    return {
        f.id: FieldRead(f.id, f.kind.value, number, values.get(f.id, ""), "", 0.99)
        for f in template.page(number).fields
    }


SIGNED_1 = {
    "p1_signature_agree": "signed",
    "child1_name": "AMY LEE",
    "child1_tutor_group": "7B",
    "p1_print_name": "ANN LEE",
    "p1_date": "2024-03-12",
}
SIGNED_2 = {
    "p1_signature_confirm": "signed",
    "p1_forename": "ANN",
    "p1_surname": "LEE",
    "p1_email": "ann@example.com",
}


def test_pages_meet_by_serial_wherever_they_are(template: FormTemplate) -> None:
    results = [
        PageResult(_page(0, 2, "F1"), _fields(template, 2, SIGNED_2)),
        PageResult(_page(1, 1, "F2"), _fields(template, 1, SIGNED_1)),
        PageResult(_page(2, 0, status="blank"), {}),
        PageResult(_page(3, 1, "F1"), _fields(template, 1, SIGNED_1)),
    ]
    forms, unassigned = group_forms(results, {template.key: template})
    assert [(f.serial, [p.index_in_file for p in f.pages]) for f in forms] == [
        ("F1", [3, 0]),
        ("F2", [1]),
    ]
    assert forms[0].problems == ()
    assert forms[1].problems == (Problem.PAGE_MISSING.value,)
    assert [p.index_in_file for p in unassigned] == [2]


def test_a_second_copy_of_a_page_opens_a_second_form(template: FormTemplate) -> None:
    results = [PageResult(_page(i, 1, "F1"), _fields(template, 1, SIGNED_1)) for i in range(2)]
    forms, _ = group_forms(results, {template.key: template})
    assert len(forms) == 2


def test_unreadable_page_with_identity_joins_its_form(template: FormTemplate) -> None:
    results = [
        PageResult(_page(0, 1, "F1"), _fields(template, 1, SIGNED_1)),
        PageResult(_page(1, 2, "F1", status="unreadable"), {}),
    ]
    (form,) = group_forms(results, {template.key: template})[0]
    assert form.problems[0] == Problem.PAGE_UNREADABLE.value


def test_second_parent_who_filled_details_must_sign_and_give_email(
    template: FormTemplate,
) -> None:
    page2 = dict(SIGNED_2, p2_forename="BEN", p2_surname="LEE")
    results = [
        PageResult(_page(0, 1, "F1"), _fields(template, 1, SIGNED_1)),
        PageResult(_page(1, 2, "F1"), _fields(template, 2, page2)),
    ]
    (form,) = group_forms(results, {template.key: template})[0]
    assert Problem.UNSIGNED.value in form.problems
    assert Problem.EMAIL_MISSING.value in form.problems
    assert Problem.REQUIRED_MISSING.value in form.fields["p2_email"].problems
    assert form.needs_review


def test_named_child_with_a_blank_tutor_group_goes_to_review(template: FormTemplate) -> None:
    page1 = dict(SIGNED_1, child2_name="TOM LEE")  # child 2 named, tutor group left blank
    results = [
        PageResult(_page(0, 1, "F1"), _fields(template, 1, page1)),
        PageResult(_page(1, 2, "F1"), _fields(template, 2, SIGNED_2)),
    ]
    (form,) = group_forms(results, {template.key: template})[0]
    assert Problem.REQUIRED_MISSING.value in form.fields["child2_tutor_group"].problems
    assert not form.fields["child1_tutor_group"].problems
    assert not form.fields["child3_tutor_group"].problems
