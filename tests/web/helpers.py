"""Helpers shared by the web tests: upload a fake batch, find forms."""

from __future__ import annotations

import io

from batch.fakes import scan_png
from flask.testing import FlaskClient
from sqlalchemy import select

from intake.db.workflow import Form

from .conftest import csrf_from


def upload_fake_batch(client: FlaskClient, forms: int = 2, *, blank: int = 0):
    """Upload ``forms`` two-page fake forms (and blank pages) as one batch; returns the response."""
    files = []
    for n in range(1, forms + 1):
        files.append((io.BytesIO(scan_png(n, 1)), f"form{n}-p1.png"))
        files.append((io.BytesIO(scan_png(n, 2)), f"form{n}-p2.png"))
    for i in range(blank):
        files.append((io.BytesIO(scan_png(0, 0, blank=True)), f"blank{i}.png"))
    token = csrf_from(client, "/batches")
    return client.post(
        "/batches", data={"csrf_token": token, "files": files}, content_type="multipart/form-data"
    )


def forms_in_review(db_factory) -> list[Form]:
    with db_factory() as session:
        return list(
            session.scalars(select(Form).order_by(Form.doubt.desc(), Form.created_at, Form.id))
        )


def set_value(db_factory, form_id: str, field_id: str, value: str) -> None:
    """Put a hostile value into a stored form, as if the reader had read it."""
    with db_factory() as session:
        form = session.get(Form, form_id)
        values = dict(form.values)
        values[field_id] = dict(values[field_id], value=value, raw=value)
        form.values = values
        session.commit()
