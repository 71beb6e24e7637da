"""Revocation, approval and the export agree with the lifecycle's states."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from intake.accounts.adapters import context_from_db
from intake.accounts.approval import Grant, evaluate
from intake.accounts.export import export_rows
from intake.accounts.ports import ApplicantOnForm, ChildOnForm, FormForApproval
from intake.accounts.revocation import open_child_hold, reinstate_account, revoke_account
from intake.accounts.service import _apply_grant
from intake.config import Settings
from intake.db.accounts import AccountChange
from intake.errors import WorkflowError

from .helpers import give_account, rules, run_import, school, state, with_link, without_student


def _ctx(session, tmp_path: Path, db_url: str):
    return context_from_db(session, Settings(data_dir=tmp_path, database_url=db_url))


def test_revocation_goes_through_the_lifecycle_and_keeps_suspended_links(
    factory, tmp_path, db_url
) -> None:
    run_import(factory, school())
    account_id = give_account(factory, "C1", ["S1", "S2"])
    run_import(factory, with_link(school(), "S1", "C1", court_order=True))
    with factory() as session, session.begin():
        revoke_account(session, _ctx(session, tmp_path, db_url), account_id, "lead1", "dispute")
    assert state(factory, account_id) == ("revoked", {"S1": "suspended", "S2": "active"})
    with factory() as session, session.begin():
        reinstate_account(
            session, _ctx(session, tmp_path, db_url), account_id, "lead1", "dispute is over"
        )
    # the suspended link stays for the safeguarding screen; S2 comes back
    assert state(factory, account_id) == ("active", {"S1": "suspended", "S2": "active"})
    with factory() as session:
        kinds = list(session.scalars(select(AccountChange.kind).order_by(AccountChange.at)))
    assert kinds[-2:] == ["revoked", "reinstated"]


def test_a_hold_revokes_a_suspended_account_and_reinstating_needs_an_active_link(
    factory, tmp_path, db_url
) -> None:
    run_import(factory, school())
    account_id = give_account(factory, "C2", ["S1"])
    run_import(factory, with_link(school(), "S1", "C2", no_contact=True))
    assert state(factory, account_id)[0] == "suspended"
    with factory() as session, session.begin():
        _, revoked = open_child_hold(
            session, _ctx(session, tmp_path, db_url), "S1", "lead1", "investigation"
        )
    assert revoked == [account_id]
    with factory() as session, pytest.raises(WorkflowError, match="stays revoked"):
        reinstate_account(session, _ctx(session, tmp_path, db_url), account_id, "x", "hold is over")


def test_approval_refuses_a_suspended_account() -> None:
    from intake.accounts.ports import RosterInMemory

    form = FormForApproval(
        "form-2",
        "review",
        "office1",
        None,
        (ApplicantOnForm(1, "C1", True),),
        (ChildOnForm(1, "S1"),),
    )
    plan = evaluate(form, RosterInMemory(school()), set(), {"C1": "suspended"})
    assert [i.code for i in plan.issues] == [
        "ACCOUNT_SUSPENDED",
        "CHILD_WITHOUT_PR",
        "NOTHING_TO_GRANT",
    ]
    assert plan.grants == ()


def test_approval_brings_back_a_deactivated_account_and_an_ended_link(
    factory, tmp_path, db_url
) -> None:
    run_import(factory, school())
    account_id = give_account(factory, "C3", ["S3"])
    run_import(factory, without_student(school(), "S3"), account_rules=rules("0d"))
    assert state(factory, account_id) == ("deactivated", {"S3": "ended"})
    run_import(factory, school())  # the child came back; the account stays as it is
    assert state(factory, account_id) == ("deactivated", {"S3": "ended"})
    with factory() as session, session.begin():
        ctx = _ctx(session, tmp_path, db_url)
        account, created, links = _apply_grant(
            session, ctx, Grant(1, "C3", ("S3",)), "form-3", "approver1"
        )
        assert (account.id, created, links) == (account_id, False, 1)
    assert state(factory, account_id) == ("active", {"S3": "active"})


def test_the_export_shows_only_links_in_force(factory) -> None:
    run_import(factory, school())
    account_id = give_account(factory, "C1", ["S1", "S2"])
    run_import(factory, with_link(school(), "S2", "C1", court_order=True))
    with factory() as session:
        (row,) = export_rows(session)
    assert (row.username, row.student_ids, row.status) == ("user-C1", ("S1",), "active")
    assert state(factory, account_id)[1] == {"S1": "active", "S2": "suspended"}
