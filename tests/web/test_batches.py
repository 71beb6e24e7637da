"""Uploads, the batch job (idempotent, one bad page never stops it), progress, page fixes."""

from __future__ import annotations

import io
import os
import re
import stat
import zipfile

import pytest
from batch.fakes import scan_png
from sqlalchemy import func, select

from intake.batch.driver import process_batch
from intake.db.workflow import Batch, Form, Page, Upload
from intake.storage import LocalStorage

from .conftest import csrf_from
from .helpers import upload_fake_batch


def _post_files(client, files):
    token = csrf_from(client, "/batches")
    return client.post(
        "/batches", data={"csrf_token": token, "files": files}, content_type="multipart/form-data"
    )


def test_upload_reads_pages_into_forms(client_as, db_factory) -> None:
    client = client_as("office")
    response = upload_fake_batch(client, forms=2, blank=1)
    assert response.status_code == 302
    with db_factory() as session:
        batch = session.scalar(select(Batch))
        assert (
            batch.status,
            batch.pages_total,
            batch.pages_done,
            batch.pages_failed,
            batch.forms_found,
        ) == ("done", 5, 5, 1, 2)
        forms = session.scalars(select(Form)).all()
        assert sorted(f.serial for f in forms) == ["F0001", "F0002"]
        assert all(
            len(session.scalars(select(Page).where(Page.form_id == f.id)).all()) == 2 for f in forms
        )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    # issue 21: a blank back is counted and listed as blank, collapsed, with no buttons
    assert "5 of 5 pages done: 4 read · 1 blank · 0 not read · 2 forms" in page
    assert '<details id="blank-pages">' in page and "1 blank page(s)" in page
    assert "Every page so far was read or blank." in page
    assert "Turn 90° and read again" not in page
    listing = client.get("/batches").get_data(as_text=True)
    assert re.search(
        r'<td class="num">4</td>\s*<td class="num">1</td>\s*<td class="num">0</td>', listing
    )
    progress = client.get(f"/api/batches/{batch.id}/progress").get_json()
    assert progress["pages_done"] == 5 and progress["forms_by_state"] == {"review": 2}
    assert (progress["pages_read"], progress["pages_blank"], progress["pages_unread"]) == (4, 1, 0)


def test_renamed_zip_is_refused(client_as, db_factory) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "hello")
    response = _post_files(client_as("office"), [(io.BytesIO(buffer.getvalue()), "scan.pdf")])
    assert response.status_code == 422
    assert "not a PDF, TIFF, PNG or JPEG" in response.get_data(as_text=True)
    with db_factory() as session:
        assert session.scalar(select(func.count()).select_from(Upload)) == 0


def test_empty_file_is_refused(client_as) -> None:
    response = _post_files(client_as("office"), [(io.BytesIO(b""), "empty.pdf")])
    assert response.status_code == 422 and "0 bytes" in response.get_data(as_text=True)


def test_svg_sent_as_jpeg_is_refused(client_as) -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
    assert _post_files(client_as("office"), [(io.BytesIO(svg), "photo.jpg")]).status_code == 422


def test_too_large_upload_is_refused_before_the_view(app, client_as) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    big = io.BytesIO(b"%PDF-1.4\n" + b"0" * 20_000)
    assert _post_files(client_as("office"), [(big, "big.pdf")]).status_code == 413


@pytest.mark.parametrize(
    "name",
    [
        "../../app/config.py",
        "..\\..\\win.ini",
        "a.pdf\x00.php",
        '"><img src=x onerror=alert(1)>.png',
        "scan\u202efdp.exe",
    ],
)
def test_hostile_file_names_are_stored_under_uuids(client_as, db_factory, settings, name) -> None:
    client = client_as("office")
    response = _post_files(client, [(io.BytesIO(scan_png(1, 1)), name)])
    assert response.status_code == 302
    with db_factory() as session:
        upload = session.scalar(select(Upload))
    assert upload.storage_key.startswith("orig/") and len(upload.storage_key) == 37
    assert "/" not in upload.display_name and "\\" not in upload.display_name
    assert "\x00" not in upload.display_name and "\u202e" not in upload.display_name
    stored = settings.data_dir / "files" / upload.storage_key
    assert not stored.read_bytes().startswith(b"\x89PNG")  # sealed on the disk
    # the original, unchanged
    assert LocalStorage(settings.data_dir / "files").get(upload.storage_key) == scan_png(1, 1)
    assert stat.S_IMODE(os.stat(stored).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(stored.parent).st_mode) == 0o700
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<img src=x" not in page
    if "\u202e" in name:
        assert "[U+202E]" in page


def test_rerunning_a_batch_adds_nothing(client_as, db_factory, batch_ctx, reader) -> None:
    client = client_as("office")
    upload_fake_batch(client, forms=2, blank=1)
    with db_factory() as session:
        batch_id = session.scalar(select(Batch.id))
        before = (
            session.scalar(select(func.count()).select_from(Form)),
            session.scalar(select(func.count()).select_from(Page)),
        )
    calls = reader.calls
    process_batch(batch_ctx, batch_id)
    process_batch(batch_ctx, batch_id)
    with db_factory() as session:
        after = (
            session.scalar(select(func.count()).select_from(Form)),
            session.scalar(select(func.count()).select_from(Page)),
        )
        batch = session.get(Batch, batch_id)
        assert batch.pages_done == 5 and batch.forms_found == 2
    assert after == before == (2, 5)
    assert reader.calls == calls  # pages already read are not read again


def test_a_crashing_page_does_not_stop_the_batch(client_as, db_factory, reader) -> None:
    reader.fail_on.add((1, 2))
    client = client_as("office")
    upload_fake_batch(client, forms=2)
    with db_factory() as session:
        pages = session.scalars(select(Page).where(Page.status == "unreadable")).all()
        assert len(pages) == 1 and "RuntimeError" in pages[0].reason
        assert pages[0].scan_key  # its image is kept so a person can see it
        forms = session.scalars(select(Form)).all()
        problems = {f.serial: f.problems for f in forms}
    assert "page_missing" in problems["F0001"] and len(forms) == 2
    assert "page_missing" not in problems["F0002"]


def test_a_worker_that_died_half_way_finishes_on_rerun(
    client_as, db_factory, batch_ctx, reader
) -> None:
    reader.fail_on.add((2, 1))
    client = client_as("office")
    upload_fake_batch(client, forms=2)
    with db_factory() as session:
        batch_id = session.scalar(select(Batch.id))
        broken = session.scalar(select(Page).where(Page.status == "unreadable"))
        session.delete(broken)  # as if the worker had died before writing this page
        session.commit()
    reader.fail_on.clear()
    process_batch(batch_ctx, batch_id)
    with db_factory() as session:
        assert session.scalar(select(func.count()).select_from(Page)) == 4
        assert session.scalar(select(func.count()).select_from(Form)) == 2


def test_rotate_reads_the_page_again(client_as, db_factory) -> None:
    client = client_as("office")
    upload_fake_batch(client, forms=1, blank=1)
    with db_factory() as session:
        blank = session.scalar(select(Page).where(Page.status == "blank"))
    token = csrf_from(client, "/batches")
    response = client.post(
        f"/pages/{blank.id}/rotate", data={"csrf_token": token, "degrees": "180"}
    )
    assert response.status_code == 302
    with db_factory() as session:
        assert session.get(Page, blank.id).manual_rotation == 180
    assert (
        client.post(
            f"/pages/{blank.id}/rotate", data={"csrf_token": token, "degrees": "45"}
        ).status_code
        == 400
    )


def test_assign_a_page_to_a_form(client_as, db_factory) -> None:
    client = client_as("office")
    upload_fake_batch(client, forms=1, blank=1)
    with db_factory() as session:
        blank = session.scalar(select(Page).where(Page.status == "blank"))
        form = session.scalar(select(Form))
    token = csrf_from(client, "/batches")
    response = client.post(
        f"/pages/{blank.id}/assign", data={"csrf_token": token, "form_id": form.id}
    )
    assert response.status_code == 302
    with db_factory() as session:
        assert session.get(Page, blank.id).form_id == form.id


def test_page_images_are_private(client_as, db_factory) -> None:
    client = client_as("office")
    upload_fake_batch(client, forms=1)
    with db_factory() as session:
        page = session.scalar(select(Page))
    image = client.get(f"/pages/{page.id}/image")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.headers["Cache-Control"].startswith("no-store")


def _add_upload(db_factory, storage, batch_id: str, png: bytes) -> None:
    with db_factory() as session:
        stored = storage.put_original(png)
        session.add(
            Upload(
                batch_id=batch_id,
                storage_key=stored.key,
                sha256=stored.sha256,
                size=stored.size,
                display_name="late.png",
                kind="png",
            )
        )
        session.commit()


def test_a_page_arriving_later_completes_an_untouched_form(client_as, db_factory, batch_ctx):
    client = client_as("office")
    token = csrf_from(client, "/batches")
    client.post(
        "/batches",
        data={
            "csrf_token": token,
            "files": [
                (io.BytesIO(scan_png(1, 1)), "p1.png"),
                (io.BytesIO(scan_png(2, 1)), "q1.png"),
            ],
        },
        content_type="multipart/form-data",
    )
    with db_factory() as session:
        batch_id = session.scalar(select(Batch.id))
        forms = {f.serial: f for f in session.scalars(select(Form))}
    assert all("page_missing" in f.problems for f in forms.values())
    # a person corrects form 2; form 1 stays untouched
    token = csrf_from(client, "/review")
    client.post(
        f"/forms/{forms['F0002'].id}/hold",
        headers={"X-CSRFToken": token},
        json={"row_version": forms["F0002"].row_version, "reason": "x"},
    )
    _add_upload(db_factory, batch_ctx.storage, batch_id, scan_png(1, 2))
    _add_upload(db_factory, batch_ctx.storage, batch_id, scan_png(2, 2))
    process_batch(batch_ctx, batch_id)
    with db_factory() as session:
        after = {f.serial: f for f in session.scalars(select(Form))}
    assert "page_missing" not in after["F0001"].problems and after["F0001"].state == "review"
    assert "p1_email" in after["F0001"].values
    assert "page_missing" in after["F0002"].problems  # held by a person: left alone
    assert len(after) == 2


def test_an_upside_down_page_is_read_after_turning_it(client_as, db_factory) -> None:
    from PIL import Image

    upside_down = io.BytesIO()
    Image.open(io.BytesIO(scan_png(1, 2))).rotate(180).save(upside_down, format="PNG")
    client = client_as("office")
    token = csrf_from(client, "/batches")
    client.post(
        "/batches",
        data={
            "csrf_token": token,
            "files": [
                (io.BytesIO(scan_png(1, 1)), "p1.png"),
                (io.BytesIO(upside_down.getvalue()), "p2.png"),
            ],
        },
        content_type="multipart/form-data",
    )
    with db_factory() as session:
        turned = session.scalar(select(Page).where(Page.status != "read"))
        assert "page_missing" in session.scalar(select(Form)).problems
    response = client.post(
        f"/pages/{turned.id}/rotate", data={"csrf_token": token, "degrees": "180"}
    )
    assert response.status_code == 302
    with db_factory() as session:
        page = session.get(Page, turned.id)
        assert (page.status, page.page_number, page.manual_rotation) == ("read", 2, 180)
        form = session.scalar(select(Form))
        assert page.form_id == form.id and "page_missing" not in form.problems
        assert session.get(Batch, page.batch_id).pages_failed == 0
