"""Hostile text read from a form (or typed by staff, or held in the roster) is shown literally on
every page that shows it: review screen and queue, batch page, accounts screens, admin screens.
Nothing is templated twice, no markup reaches the page, no ``javascript:`` link is drawn."""

from __future__ import annotations

import io
import re

import pytest
from batch.fakes import scan_png
from markupsafe import escape
from sqlalchemy import select
from web.helpers import forms_in_review, set_value, upload_fake_batch

from intake.db.accounts import PortalAccount
from intake.db.workflow import Form

from .conftest import FONT_PAYLOAD, FORMULA, LETTER_MARKUP, csrf_from

SCRIPT = "<script>alert(1)</script>"
SVG = '"><svg onload=alert(document.domain)>'
SSTI = "{{ 7*7 }}"
SSTI_BLOCK = "{% for x in range(3) %}X{% endfor %}"
JS_URL = "javascript:alert(1)"
RLO = "\u202enhoj"
#: (field, hostile value) written into a stored form as if the reader had read it
HOSTILE_FIELDS = {
    "p1_forename": SVG,
    "p1_surname": SSTI,
    "p1_email": SCRIPT + "@x.com",
    "p1_postcode": "sw1a1aa<img src=x onerror=alert(2)>",
    "child1_name": SSTI_BLOCK,
    "p1_print_name": JS_URL,
}
#: markup that must never appear raw in a page
FORBIDDEN = ("<script>alert", "<svg onload", "<img src=x", "<font color", 'href="javascript:')


def assert_inert(html: str) -> None:
    for raw in FORBIDDEN:
        assert raw not in html, raw
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # no inline script at all
    assert ">49<" not in html and "XXX" not in html  # nothing was templated


@pytest.fixture
def hostile_form(client_as, db_factory) -> str:
    office = client_as("office")
    upload_fake_batch(office, forms=1)
    form = forms_in_review(db_factory)[0]
    for field_id, value in HOSTILE_FIELDS.items():
        set_value(db_factory, form.id, field_id, value)
    return form.id


def test_review_screen_queue_and_json_show_values_literally(client_as, hostile_form) -> None:
    office = client_as("office")
    html = office.get(f"/review/{hostile_form}").get_data(as_text=True)
    assert_inert(html)
    assert "&#34;&gt;&lt;svg onload=alert(document.domain)&gt;" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;@x.com" in html
    assert SSTI in html and SSTI_BLOCK in html
    assert_inert(office.get("/review").get_data(as_text=True))
    data = office.get(f"/api/forms/{hostile_form}")
    assert data.mimetype == "application/json" and "X-Content-Type-Options" in data.headers
    values = {f["id"]: f["value"] for f in data.get_json()["fields"] if "id" in f}
    for field_id in ("p1_forename", "p1_surname"):
        if field_id in values:
            assert values[field_id] == HOSTILE_FIELDS[field_id]  # JSON keeps the text as read


def test_review_screen_marks_direction_overrides(client_as, db_factory, hostile_form) -> None:
    set_value(db_factory, hostile_form, "p1_forename", RLO)
    html = client_as("office").get(f"/review/{hostile_form}").get_data(as_text=True)
    assert "U+202E" in html or "<bdi" in html


def test_a_typed_correction_is_stored_literally_and_shown_escaped(
    client_as, db_factory, hostile_form
) -> None:
    office = client_as("approver")
    with db_factory() as session:
        version = session.get(Form, hostile_form).row_version
    response = office.post(
        f"/forms/{hostile_form}/accept",
        json={"row_version": version, "values": {"p1_surname": SCRIPT, "p1_forename": SSTI}},
        headers={"X-CSRFToken": csrf_from(office, "/review")},
    )
    assert response.status_code == 200
    with db_factory() as session:
        stored = session.get(Form, hostile_form).values
    assert stored["p1_surname"]["value"] == SCRIPT and stored["p1_forename"]["value"] == SSTI
    assert_inert(office.get(f"/review/{hostile_form}").get_data(as_text=True))


@pytest.mark.parametrize(
    "name",
    [
        "scan\r\nSet-Cookie: x=1.png",
        "a" * 1000 + ".png",
        "<script>alert(1)</script>.png",
        "{{ 7*7 }}.png",
    ],
)
def test_batch_page_shows_hostile_file_names_and_labels_literally(
    client_as, db_factory, name: str
) -> None:
    from intake.db.workflow import Upload

    office = client_as("office")
    response = office.post(
        "/batches",
        data={
            "csrf_token": csrf_from(office, "/batches"),
            "label": SVG,
            "files": [(io.BytesIO(scan_png(1, 1)), name)],
        },
        content_type="multipart/form-data",
    )
    if response.status_code == 422:  # the client could not even send such a name as a file
        assert_inert(response.get_data(as_text=True))
        return
    assert response.status_code == 302
    assert "\r" not in response.headers["Location"] and "Set-Cookie: x" not in str(response.headers)
    with db_factory() as session:
        upload = session.scalar(select(Upload))
    assert len(upload.display_name) <= 120
    assert "\r" not in upload.display_name and "\n" not in upload.display_name
    for page in (response.headers["Location"], "/batches"):
        html = office.get(page).get_data(as_text=True)
        assert_inert(html)


def test_accounts_screens_show_hostile_roster_names_literally(
    client_as, approver, roster, hostile_form, db_factory
) -> None:
    html = approver.get(f"/accounts/forms/{hostile_form}").get_data(as_text=True)
    assert_inert(html)
    assert "&lt;font color=" in html or FONT_PAYLOAD not in html
    response = approver.post(
        f"/accounts/forms/{hostile_form}/approve",
        data={"csrf_token": csrf_from(approver, "/accounts")},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with db_factory() as session:
        account_id = session.scalar(select(PortalAccount.id))
    for page in (f"/accounts/{account_id}", "/accounts", "/accounts?q=smith"):
        page_html = approver.get(page).get_data(as_text=True)
        assert_inert(page_html)
    shown = approver.get(f"/accounts/{account_id}").get_data(as_text=True)
    assert str(escape(FORMULA)) in shown  # the roster's name, literally
    html = approver.get("/accounts", query_string={"q": SCRIPT}).get_data(as_text=True)
    assert_inert(html)
    html = approver.get("/accounts", query_string={"q": LETTER_MARKUP}).get_data(as_text=True)
    assert '<img src="/etc/passwd"/>' not in html


def test_account_search_wildcards_match_nothing(approver, roster, hostile_form, db_factory):
    approver.post(
        f"/accounts/forms/{hostile_form}/approve",
        data={"csrf_token": csrf_from(approver, "/accounts")},
    )
    with db_factory() as session:
        account_id = session.scalar(select(PortalAccount.id))
    assert account_id
    assert account_id in approver.get("/accounts").get_data(as_text=True)  # listed unfiltered
    for q in ("%", "_", "%%", "\\"):
        html = approver.get("/accounts", query_string={"q": q}).get_data(as_text=True)
        assert account_id not in html, q
    for q in ("parent", "+4477"):  # a username or surname part still finds the account
        html = approver.get("/accounts", query_string={"q": q}).get_data(as_text=True)
        assert account_id in html, q


def test_admin_screens_show_hostile_text_literally(client_as, tmp_path) -> None:
    admin = client_as("admin")
    token = csrf_from(admin, "/admin/staff")
    created = admin.post(
        "/admin/staff", data={"csrf_token": token, "username": SVG, "role": "office"}
    )
    assert created.status_code in (200, 422)
    assert_inert(created.get_data(as_text=True))
    for page in ("/admin/staff", "/admin/audit", "/admin/settings"):
        assert_inert(admin.get(page).get_data(as_text=True))
    bad_csv = (f'student_id,upn,forename\r\nS1,A1,{SCRIPT}\r\nS2,"{SVG}",{SSTI}\r\n').encode()
    response = admin.post(
        "/admin/roster",
        data={"csrf_token": token, "roster": (io.BytesIO(bad_csv), "roster.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert_inert(response.get_data(as_text=True))


SQL_TEXT = "Robert'); DROP TABLE students;--"


def test_sql_text_is_stored_and_searched_as_text(client_as, roster, hostile_form, db_factory):
    from sqlalchemy import func

    from intake.db.roster import ContactRow, StudentRow

    def counts() -> tuple[int, int, int]:
        with db_factory() as session:
            return tuple(  # type: ignore[return-value]
                session.scalar(select(func.count()).select_from(table))
                for table in (StudentRow, ContactRow, Form)
            )

    before = counts()
    approver = client_as("approver")
    with db_factory() as session:
        version = session.get(Form, hostile_form).row_version
    accepted = approver.post(
        f"/forms/{hostile_form}/accept",
        json={"row_version": version, "values": {"p1_surname": SQL_TEXT}},
        headers={"X-CSRFToken": csrf_from(approver, "/review")},
    )
    assert accepted.status_code == 200
    with db_factory() as session:
        assert session.get(Form, hostile_form).values["p1_surname"]["value"] == SQL_TEXT
    office = client_as("office")
    search = f"/api/forms/{hostile_form}/students"
    found = office.get(search, query_string={"q": "Tom Smith"})
    assert found.status_code == 200 and found.get_json()["results"]  # the search works
    nothing = office.get(search, query_string={"q": SQL_TEXT})
    assert nothing.status_code == 200 and nothing.get_json()["results"] == []
    for path in ("/accounts", "/review"):
        assert approver.get(path, query_string={"q": SQL_TEXT}).status_code == 200, path
    assert counts() == before and before[0] == len(roster.students)


INVISIBLE = {"Jo\u200bhn": "U+200B", "\ufeffJohn": "U+FEFF", "Jo\u00adhn": "U+00AD"}


@pytest.mark.parametrize("value", sorted(INVISIBLE))
def test_review_screen_names_invisible_characters(client_as, db_factory, hostile_form, value):
    set_value(db_factory, hostile_form, "p1_forename", value)
    office = client_as("office")
    html = office.get(f"/review/{hostile_form}").get_data(as_text=True)
    assert INVISIBLE[value] in html
    fields = office.get(f"/api/forms/{hostile_form}").get_json()["fields"]
    values = {f["id"]: f["value"] for f in fields if "id" in f}
    assert values["p1_forename"] == value  # kept as read; only the screen marks it
