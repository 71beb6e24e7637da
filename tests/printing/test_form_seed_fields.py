"""The template carries every field of the seed's application form, so none can go missing.

The list comes from ``../shared/seed/form-fields.md`` when it is there (rows 1 to 19 of its
table), else from the fixed copy below, which is the same table.
"""

from __future__ import annotations

import re

import pytest

from intake import PROJECT_ROOT
from intake.template import FieldKind, FormTemplate

SEED_TABLE = PROJECT_ROOT.parent / "shared" / "seed" / "form-fields.md"

#: (row, "For" column, "Kind" column) of the seed table, in case the shared file is absent
FIXED_ROWS: list[tuple[int, str, str]] = [
    (1, "-", "printed text"),
    (2, "Parent/Carer 1", "signature"),
    (3, "Parent/Carer 2", "signature"),
    (4, "Parent/Carer 1", "block capitals"),
    (5, "Parent/Carer 2", "block capitals"),
    (6, "Parent/Carer 1", "date"),
    (7, "Parent/Carer 2", "date"),
    (8, "each child", "block capitals"),
    (9, "each child", "block capitals / digits"),
    (10, "each child", "tick box"),
    (11, "Parent/Carer 1 and 2", "block capitals"),
    (12, "Parent/Carer 1 and 2", "block capitals"),
    (13, "Parent/Carer 1 and 2", "block capitals"),
    (14, "Parent/Carer 1 and 2", "digits"),
    (15, "Parent/Carer 1 and 2", "digits"),
    (16, "Parent/Carer 1 and 2", "email characters"),
    (17, "-", "printed text"),
    (18, "Parent/Carer 1", "signature"),
    (19, "Parent/Carer 2", "signature"),
]

#: what each "Kind" of the seed table may be printed as
KINDS: dict[str, set[FieldKind]] = {
    "signature": {FieldKind.SIGNATURE},
    "block capitals": {FieldKind.NAME, FieldKind.TEXT, FieldKind.POSTCODE},
    "date": {FieldKind.DATE},
    "block capitals / digits": {FieldKind.TUTOR_GROUP},
    "tick box": {FieldKind.TICK},
    "digits": {FieldKind.PHONE},
    "email characters": {FieldKind.EMAIL},
}

#: words each printed statement must keep
STATEMENT_WORDS = {
    1: [
        "Acceptable Use Policy",
        "Data Protection Act (2018)",
        "Computer Misuse Act (1990)",
        "will not reveal my Username and/or Passwords",
    ],
    17: [
        "I confirm that I have parental responsibility for each of the children named above "
        "and that I would like to apply for a user account for Parent Portal"
    ],
}


def seed_rows() -> list[tuple[int, str, str]]:
    if not SEED_TABLE.is_file():
        return FIXED_ROWS
    rows = []
    for line in SEED_TABLE.read_text("utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 5 and re.fullmatch(r"\d+", cells[0]):
            rows.append((int(cells[0]), cells[3], cells[4]))
    return rows


def parties(for_column: str) -> list[str]:
    if for_column == "each child":
        return [f"child{n}" for n in range(1, 6)]  # room for five children
    if for_column == "Parent/Carer 1 and 2":
        return ["parent1", "parent2"]
    match = re.fullmatch(r"Parent/Carer ([12])", for_column)
    assert match, f"unexpected 'For' column {for_column!r}"
    return [f"parent{match.group(1)}"]


def test_the_seed_table_has_nineteen_rows() -> None:
    rows = seed_rows()
    assert [r[0] for r in rows] == list(range(1, 20))
    assert rows == FIXED_ROWS


@pytest.mark.parametrize(("row", "for_column", "kind"), seed_rows())
def test_template_carries_seed_row(
    template: FormTemplate, row: int, for_column: str, kind: str
) -> None:
    if kind == "printed text":
        texts = [t.text for p in template.pages for t in p.texts if t.seed_field == row]
        assert len(texts) == 1, f"seed row {row}: one printed statement expected"
        for words in STATEMENT_WORDS[row]:
            assert words in texts[0]
        return
    fields = [f for _, f in template.fields() if f.seed_field == row]
    for party in parties(for_column):
        mine = [f for f in fields if f.party == party]
        assert mine, f"seed row {row} has no field for {party}"
        assert {f.kind for f in mine} <= KINDS[kind], f"seed row {row}: wrong kind for {party}"


def test_address_has_two_lines_and_a_postcode_per_parent(template: FormTemplate) -> None:
    for party in ("parent1", "parent2"):
        kinds = sorted(
            f.kind for _, f in template.fields() if f.seed_field == 13 and f.party == party
        )
        assert kinds == [FieldKind.POSTCODE, FieldKind.TEXT, FieldKind.TEXT]


def test_email_is_mandatory_and_marked_so(template: FormTemplate) -> None:
    emails = [f for _, f in template.fields() if f.seed_field == 16]
    assert len(emails) == 2
    for field in emails:
        assert field.required
        assert "*" in field.label
    footnotes = [t.text for p in template.pages for t in p.texts if t.text.startswith("*")]
    assert any("mandatory" in text for text in footnotes)


def test_the_agreement_statement_comes_before_its_signatures(template: FormTemplate) -> None:
    page1 = template.page(1)
    statement = next(t for t in page1.texts if t.seed_field == 1)
    for field in page1.fields:
        if field.seed_field in (2, 3, 4, 5, 6, 7):
            assert field.rect.y > statement.y


def test_children_heading_names_the_configured_school(template: FormTemplate) -> None:
    headings = [t.text for t in template.page(1).texts if "Child(ren) attending" in t.text]
    assert headings == ["Name(s) of Child(ren) attending {school.name}"]
