"""Provisioning against a real SCIM server: what the portal holds after each account change."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from accounts.helpers import Clock, smith_form
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from intake.accounts.credentials import print_letters, verify_login
from intake.accounts.ports import AccountsContext
from intake.accounts.revocation import open_child_hold, reinstate_account, revoke_account
from intake.accounts.service import approve_form
from intake.config import Settings
from intake.db.accounts import PortalAccount
from intake.db.portal import PUSH_DONE, PUSH_FAILED, PUSH_PENDING, PortalPush
from intake.portal.outbox import open_pushes, retry
from intake.portal.push import push_due
from intake.portal.schema import EXTENSION_URN

from .conftest import ScimServer


def approve_smiths(factory: sessionmaker[Session], ctx: AccountsContext) -> dict[str, str]:
    """Approve Mrs and Mr Smith for Amy (S1) and Ben (S2); contact id -> account id."""
    form_id = smith_form(factory)
    with factory() as session, session.begin():
        approve_form(session, ctx, form_id, "approver1")
    with factory() as session:
        return {a.contact_id: a.id for a in session.scalars(select(PortalAccount))}


def print_for(factory: sessionmaker[Session], ctx: AccountsContext, ids: list[str]) -> bytes:
    with factory() as session, session.begin():
        return print_letters(session, ctx, ids, "approver1").pdf


def letter_password(factory: sessionmaker[Session], ctx: AccountsContext, account_id: str) -> str:
    """The password the letter printed, found as a parent would: it logs in here."""
    with factory() as session:
        push = session.scalars(select(PortalPush).where(PortalPush.open_key == account_id)).one()
        from intake.portal.sealing import unseal

        assert push.sealed_password is not None
        assert b"Passw" not in push.sealed_password
        password = unseal(ctx.settings.portal, push.sealed_password)
        assert password is not None
        username = session.get(PortalAccount, account_id).username  # type: ignore[union-attr]
        verify_login(session, ctx, username, password)
        return password


def push(factory: sessionmaker[Session], settings: Settings, clock: Clock) -> Any:
    with factory() as session:
        return push_due(session, settings, now=clock)


def rows(factory: sessionmaker[Session]) -> list[PortalPush]:
    with factory() as session:
        return list(session.scalars(select(PortalPush).order_by(PortalPush.created_at)))


def test_created_with_the_letters_password_and_children(
    factory, ctx, clock, portal_settings, scim_server: ScimServer
):
    accounts = approve_smiths(factory, ctx)
    report = push(factory, portal_settings, clock)
    # approved but no letter yet: nothing on the portal, nothing to log in with
    assert report.outcomes == {"waiting_for_letter": 2}
    assert scim_server.users() == []

    print_for(factory, ctx, [accounts["C1"]])
    password = letter_password(factory, ctx, accounts["C1"])
    report = push(factory, portal_settings, clock)
    assert report.outcomes == {"created": 1}
    user = scim_server.user("C1")
    assert user["password"] == password
    assert user["active"] is True
    assert user["name"] == {"givenName": "Jane", "familyName": "Smith"}
    assert user["emails"] == [{"value": "jane.smith@example.org", "primary": True}]
    assert user[EXTENSION_URN]["children"] == [
        {"value": "S1", "upn": "AS1"},
        {"value": "S2", "upn": "AS2"},
    ]
    with factory() as session:
        assert session.get(PortalAccount, accounts["C1"]).username == user["userName"]  # type: ignore[union-attr]
    # once pushed, the password is gone from the outbox
    assert all(r.sealed_password is None for r in rows(factory))
    assert [r.status for r in rows(factory)] == [PUSH_DONE] * 3


def test_revoke_then_reinstate_and_a_second_push_changes_nothing(
    factory, ctx, clock, portal_settings, scim_server: ScimServer
):
    accounts = approve_smiths(factory, ctx)
    print_for(factory, ctx, [accounts["C1"]])
    password = letter_password(factory, ctx, accounts["C1"])
    push(factory, portal_settings, clock)

    with factory() as session, session.begin():
        revoke_account(session, ctx, accounts["C1"], "approver1", "court order received today")
    assert push(factory, portal_settings, clock).outcomes == {"updated": 1}
    user = scim_server.user("C1")
    assert user["active"] is False
    assert user["password"] != password  # the letter's password no longer works there either
    version = user["meta"]["version"]

    with factory() as session, session.begin():
        reinstate_account(session, ctx, accounts["C1"], "approver1", "order lifted by the court")
    assert push(factory, portal_settings, clock).outcomes == {"updated": 1}
    assert scim_server.user("C1")["active"] is True
    version = scim_server.user("C1")["meta"]["version"]

    # the same state again: the portal is asked, and nothing is written
    from intake.portal.outbox import account_changed

    with factory() as session, session.begin():
        account_changed(session, portal_settings, accounts["C1"], now=clock())
    assert push(factory, portal_settings, clock).outcomes == {"unchanged": 1}
    assert scim_server.user("C1")["meta"]["version"] == version
    assert len(scim_server.users()) == 1


def test_a_child_protection_hold_deactivates_every_linked_user(
    factory, ctx, clock, portal_settings, scim_server: ScimServer
):
    accounts = approve_smiths(factory, ctx)
    print_for(factory, ctx, list(accounts.values()))
    push(factory, portal_settings, clock)
    assert {u["externalId"]: u["active"] for u in scim_server.users()} == {"C1": True, "C2": True}
    with factory() as session, session.begin():
        open_child_hold(session, ctx, "S1", "approver1", "investigation opened today")
    push(factory, portal_settings, clock)
    assert {u["externalId"]: u["active"] for u in scim_server.users()} == {"C1": False, "C2": False}


def test_server_down_is_failed_and_visible_then_a_retry_succeeds(
    factory, ctx, clock, portal_settings, scim_server: ScimServer
):
    accounts = approve_smiths(factory, ctx)
    push(factory, portal_settings, clock)
    print_for(factory, ctx, [accounts["C2"]])
    scim_server.stop()
    report = push(factory, portal_settings, clock)
    assert report.failed == 1
    with factory() as session:
        (view,) = open_pushes(session)
    assert view.status == PUSH_PENDING and view.attempts == 1
    assert view.carries_password
    assert "Connection refused" in (view.last_error or "")
    assert view.next_attempt_at.replace(tzinfo=clock.now.tzinfo) == clock.now + timedelta(
        seconds=60
    )
    # not due yet: a run now does not hammer the portal
    assert push(factory, portal_settings, clock).failed == 0
    # each wait twice the last, then failed for a person to see
    clock.now += timedelta(seconds=60)
    assert push(factory, portal_settings, clock).failed == 1
    clock.now += timedelta(seconds=120)
    assert push(factory, portal_settings, clock).failed == 1
    with factory() as session:
        (view,) = open_pushes(session)
    assert view.status == PUSH_FAILED and view.attempts == 3
    clock.now += timedelta(days=1)
    assert push(factory, portal_settings, clock).failed == 0  # failed waits for a person

    scim_server.start()
    with factory() as session, session.begin():
        assert retry(session, [view.push_id], "approver1", now=clock()) == 1
    assert push(factory, portal_settings, clock).outcomes == {"created": 1}
    user = scim_server.user("C2")
    assert user["active"] is True and user["password"]
    with factory() as session:
        assert open_pushes(session) == []


def test_wrong_token_is_a_failure_that_names_no_secret(
    factory, ctx, clock, portal_settings, scim_server: ScimServer
):
    from dataclasses import replace

    approve_smiths(factory, ctx)
    wrong = replace(portal_settings, portal=replace(portal_settings.portal, scim_token="nope" * 8))
    assert push(factory, wrong, clock).failed == 2
    with factory() as session:
        errors = {v.last_error for v in open_pushes(session)}
    (error,) = errors
    assert "Unauthorized" in (error or "")
    assert "nope" not in (error or "") and "nope" not in repr(wrong)


def test_an_expired_password_is_dropped_and_the_push_failed(
    factory, ctx, clock, portal_settings, scim_server: ScimServer
):
    accounts = approve_smiths(factory, ctx)
    push(factory, portal_settings, clock)
    print_for(factory, ctx, [accounts["C1"]])
    clock.now += timedelta(days=ctx.settings.initial_password_days, seconds=1)
    assert push(factory, portal_settings, clock).failed == 1
    (row,) = [r for r in rows(factory) if r.open_key]
    assert row.status == PUSH_FAILED and row.sealed_password is None
    assert "expired" in (row.last_error or "")
    assert scim_server.users() == []


def test_provisioning_off_queues_nothing(factory, clock, tmp_path):
    from accounts.helpers import FakeFormStore, make_roster

    from intake.accounts.adapters import audit_recorder
    from intake.accounts.ports import RosterInMemory

    off = AccountsContext(
        settings=Settings(data_dir=tmp_path),
        roster=RosterInMemory(make_roster()),
        forms=FakeFormStore(),
        audit=audit_recorder,
        clock=clock,
    )
    accounts = approve_smiths(factory, off)
    print_for(factory, off, list(accounts.values()))
    assert rows(factory) == []
    with factory() as session:
        assert push_due(session, off.settings, now=clock).outcomes == {}


@pytest.mark.parametrize("change", ["linked"])
def test_changes_of_one_account_fold_into_one_open_push(
    factory, ctx, clock, portal_settings, change
):
    from intake.portal.outbox import account_changed

    accounts = approve_smiths(factory, ctx)
    with factory() as session, session.begin():
        account_changed(session, portal_settings, accounts["C1"], change=change, now=clock())
        account_changed(session, portal_settings, accounts["C1"], change="revoked", now=clock())
    open_rows = [r for r in rows(factory) if r.account_id == accounts["C1"] and r.open_key]
    assert len(open_rows) == 1
    assert set(open_rows[0].changes.split()) == {"created", "linked", "revoked"}
