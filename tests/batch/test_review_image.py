"""The stored review image is compact: a real sample page, aligned by the real reader, is stored
as a 4-bit grey PNG of at most 0.3 MB with 16 grey levels, paper still white and ink still black."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from intake.batch.pages import REVIEW_GREY_LEVELS, compact_review_image
from intake.batch.wiring import default_reader
from intake.reading.ingest import PageImage, iter_pages
from intake.storage import LocalStorage, grey_palette_png

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def test_levels_keep_white_and_black() -> None:
    ramp = np.tile(np.arange(256, dtype=np.uint8), (4, 1))
    out = compact_review_image(np.stack([ramp] * 3, axis=-1))
    assert out.ndim == 2 and out[0, 0] == 0 and out[0, 255] == 255
    assert len(np.unique(out)) == REVIEW_GREY_LEVELS


def test_a_real_page_is_stored_in_at_most_a_third_of_a_megabyte(settings, tmp_path) -> None:
    (item,) = list(iter_pages(SAMPLES / "form-0001-p1.png", settings.limits))
    assert isinstance(item, PageImage)
    outcome = default_reader(settings)(item, "sample")
    assert outcome.aligned is not None
    storage = LocalStorage(tmp_path / "files")
    review = compact_review_image(outcome.aligned)
    key = storage.put_page_image(review, compress_level=1, grey_levels=REVIEW_GREY_LEVELS)
    data = storage.get(key)
    assert len(data) <= 300_000
    with Image.open(io.BytesIO(data)) as picture:
        assert picture.mode == "P" and picture.size[0] == outcome.aligned.shape[1]
        assert np.array_equal(np.asarray(picture.convert("L")), review)  # not a level lost


@pytest.mark.parametrize("size", [(1, 1), (3, 5), (7, 2), (40, 31)])
def test_the_palette_png_decodes_to_the_same_greys_at_any_width(size, tmp_path) -> None:
    # the PNG is written by the project (packed two pixels a byte): odd widths pad the last byte
    rng = np.random.default_rng(sum(size))
    levels = np.arange(REVIEW_GREY_LEVELS, dtype=np.uint8) * 17
    image = levels[rng.integers(0, REVIEW_GREY_LEVELS, size)]
    with Image.open(io.BytesIO(grey_palette_png(image, REVIEW_GREY_LEVELS, 1))) as picture:
        picture.load()
        assert picture.mode == "P" and picture.size == (size[1], size[0])
        assert np.array_equal(np.asarray(picture.convert("L")), image)
