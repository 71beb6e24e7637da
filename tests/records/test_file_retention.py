"""Retention of files: a batch original of several families' forms is rewritten without the
forms past retention (the right pages stay), then removed when all have gone; loose page images
go after their time; a dry run changes nothing; exports go after theirs."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from intake.accounts.adapters import audit_recorder
from intake.accounts.retention import WorkflowScanPurger, apply_retention
from intake.db.base import transaction
from intake.db.records import OriginalRewrite, SubjectExport
from intake.db.workflow import AuditEntry, Form, Page, Upload
from intake.records.file_retention import apply_file_retention, delete_files, form_file_actions

from .conftest import T0, lay_batch, page_widths


def run(factory, settings, storage, now, dry_run=False):
    with transaction(factory) as session:
        report = apply_retention(
            session, settings, WorkflowScanPurger(), audit_recorder, "cli", now, dry_run
        )
        forms = form_file_actions(session, report.rejected_forms)
        files = apply_file_retention(
            session, settings, storage, audit_recorder, "cli", now, dry_run, report.rejected_forms
        )
    if not dry_run:
        delete_files(storage, settings, files.actions)
        for key in report.files_to_delete:
            storage.delete(key)
    return report, forms, files


def test_original_rewritten_without_expired_forms_then_removed(factory, settings, storage):
    settings = replace(settings, retention_originals_days=3650)  # the cutting, not the age
    # Smith (pages 0-1) rejected at T0, Jones (2-3) 100 days later, Brown (5) 150 days later;
    # page 4 is blank. Retention of rejected forms: 180 days; loose pages: 30 days.
    layout = [
        {"key": "smith", "updated_at": T0},
        {"key": "smith"},
        {"key": "jones", "updated_at": T0 + timedelta(days=100)},
        {"key": "jones"},
        "blank",
        {"key": "brown", "updated_at": T0 + timedelta(days=150)},
    ]
    with transaction(factory) as session:
        upload_id, forms, pages = lay_batch(session, storage, layout, T0)
    for key, day in (("jones", 100), ("brown", 150)):
        with transaction(factory) as session:
            form = session.get(Form, forms[key])
            form.updated_at = T0 + timedelta(days=day)
    with factory() as session:
        original = session.get(Upload, upload_id).storage_key
    assert page_widths(storage.get(original)) == [400, 401, 402, 403, 404, 405]

    at_200 = T0 + timedelta(days=200)
    _, listed, dry = run(factory, settings, storage, at_200, dry_run=True)
    rewrite = [a for a in dry.actions if a.action == "rewrite"]
    assert [(a.key, a.detail) for a in rewrite] == [(original, "without page(s) 1, 2, 5 of 6")]
    assert len(listed) == 4  # smith's two pages, scan and aligned image each
    assert {a.object_id for a in dry.actions if a.what == "page image"} == {pages[4]}
    with factory() as session:
        assert session.get(Upload, upload_id).storage_key == original
        assert all(p.image_key for p in session.scalars(select(Page)))
        assert session.scalars(select(OriginalRewrite)).all() == []
    assert storage.path(original).exists()

    report, _, files = run(factory, settings, storage, at_200)
    assert report.rejected_forms == (forms["smith"],)
    assert files.originals_rewritten == 1 and files.loose_pages == 1
    with factory() as session:
        upload = session.get(Upload, upload_id)
        rewritten = upload.storage_key
        assert rewritten != original and upload.page_count == 3
        by_page = {p.id: p for p in session.scalars(select(Page))}
        assert [by_page[p].index for p in pages[2:4]] == [0, 1]
        assert by_page[pages[5]].index == 2
        assert all(by_page[p].index < 0 for p in (pages[0], pages[1], pages[4]))
        assert by_page[pages[4]].image_key == "" and by_page[pages[2]].image_key != ""
        rewrite_row = session.scalars(select(OriginalRewrite)).one()
        assert rewrite_row.removed_indices == [0, 1, 4] and rewrite_row.kept_indices == [2, 3, 5]
    assert page_widths(storage.get(rewritten)) == [402, 403, 405]  # jones, jones, brown
    assert not storage.path(original).exists()

    at_400 = T0 + timedelta(days=400)
    report, _, files = run(factory, settings, storage, at_400)
    assert sorted(report.rejected_forms) == sorted([forms["jones"], forms["brown"]])
    assert files.originals_removed == 1
    with factory() as session:
        assert session.get(Upload, upload_id).storage_key == ""
        assert all(p.index < 0 and not p.image_key for p in session.scalars(select(Page)))
        actions = [e.action for e in session.scalars(select(AuditEntry))]
    assert not storage.path(rewritten).exists()
    assert not list((settings.data_dir / "files" / "page").iterdir())
    assert actions.count("retention.files_applied") == 2


def test_a_form_with_an_account_keeps_its_pages_and_loses_its_original_in_time(
    factory, settings, storage
):
    # issue 20, hole 7: the original of an account's form was kept for ever
    assert settings.retention_originals_days == 90
    with transaction(factory) as session:
        upload_id, _, pages = lay_batch(
            session, storage, [{"key": "kept", "state": "accounts_created"}, {"key": "kept"}], T0
        )
    with factory() as session:
        original = session.get(Upload, upload_id).storage_key
    _, _, early = run(factory, settings, storage, T0 + timedelta(days=89))
    assert early.actions == ()
    assert storage.path(original).exists()

    _, _, dry = run(factory, settings, storage, T0 + timedelta(days=91), dry_run=True)
    assert [(a.action, a.key, a.detail) for a in dry.actions] == [
        ("remove", original, "original past its time")
    ]
    assert storage.path(original).exists()

    _, _, late = run(factory, settings, storage, T0 + timedelta(days=91))
    assert late.originals_removed == 1
    assert not storage.path(original).exists()
    with factory() as session:
        upload = session.get(Upload, upload_id)
        assert upload.storage_key == "" and upload.page_count == 0
        kept = session.get(Page, pages[0])
        assert kept.image_key and storage.path(kept.image_key).exists()  # the audit copy
        rewrite = session.scalars(select(OriginalRewrite)).one()
        assert rewrite.removed_whole and rewrite.removed_indices == [0, 1]
        audits = [
            e.detail
            for e in session.scalars(select(AuditEntry))
            if e.action == "retention.files_applied"
        ]
    assert audits[-1]["originals_past_time"] == [upload_id]
    assert audits[-1]["originals_removed"] == [upload_id]


def test_an_open_form_keeps_its_original_past_its_time(factory, settings, storage):
    with transaction(factory) as session:
        upload_id, _, _ = lay_batch(session, storage, [{"key": "open", "state": "held"}], T0)
    _, _, files = run(factory, settings, storage, T0 + timedelta(days=400))
    assert files.actions == ()
    with factory() as session:
        assert storage.path(session.get(Upload, upload_id).storage_key).exists()


def test_a_page_in_no_form_loses_its_images_whatever_its_status(factory, settings, storage):
    with transaction(factory) as session:
        _, _, pages = lay_batch(session, storage, [{"key": "x", "state": "review"}, "blank"], T0)
        session.get(Page, pages[1]).status = "not_form"
        session.get(Page, pages[0]).form_id = None  # read, but in no form (unknown template)
    _, _, files = run(factory, settings, storage, T0 + timedelta(days=31))
    assert files.loose_pages == 2
    with factory() as session:
        assert all(not session.get(Page, p).image_key for p in pages)


def test_loose_pages_wait_for_their_time(factory, settings, storage):
    with transaction(factory) as session:
        upload_id, _, pages = lay_batch(
            session, storage, ["blank", {"key": "live", "state": "review"}], T0
        )
    _, _, early = run(factory, settings, storage, T0 + timedelta(days=29))
    assert early.actions == ()
    _, _, late = run(factory, settings, storage, T0 + timedelta(days=31))
    assert late.loose_pages == 1 and late.originals_rewritten == 1
    with factory() as session:
        blank = session.get(Page, pages[0])
        assert blank.image_key == blank.scan_key == ""
        upload = session.get(Upload, upload_id)
    assert page_widths(storage.get(upload.storage_key)) == [401]


def test_exports_go_after_their_time(factory, settings, storage):
    folder = settings.data_dir / "exports"
    folder.mkdir()
    (folder / "old.zip").write_bytes(b"PK")
    with transaction(factory) as session:
        session.add(
            SubjectExport(
                subject_kind="contact",
                subject_id="C1",
                created_at=T0,
                created_by="admin",
                file_name="old.zip",
                sha256="0" * 64,
                size=2,
            )
        )
    _, _, dry = run(factory, settings, storage, T0 + timedelta(days=31), dry_run=True)
    assert [a.key for a in dry.actions] == ["exports/old.zip"]
    assert (folder / "old.zip").exists()
    run(factory, settings, storage, T0 + timedelta(days=31))
    assert not (folder / "old.zip").exists()
    with factory() as session:
        assert session.scalars(select(SubjectExport)).all() == []
