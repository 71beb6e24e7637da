"""Each rule of a roster import for accounts (issue 19, item 1), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from intake.db.accounts import AccountChange, PortalAccount
from intake.db.roster import RosterImportRow
from intake.db.workflow import AuditEntry
from intake.errors import RosterError

from .helpers import (
    AUTUMN,
    give_account,
    link_row,
    rules,
    run_import,
    school,
    state,
    with_link,
    without_link,
    without_student,
)


@pytest.fixture()
def c1_account(factory) -> str:
    """C1 has an account linked to S1 and S2 after the first import."""
    run_import(factory, school())
    return give_account(factory, "C1", ["S1", "S2"])


@pytest.mark.parametrize(
    ("changes", "cause"),
    [
        ({"parental_responsibility": False}, "pr_removed"),
        ({"court_order": True}, "court_order"),
        ({"no_contact": True}, "no_contact"),
    ],
)
def test_a_flag_on_a_linked_child_suspends_that_link_at_once(
    factory, c1_account, changes, cause
) -> None:
    summary = run_import(factory, with_link(school(), "S1", "C1", **changes))
    assert state(factory, c1_account) == ("active", {"S1": "suspended", "S2": "active"})
    row = link_row(factory, c1_account, "S1")
    assert row.suspended_cause == cause and row.suspended_by_import_id == summary.import_id
    kinds = [(c.kind.value, c.student_id, c.cause) for c in summary.account_changes]
    assert kinds == [("link_suspended", "S1", cause)]
    with factory() as session:
        audited = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "account.link_suspended")
        ).one()
        assert audited.object_id == c1_account
        assert audited.detail["roster_import_id"] == summary.import_id
        logged = session.scalars(select(AccountChange)).one()
        assert (logged.kind, logged.import_id) == ("link_suspended", summary.import_id)


def test_the_account_is_suspended_when_no_active_link_is_left(factory, c1_account) -> None:
    roster = with_link(school(), "S1", "C1", court_order=True)
    roster = with_link(roster, "S2", "C1", parental_responsibility=False)
    summary = run_import(factory, roster)
    assert state(factory, c1_account) == ("suspended", {"S1": "suspended", "S2": "suspended"})
    assert [c.kind.value for c in summary.account_changes] == [
        "link_suspended",
        "link_suspended",
        "suspended",
    ]
    with factory() as session:
        account = session.get(PortalAccount, c1_account)
        assert account is not None and account.session_epoch >= 3  # portal sessions ended


def test_a_link_the_mis_no_longer_holds_is_suspended(factory, c1_account) -> None:
    summary = run_import(factory, without_link(school(), "S2", "C1"))
    assert state(factory, c1_account) == ("active", {"S1": "active", "S2": "suspended"})
    assert summary.account_changes[0].cause == "not_a_contact"


def test_a_flag_on_another_contact_changes_nothing(factory, c1_account) -> None:
    summary = run_import(factory, with_link(school(), "S1", "C2", court_order=True))
    assert state(factory, c1_account) == ("active", {"S1": "active", "S2": "active"})
    assert summary.account_changes == []


def test_restoring_pr_in_a_later_import_does_not_reinstate(factory, c1_account) -> None:
    run_import(factory, with_link(school(), "S1", "C1", parental_responsibility=False))
    later = run_import(factory, school(), now=AUTUMN + timedelta(days=1))
    assert state(factory, c1_account) == ("active", {"S1": "suspended", "S2": "active"})
    assert later.account_changes == []


def test_a_leaver_s_link_ends_at_the_end_of_term_and_not_before(factory, c1_account) -> None:
    summary = run_import(factory, without_student(school(), "S1"))
    assert state(factory, c1_account) == ("active", {"S1": "active", "S2": "active"})
    row = link_row(factory, c1_account, "S1")
    assert row.ends_at is not None
    assert row.ends_at.replace(tzinfo=UTC) == datetime(2027, 1, 1, tzinfo=UTC)
    assert [c.kind.value for c in summary.account_changes] == ["link_end_scheduled"]
    before = run_import(
        factory, without_student(school(), "S1"), now=datetime(2026, 12, 31, 23, tzinfo=UTC)
    )
    assert before.account_changes == []
    after = run_import(
        factory, without_student(school(), "S1"), now=datetime(2027, 1, 1, tzinfo=UTC)
    )
    assert state(factory, c1_account) == ("active", {"S1": "ended", "S2": "active"})
    assert [c.kind.value for c in after.account_changes] == ["link_ended"]


def test_an_account_with_no_child_on_roll_is_deactivated(factory, c1_account) -> None:
    gone = without_student(without_student(school(), "S1"), "S2")
    run_import(factory, gone)
    assert state(factory, c1_account)[0] == "active"  # in the grace period
    summary = run_import(factory, gone, now=datetime(2027, 1, 5, tzinfo=UTC))
    assert state(factory, c1_account) == ("deactivated", {"S1": "ended", "S2": "ended"})
    assert [c.kind.value for c in summary.account_changes][-1] == "deactivated"


def test_a_grace_of_days_counts_from_the_import(factory, c1_account) -> None:
    gone = without_student(without_student(school(), "S1"), "S2")
    summary = run_import(factory, gone, account_rules=rules("0d"))
    assert state(factory, c1_account) == ("deactivated", {"S1": "ended", "S2": "ended"})
    assert [c.kind.value for c in summary.account_changes] == [
        "link_end_scheduled",
        "link_end_scheduled",
        "link_ended",
        "link_ended",
        "deactivated",
    ]


def test_a_leaver_back_on_roll_in_time_keeps_the_link(factory, c1_account) -> None:
    run_import(factory, without_student(school(), "S1"))
    summary = run_import(factory, school(), now=AUTUMN + timedelta(days=7))
    assert link_row(factory, c1_account, "S1").ends_at is None
    assert [c.kind.value for c in summary.account_changes] == ["link_end_cancelled"]
    run_import(factory, school(), now=datetime(2027, 2, 1, tzinfo=UTC))
    assert state(factory, c1_account) == ("active", {"S1": "active", "S2": "active"})


def test_a_leaver_with_a_court_order_is_suspended_in_the_grace_period(factory, c1_account) -> None:
    run_import(factory, without_student(school(), "S1"))
    roster = with_link(school(), "S1", "C1", court_order=True)
    run_import(factory, roster, full=False, now=AUTUMN + timedelta(days=1))
    assert state(factory, c1_account)[1]["S1"] == "suspended"


def _renumbered(new_id: str = "C9"):
    """The MIS gave C1 a new id C9 (same person)."""
    roster = school()
    contacts = tuple(
        c if c.contact_id != "C1" else type(c)(**{**c.__dict__, "contact_id": new_id})
        for c in roster.contacts
    )
    links = tuple(
        r if r.contact_id != "C1" else type(r)(**{**r.__dict__, "contact_id": new_id})
        for r in roster.relationships
    )
    return type(roster)(roster.students, contacts, links)


def test_a_new_mis_id_with_a_merge_map_keeps_the_one_account(factory, c1_account) -> None:
    summary = run_import(factory, _renumbered(), account_rules=rules(merges={"C1": "C9"}))
    assert state(factory, c1_account) == ("active", {"S1": "active", "S2": "active"})
    with factory() as session:
        accounts = session.scalars(select(PortalAccount)).all()
        assert [(a.id, a.contact_id) for a in accounts] == [(c1_account, "C9")]
    assert [(c.kind.value, c.cause) for c in summary.account_changes] == [
        ("contact_changed", "mis_id_changed")
    ]


def test_a_new_mis_id_without_a_map_suspends_and_says_why(factory, c1_account) -> None:
    summary = run_import(factory, _renumbered())
    assert state(factory, c1_account) == ("suspended", {"S1": "suspended", "S2": "suspended"})
    assert any("merge map" in w and "C1" in w for w in summary.account_warnings)


def test_two_accounts_of_a_merged_contact_become_one(factory) -> None:
    roster = school()
    run_import(factory, roster)
    kept = give_account(factory, "C2", ["S1"])
    merged = give_account(factory, "C1", ["S1", "S2"])
    # the MIS merged C1 into C2: C2 now holds C1's links
    after = without_link(without_link(roster, "S1", "C1"), "S2", "C1")
    links = (*after.relationships, type(roster.relationships[0])("S2", "C2", "PAF", True, 2))
    after = type(roster)(
        roster.students, tuple(c for c in roster.contacts if c.contact_id != "C1"), links
    )
    summary = run_import(factory, after, account_rules=rules(merges={"C1": "C2"}))
    assert state(factory, kept) == ("active", {"S1": "active", "S2": "active"})
    assert state(factory, merged) == ("deactivated", {"S1": "ended"})
    assert [c.kind.value for c in summary.account_changes] == [
        "link_ended",
        "link_moved",
        "deactivated",
    ]


def test_a_merge_map_naming_an_unknown_contact_imports_nothing(factory, c1_account) -> None:
    with factory() as session:
        imports = session.scalar(select(func.count()).select_from(RosterImportRow))
    with pytest.raises(RosterError, match="merge map does not fit"):
        run_import(
            factory,
            with_link(school(), "S1", "C1", court_order=True),
            account_rules=rules(merges={"C1": "C77"}),
        )
    # one transaction: neither the roster's court order nor any account change was kept
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(RosterImportRow)) == imports
    assert state(factory, c1_account) == ("active", {"S1": "active", "S2": "active"})
    run_import(factory, school())
    assert state(factory, c1_account) == ("active", {"S1": "active", "S2": "active"})


def test_listeners_hear_every_change_in_the_transaction(factory, c1_account) -> None:
    heard = []
    run_import(
        factory,
        with_link(school(), "S2", "C1", no_contact=True),
        account_rules=rules(listeners=(lambda session, change: heard.append(change),)),
    )
    assert [(c.kind.value, c.account_id, c.student_id) for c in heard] == [
        ("link_suspended", c1_account, "S2")
    ]
