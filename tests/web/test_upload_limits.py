"""The web upload shares the command line's path: the same file twice is named as a duplicate and
not read again unless the box is ticked; a user's daily page quota refuses the upload that
would pass it, saying when it resets."""

from __future__ import annotations

import io
from dataclasses import replace

from batch.fakes import scan_png
from sqlalchemy import func, select

from intake.db.workflow import Batch, Page

from .conftest import csrf_from


def _post(client, files, **extra):
    token = csrf_from(client, "/batches")
    return client.post(
        "/batches",
        data={"csrf_token": token, "files": files, **extra},
        content_type="multipart/form-data",
    )


def _pages(db_factory) -> int:
    with db_factory() as session:
        return session.scalar(select(func.count()).select_from(Page))


def test_the_same_file_twice_is_refused_unless_asked(client_as, db_factory) -> None:
    client = client_as("office")
    assert _post(client, [(io.BytesIO(scan_png(1, 1)), "a.png")]).status_code == 302
    again = _post(client, [(io.BytesIO(scan_png(1, 1)), "scan0001.png")])
    assert again.status_code == 422
    text = again.get_data(as_text=True)
    assert "Already uploaded, not read again unless asked" in text
    assert "scan0001.png: the same file was uploaded on" in text
    assert _pages(db_factory) == 1
    forced = _post(client, [(io.BytesIO(scan_png(1, 1)), "scan0001.png")], again="1")
    assert forced.status_code == 302
    assert _pages(db_factory) == 2


def test_the_daily_quota_refuses_an_upload_that_passes_it(app, client_as, db_factory) -> None:
    settings = app.config["INTAKE_SETTINGS"]
    app.config["INTAKE_SETTINGS"] = replace(
        settings, limits=replace(settings.limits, daily_pages_per_user=3)
    )
    client = client_as("office")
    first = [(io.BytesIO(scan_png(n, 1)), f"f{n}.png") for n in (1, 2)]
    assert _post(client, first).status_code == 302
    refused = _post(client, [(io.BytesIO(scan_png(n, 1)), f"f{n}.png") for n in (3, 4)])
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "This upload has 2 page(s) and you have uploaded 2 of your 3 pages today" in text
    assert "the quota resets at 00:00 UTC" in text
    with db_factory() as session:
        assert session.scalar(select(func.count()).select_from(Batch)) == 1
    # another member of staff has a quota of their own
    other = client_as("approver")
    assert (
        _post(other, [(io.BytesIO(scan_png(n, 1)), f"f{n}.png") for n in (3, 4)]).status_code == 302
    )
