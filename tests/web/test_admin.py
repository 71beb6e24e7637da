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


def _rosters(tmp_path, rows: int = 5):
    """The demo roster, and the same with a court order added to the first ``rows`` rows'
    links and parental responsibility taken from them."""
    from intake.lab.roster.demo import make_demo_roster
    from intake.roster.csv_io import write_roster

    path = tmp_path / "roster.csv"
    write_roster(make_demo_roster(40, 7, 2026), path)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    pr, court = header.index("ParentalResponsibility"), header.index("CourtOrder")
    changed = [lines[0]]
    for number, line in enumerate(lines[1:]):
        cells = line.split(",")
        if number < rows:
            cells[pr], cells[court] = "N", "Y"
        changed.append(",".join(cells))
    return path.read_bytes(), ("\n".join(changed) + "\n").encode()


def _upload(admin, data: bytes):
    token = csrf_from(admin, "/admin/roster")
    response = admin.post(
        "/admin/roster",
        data={"csrf_token": token, "roster": (io.BytesIO(data), "roster.csv")},
        content_type="multipart/form-data",
    )
    return response, token


def _court_orders(db_factory) -> int:
    from intake.db.roster import StudentContactRow

    with db_factory() as session:
        return len(
            session.scalars(
                select(StudentContactRow).where(StudentContactRow.court_order.is_(True))
            ).all()
        )


def test_an_import_that_changes_responsibility_or_court_orders_waits_for_confirmation(
    client_as, db_factory, tmp_path, settings
):
    first, risky = _rosters(tmp_path)
    admin = client_as("admin")
    assert _upload(admin, first)[0].status_code == 200
    before = _court_orders(db_factory)
    response, token = _upload(admin, risky)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[-1500:]
    assert "Nothing is imported yet" in html
    assert html.count("court order added") == 5 and "parental responsibility removed" in html
    assert _court_orders(db_factory) == before  # the dry run left nothing behind
    stored = {p for p in (settings.data_dir / "files" / "orig").iterdir()}
    assert len(stored) == 2  # the file and what was shown, sealed
    # unticked: refused, still nothing imported
    refused = admin.post("/admin/roster/confirm", data={"csrf_token": token})
    assert refused.status_code == 422 and _court_orders(db_factory) == before
    confirmed = admin.post("/admin/roster/confirm", data={"csrf_token": token, "checked": "yes"})
    assert confirmed.status_code == 200, confirmed.get_data(as_text=True)[:500]
    assert "Imported." in confirmed.get_data(as_text=True)
    assert _court_orders(db_factory) == before + 5
    assert not list((settings.data_dir / "files" / "orig").iterdir())  # the copies are gone
    with db_factory() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("roster.%")).order_by(AuditEntry.id)
        ).all()
    assert [e.action for e in entries] == ["roster.import", "roster.previewed", "roster.import"]
    shown = html.count(": court order added") + html.count(": parental responsibility removed")
    assert entries[-1].detail["confirmed_changes"] == shown
    # nothing left to confirm: a second confirm is sent back to the upload
    again = admin.post("/admin/roster/confirm", data={"csrf_token": token, "checked": "yes"})
    assert again.status_code == 302


def test_a_cancelled_preview_changes_nothing_and_keeps_no_copy(
    client_as, db_factory, tmp_path, settings
):
    first, risky = _rosters(tmp_path)
    admin = client_as("admin")
    _upload(admin, first)
    before = _court_orders(db_factory)
    _, token = _upload(admin, risky)
    assert "Nothing is imported yet" in admin.get("/admin/roster").get_data(as_text=True)
    assert admin.post("/admin/roster/cancel", data={"csrf_token": token}).status_code == 302
    assert _court_orders(db_factory) == before
    assert not list((settings.data_dir / "files" / "orig").iterdir())
    assert "Nothing is imported yet" not in admin.get("/admin/roster").get_data(as_text=True)


def test_an_abandoned_preview_expires_and_its_copy_is_deleted(
    client_as, db_factory, tmp_path, settings, monkeypatch
):
    from datetime import UTC, datetime, timedelta

    from intake.records.file_retention import apply_file_retention
    from intake.storage import local_storage

    first, risky = _rosters(tmp_path)
    admin, other = client_as("admin"), client_as("admin")
    _upload(admin, first)
    _, token = _upload(admin, risky)  # then the tab is closed: no confirm, no cancel
    _upload(other, risky)
    copies = settings.data_dir / "files" / "orig"
    assert len(list(copies.iterdir())) == 4  # each preview: the file and what it showed
    with db_factory() as session:
        now = datetime.now(UTC)
        later = apply_file_retention(
            session, settings, local_storage(settings), lambda *a, **k: None, None,
            now + timedelta(minutes=61), dry_run=True,
        )  # fmt: skip
        assert later.roster_previews == 4
        assert apply_file_retention(
            session, settings, local_storage(settings), lambda *a, **k: None, None, now,
            dry_run=True,
        ).roster_previews == 0  # fmt: skip

    class Later(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.now(tz) + timedelta(minutes=61)

    monkeypatch.setattr("intake.web.admin.datetime", Later)
    before = _court_orders(db_factory)
    refused = admin.post("/admin/roster/confirm", data={"csrf_token": token, "checked": "yes"})
    assert refused.status_code == 302 and _court_orders(db_factory) == before
    assert len(list(copies.iterdir())) == 2  # the expired preview deleted its own copies
    _upload(admin, risky)  # a new preview sweeps the other admin's abandoned one
    assert len(list(copies.iterdir())) == 2
    with db_factory() as session:
        detail = session.scalars(
            select(AuditEntry.detail)
            .where(AuditEntry.action == "roster.previewed")
            .order_by(AuditEntry.id.desc())
        ).first()
    assert detail and sorted(detail) == ["changes_to_confirm", "file", "shown"]
    assert {p.name for p in copies.iterdir()} == {detail["file"], detail["shown"]}


def test_a_roster_changed_since_the_preview_is_shown_again_not_imported(
    client_as, db_factory, tmp_path
):
    first, risky = _rosters(tmp_path)
    _, partly = _rosters(tmp_path, rows=3)
    admin, other = client_as("admin"), client_as("admin")
    _upload(admin, first)
    before = _court_orders(db_factory)
    _, token = _upload(admin, risky)
    # meanwhile three of the five rows' changes are imported from another session: the file
    # previewed would now change other links than the ones shown
    _, other_token = _upload(other, partly)
    other.post("/admin/roster/confirm", data={"csrf_token": other_token, "checked": "yes"})
    assert _court_orders(db_factory) == before + 3
    response = admin.post("/admin/roster/confirm", data={"csrf_token": token, "checked": "yes"})
    html = response.get_data(as_text=True)
    assert "The roster changed since this file was previewed" in html
    assert html.count("court order added") == 2
    assert _court_orders(db_factory) == before + 3  # not imported
    confirmed = admin.post("/admin/roster/confirm", data={"csrf_token": token, "checked": "yes"})
    assert "Imported." in confirmed.get_data(as_text=True)
    assert _court_orders(db_factory) == before + 5


def test_audit_log_shows_ids_and_actions_only(client_as):
    admin = client_as("admin")
    html = admin.get("/admin/audit").get_data(as_text=True)
    assert "login" in html and "admin1" in html
