"""How a forms row (values, matcher proposals, reviewer's confirmed links) becomes the approver's
view of the form."""

from __future__ import annotations

from intake.accounts.adapters import form_for_approval

from .test_web import db, web_settings

__all__ = ["db", "web_settings"]


def v(value: str) -> dict[str, str]:
    return {"value": value}


def test_sections_signatures_and_links():
    values = {
        "p1_forename": v("JANE"),
        "p1_surname": v("SMITH"),
        "p1_address1": v("1 HIGH ST"),
        "p1_postcode": v("DE56 1AA"),
        "p1_signature_agree": v("signed"),
        "p1_signature_confirm": v("signed"),
        "p2_forename": v("JOHN"),
        "p2_signature_agree": v("signed"),  # confirmation missing
        "child1_name": v("AMY SMITH"),
        "child1_has_account": v("ticked"),
        "child2_name": v("BEN SMITH"),
        "child3_name": v(""),
    }
    proposed = {
        "children": [{"row": 1, "student_id": "S1"}, {"row": 2, "student_id": None}],
        "applicants": [
            {"party": "parent1", "contact_id": "C1", "outcome": "pr"},
            {"party": "parent2", "contact_id": None},
        ],
    }
    confirmed = {"children": [{"row": 2, "student_id": "S2"}]}  # the reviewer chose Ben
    form = form_for_approval("F1", "review", "u1", "u2", values, proposed, confirmed)
    assert [(a.slot, a.contact_id, a.signed) for a in form.applicants] == [
        (1, "C1", True),
        (2, None, False),
    ]
    assert form.applicants[0].written_address == ("1 HIGH ST",)
    assert form.applicants[0].written_postcode == "DE56 1AA"
    assert [(c.row, c.student_id, c.already_has_account) for c in form.children] == [
        (1, "S1", True),
        (2, "S2", False),
    ]


def test_empty_second_section_is_not_an_applicant():
    values = {
        "p1_print_name": v("JANE SMITH"),
        "p1_signature_agree": v("signed"),
        "p1_signature_confirm": v("signed"),
    }
    form = form_for_approval("F1", "review", None, None, values, {}, {})
    assert [a.slot for a in form.applicants] == [1]
    assert form.children == ()


def test_plain_string_values_are_accepted():
    form = form_for_approval(
        "F1",
        "checked",
        None,
        None,
        {"p1_forename": "JANE", "p1_signature_agree": "signed", "p1_signature_confirm": "signed"},
        {},
        {},
    )
    assert form.applicants[0].signed


def test_roster_from_db_answers_like_the_roster_it_was_imported_from(db):
    from intake.accounts.adapters import RosterFromDb
    from intake.accounts.ports import RosterInMemory

    from .helpers import make_roster

    roster = make_roster()
    memory = RosterInMemory(roster)
    with db() as session:
        stored = RosterFromDb(session)
        for contact in roster.contacts:
            assert stored.contact(contact.contact_id) == contact
            assert sorted(stored.relationships_of_contact(contact.contact_id), key=repr) == sorted(
                memory.relationships_of_contact(contact.contact_id), key=repr
            )
        for student in roster.students:
            assert (
                stored.relationships_of_student(student.student_id)
                and stored.student(student.student_id).legal_forename == student.legal_forename
            )
        assert stored.contact("nobody") is None and stored.student("nobody") is None
        assert stored.relationships_of_contact("nobody") == []


def test_check_settings_names_the_bad_setting(tmp_path):
    from dataclasses import replace

    import pytest

    from intake.accounts.adapters import check_settings
    from intake.config import School, Settings
    from intake.errors import ConfigError

    good = Settings(data_dir=tmp_path)
    check_settings(good)
    for bad, name in [
        (replace(good, username_scheme="childname"), "username_scheme"),
        (replace(good, password_profile="weak"), "password_profile"),
        (replace(good, initial_password_days=0), "initial_password_days"),
        (replace(good, retention_letters_days=0), "retention_letters_days"),
        (replace(good, school=School(portal_url="http://portal.example")), "portal_url"),
    ]:
        with pytest.raises(ConfigError, match=name):
            check_settings(bad)
