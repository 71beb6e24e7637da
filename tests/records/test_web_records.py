"""The collection desk and the subject-access screens through the real app."""

from __future__ import annotations

import pytest
from accounts.test_web import (  # noqa: F401 - fixtures
    PASSWORD,
    add_form,
    app,
    client_as,
    csrf,
    db,
    fast_hashes,
    users,
    web_settings,
)
from sqlalchemy import select

from intake.db.records import LetterCollection, SubjectExport
from intake.db.workflow import AuditEntry
from intake.records.file_retention import exports_dir


@pytest.fixture(autouse=True)
def _cheap(fast_hashes):  # noqa: F811
    return None


def test_collection_desk_hand_over_needs_the_id_check(client_as, db, users):  # noqa: F811
    approver = client_as("approver2")
    form_id = add_form(db, users, {1: "C1"}, {1: "S1"})
    token = csrf(approver)
    approved = approver.post(
        f"/accounts/forms/{form_id}/approve", data={"csrf_token": token, "delivery": "collect"}
    )
    assert approved.status_code == 302
    letters = approver.post("/accounts/letters", data={"csrf_token": token})
    assert letters.status_code == 200 and letters.mimetype == "application/pdf"
    office = client_as("office1")
    desk = office.get("/collection")
    assert desk.status_code == 200 and "Smith" in desk.get_data(as_text=True)
    assert "Smith" in office.get("/collection/print").get_data(as_text=True)
    with db() as session:
        collection_id = session.scalars(select(LetterCollection.id)).one()
    office_token = csrf(office, "/collection")
    refused = office.post(
        f"/collection/{collection_id}/hand-over", data={"csrf_token": office_token}
    )
    assert refused.status_code == 409 and "photo ID" in refused.get_data(as_text=True)
    done = office.post(
        f"/collection/{collection_id}/hand-over",
        data={"csrf_token": office_token, "photo_id_checked": "yes"},
    )
    assert done.status_code == 302
    with db() as session:
        row = session.get(LetterCollection, collection_id)
        assert row.handed_over_by == users["office1"] and row.photo_id_checked


def test_admin_export_download_and_refused_erasure(client_as, db, users, web_settings):  # noqa: F811
    admin = client_as("admin1")
    page = admin.get("/admin/people/S1")
    assert page.status_code == 200 and "ON_ROLL" in page.get_data(as_text=True)
    token = csrf(admin, "/admin/people/S1")
    assert admin.post("/admin/people/S1/export", data={"csrf_token": token}).status_code == 302
    with db() as session:
        export_id, file_name = session.execute(
            select(SubjectExport.id, SubjectExport.file_name)
        ).one()
    raw = (exports_dir(web_settings) / file_name).read_bytes()
    assert raw.startswith(b"INTKENC1") and b"PK\x03\x04" not in raw  # sealed on the disk
    download = admin.get(f"/admin/people/exports/{export_id}")
    assert download.status_code == 200 and download.data[:2] == b"PK"
    refused = admin.post("/admin/people/S1/erase", data={"csrf_token": token, "confirm": "S1"})
    assert refused.status_code == 409 and "on roll" in refused.get_data(as_text=True)
    with db() as session:
        actions = set(session.scalars(select(AuditEntry.action)))
    assert {"person.exported", "person.export_downloaded", "person.erase_refused"} <= actions
    assert admin.get("/admin/people/NOBODY").status_code == 404
