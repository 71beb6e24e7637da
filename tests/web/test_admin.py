"""Administration: staff changes are audited; roster import through the browser; audit view."""

from __future__ import annotations

import io

from sqlalchemy import select

from intake.db.workflow import AuditEntry, StaffUser

from .conftest import csrf_from


def test_role_change_and_disable_are_audited_and_end_sessions(client_as, db_factory, users):
    admin, office = client_as("admin"), client_as("office")
    token = csrf_from(admin, "/admin/staff")
    response = admin.post(
        f"/admin/staff/{users['office']}/role", data={"csrf_token": token, "role": "approver"}
    )
    assert response.status_code == 302
    assert office.get("/review").status_code == 302  # the old session ended with the change
    admin.post(f"/admin/staff/{users['office']}/active", data={"csrf_token": token, "active": "0"})
    with db_factory() as session:
        user = session.get(StaffUser, users["office"])
        assert (user.role, user.active) == ("approver", False)
        actions = set(session.scalars(select(AuditEntry.action)))
    assert {"staff.role_changed", "staff.disabled"} <= actions


def test_admin_cannot_change_their_own_role(client_as, users):
    admin = client_as("admin")
    token = csrf_from(admin, "/admin/staff")
    response = admin.post(
        f"/admin/staff/{users['admin']}/role", data={"csrf_token": token, "role": "office"}
    )
    assert response.status_code == 422


def test_roster_import_from_the_admin_screen(client_as, db_factory, tmp_path):
    from intake.lab.roster.demo import make_demo_roster
    from intake.roster.csv_io import write_roster

    path = tmp_path / "roster.csv"
    write_roster(make_demo_roster(40, 7, 2026), path)
    admin = client_as("admin")
    token = csrf_from(admin, "/admin/roster")
    response = admin.post(
        "/admin/roster",
        data={"csrf_token": token, "roster": (io.BytesIO(path.read_bytes()), "roster.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert "students added: 40" in response.get_data(as_text=True)
    bad = admin.post(
        "/admin/roster",
        data={"csrf_token": token, "roster": (io.BytesIO(b"not,a,roster\n1,2,3\n"), "x.csv")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422
    with db_factory() as session:
        assert "roster.import" in set(session.scalars(select(AuditEntry.action)))


def test_audit_log_shows_ids_and_actions_only(client_as):
    admin = client_as("admin")
    html = admin.get("/admin/audit").get_data(as_text=True)
    assert "login" in html and "admin1" in html
