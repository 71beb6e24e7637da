"""Group verification through the test client: the batch page's links, the group screen with
its crops, the plain POST path, the JSON path with its row versions, escaping, roles."""

from __future__ import annotations

from sqlalchemy import select

from intake.batch.doubt import doubt_score
from intake.batch.proposal import proposal_from_json
from intake.config import Thresholds
from intake.db.workflow import AuditEntry, Form
from intake.fieldjson import field_from_json

from .conftest import csrf_from
from .helpers import forms_in_review, upload_fake_batch


def _doubtful_forms(db_factory) -> list[Form]:
    """The fake forms whose surname read SM1TH with a doubtful 1 in box 2."""
    return [f for f in forms_in_review(db_factory) if f.values["p1_surname"]["value"] == "SM1TH"]


def _set_chars(db_factory, form_id: str, field_id: str, text: str, weak: int) -> None:
    """Store what a hostile page might have read: ``text`` in the boxes, box ``weak`` doubtful."""
    with db_factory() as session:
        form = session.get(Form, form_id)
        values = dict(form.values)
        chars = [
            {"char": c, "confidence": 0.45 if i == weak else 0.97, "alternatives": []}
            for i, c in enumerate(text)
        ]
        values[field_id] = dict(values[field_id], value=text, raw=text, chars=chars)
        form.values = values
        session.commit()


def test_the_batch_page_links_each_group_with_its_count(client_as, db_factory) -> None:
    client = client_as("office")
    upload_fake_batch(client, forms=3)
    batch_id = _doubtful_forms(db_factory)[0].batch_id
    page = client.get(f"/batches/{batch_id}").get_data(as_text=True)
    assert f"/batches/{batch_id}/verify?char=1" in page
    assert "Doubtful \u201c1\u201d characters" in page
    # forms 1 and 3 read SM1TH: two doubtful ones
    assert '<span class="badge">2</span>' in page
    assert f"/batches/{batch_id}/verify?kind=name" in page


def test_the_group_shows_every_doubtful_one_with_its_box(client_as, db_factory) -> None:
    client = client_as("office")
    upload_fake_batch(client, forms=3)
    forms = _doubtful_forms(db_factory)
    assert len(forms) == 2
    page = client.get(f"/batches/{forms[0].batch_id}/verify?char=1")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('class="group-item"') == 2
    for form in forms:
        crop = f"/forms/{form.id}/crops/p1_surname/boxes/2"
        assert crop in html
        image = client.get(crop)
        assert image.status_code == 200 and image.mimetype == "image/png"
    assert client.get(f"/forms/{forms[0].id}/crops/p1_surname/boxes/99").status_code == 404
    assert "SM<mark>1</mark>TH" in html
    with db_factory() as session:
        views = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "form.view", AuditEntry.detail["via"].as_string() == "group"
            )
        ).all()
    assert {v.object_id for v in views} == {f.id for f in forms}


def test_an_unknown_group_or_batch_is_not_found(client_as, db_factory) -> None:
    client = client_as("office")
    upload_fake_batch(client, forms=1)
    batch_id = forms_in_review(db_factory)[0].batch_id
    assert client.get(f"/batches/{batch_id}/verify").status_code == 404
    assert client.get(f"/batches/{batch_id}/verify?char=AB").status_code == 404
    assert client.get(f"/batches/{batch_id}/verify?kind=signature").status_code == 404
    assert client.get("/batches/nope/verify?char=1").status_code == 404


def test_the_plain_post_corrects_one_and_comes_back_to_the_group(client_as, db_factory) -> None:
    client = client_as("office")
    upload_fake_batch(client, forms=3)
    form, other = _doubtful_forms(db_factory)
    url = f"/batches/{form.batch_id}/verify"
    token = csrf_from(client, f"{url}?char=1")
    answer = client.post(
        url,
        data={
            "csrf_token": token,
            "form_id": form.id,
            "field_id": "p1_surname",
            "position": "2",
            "row_version": str(form.row_version),
            "char": "1",
            "do": "correct",
            "typed": "i",
        },
    )
    assert answer.status_code == 302 and answer.location.endswith(f"{url}?char=1")
    with db_factory() as session:
        stored = session.get(Form, form.id)
        assert stored.values["p1_surname"]["value"] == "SMITH"
        assert stored.state == "review" and stored.row_version == form.row_version + 1
        # recomputed from the values now (the fake reader stored no low-confidence problem)
        values = {k: field_from_json(v) for k, v in stored.values.items()}
        proposal = proposal_from_json(stored.proposed)
        assert stored.doubt == doubt_score(values, stored.problems, proposal, Thresholds())
        assert stored.doubt != form.doubt
    html = client.get(f"{url}?char=1").get_data(as_text=True)
    assert "Corrected." in html
    assert html.count('class="group-item"') == 1 and other.id in html


def test_json_confirmations_carry_the_new_row_version_and_stale_ones_conflict(
    client_as, db_factory
) -> None:
    client = client_as("office")
    upload_fake_batch(client, forms=1)
    form = _doubtful_forms(db_factory)[0]
    url = f"/batches/{form.batch_id}/verify"
    token = csrf_from(client, f"{url}?char=1")
    body = {
        "form_id": form.id,
        "field_id": "p1_surname",
        "position": 2,
        "row_version": form.row_version,
        "do": "confirm",
    }
    first = client.post(url, json=body, headers={"X-CSRFToken": token})
    assert first.status_code == 200
    assert first.get_json() == {"ok": True, "form_id": form.id, "row_version": form.row_version + 1}
    # the same version again: somebody else's change in between, nothing saved
    stale = client.post(
        url, json=dict(body, do="correct", typed="I"), headers={"X-CSRFToken": token}
    )
    assert stale.status_code == 409
    assert "changed by someone else" in stale.get_json()["error"]
    with db_factory() as session:
        assert session.get(Form, form.id).values["p1_surname"]["value"] == "SM1TH"
    empty = client.post(
        url,
        json=dict(body, row_version=form.row_version + 1, do="correct", typed=" "),
        headers={"X-CSRFToken": token},
    )
    assert empty.status_code == 422


def test_an_accepted_form_is_refused(client_as, db_factory) -> None:
    client = client_as("office")
    upload_fake_batch(client, forms=1)
    form = _doubtful_forms(db_factory)[0]
    token = csrf_from(client, f"/review/{form.id}")
    accepted = client.post(
        f"/forms/{form.id}/accept",
        json={"row_version": form.row_version},
        headers={"X-CSRFToken": token},
    )
    assert accepted.status_code == 200
    version = accepted.get_json()["row_version"]
    url = f"/batches/{form.batch_id}/verify"
    assert client.get(f"{url}?char=1").get_data(as_text=True).count('class="group-item"') == 0
    refused = client.post(
        url,
        json={
            "form_id": form.id,
            "field_id": "p1_surname",
            "position": 2,
            "row_version": version,
            "do": "confirm",
        },
        headers={"X-CSRFToken": token},
    )
    assert refused.status_code == 409
    assert "waiting for review" in refused.get_json()["error"]


def test_what_a_form_read_is_escaped_on_both_screens(client_as, db_factory) -> None:
    client = client_as("office")
    upload_fake_batch(client, forms=1)
    form = _doubtful_forms(db_factory)[0]
    _set_chars(db_factory, form.id, "p1_surname", "<script>x</script>", 0)
    batch_page = client.get(f"/batches/{form.batch_id}").get_data(as_text=True)
    assert "<script>x" not in batch_page and "\u201c&lt;\u201d" in batch_page
    for query, shown in (
        ("char=%3C", "<mark>&lt;</mark>script"),
        ("kind=name", 'value="&lt;script&gt;x&lt;/script&gt;"'),
    ):
        html = client.get(f"/batches/{form.batch_id}/verify?{query}").get_data(as_text=True)
        assert "<script>x" not in html
        assert shown in html, query


def test_the_group_needs_a_signed_in_member_of_staff(app, client_as, db_factory) -> None:
    office = client_as("office")
    upload_fake_batch(office, forms=1)
    form = _doubtful_forms(db_factory)[0]
    url = f"/batches/{form.batch_id}/verify?char=1"
    anonymous = app.test_client().get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.location
    assert client_as("approver").get(url).status_code == 200
