"""Approval: one account per person, links only with parental responsibility, every path."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from intake.accounts.errors import ApprovalBlocked, FourEyesError
from intake.accounts.ports import AccountsContext, ChildOnForm
from intake.accounts.rejection import reject_form
from intake.accounts.revocation import reinstate_account, revoke_account
from intake.accounts.service import approve_form
from intake.db.accounts import AccountChild, FormDecision, PortalAccount
from intake.db.base import transaction
from intake.errors import ConflictError

from .helpers import FakeForm, add_form, applicant, audit_actions, smith_form


def approve(
    factory: sessionmaker[Session],
    ctx: AccountsContext,
    form_id: str,
    approver: str = "approver1",
    override: str | None = None,
):
    with transaction(factory) as session:
        return approve_form(session, ctx, form_id, approver, override)


def links(factory: sessionmaker[Session]) -> set[tuple[str, str]]:
    with factory() as session:
        rows = session.execute(
            select(PortalAccount.contact_id, AccountChild.student_id).join(AccountChild)
        )
        return {(c, s) for c, s in rows}


def account_count(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(PortalAccount)) or 0


def form_state(factory: sessionmaker[Session], form_id: str) -> str:
    with factory() as session:
        row = session.get(FakeForm, form_id)
        assert row is not None
        return row.state


def test_two_parents_get_two_accounts_linked_to_both_children(factory, ctx):
    form_id = smith_form(factory)
    result = approve(factory, ctx, form_id)
    assert len(result.created_account_ids) == 2
    assert links(factory) == {("C1", "S1"), ("C1", "S2"), ("C2", "S1"), ("C2", "S2")}
    assert form_state(factory, form_id) == "accounts_created"
    assert audit_actions(factory).count("account.created") == 2
    assert "form.approved" in audit_actions(factory)
    with factory() as session:
        accounts = session.scalars(select(PortalAccount)).all()
        assert len({a.username_key for a in accounts}) == 2
        assert all(a.password_hash is None for a in accounts)  # set when the letter prints


def test_child_named_only_by_one_parent_links_all_their_pr_children(factory, ctx):
    form_id = add_form(factory, [applicant(1, "C1")], [ChildOnForm(1, "S1")])
    approve(factory, ctx, form_id)
    assert links(factory) == {("C1", "S1"), ("C1", "S2")}


def test_double_submission_same_form_is_refused(factory, ctx):
    form_id = smith_form(factory)
    approve(factory, ctx, form_id)
    with pytest.raises(ConflictError, match="already been decided"):
        approve(factory, ctx, form_id, approver="approver2")
    assert account_count(factory) == 2


def test_second_form_from_parent_with_account_links_not_duplicates(factory, ctx):
    approve(factory, ctx, add_form(factory, [applicant(1, "C1")], [ChildOnForm(1, "S1")]))
    with factory() as session:
        first = session.scalars(select(PortalAccount)).one()
    second = add_form(
        factory, [applicant(1, "C1")], [ChildOnForm(1, "S2", already_has_account=True)]
    )
    result = approve(factory, ctx, second)
    assert result.created_account_ids == ()
    assert result.linked_account_ids == (first.id,)
    assert account_count(factory) == 1
    assert len(links(factory)) == 2


def test_reprocessed_batch_creates_nothing_new(factory, ctx):
    # The same paper scanned twice makes two form rows with the same people.
    first, again = smith_form(factory), smith_form(factory)
    approve(factory, ctx, first)
    before = links(factory)
    result = approve(factory, ctx, again)
    assert result.created_account_ids == ()
    assert result.new_links == 0
    assert account_count(factory) == 2
    assert links(factory) == before


def test_no_pr_applicant_blocks_and_override_never_links(factory, ctx):
    form_id = add_form(factory, [applicant(1, "C1"), applicant(2, "C3")], [ChildOnForm(1, "S1")])
    with pytest.raises(ApprovalBlocked, match="override") as info:
        approve(factory, ctx, form_id)
    assert {i.code for i in info.value.issues} == {"NO_PR"}
    assert account_count(factory) == 0
    with factory() as session:  # the refused attempt left no decision behind
        assert session.scalar(select(func.count()).select_from(FormDecision)) == 0
    result = approve(factory, ctx, form_id, override="Step-father has no PR; mother only.")
    assert result.overridden == ("NO_PR",)
    assert ("C3", "S1") not in links(factory)
    assert {c for c, _ in links(factory)} == {"C1"}


def test_only_no_pr_applicant_is_never_approvable(factory, ctx):
    form_id = add_form(factory, [applicant(1, "C3")], [ChildOnForm(1, "S1")])
    with pytest.raises(ApprovalBlocked) as info:
        approve(factory, ctx, form_id, override="Approve anyway please")
    assert "NOTHING_TO_GRANT" in {i.code for i in info.value.issues}
    assert account_count(factory) == 0


def test_court_order_contact_never_gets_that_child(factory, ctx):
    form_id = add_form(factory, [applicant(1, "C4"), applicant(2, "C5")], [ChildOnForm(1, "S3")])
    with pytest.raises(ApprovalBlocked) as info:
        approve(factory, ctx, form_id)
    assert {i.code for i in info.value.issues} == {"BLOCKED"}
    approve(factory, ctx, form_id, override="Court order on father; mother only.")
    assert links(factory) == {("C4", "S3")}  # S4 is off roll, C5 has nothing


def test_unsigned_form_cannot_be_approved_even_with_override(factory, ctx):
    form_id = add_form(factory, [applicant(1, "C1", signed=False)], [ChildOnForm(1, "S1")])
    with pytest.raises(ApprovalBlocked, match="cannot be approved") as info:
        approve(factory, ctx, form_id, override="They promised to sign later")
    assert info.value.issues[0].code == "UNSIGNED"
    assert account_count(factory) == 0


def test_unmatched_child_row_needs_override_and_is_dropped(factory, ctx):
    form_id = add_form(factory, [applicant(1, "C4")], [ChildOnForm(1, "S3"), ChildOnForm(2, None)])
    with pytest.raises(ApprovalBlocked):
        approve(factory, ctx, form_id)
    result = approve(factory, ctx, form_id, override="Row 2 is a sibling at another school")
    assert result.overridden == ("CHILD_UNMATCHED",)
    assert links(factory) == {("C4", "S3")}


def test_same_contact_in_both_sections_is_fatal(factory, ctx):
    form_id = add_form(factory, [applicant(1, "C1"), applicant(2, "C1")], [ChildOnForm(1, "S1")])
    with pytest.raises(ApprovalBlocked, match="cannot be approved"):
        approve(factory, ctx, form_id, override="whatever it takes")


def test_four_eyes(factory, ctx):
    form_id = smith_form(factory, uploaded_by="alice", last_edited_by="bob")
    for who in ("alice", "bob"):
        with pytest.raises(FourEyesError, match="another approver"):
            approve(factory, ctx, form_id, approver=who)
    assert account_count(factory) == 0
    approve(factory, ctx, form_id, approver="carol")
    assert account_count(factory) == 2


def test_four_eyes_can_be_switched_off_for_one_person_schools(factory, ctx):
    from dataclasses import replace

    solo = replace(ctx, settings=replace(ctx.settings, approval_four_eyes=False))
    form_id = smith_form(factory, uploaded_by="alice", last_edited_by="alice")
    approve(factory, solo, form_id, approver="alice")
    assert account_count(factory) == 2


def test_form_not_in_review_is_a_conflict(factory, ctx):
    form_id = smith_form(factory, state="processing")
    with pytest.raises(ConflictError, match="only forms in review"):
        approve(factory, ctx, form_id)
    assert account_count(factory) == 0


def test_revoked_parent_applying_again_is_not_reinstated(factory, ctx):
    approve(factory, ctx, add_form(factory, [applicant(1, "C1")], [ChildOnForm(1, "S1")]))
    with transaction(factory) as session:
        account = session.scalars(select(PortalAccount)).one()
        revoke_account(session, ctx, account.id, "approver1", "Dispute reported by school")
    again = add_form(factory, [applicant(1, "C1")], [ChildOnForm(1, "S1")])
    with pytest.raises(ApprovalBlocked) as info:
        approve(factory, ctx, again)
    assert {i.code for i in info.value.issues} == {
        "ACCOUNT_REVOKED",
        "CHILD_WITHOUT_PR",
        "NOTHING_TO_GRANT",
    }
    with pytest.raises(ApprovalBlocked, match="cannot be approved"):
        # dropping the revoked applicant leaves nothing to grant
        approve(factory, ctx, again, override="Parent says the dispute is over")
    with factory() as session:
        assert session.scalars(select(PortalAccount)).one().status == "revoked"
    assert account_count(factory) == 1
    # Only an explicit reinstatement brings the account back.
    with transaction(factory) as session:
        reinstate_account(session, ctx, account.id, "approver2", "Investigation closed, no case")
    with factory() as session:
        assert session.scalars(select(PortalAccount)).one().status == "active"


def test_revoked_parent_on_two_parent_form_keeps_revoked(factory, ctx):
    approve(factory, ctx, add_form(factory, [applicant(1, "C1")], [ChildOnForm(1, "S1")]))
    with transaction(factory) as session:
        account = session.scalars(select(PortalAccount)).one()
        revoke_account(session, ctx, account.id, "approver1", "Policy breach reported")
    form_id = smith_form(factory)
    approve(factory, ctx, form_id, override="Father only; mother's account stays revoked")
    with factory() as session:
        rows = session.execute(select(PortalAccount.contact_id, PortalAccount.status))
        statuses = {c: s for c, s in rows}
    assert statuses == {"C1": "revoked", "C2": "active"}


def test_rejection_records_decision_and_blocks_later_approval(factory, ctx):
    form_id = smith_form(factory)
    with transaction(factory) as session:
        reject_form(session, ctx, form_id, "approver1", "UNSIGNED")
    assert form_state(factory, form_id) == "rejected"
    with pytest.raises(ConflictError):
        approve(factory, ctx, form_id)
    assert account_count(factory) == 0


def test_rejected_form_reopened_by_review_can_be_approved_once(factory, ctx):
    form_id = smith_form(factory)
    with transaction(factory) as session:
        reject_form(session, ctx, form_id, "approver1", "OTHER")
    with (
        pytest.raises(ConflictError, match=r"has been rejected .* only a form still open"),
        transaction(factory) as s,
    ):
        reject_form(s, ctx, form_id, "approver1", "OTHER")  # a double click
    with transaction(factory) as session:  # the review screen reopens it
        row = session.get(FakeForm, form_id)
        assert row is not None
        row.state = "review"
    approve(factory, ctx, form_id)
    assert account_count(factory) == 2
    with factory() as session:
        session.get(FakeForm, form_id).state = "review"  # type: ignore[union-attr]
        session.commit()
    with pytest.raises(ConflictError, match="already been decided"):
        approve(factory, ctx, form_id, approver="approver2")
    assert account_count(factory) == 2


def test_warnings_for_ticked_rows_and_namesake_accounts(factory, ctx):
    from dataclasses import replace

    from intake.accounts.service import plan_for
    from intake.roster.model import Contact, Relationship, Roster

    from .helpers import FakeFormStore, make_roster

    base = make_roster()
    # the MIS holds Mrs Jane Smith twice (C1 and C9): a classic source of duplicate accounts
    twin = Contact("C9", "Mrs", "Jane", "Smith", base.contacts[0].address)
    roster = Roster(
        base.students,
        (*base.contacts, twin),
        (*base.relationships, Relationship("S2", "C9", "PAM", True, 3)),
    )
    from intake.accounts.ports import RosterInMemory

    ctx = replace(ctx, roster=RosterInMemory(roster))
    approve(factory, ctx, add_form(factory, [applicant(1, "C1")], [ChildOnForm(1, "S1")]))
    second = add_form(
        factory, [applicant(1, "C9")], [ChildOnForm(1, "S2", already_has_account=True)]
    )
    with factory() as session:
        plan = plan_for(session, ctx, FakeFormStore().lock(session, second))
    assert len(plan.warnings) == 2
    assert "ticked 'already have an account'" in plan.warnings[0]
    assert "same name as the holder" in plan.warnings[1]
    assert plan.issues == ()  # warnings never block; the approver decides


def test_email_scheme_falls_back_when_shared(factory, ctx):
    from dataclasses import replace

    by_email = replace(ctx, settings=replace(ctx.settings, username_scheme="email"))
    approve(factory, by_email, smith_form(factory))
    with factory() as session:
        names = {
            c: u
            for c, u in session.execute(select(PortalAccount.contact_id, PortalAccount.username))
        }
    assert names["C1"] == "jane.smith@example.org"
    assert names["C2"].startswith("jsmith")  # the shared address is taken
