"""The one grouping rule: serial copies, plain pages, manual assignments, stable identities."""

from __future__ import annotations

from intake.reading.grouping import PageKey, group_pages

KEY = "parent-portal-v1"


def page(serial: str, number: int, anchor: str, assigned: str = "", key: str = KEY) -> PageKey:
    return PageKey(key, "parent-portal", serial, number, anchor, assigned)


def test_a_repeated_page_number_opens_a_second_copy_and_both_are_duplicates() -> None:
    pages = [page("F1", 1, "a"), page("F1", 1, "b"), page("F1", 2, "c"), page("F2", 1, "d")]
    groups, unassigned = group_pages(pages)
    assert [(g.identity, g.members, g.duplicate) for g in groups] == [
        ("serial:parent-portal:F1", (0, 2), True),
        ("serial:parent-portal:F1:2", (1,), True),
        ("serial:parent-portal:F2", (3,), False),
    ]
    assert unassigned == []


def test_identities_do_not_change_when_more_pages_arrive() -> None:
    pages = [page("F1", 1, "a"), page("", 1, "b"), page("", 2, "c"), page("F1", 1, "d")]
    early, _ = group_pages(pages[:3])
    late, _ = group_pages(pages)
    assert [g.identity for g in early] == [g.identity for g in late][:2]
    assert [g.identity for g in late] == [
        "serial:parent-portal:F1",
        "page:b",
        "serial:parent-portal:F1:2",
    ]


def test_plain_pages_pair_in_order_and_pages_without_a_template_join_nothing() -> None:
    pages = [page("", 1, "a"), page("", 2, "b"), page("", 2, "c"), page("", 1, "d", key="")]
    groups, unassigned = group_pages(pages)
    assert [g.members for g in groups] == [(0, 1), (2,)] and unassigned == [3]


def test_a_manual_assignment_wins() -> None:
    pages = [page("F1", 1, "a"), page("F2", 2, "b", assigned="serial:parent-portal:F1")]
    groups, _ = group_pages(pages)
    assert [(g.identity, g.members) for g in groups] == [("serial:parent-portal:F1", (0, 1))]
