"""Direction overrides in names (issue 20: "bidi override characters in names are sent raw in
JSON"): every JSON body carries them as ``\\u202e`` escapes with the value unchanged, and every
page shows them as a visible ``[U+202E]`` marker instead of letting them reorder the text."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from web.helpers import forms_in_review, set_value, upload_fake_batch

from intake.bidi import BIDI_CONTROLS, escape_json, escape_json_bytes, visible
from intake.db.accounts import PortalAccount
from intake.roster.csv_io import RosterFile
from intake.roster.importing import SourceFile, import_roster

from .conftest import csrf_from, hostile_roster

RLO = "\u202e"
#: a contact surname that shows as "Smith" followed by reversed text
OVERRIDDEN = "Smith\u202enhoJ\u202c \u2067x\u2069"
RAW = re.compile(f"[{BIDI_CONTROLS}]")


def test_visible_names_every_control() -> None:
    assert visible(OVERRIDDEN) == "Smith[U+202E]nhoJ[U+202C] [U+2067]x[U+2069]"
    assert visible("Siân O'Brien") == "Siân O'Brien"


@given(st.text(alphabet=st.sampled_from([*BIDI_CONTROLS, "a", "é", '"', "\\", "\n"])))
def test_escaped_json_reads_back_the_same(text: str) -> None:
    body = escape_json(json.dumps({"name": text, text: [text]}, ensure_ascii=False))
    assert not RAW.search(body)
    assert json.loads(body) == {"name": text, text: [text]}
    encoded = json.dumps([text], ensure_ascii=False).encode()
    assert json.loads(escape_json_bytes(encoded)) == [text]


@pytest.fixture
def bidi_roster(db_factory) -> None:
    """The security roster with C1 (Tom Smith's parent, PR) surnamed with overrides."""
    data = hostile_roster()
    contacts = (replace(data.contacts[0], surname=OVERRIDDEN), *data.contacts[1:])
    data = replace(data, contacts=contacts)
    with db_factory() as session, session.begin():
        import_roster(session, [SourceFile("roster.csv", "0" * 64, RosterFile(data))], full=True)


@pytest.fixture
def account_id(client_as, approver, bidi_roster, db_factory) -> str:
    upload_fake_batch(client_as("office"), forms=1)
    form = forms_in_review(db_factory)[0]
    set_value(db_factory, form.id, "p1_surname", OVERRIDDEN)
    response = approver.post(
        f"/accounts/forms/{form.id}/approve",
        data={"csrf_token": csrf_from(approver, "/accounts")},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with db_factory() as session:
        found = session.scalar(select(PortalAccount.id))
    assert found
    return found


def test_json_export_and_api_escape_overrides(client_as, account_id) -> None:
    admin = client_as("admin")
    created = admin.post(
        "/accounts/api-tokens",
        data={"csrf_token": csrf_from(admin, "/accounts/api-tokens"), "name": "MIS sync"},
    )
    token = re.search(r"<code>(ppx_[^<]+)</code>", created.get_data(as_text=True))
    assert token, created.get_data(as_text=True)[:1000]
    response = admin.application.test_client().get(
        "/api/accounts", headers={"Authorization": f"Bearer {token.group(1)}"}
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert not RAW.search(body), "a raw direction override in the JSON body"
    assert "\\u202e" in body
    surnames = [a["surname"] for a in json.loads(body)["accounts"]]
    assert surnames == [OVERRIDDEN]  # the value a JSON reader gets is unchanged


def test_account_pages_show_markers(approver, account_id) -> None:
    for path in ("/accounts", f"/accounts/{account_id}", "/accounts?q=smith"):
        html = approver.get(path).get_data(as_text=True)
        assert not RAW.search(html), path
    shown = approver.get(f"/accounts/{account_id}").get_data(as_text=True)
    assert "Smith[U+202E]nhoJ[U+202C]" in shown


def test_students_search_json_escapes_overrides(client_as, bidi_roster, db_factory) -> None:
    office = client_as("office")
    upload_fake_batch(office, forms=1)
    form = forms_in_review(db_factory)[0]
    search = office.get(f"/api/forms/{form.id}/students", query_string={"q": "Tom Smith"})
    assert search.status_code == 200
    assert not RAW.search(search.get_data(as_text=True))


def test_review_screen_marks_every_override(client_as, db_factory) -> None:
    office = client_as("office")
    upload_fake_batch(office, forms=1)
    form = forms_in_review(db_factory)[0]
    set_value(db_factory, form.id, "p1_forename", OVERRIDDEN)
    html = office.get(f"/review/{form.id}").get_data(as_text=True)
    assert not RAW.search(html)
    assert 'value="Smith[U+202E]nhoJ[U+202C] [U+2067]x[U+2069]"' in html
    data = office.get(f"/api/forms/{form.id}")
    assert not RAW.search(data.get_data(as_text=True))
    values = {f["id"]: f["value"] for f in data.get_json()["fields"] if "id" in f}
    assert values.get("p1_forename") == OVERRIDDEN
