"""Choosing a roster student for a child row (or a contact for an applicant) on the review screen:
the choice is stored, the form is matched again (the matcher decides the applicant outcome),
locking, CSRF, roles, history, audit, the student search and escaping."""

from __future__ import annotations

from datetime import date

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from intake.db.workflow import AuditEntry, Form, FormEdit, FormState
from intake.roster.csv_io import RosterFile
from intake.roster.importing import SourceFile, import_roster
from intake.roster.model import Address, Contact, Relationship, Roster, Student
from intake.roster.upn import make_upn

from .conftest import csrf_from
from .helpers import forms_in_review, upload_fake_batch

MARKUP = '<img src=x onerror="alert(1)">'


def _roster() -> Roster:
    """Synthetic. S1 Tom Smith 7A, whose contact C1 Jane Smith (the fake form's applicant) has
    parental responsibility; S2 Thomas Smith 8B, whose contact C3 is another Jane Smith without
    it; S3 a pupil whose name is markup, C4 a contact whose surname is markup."""
    home = Address(("12 Acacia Avenue", "Belper"), "DE56 1AB")
    other = Address(("3 Mill Lane", "Derby"), "DE1 2CD")

    def student(sid: str, n: int, fore: str, sur: str, year: int, group: str) -> Student:
        return Student(
            sid,
            make_upn("830", "4001", 13, n),
            fore,
            sur,
            fore,
            sur,
            date(2026 - year - 5, 3, 4),
            year,
            group,
        )

    students = (
        student("S1", 1, "Tom", "Smith", 7, "7A"),
        student("S2", 2, "Thomas", "Smith", 8, "8B"),
        student("S3", 3, MARKUP, "Tester", 9, "9C"),
    )
    contacts = (
        Contact("C1", "Mrs", "Jane", "Smith", home, email="jane1@example.com"),
        Contact("C3", "Ms", "Jane", "Smith", other, email="other@example.org"),
        Contact("C4", "Mr", "Bob", MARKUP, other, email="c4@example.org"),
    )
    relationships = (
        Relationship("S1", "C1", "PAM", True, 1),
        Relationship("S2", "C3", "OTH", False, 1),
        Relationship("S2", "C4", "PAF", True, 2),
        Relationship("S3", "C4", "PAF", True, 1),
    )
    return Roster(students, contacts, relationships)


@pytest.fixture
def form_id(client_as, db_factory) -> str:
    with db_factory() as session, session.begin():
        import_roster(
            session, [SourceFile("roster.csv", "0" * 64, RosterFile(_roster()))], full=True
        )
    upload_fake_batch(client_as("office"), forms=1)
    return forms_in_review(db_factory)[0].id


def _version(db_factory, form_id: str) -> int:
    with db_factory() as session:
        return session.get(Form, form_id).row_version


def _choose(
    client: FlaskClient,
    db_factory,
    form_id: str,
    *,
    version: int | None = None,
    csrf: bool = True,
    **body,
):
    headers = {"X-CSRFToken": csrf_from(client, "/review")} if csrf else {}
    row_version = _version(db_factory, form_id) if version is None else version
    return client.post(
        f"/forms/{form_id}/choose", json={"row_version": row_version, **body}, headers=headers
    )


def test_choosing_a_candidate_links_it_and_matches_again(
    client_as, db_factory, users, form_id
) -> None:
    office = client_as("office")
    response = _choose(office, db_factory, form_id, row=1, student_id="S2")
    assert response.status_code == 200, response.get_data(as_text=True)
    data = response.get_json()
    assert data["children"][0]["linked"] == "S2" and data["children"][0]["chosen_by_person"]
    # C3, the only Jane Smith of S2, holds no parental responsibility: the matcher says so
    assert data["applicants"][0]["outcome"] != "pr"
    with db_factory() as session:
        form = session.get(Form, form_id)
        assert form.match["children"] == [{"row": 1, "student_id": "S2"}]
        assert form.proposed["children"][0]["student_id"] == "S2"
        assert form.proposed["status"] == "ok" and form.last_edited_by == users["office"]
        assert not form.proposed["may_approve"] or form.proposed["applicants"][0]["outcome"] != "pr"
        edits = session.scalars(select(FormEdit).where(FormEdit.form_id == form_id)).all()
        assert [(e.field_id, e.new_value) for e in edits] == [("match:child1", "S2")]
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "form.choose")).all()
        assert [a.detail for a in audit] == [{"target": "child1", "chosen": "S2"}]
    # the other way round: S1, whose contact C1 is the applicant with PR
    data = _choose(office, db_factory, form_id, row=1, student_id="S1").get_json()
    assert data["children"][0]["linked"] == "S1"
    assert data["applicants"][0]["outcome"] == "pr"
    assert data["applicants"][0]["contact_id"] == "C1"
    data = _choose(office, db_factory, form_id, row=1, student_id=None).get_json()
    data = _choose(office, db_factory, form_id, row=1, student_id="S1").get_json()
    with db_factory() as session:
        edits = session.scalars(
            select(FormEdit).where(FormEdit.form_id == form_id).order_by(FormEdit.id)
        ).all()
        assert [(e.old_value, e.new_value) for e in edits] == [
            ("", "S2"),
            ("S2", "S1"),
            ("S1", "not at this school"),
            ("not at this school", "S1"),
        ]
    # accepting keeps the choice
    token = csrf_from(office, "/review")
    accepted = office.post(
        f"/forms/{form_id}/accept",
        headers={"X-CSRFToken": token},
        json={"row_version": data["row_version"], "values": {}},
    )
    assert accepted.status_code == 200 and accepted.get_json()["state"] == "checked"
    with db_factory() as session:
        form = session.get(Form, form_id)
        assert form.state == FormState.CHECKED
        assert form.match["children"] == [{"row": 1, "student_id": "S1"}]
        assert form.proposed["children"][0]["student_id"] == "S1"


def test_not_at_this_school_leaves_the_row_for_the_approver(client_as, db_factory, form_id) -> None:
    office = client_as("office")
    data = _choose(office, db_factory, form_id, row=1, student_id=None).get_json()
    child = data["children"][0]
    assert child["linked"] == "" and child["not_at_school"]
    with db_factory() as session:
        form = session.get(Form, form_id)
        assert form.match["children"] == [{"row": 1, "student_id": None}]
        assert not form.proposed["may_approve"]
        assert any("row 1" in r for r in form.proposed["approve_reasons"])
    # Enter still accepts: the unlinked row is left for the approver, and the audit says so
    token = csrf_from(office, "/review")
    accepted = office.post(
        f"/forms/{form_id}/accept",
        headers={"X-CSRFToken": token},
        json={"row_version": data["row_version"], "values": {}},
    )
    assert accepted.status_code == 200
    with db_factory() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "form.accept")).one()
        assert entry.detail == {"corrected": 0, "fields": [], "unlinked_rows": 1}


def test_contact_choice_is_limited_to_the_childrens_contacts(
    client_as, db_factory, form_id
) -> None:
    office = client_as("office")
    data = _choose(office, db_factory, form_id, row=1, student_id="S2").get_json()
    options = {c["contact_id"] for c in data["applicants"][0]["contact_options"]}
    assert options == {"C3", "C4"}
    refused = _choose(office, db_factory, form_id, party="parent1", contact_id="C1")
    assert refused.status_code == 422
    data = _choose(office, db_factory, form_id, party="parent1", contact_id="C3").get_json()
    applicant = data["applicants"][0]
    # the person chose C3; the matcher still judges C3's standing: no parental responsibility
    assert applicant["contact_id"] == "C3" and applicant["outcome"] == "no_pr"
    assert applicant["chosen_by_person"]
    with db_factory() as session:
        form = session.get(Form, form_id)
        assert form.match["applicants"] == [{"party": "parent1", "contact_id": "C3"}]
        assert form.proposed["applicants"][0]["outcome"] != "pr"


def test_bad_choices_are_refused(client_as, db_factory, form_id) -> None:
    office = client_as("office")
    assert _choose(office, db_factory, form_id, row=1, student_id="NOPE").status_code == 422
    assert _choose(office, db_factory, form_id, row=7, student_id="S1").status_code == 422
    assert _choose(office, db_factory, form_id, row="1", student_id="S1").status_code == 400
    assert _choose(office, db_factory, form_id, party="parent9", contact_id="C1").status_code == 422
    assert _choose(office, db_factory, form_id).status_code == 400
    with db_factory() as session:
        assert session.get(Form, form_id).match == {}


def test_stale_version_is_409_and_changes_nothing(client_as, db_factory, form_id) -> None:
    office = client_as("office")
    old = _version(db_factory, form_id)
    assert _choose(office, db_factory, form_id, row=1, student_id="S2").status_code == 200
    response = _choose(office, db_factory, form_id, version=old, row=1, student_id=None)
    assert response.status_code == 409 and "changed by someone else" in response.get_json()["error"]
    with db_factory() as session:
        assert session.get(Form, form_id).match["children"] == [{"row": 1, "student_id": "S2"}]


def test_csrf_and_login_are_required(app, client_as, db_factory, form_id) -> None:
    office = client_as("office")
    response = _choose(office, db_factory, form_id, csrf=False, row=1, student_id="S2")
    assert response.status_code == 400
    anonymous = app.test_client()
    token = csrf_from(anonymous, "/login")
    response = anonymous.post(
        f"/forms/{form_id}/choose",
        headers={"X-CSRFToken": token},
        json={"row_version": 1, "row": 1, "student_id": "S2"},
    )
    assert response.status_code == 401
    assert anonymous.get(f"/api/forms/{form_id}/students?q=tom").status_code == 401
    with db_factory() as session:
        assert session.get(Form, form_id).match == {}
    # the route matrix's role for both routes is office (a lower role does not exist)
    for endpoint in ("review.choose", "review.search_students"):
        assert app.view_functions[endpoint].required_roles == ("office",)


def test_choices_closed_after_review(client_as, db_factory, form_id) -> None:
    with db_factory() as session:
        form = session.get(Form, form_id)
        form.state = FormState.APPROVED.value
        session.commit()
    response = _choose(client_as("approver"), db_factory, form_id, row=1, student_id="S2")
    assert response.status_code == 409


def test_student_search(client_as, db_factory, form_id) -> None:
    office = client_as("office")
    response = office.get(f"/api/forms/{form_id}/students?q=thomas+smith&tutor_group=8B")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/json"
    results = response.get_json()["results"]
    assert results[0]["student_id"] == "S2" and results[0]["year"] == 8
    for hostile in ("%", "_", "' OR 1=1 --", "%25%5F", "\\", "*" * 500, "%%% ___ smith"):
        response = office.get(f"/api/forms/{form_id}/students", query_string={"q": hostile})
        assert response.status_code in (200, 422)
        assert all(r["student_id"] in {"S1", "S2", "S3"} for r in response.get_json()["results"])
    empty = office.get(f"/api/forms/{form_id}/students?q=")
    assert empty.status_code == 422 and "at least 3 letters" in empty.get_json()["error"]
    with db_factory() as session:
        searches = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "roster.search")
        ).all()
        # each search is audited with the ids it showed (ids only: never the typed name)
        assert searches and all(set(a.detail) == {"results", "students"} for a in searches)
        assert searches[0].detail["students"][0] == "S2"


def test_hostile_names_in_candidates_are_escaped(client_as, db_factory, form_id) -> None:
    office = client_as("office")
    with db_factory() as session:
        form = session.get(Form, form_id)
        proposed = dict(form.proposed)
        proposed["children"] = [
            {
                "row": 1,
                "student_id": None,
                "auto_linked": False,
                "reasons": ["two alike"],
                "candidates": [
                    {
                        "student_id": "S3",
                        "forename": MARKUP,
                        "surname": "Tester",
                        "tutor_group": "9C<b>",
                        "score": 80.0,
                        "reasons": [MARKUP],
                    },
                    {
                        "student_id": "S1",
                        "forename": "Tom",
                        "surname": "Smith",
                        "tutor_group": "7A",
                        "score": 79.0,
                        "reasons": [],
                    },
                ],
            }
        ]
        form.proposed = proposed
        session.commit()
    html = office.get(f"/review/{form_id}").get_data(as_text=True)
    assert MARKUP not in html and "<b>" not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    assert 'data-doubtful="1"' in html and 'data-student-id="S3"' in html
    # the contacts offered for an applicant come from the roster: markup there is inert too
    data = _choose(office, db_factory, form_id, row=1, student_id="S3").get_json()
    assert data["applicants"][0]["contact_options"][0]["name"] == "Bob " + MARKUP
    html = office.get(f"/review/{form_id}").get_data(as_text=True)
    assert MARKUP not in html and "Bob &lt;img" in html
    found = office.get(
        f"/api/forms/{form_id}/students", query_string={"q": MARKUP + " Tester"}
    ).get_json()["results"]
    assert found[0]["name"].startswith(MARKUP)  # JSON; the screen writes it with textContent


@pytest.mark.browser
@pytest.mark.slow
def test_choosing_from_the_keyboard_in_a_browser(app, db_factory, users, form_id) -> None:
    """Chromium: '/' searches the roster from a child row, Enter picks a result, a number key
    picks a contact, '0' says "not at this school", Enter accepts; names stay text."""
    import threading

    from waitress.server import create_server

    from .browser_flow import CHROMIUM_ARGS, ensure_chromium
    from .conftest import PASSWORD

    chromium = ensure_chromium()
    if not chromium:
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    url = f"http://127.0.0.1:{server.effective_port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            page = browser.new_page()
            try:
                page.goto(f"{url}/login")
                page.fill("#username", "office1")
                page.fill("#password", PASSWORD)
                page.press("#password", "Enter")
                page.wait_for_url(f"{url}/review")
                page.goto(f"{url}/review/{form_id}")
                page.focus(".choice-box[data-row='1']")
                page.keyboard.press("/")
                page.keyboard.type("thomas smith 8B")
                page.keyboard.press("Enter")
                page.wait_for_selector(".search-results button.choice[data-student-id='S2']")
                focused = "document.activeElement.getAttribute('data-student-id')"
                assert page.evaluate(focused) == "S2"
                page.keyboard.press("Enter")
                page.wait_for_selector(".choice-box[data-party='parent1'] .contacts button")
                assert "by a person" in page.text_content(".choice-box[data-row='1']")
                assert MARKUP in page.text_content("#applicants")  # shown as text
                assert page.locator("#applicants img").count() == 0
                page.focus(".choice-box[data-party='parent1']")
                page.keyboard.press("2")  # C4 (PR) is listed first, then C3
                page.wait_for_selector(
                    ".choice-box[data-party='parent1'] .badge:has-text('chosen by a person')"
                )
                page.focus(".choice-box[data-row='1']")
                page.keyboard.press("0")
                page.wait_for_selector(
                    ".choice-box[data-row='1'] .badge:has-text('not at this school')"
                )
                page.keyboard.press("Enter")
                # the contact chosen holds another email: the one written must be keyed
                page.wait_for_selector("#banner:has-text('email as it is written')")
                assert page.evaluate("document.activeElement.id") == "v-p1_email"
                page.keyboard.type("jane1@example.com")
                page.keyboard.press("Enter")
                page.wait_for_url(f"{url}/review", timeout=15000)  # the queue: it left
            finally:
                browser.close()
    finally:
        server.close()
    with db_factory() as session:
        form = session.get(Form, form_id)
        assert form.state == FormState.CHECKED
        assert form.match == {
            "children": [{"row": 1, "student_id": None}],
            "applicants": [{"party": "parent1", "contact_id": "C3"}],
        }
