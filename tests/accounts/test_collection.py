"""Collection at the office: letters held instead of posted, handed over only with a photo ID
check (recorded and audited), uncollected ones listed, withdrawn ones stop working."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from intake.accounts.collection import (
    collection_list,
    delivery_of,
    hand_over,
    set_delivery,
    withdraw,
)
from intake.accounts.credentials import accounts_awaiting_letters, print_letters
from intake.accounts.retention import apply_retention
from intake.accounts.service import approve_form
from intake.db.accounts import LetterPrint, PortalAccount
from intake.db.base import transaction
from intake.db.records import LetterCollection
from intake.db.workflow import AuditEntry
from intake.errors import ConflictError, WorkflowError

from .helpers import smith_form
from .test_export_retention import RecordingPurger


def _accounts(factory, ctx):
    with transaction(factory) as session:
        approve_form(session, ctx, smith_form(factory), "approver1")
    with factory() as session:
        return {a.contact_id: a.id for a in session.scalars(select(PortalAccount))}


def _print_all(factory, ctx):
    with transaction(factory) as session:
        ids = [a.id for a in accounts_awaiting_letters(session)]
        return print_letters(session, ctx, ids, "approver1")


def test_only_accounts_that_collect_are_held(factory, ctx):
    ids = _accounts(factory, ctx)
    with transaction(factory) as session:
        assert delivery_of(session, ctx.settings, ids["C1"]) == "post"
        set_delivery(session, ctx, [ids["C1"]], "collect", "approver1")
    _print_all(factory, ctx)
    with factory() as session:
        held = session.scalars(select(LetterCollection)).all()
        assert [c.account_id for c in held] == [ids["C1"]]
        items = collection_list(session, ctx)
    assert [(i.surname, i.forename, i.uncollected) for i in items] == [("Smith", "Jane", False)]
    with transaction(factory) as session, pytest.raises(WorkflowError, match="Choose post"):
        set_delivery(session, ctx, [ids["C1"]], "email", "approver1")


def test_the_default_setting_holds_every_letter(factory, ctx):
    from dataclasses import replace

    ctx = replace(ctx, settings=replace(ctx.settings, letter_delivery_default="collect"))
    _accounts(factory, ctx)
    _print_all(factory, ctx)
    with factory() as session:
        assert len(collection_list(session, ctx)) == 2


def test_hand_over_needs_the_photo_id_check_and_is_recorded_once(factory, ctx, clock):
    ids = _accounts(factory, ctx)
    with transaction(factory) as session:
        set_delivery(session, ctx, [ids["C1"]], "collect", "approver1")
    _print_all(factory, ctx)
    with factory() as session:
        collection_id = session.scalars(select(LetterCollection.id)).one()
    with transaction(factory) as session, pytest.raises(WorkflowError, match="photo ID"):
        hand_over(session, ctx, collection_id, "office1", photo_id_checked=False)
    clock.now += timedelta(days=2)
    with transaction(factory) as session:
        hand_over(session, ctx, collection_id, "office1", photo_id_checked=True)
    with factory() as session:
        row = session.get(LetterCollection, collection_id)
        assert row.handed_over_by == "office1" and row.photo_id_checked
        assert row.handed_over_at.replace(tzinfo=None) == clock.now.replace(tzinfo=None)
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "letter.handed_over")
        ).one()
        assert entry.actor_id == "office1" and entry.object_id == ids["C1"]
        assert collection_list(session, ctx) == []
    with transaction(factory) as session, pytest.raises(ConflictError, match="already"):
        hand_over(session, ctx, collection_id, "office2", photo_id_checked=True)


def test_uncollected_letters_are_listed_and_withdrawn_ones_stop_working(factory, ctx, clock):
    ids = _accounts(factory, ctx)
    with transaction(factory) as session:
        set_delivery(session, ctx, [ids["C1"], ids["C2"]], "collect", "approver1")
    _print_all(factory, ctx)
    clock.now += timedelta(days=13)
    with factory() as session:
        assert collection_list(session, ctx, uncollected_only=True) == []
    clock.now += timedelta(days=1)  # 14 days: collection_uncollected_days
    with factory() as session:
        late = collection_list(session, ctx, uncollected_only=True)
    assert [i.days_waiting for i in late] == [14, 14]
    with transaction(factory) as session:
        withdraw(session, ctx, late[0].collection_id, "office1")
    with factory() as session:
        account = session.get(PortalAccount, late[0].account_id)
        assert account.password_hash is None  # the printed password no longer works
        assert [a.id for a in accounts_awaiting_letters(session)] == [late[0].account_id]
    with transaction(factory) as session, pytest.raises(ConflictError, match="withdrawn"):
        hand_over(session, ctx, late[0].collection_id, "office1", photo_id_checked=True)


def test_a_reprint_replaces_the_waiting_letter(factory, ctx):
    ids = _accounts(factory, ctx)
    with transaction(factory) as session:
        set_delivery(session, ctx, [ids["C1"]], "collect", "approver1")
    _print_all(factory, ctx)
    with transaction(factory) as session:
        print_letters(session, ctx, [ids["C1"]], "approver1")
    with factory() as session:
        rows = session.scalars(select(LetterCollection).order_by(LetterCollection.held_at)).all()
        assert len(rows) == 2 and sum(r.withdrawn_at is None for r in rows) == 1
        assert len(collection_list(session, ctx)) == 1


def test_a_revoked_account_letter_is_not_handed_over(factory, ctx):
    from intake.accounts.revocation import revoke_account

    ids = _accounts(factory, ctx)
    with transaction(factory) as session:
        set_delivery(session, ctx, [ids["C1"]], "collect", "approver1")
    _print_all(factory, ctx)
    with transaction(factory) as session:
        revoke_account(session, ctx, ids["C1"], "approver1", "Parental dispute reported")
    with factory() as session:
        collection_id = session.scalars(select(LetterCollection.id)).one()
    with transaction(factory) as session, pytest.raises(ConflictError, match="revoked"):
        hand_over(session, ctx, collection_id, "office1", photo_id_checked=True)


def test_retention_keeps_the_print_record_of_a_letter_still_waiting(factory, ctx, clock):
    ids = _accounts(factory, ctx)
    with transaction(factory) as session:
        set_delivery(session, ctx, [ids["C1"]], "collect", "approver1")
    _print_all(factory, ctx)
    now = clock.now + timedelta(days=90)
    with transaction(factory) as session:
        report = apply_retention(session, ctx.settings, RecordingPurger(), ctx.audit, "a", now)
    assert report.letter_prints == 1  # C2's posted letter; C1's waits at the office
    with factory() as session:
        assert [p.account_id for p in session.scalars(select(LetterPrint))] == [ids["C1"]]
