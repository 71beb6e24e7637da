"""Group verification: one box confirmed or corrected, a value confirmed, the groups found across
a batch, and the service's rules (row version, state, audit, history, doubt)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from intake.config import Thresholds
from intake.db.workflow import AuditEntry, Form, FormEdit
from intake.errors import ConflictError, WorkflowError
from intake.fieldjson import field_from_json
from intake.reading.result import CharRead, FieldRead, Problem
from intake.review import groups, service, verify
from intake.review.states import FormState, TransitionRefused
from intake.template.model import FieldKind

from .conftest import version

T = Thresholds()


def _doubtful(field_id: str, value: str, weak: tuple[int, ...], kind: str = "name") -> dict:
    return {
        "field_id": field_id,
        "kind": kind,
        "page": 1,
        "raw": value,
        "value": value,
        "confidence": 0.4,
        "problems": ["low_confidence"],
        "chars": [
            {"char": c, "confidence": 0.45 if i in weak else 0.99, "alternatives": []}
            for i, c in enumerate(value)
        ],
        "box_mm": [10.0, 10.0, 50.0, 6.0],
    }


def _read(value: str, weak: tuple[int, ...], kind: FieldKind = FieldKind.NAME) -> FieldRead:
    chars = tuple(CharRead(c, 0.45 if i in weak else 1.0) for i, c in enumerate(value))
    return FieldRead(
        "p1_surname", kind, 1, value, value, 0.4, chars, problems=(Problem.LOW_CONFIDENCE,)
    )


def test_a_corrected_box_is_sure_and_the_field_is_checked_again() -> None:
    settled = verify.settle_char(_read("SM1TH", (2,)), 2, "i", T)
    assert settled.value == "SMITH" and settled.raw == "SMITH"
    assert settled.chars[2] == CharRead("I", 1.0, ())
    # every other box was sure: the whole name now reaches the name level (1.0)
    assert settled.confidence == 1.0 and settled.problems == ()


def test_a_confirmed_box_keeps_its_character_and_an_unsure_field_stays_doubtful() -> None:
    settled = verify.settle_char(_read("SM1TH", (1, 2)), 2, None, T)
    assert settled.value == "SM1TH"
    assert settled.chars[2].confidence == 1.0 and settled.chars[1].confidence == 0.45
    assert Problem.INVALID_VALUE in settled.problems  # a digit in a name is still invalid
    assert Problem.LOW_CONFIDENCE in settled.problems


def test_a_character_the_kind_cannot_hold_is_refused() -> None:
    with pytest.raises(verify.VerifyError, match="one character that a name field holds"):
        verify.settle_char(_read("SM1TH", (2,)), 2, "7", T)
    with pytest.raises(verify.VerifyError, match="one character"):
        verify.settle_char(_read("SM1TH", (2,)), 2, "IT", T)


def test_an_empty_or_missing_box_cannot_be_settled() -> None:
    with pytest.raises(WorkflowError, match="no character"):
        verify.settle_char(_read("SMITH", ()), 9, None, T)


def test_confirming_a_value_makes_it_sure_unless_it_is_invalid() -> None:
    sure = verify.confirm_value(_read("SMYTHE", (3,)), T)
    assert sure.confidence == 1.0 and sure.problems == ()
    assert all(c.confidence == 1.0 for c in sure.chars)
    with pytest.raises(WorkflowError, match="not a valid name"):
        verify.confirm_value(_read("SM1TH", (2,)), T)


def _put(db_factory, form_id: str, **values: dict) -> None:
    with db_factory() as session:
        form = session.get(Form, form_id)
        form.values = {**form.values, **values}
        session.commit()


def test_groups_gather_doubtful_characters_and_values_of_a_batch(
    make_form, db_factory, review_ctx
) -> None:
    form_id = make_form()
    _put(
        db_factory,
        form_id,
        p1_surname=_doubtful("p1_surname", "SM1TH", (2,)),
        p1_forename=_doubtful("p1_forename", "ALEX", (1,)),
    )
    # a form of the same batch accepted already is left alone
    checked_id = make_form(FormState.CHECKED)
    _put(db_factory, checked_id, p1_surname=_doubtful("p1_surname", "SM1TH", (2,)))
    with db_factory() as session:
        form = session.get(Form, form_id)
        session.get(Form, checked_id).batch_id = form.batch_id
        session.commit()
        items = groups.batch_items(session, form.batch_id, T, review_ctx.template_of)
    assert {i.form_id for i in items} == {form_id}
    ones = groups.group(items, groups.GroupKey(groups.GroupBy.CHAR, "1"))
    assert [(i.field_id, i.position, i.boxes) for i in ones] == [("p1_surname", 2, "SM1TH")]
    names = groups.group(items, groups.GroupKey(groups.GroupBy.KIND, "name"))
    # the fixture's other fields read at 0.99 are below the name level (1.0) too
    assert {"p1_surname", "p1_forename"} <= {i.field_id for i in names}
    assert all(i.position is None and i.why for i in names)
    assert names[0].confidence == 0.4  # least sure first
    counted = {(c.key.by.value, c.key.value): c.count for c in groups.counts(items)}
    assert counted[("char", "1")] == 1 and counted[("char", "L")] == 1
    assert counted[("kind", "name")] == len(names)
    assert [c.key.by for c in groups.counts(items)][:2] == [groups.GroupBy.CHAR] * 2


def test_a_field_the_records_confirm_is_no_group_item(make_form, db_factory, review_ctx) -> None:
    form_id = make_form(proposed={"confirmed": {"p1_surname": "contact C1"}})
    _put(db_factory, form_id, p1_surname=_doubtful("p1_surname", "SM1TH", (2,)))
    with db_factory() as session:
        form = session.get(Form, form_id)
        items = groups.doubtful_items(form, review_ctx.template_of(form), T)
    assert items and "p1_surname" not in {i.field_id for i in items}


def _verify(db_factory, actor, ctx, form_id, **kwargs):
    with db_factory() as session:
        result = service.verify_in_group(session, actor, ctx, form_id, **kwargs)
        session.commit()
        return result


def test_a_correction_is_versioned_audited_kept_and_lowers_the_doubt(
    make_form, db_factory, actors, review_ctx
) -> None:
    form_id = make_form(doubt=5.0)
    _put(db_factory, form_id, p1_surname=_doubtful("p1_surname", "SM1TH", (2,)))
    before = version(db_factory, form_id)
    result = _verify(
        db_factory,
        actors["office"],
        review_ctx,
        form_id,
        row_version=before,
        field_id="p1_surname",
        position=2,
        typed="I",
    )
    assert result.row_version == before + 1 and result.state == FormState.REVIEW
    with db_factory() as session:
        form = session.get(Form, form_id)
        surname = field_from_json(form.values["p1_surname"])
        assert surname.value == "SMITH" and surname.chars[2].confidence == 1.0
        assert form.last_edited_by == actors["office"].user_id  # the four-eyes rule sees it
        assert form.doubt < 5.0
        edits = session.scalars(select(FormEdit).where(FormEdit.form_id == form_id)).all()
        assert [(e.field_id, e.old_value, e.new_value) for e in edits] == [
            ("p1_surname", "SM1TH", "SMITH")
        ]
        entry = session.scalars(
            select(AuditEntry).where(
                AuditEntry.object_id == form_id, AuditEntry.action == "form.verify"
            )
        ).one()
        assert entry.detail == {
            "field": "p1_surname",
            "position": 2,
            "outcome": "corrected",
            "fields": ["p1_surname"],
        }


def test_a_confirmation_changes_no_value_and_says_so(
    make_form, db_factory, actors, review_ctx
) -> None:
    form_id = make_form()
    _put(db_factory, form_id, p1_surname=_doubtful("p1_surname", "SMYTHE", (3,)))
    _verify(
        db_factory,
        actors["office"],
        review_ctx,
        form_id,
        row_version=version(db_factory, form_id),
        field_id="p1_surname",
        position=None,
        typed=None,
    )
    with db_factory() as session:
        form = session.get(Form, form_id)
        assert field_from_json(form.values["p1_surname"]).confidence == 1.0
        assert session.scalars(select(FormEdit).where(FormEdit.form_id == form_id)).all() == []
        entry = session.scalars(
            select(AuditEntry).where(
                AuditEntry.object_id == form_id, AuditEntry.action == "form.verify"
            )
        ).one()
        assert entry.detail["outcome"] == "confirmed" and entry.detail["fields"] == []


def test_a_stale_version_is_refused_and_nothing_changes(
    make_form, db_factory, actors, review_ctx
) -> None:
    form_id = make_form()
    _put(db_factory, form_id, p1_surname=_doubtful("p1_surname", "SM1TH", (2,)))
    stale = version(db_factory, form_id) - 1
    with pytest.raises(ConflictError, match="changed by someone else"):
        _verify(
            db_factory,
            actors["office"],
            review_ctx,
            form_id,
            row_version=stale,
            field_id="p1_surname",
            position=2,
            typed="I",
        )
    with db_factory() as session:
        assert session.get(Form, form_id).values["p1_surname"]["value"] == "SM1TH"


@pytest.mark.parametrize("state", [FormState.CHECKED, FormState.HELD])
def test_an_accepted_or_held_form_is_not_changed_behind_its_reviewer(
    state, make_form, db_factory, actors, review_ctx
) -> None:
    form_id = make_form(state)
    _put(db_factory, form_id, p1_surname=_doubtful("p1_surname", "SM1TH", (2,)))
    with pytest.raises(TransitionRefused, match="waiting for review can be checked in a group"):
        _verify(
            db_factory,
            actors["office"],
            review_ctx,
            form_id,
            row_version=version(db_factory, form_id),
            field_id="p1_surname",
            position=2,
            typed="I",
        )


def test_only_a_field_a_reviewer_may_type_over(make_form, db_factory, actors, review_ctx) -> None:
    form_id = make_form()
    with pytest.raises(Exception, match="no such field"):
        _verify(
            db_factory,
            actors["office"],
            review_ctx,
            form_id,
            row_version=version(db_factory, form_id),
            field_id="p1_signature_agree",
            position=None,
            typed=None,
        )
