"""The batch driver over a real database: a shuffled batch with two copies of one family's form
groups as ``intake read`` groups it, both copies flagged; a second run adds nothing."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from intake.batch.context import BatchContext
from intake.batch.driver import process_batch
from intake.batch.wiring import default_reader
from intake.config import Settings
from intake.db.workflow import Batch, Form, Page, Upload
from intake.reading.cli import make_context
from intake.reading.pipeline import read_files
from intake.reading.result import Problem
from intake.storage import LocalStorage

from .fakes import fake_matcher

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def shuffled_batch(folder: Path) -> list[Path]:
    """Form 1 twice (two copies of one family's form), form 2 once, pages in a fixed shuffle."""
    pages = [SAMPLES / "form-0001-p1.png", SAMPLES / "form-0001-p2.png"] * 2 + [
        SAMPLES / "form-0002-p1.jpg",
        SAMPLES / "form-0002-p2.jpg",
    ]
    random.Random(15).shuffle(pages)
    out = []
    for n, source in enumerate(pages):
        out.append(folder / f"scan-{n:02d}{source.suffix}")
        shutil.copyfile(source, out[-1])
    return out


def _upload(db_factory, storage: LocalStorage, paths: list[Path]) -> str:
    with db_factory() as session:
        batch = Batch(label="shuffled")
        session.add(batch)
        session.flush()
        for path in paths:
            stored = storage.put_original(path.read_bytes())
            session.add(
                Upload(
                    batch_id=batch.id,
                    storage_key=stored.key,
                    sha256=stored.sha256,
                    size=stored.size,
                    display_name=path.name,
                    kind="png" if path.suffix == ".png" else "jpeg",
                )
            )
            session.flush()  # uploads keep their order
        session.commit()
        return batch.id


def _grouping(pages: list[list[tuple[str, int]]]) -> list[list[tuple[str, int]]]:
    return sorted(sorted(p) for p in pages)


@pytest.mark.slow
def test_read_and_worker_group_a_shuffled_batch_alike(
    tmp_path: Path, settings: Settings, db_factory
) -> None:
    paths = shuffled_batch(tmp_path)
    read = read_files(paths, make_context(settings, None))
    by_read = _grouping([[(p.source, p.page_number) for p in f.pages] for f in read.forms])

    storage = LocalStorage(settings.data_dir / "files")
    ctx = BatchContext(settings, db_factory, storage, default_reader(settings), fake_matcher)
    batch_id = _upload(db_factory, storage, paths)
    process_batch(ctx, batch_id)
    process_batch(ctx, batch_id)  # a second run finds the forms it made
    with db_factory() as session:
        forms = list(session.scalars(select(Form).where(Form.batch_id == batch_id)))
        names = {u.id: u.display_name for u in session.scalars(select(Upload))}
        by_worker = _grouping(
            [
                [
                    (names[p.upload_id], p.page_number)
                    for p in session.scalars(select(Page).where(Page.form_id == f.id))
                ]
                for f in forms
            ]
        )
        flagged_worker = sorted(f.serial for f in forms if Problem.DUPLICATE in f.problems)
    flagged_read = sorted(f.serial for f in read.forms if Problem.DUPLICATE in f.problems)
    assert len(read.forms) == 3 and by_worker == by_read
    assert flagged_worker == flagged_read and len(flagged_read) == 2
    assert len(set(flagged_read)) == 1  # the two copies of one family's form
