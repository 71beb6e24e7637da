"""The review actions against a real database: each checked, each audited exactly once (ids
only), stale versions refused, the one reject path with its letters, and reopen kept safe."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from intake.accounts.adapters import context_from_db
from intake.accounts.errors import FourEyesError, NotFoundError
from intake.accounts.service import approve_form
from intake.db.accounts import FormDecision, PortalAccount, RejectionLetter
from intake.db.workflow import AuditEntry, Form, FormEdit
from intake.errors import ConflictError, WorkflowError
from intake.review import service
from intake.review.states import FormState, RoleRefused, TransitionRefused

from .conftest import version


def _audit(db_factory, form_id: str) -> list[AuditEntry]:
    with db_factory() as session:
        return list(
            session.scalars(
                select(AuditEntry).where(AuditEntry.object_id == form_id).order_by(AuditEntry.id)
            )
        )


def _run(db_factory, call) -> object:
    with db_factory() as session:
        result = call(session)
        session.commit()
        return result


ACTIONS = {
    "accept": (
        FormState.REVIEW,
        "office",
        lambda s, a, c, f, v: service.accept(
            s, a, c, f, row_version=v, corrections={"p1_surname": "TESTOR"}
        ),
        FormState.CHECKED,
        {"corrected": 1, "fields": ["p1_surname"], "unlinked_rows": 0},
    ),
    "hold": (
        FormState.REVIEW,
        "office",
        lambda s, a, c, f, v: service.hold(s, a, c, f, row_version=v, reason="ring home"),
        FormState.HELD,
        {"fields": []},
    ),
    "release": (
        FormState.HELD,
        "office",
        lambda s, a, c, f, v: service.release(s, a, f, row_version=v),
        FormState.REVIEW,
        {},
    ),
    "reopen": (
        FormState.CHECKED,
        "approver",
        lambda s, a, c, f, v: service.reopen(s, a, f, row_version=v, reason="child row unclear"),
        FormState.REVIEW,
        {},
    ),
    "correct": (
        FormState.HELD,
        "office",
        lambda s, a, c, f, v: service.correct(
            s, a, c, f, row_version=v, corrections={"p1_forename": "ALEXA", "no_such": "x"}
        ),
        FormState.HELD,
        {"fields": ["p1_forename"]},
    ),
}


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_each_action_is_checked_and_audited_once(
    name, db_factory, make_form, actors, review_ctx
) -> None:
    start, role, call, end, detail = ACTIONS[name]
    form_id = make_form(start)
    v = version(db_factory, form_id)
    result = _run(db_factory, lambda s: call(s, actors[role], review_ctx, form_id, v))
    assert result.state == end and result.row_version > v
    entries = _audit(db_factory, form_id)
    assert [(e.action, e.actor_id, e.detail) for e in entries] == [
        (f"form.{name}", actors[role].user_id, detail)
    ]


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_a_stale_version_is_a_conflict_and_changes_nothing(
    name, db_factory, make_form, actors, review_ctx
) -> None:
    start, role, call, _end, _detail = ACTIONS[name]
    form_id = make_form(start)
    stale = version(db_factory, form_id) - 1
    with pytest.raises(ConflictError, match="changed by someone else"), db_factory() as session:
        call(session, actors[role], review_ctx, form_id, stale)
    with db_factory() as session:
        assert session.get(Form, form_id).state == start
    assert _audit(db_factory, form_id) == []


def test_an_unknown_form_is_not_found(db_factory, actors) -> None:
    with pytest.raises(NotFoundError, match="No such form"), db_factory() as session:
        service.release(session, actors["office"], "no-such-form", row_version=1)


def test_release_only_from_held(db_factory, make_form, actors) -> None:
    """The defect of issue 15: an office user sent a rejected form back to review."""
    for state in (FormState.REJECTED, FormState.CHECKED, FormState.REVIEW):
        form_id = make_form(state)
        with pytest.raises(TransitionRefused, match="only a held form"), db_factory() as session:
            service.release(
                session, actors["office"], form_id, row_version=version(db_factory, form_id)
            )
        with db_factory() as session:
            assert session.get(Form, form_id).state == state


def test_corrections_keep_history_and_ignore_ticks_and_unknown_fields(
    db_factory, make_form, actors, review_ctx
) -> None:
    form_id = make_form(FormState.REVIEW)
    _run(
        db_factory,
        lambda s: service.correct(
            s,
            actors["office"],
            review_ctx,
            form_id,
            row_version=version(db_factory, form_id),
            corrections={
                "p1_surname": " TESTOR ",
                "p1_signature_agree": "signed",
                "state": "approved",
            },
        ),
    )
    with db_factory() as session:
        edits = session.scalars(select(FormEdit).where(FormEdit.form_id == form_id)).all()
        form = session.get(Form, form_id)
        assert [(e.field_id, e.old_value, e.new_value) for e in edits] == [
            ("p1_surname", "TESTER", "TESTOR")
        ]
        assert form.state == "review" and "p1_signature_agree" not in form.values
        assert form.last_edited_by == actors["office"].user_id


def test_one_reject_path_writes_its_letter_and_one_audit_entry(
    db_factory, make_form, actors, settings
) -> None:
    form_id = make_form(FormState.CHECKED)
    with db_factory() as session:
        outcome = service.reject(
            session,
            actors["approver"],
            context_from_db(session, settings),
            form_id,
            code="UNSIGNED",
            note="both boxes empty",
            row_version=version(db_factory, form_id),
        )
        session.commit()
    assert len(outcome.letter_ids) == 1 and outcome.applicants_without_address == ()
    with db_factory() as session:
        letter = session.get(RejectionLetter, outcome.letter_ids[0])
        assert letter.addressed_to == "form" and letter.pdf.startswith(b"%PDF")
        decision = session.scalars(select(FormDecision)).one()
        assert (decision.decision, decision.rejection_code) == ("rejected", "UNSIGNED")
        assert session.get(Form, form_id).state == "rejected"
    entries = _audit(db_factory, form_id)
    assert [(e.action, e.detail) for e in entries] == [
        (
            "form.rejected",
            {"code": "UNSIGNED", "letters": list(outcome.letter_ids), "unreachable_slots": []},
        )
    ]


def test_reject_needs_an_approver_a_code_and_an_open_form(
    db_factory, make_form, actors, settings
) -> None:
    form_id = make_form(FormState.REVIEW)

    def reject(role: str, code: str) -> None:
        with db_factory() as session:
            ctx = context_from_db(session, settings)
            service.reject(session, actors[role], ctx, form_id, code=code)
            session.commit()

    with pytest.raises(RoleRefused, match="approver role"):
        reject("office", "UNSIGNED")
    with pytest.raises(WorkflowError, match="Choose a reason"):
        reject("approver", "not signed")
    reject("approver", "NO_PR")
    with pytest.raises(TransitionRefused, match="has been rejected"):
        reject("admin", "OTHER")  # a double click, or a second approver
    with db_factory() as session:
        assert session.scalar(select(RejectionLetter.form_id)) == form_id
        assert len(session.scalars(select(FormDecision)).all()) == 1


def test_reopen_is_for_approvers_with_a_reason(db_factory, make_form, actors) -> None:
    form_id = make_form(FormState.CHECKED)
    v = version(db_factory, form_id)
    with pytest.raises(RoleRefused, match="approver role"), db_factory() as session:
        service.reopen(session, actors["office"], form_id, row_version=v, reason="look again")
    with pytest.raises(WorkflowError, match="why the form goes back"), db_factory() as session:
        service.reopen(session, actors["approver"], form_id, row_version=v, reason=" ")


@pytest.mark.parametrize("state", [FormState.ACCOUNTS_CREATED, FormState.REJECTED])
def test_reopen_refused_once_decided(db_factory, make_form, actors, state) -> None:
    form_id = make_form(state)
    with pytest.raises(TransitionRefused, match="only a checked form"), db_factory() as session:
        service.reopen(
            session,
            actors["approver"],
            form_id,
            row_version=version(db_factory, form_id),
            reason="look again please",
        )


def test_reopen_refused_when_accounts_exist(db_factory, make_form, actors) -> None:
    """Even if a form with accounts were ever found checked again, reopen says no."""
    form_id = make_form(FormState.CHECKED)
    with db_factory() as session:
        session.add(
            PortalAccount(
                contact_id="C-TEST-1",
                username="a.tester",
                username_key="a.tester",
                forename="Alex",
                surname="Tester",
                email="",
                status="active",
                source_form_id=form_id,
                created_by=actors["approver"].user_id,
            )
        )
        session.commit()
    with pytest.raises(TransitionRefused, match="has accounts"), db_factory() as session:
        service.reopen(
            session,
            actors["approver"],
            form_id,
            row_version=version(db_factory, form_id),
            reason="look again please",
        )


def test_reopen_does_not_get_round_four_eyes(db_factory, make_form, actors, settings) -> None:
    """The approver who sends a form back counts as its last editor: somebody else approves."""
    form_id = make_form(FormState.CHECKED)
    _run(
        db_factory,
        lambda s: service.reopen(
            s,
            actors["approver"],
            form_id,
            row_version=version(db_factory, form_id),
            reason="check the child row",
        ),
    )
    with db_factory() as session:
        form = session.get(Form, form_id)
        assert form.state == "review" and form.checked_by is None
        assert form.last_edited_by == actors["approver"].user_id
    with pytest.raises(FourEyesError, match="another approver"), db_factory() as session:
        approve_form(
            session, context_from_db(session, settings), form_id, actors["approver"].user_id
        )
