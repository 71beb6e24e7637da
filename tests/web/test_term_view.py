"""The term view through the test client: who may see it, what it counts, and escaping."""

from __future__ import annotations

from intake.db.workflow import Batch, BatchStatus

from .conftest import csrf_from
from .helpers import forms_in_review, upload_fake_batch


def test_office_and_approvers_see_where_the_term_stands(app, client_as, db_factory) -> None:
    office = client_as("office")
    upload_fake_batch(office, forms=3)
    form = forms_in_review(db_factory)[0]
    token = csrf_from(office, f"/review/{form.id}")
    accepted = office.post(
        f"/forms/{form.id}/accept",
        json={"row_version": form.row_version},
        headers={"X-CSRFToken": token},
    )
    assert accepted.status_code == 200
    for role in ("office", "approver"):
        page = client_as(role).get("/term")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "Forms: 3" in html
        assert (
            '<tr id="state-review">' in html
            and 'Waiting for review</a></td>\n      <td class="num">2<' in html
        )
        assert 'Checked, waiting for an approver</a></td>\n      <td class="num">1<' in html
        assert "6 read · 0 blank · 0 not read" in html
        assert (
            '<td>office1</td>\n      <td class="num">1</td>\n      <td class="num">0</td>' in html
        )
        assert 'href="/term"' in html  # in the navigation
    anonymous = app.test_client().get("/term")
    assert anonymous.status_code == 302 and "/login" in anonymous.location


def test_batch_labels_are_escaped(client_as, db_factory) -> None:
    with db_factory() as session:
        session.add(Batch(label="<script>alert(1)</script>", status=BatchStatus.PROCESSING.value))
        session.commit()
    html = client_as("office").get("/term").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_day_to_count_from(client_as) -> None:
    client = client_as("office")
    upload_fake_batch(client, forms=2)
    assert "received since 2000-01-01: 2" in client.get("/term?since=2000-01-01").get_data(
        as_text=True
    )
    later = client.get("/term?since=2999-01-01").get_data(as_text=True)
    assert "received since 2999-01-01: 0" in later
    assert "Forms: 2" in client.get("/term?since=not-a-day").get_data(as_text=True)
