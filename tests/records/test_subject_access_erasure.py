"""Subject-access export and erasure: everything held on one person; each refusal rule; an
erasure that removes the person's forms, files and records and keeps another family's pages."""

from __future__ import annotations

import io
import json

import pikepdf
import pytest
from sqlalchemy import select

from intake.accounts.errors import NotFoundError
from intake.db.accounts import AccountChild, ChildHold, PortalAccount
from intake.db.base import transaction
from intake.db.roster import ContactRow, StudentContactRow, StudentRow
from intake.db.workflow import AuditEntry, Form, Page, Upload
from intake.records.erasure import ErasureRefused, check_erasure, erase_person
from intake.records.file_retention import delete_files
from intake.records.people import find_person
from intake.records.subject_access import build_export

from .conftest import T0, lay_batch, make_ctx, page_widths


def applicant(contact_id):
    return {"applicants": [{"party": "parent1", "contact_id": contact_id}]}


def child(student_id):
    return {"children": [{"row": 1, "student_id": student_id}]}


def add_account(session, contact_id, student_id, form_id, status="active"):
    account = PortalAccount(
        contact_id=contact_id,
        username=f"user{contact_id}",
        username_key=f"user{contact_id}".lower(),
        password_hash="$argon2id$secret-hash",
        status=status,
        created_by="approver",
        source_form_id=form_id,
    )
    account.children.append(
        AccountChild(student_id=student_id, linked_by="approver", source_form_id=form_id)
    )
    session.add(account)
    session.flush()
    return account.id


def codes(factory, person_id):
    with factory() as session:
        return {r.code for r in check_erasure(session, find_person(session, person_id))}


def test_export_holds_roster_account_forms_pages_and_audit(factory, storage):
    with transaction(factory) as session:
        _, forms, _ = lay_batch(
            session,
            storage,
            [
                {"key": "jane", "state": "accounts_created", "match": applicant("C1")},
                {"key": "jane"},
                {"key": "other", "match": applicant("C4")},
            ],
            T0,
        )
        add_account(session, "C1", "S1", forms["jane"])
    with factory() as session:
        files = {
            f.name: f.body for f in build_export(session, storage, find_person(session, "C1"), T0)
        }
    assert set(files) == {"person-C1.json", "person-C1-pages.pdf"}
    data = json.loads(files["person-C1.json"])
    assert data["roster"]["surname"] == "Smith" and data["roster"]["contact_id"] == "C1"
    assert {link["student_id"] for link in data["roster"]["links"]} == {"S1", "S2"}
    assert [f["id"] for f in data["forms"]] == [forms["jane"]]  # not the other family's form
    assert len(data["forms"][0]["pages"]) == 2
    assert data["accounts"][0]["children"][0]["student_id"] == "S1"
    assert "secret-hash" not in files["person-C1.json"].decode()
    with pikepdf.open(io.BytesIO(files["person-C1-pages.pdf"])) as pdf:
        assert len(pdf.pages) == 2


def test_refusal_rules(factory, settings, storage):
    with transaction(factory) as session:
        _, forms, _ = lay_batch(
            session,
            storage,
            [
                {"key": "open", "state": "review", "match": applicant("C4")},
                {"key": "both", "state": "accounts_created", "match": applicant("C2")},
            ],
            T0,
        )
        add_account(session, "C1", "S1", forms["both"])  # Jane's account, from C2's form
        session.add(ChildHold(student_id="S3", reason="Investigation", opened_by="a"))
        leaver = session.scalars(select(StudentRow).where(StudentRow.student_id == "S4")).one()
        leaver.on_roll = False
    assert "LEGAL_FLAG" in codes(factory, "C5")  # court order for S3
    assert "CHILD_PROTECTION" in codes(factory, "C4")  # open hold on S3
    assert "CHILD_PROTECTION" in codes(factory, "S3")
    assert "OPEN_FORM" in codes(factory, "C4")
    assert {"ACTIVE_ACCOUNT", "IN_MIS"} <= codes(factory, "C1")
    assert "ON_ROLL" in codes(factory, "S1")
    assert "AUDIT_COPY" in codes(factory, "C2")
    assert codes(factory, "S4") == set()  # a leaver with nothing held against erasure
    with transaction(factory) as session:
        person = find_person(session, "C5")
        ctx = make_ctx(session, settings, lambda: T0)
        with pytest.raises(ErasureRefused, match="cannot be erased") as refused:
            erase_person(session, ctx, storage, person, "admin")
    assert refused.value.problems[0].startswith("LEGAL_FLAG")


def test_erasure_removes_the_person_and_keeps_the_other_family(factory, settings, storage):
    # C3 (Tom Smith, no PR) applied and was rejected; the MIS no longer holds him.
    with transaction(factory) as session:
        upload_id, forms, pages = lay_batch(
            session,
            storage,
            [
                {"key": "jones", "state": "accounts_created", "match": applicant("C4")},
                {"key": "tom", "state": "rejected", "match": applicant("C3")},
                {"key": "tom"},
            ],
            T0,
        )
        add_account(session, "C4", "S3", forms["jones"])
        contact = session.scalars(select(ContactRow).where(ContactRow.contact_id == "C3")).one()
        contact.current = False
        for link in session.scalars(
            select(StudentContactRow).where(StudentContactRow.contact_pk == contact.id)
        ):
            link.ended_at = T0
        original = session.get(Upload, upload_id).storage_key
    assert codes(factory, "C3") == set()
    with transaction(factory) as session:
        ctx = make_ctx(session, settings, lambda: T0)
        result = erase_person(session, ctx, storage, find_person(session, "C3"), "admin")
    delete_files(storage, settings, result.files)
    assert result.forms == (forms["tom"],)
    with factory() as session:
        assert session.scalars(select(ContactRow).where(ContactRow.contact_id == "C3")).all() == []
        tom = session.get(Form, forms["tom"])
        assert tom.values == {} and tom.match == {} and tom.state == "rejected"
        assert all(not session.get(Page, p).image_key for p in pages[1:])
        assert session.get(Page, pages[0]).image_key  # the Jones family's page stays
        assert session.get(Form, forms["jones"]).values != {}
        upload = session.get(Upload, upload_id)
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "person.erased")
        ).one()
        assert entry.object_id == "C3" and entry.detail["forms"] == [forms["tom"]]
        assert session.scalar(select(StudentRow.id).where(StudentRow.student_id == "S1"))
    assert page_widths(storage.get(upload.storage_key)) == [400]  # Jones's page only
    assert not storage.path(original).exists()
    with factory() as session, pytest.raises(NotFoundError, match="No contact or student"):
        find_person(session, "C3")


def test_cli_export_and_refused_erase_are_audited(
    factory, settings, storage, tmp_path, monkeypatch
):
    from click.testing import CliRunner

    from intake.cli import cli

    monkeypatch.setenv("INTAKE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("INTAKE_DATABASE_URL", settings.sqlalchemy_url)
    runner = CliRunner()
    out = tmp_path / "sar"
    done = runner.invoke(cli, ["person", "export", "S1", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert json.loads((out / "person-S1.json").read_text())["roster"]["legal_forename"] == "Amy"
    refused = runner.invoke(cli, ["person", "erase", "S1", "--yes"])
    assert refused.exit_code != 0 and isinstance(refused.exception, ErasureRefused)
    with factory() as session:
        entries = {e.action: e for e in session.scalars(select(AuditEntry))}
        assert session.scalar(select(StudentRow.id).where(StudentRow.student_id == "S1"))
    assert entries["person.exported"].object_id == "S1"
    assert entries["person.erase_refused"].detail == {"rules": ["ON_ROLL"]}
