"""A PDF page that needs more memory than the renderer may use, through the real upload view
and batch job: each page fails with a message naming it and the limit, the batch finishes, and
the original stays stored byte for byte."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from intake.config import Settings, load_settings
from intake.db.workflow import Batch, Page, Upload

from .conftest import csrf_from
from .hostile_files import A4_BOX, pdf_with_pages


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """The web tests' settings with a renderer too small for an A4 page at 600 dpi (35 MP)."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    return load_settings(
        environ={"INTAKE_DATA_DIR": str(data_dir)},
        database_url=database_url,
        limits={"render_dpi": 600, "reduce_above_megapixels": 40, "renderer_memory_mb": 64},
    )


def test_a_page_over_the_renderer_limit_fails_and_the_original_stays(
    client_as, db_factory, batch_ctx
) -> None:
    data = pdf_with_pages(A4_BOX, A4_BOX)
    office = client_as("office")
    response = office.post(
        "/batches",
        data={"csrf_token": csrf_from(office, "/batches"), "files": [(io.BytesIO(data), "a.pdf")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with db_factory() as session:
        batch = session.scalar(select(Batch))
        upload = session.scalar(select(Upload))
        pages = session.scalars(select(Page).order_by(Page.index)).all()
    assert batch.status == "done"
    assert [p.reason for p in pages] == [
        f"page {n} of the PDF needs more memory to render than the limit of 64 MB allows"
        for n in (1, 2)
    ]
    assert batch_ctx.storage.get(upload.storage_key) == data
