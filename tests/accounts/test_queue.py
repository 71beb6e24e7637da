"""The approver's queue: forms in words, filters, bulk approve and bulk reject."""
# ruff: noqa: F811 - the fixtures of test_web are imported, then asked for by name

from __future__ import annotations

import re

from sqlalchemy import select

from intake.db.accounts import FormDecision, PortalAccount
from intake.db.workflow import Form

from .test_web import (  # noqa: F401 - fixtures
    add_form,
    app,
    client_as,
    count_accounts,
    csrf,
    db,
    fast_hashes,
    users,
    web_settings,
)


def three_forms(db, users) -> dict[str, str]:
    ready = add_form(db, users, {1: "C1"}, {1: "S1", 2: "S2"})
    no_pr = add_form(db, users, {1: "C3"}, {1: "S1"})
    unsigned = add_form(db, users, {1: "C4"}, {1: "S3"}, signed_slots=())
    return {"ready": ready, "no_pr": no_pr, "unsigned": unsigned}


def rows_of(page: str) -> set[str]:
    return set(re.findall(r'name="form_id" value="([^"]+)"', page))


def test_queue_shows_families_children_applicants_and_problems_in_words(client_as, db, users):
    ids = three_forms(db, users)
    client = client_as("approver1")
    page = client.get("/accounts/queue").get_data(as_text=True)
    assert "3 waiting · 1 ready to approve" in page
    assert "Amy Smith (7B)" in page and "Ben Smith (9C)" in page
    assert "Mrs Jane Smith (P1: parental responsibility)" in page
    assert "Mr Tom Smith (Parent/Carer 1) has no parental responsibility for Amy Smith (7B)" in page
    assert "Parent/Carer 1 (Jane) has not signed the form." in page
    assert "Letter if rejected: no parental responsibility" in page
    assert "contact C3" not in page
    assert rows_of(page) == set(ids.values())
    ready = client.get("/accounts/queue?ready=1").get_data(as_text=True)
    assert rows_of(ready) == {ids["ready"]}
    no_pr = client.get("/accounts/queue?problem=NO_PR").get_data(as_text=True)
    assert rows_of(no_pr) == {ids["no_pr"]}
    with db() as session:
        batch_id = session.get(Form, ids["unsigned"]).batch_id
    one_batch = client.get(f"/accounts/queue?batch={batch_id}").get_data(as_text=True)
    assert rows_of(one_batch) == {ids["unsigned"]}


def test_bulk_approve_confirms_a_summary_and_approves_only_ready_forms(client_as, db, users):
    ids = three_forms(db, users)
    client = client_as("approver1")
    token = csrf(client, "/accounts/queue")
    picked = {"csrf_token": token, "action": "approve", "form_id": list(ids.values())}
    summary = client.post("/accounts/queue/confirm", data=picked)
    text = summary.get_data(as_text=True)
    assert summary.status_code == 200 and "Approve 1 form(s)?" in text
    assert "Left out (2)" in text and "not ready: open it to decide" in text
    assert count_accounts(db) == 0  # nothing happens before the confirmation
    done = client.post("/accounts/queue/apply", data=picked)
    assert done.status_code == 302
    assert "Approved 1 form(s); 1 account(s) created. 2 form(s) left" in client.get(
        "/accounts/queue"
    ).get_data(as_text=True)
    with db() as session:
        assert session.get(Form, ids["ready"]).state == "accounts_created"
        assert session.get(Form, ids["no_pr"]).state == "review"
        assert set(session.scalars(select(PortalAccount.contact_id))) == {"C1"}


def test_bulk_reject_sends_the_letter_each_problem_implies(client_as, db, users):
    ids = three_forms(db, users)
    client = client_as("approver1")
    token = csrf(client, "/accounts/queue")
    picked = {"csrf_token": token, "action": "reject", "form_id": list(ids.values())}
    summary = client.post("/accounts/queue/confirm", data=picked).get_data(as_text=True)
    assert "Reject 2 form(s)?" in summary and "nothing stands in the way" in summary
    assert client.post("/accounts/queue/apply", data=picked).status_code == 302
    with db() as session:
        codes = {d.form_id: d.rejection_code for d in session.scalars(select(FormDecision))}
        assert session.get(Form, ids["ready"]).state == "review"
    assert codes == {ids["no_pr"]: "NO_PR", ids["unsigned"]: "UNSIGNED"}


def test_bulk_decisions_respect_four_eyes_and_show_forms_without_a_reviewer(client_as, db, users):
    mine = add_form(db, users, {1: "C1"}, {1: "S1"}, by="approver1")
    straight = add_form(db, users, {1: "C4"}, {1: "S3"})
    with db() as session, session.begin():
        form = session.get(Form, straight)
        form.state, form.last_edited_by = "checked", None  # the batch sent it straight through
        form.proposed = {**form.proposed, "straight_through": ["signed <twice>"]}
    client = client_as("approver1")
    page = client.get("/accounts/queue").get_data(as_text=True)
    assert "straight through: no reviewer needed" in page and "You uploaded this batch" in page
    assert "Why no reviewer was needed" in page and "signed &lt;twice&gt;" in page
    decide = client.get(f"/accounts/forms/{straight}").get_data(as_text=True)
    assert "Sent straight through: no reviewer was needed" in decide
    assert "signed &lt;twice&gt;" in decide
    mine_page = client.get(f"/accounts/forms/{mine}").get_data(as_text=True)
    assert "Sent straight through" not in mine_page
    token = csrf(client, "/accounts/queue")
    picked = {"csrf_token": token, "action": "approve", "form_id": [mine, straight]}
    assert client.post("/accounts/queue/apply", data=picked).status_code == 302
    with db() as session:
        assert session.get(Form, mine).state == "review"
        assert session.get(Form, straight).state == "accounts_created"


def test_bulk_decisions_need_an_approver_and_csrf(client_as, db, users):
    form_id = add_form(db, users, {1: "C1"}, {1: "S1"})
    office = client_as("office1")
    assert office.get("/accounts/queue").status_code == 403
    approver = client_as("approver1")
    refused = approver.post("/accounts/queue/apply", data={"action": "approve", "form_id": form_id})
    assert refused.status_code == 400
    assert count_accounts(db) == 0
