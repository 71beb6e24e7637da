"""``intake samples``: the command, its output and its errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from click.testing import CliRunner
from PIL import Image

from intake.config import Limits
from intake.errors import InputFileError
from intake.lab.samples.cli import samples
from intake.lab.samples.generate import generate_samples
from intake.lab.samples.handwriting import fonts_in
from intake.lab.samples.truth import load_truths
from intake.reading.ingest import PageImage, iter_pages

from .helpers import options


def test_command_writes_images_truths_and_manifest(tmp_path: Path, small_roster_csv: Path) -> None:
    out = tmp_path / "out"
    args = ["--count", "1", "--seed", "4", "--dpi", "100", "--workers", "1"]
    args += ["--roster", str(small_roster_csv), "--out", str(out)]
    result = CliRunner().invoke(samples, args)
    assert result.exit_code == 0, result.output
    assert "1 forms" in result.output and "per form" in result.output
    assert (out / "form-0001.json").is_file() and (out / "roster.csv").is_file()
    assert json.loads((out / "manifest.json").read_text("utf-8"))["batch"] is None
    assert len(list(out.glob("form-0001-p*.*"))) == 2


def test_fonts_and_glyphs_together_are_refused(tmp_path: Path, small_roster_csv: Path) -> None:
    with pytest.raises(InputFileError, match="either --fonts or --glyphs"):
        generate_samples(options(tmp_path, small_roster_csv, fonts=tmp_path, glyphs=tmp_path))


def test_an_empty_fonts_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"holds no \.ttf"):
        fonts_in(tmp_path)


def test_a_missing_roster_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"roster file .* does not exist"):
        generate_samples(options(tmp_path / "o", tmp_path / "nope.csv"))


def test_glyph_folders_write_with_real_glyph_images(tmp_path: Path, small_roster_csv: Path) -> None:
    glyphs = tmp_path / "glyphs"
    for char in "AEIO":
        (glyphs / char).mkdir(parents=True)
        image = Image.new("L", (64, 64), 255)
        image.paste(0, (20, 8, 44, 56))
        image.save(glyphs / char / f"c74k_w001_{char}.png")
    result = generate_samples(options(tmp_path / "out", small_roster_csv, count=1, glyphs=glyphs))
    writer = result.truths[0].writer
    assert writer["glyphs"] == "glyphs" and writer["glyph_writer"] == "c74k_w001"
    assert writer["fallback_font"]


def test_a_smaller_run_leaves_no_stale_forms(tmp_path: Path, small_roster_csv: Path) -> None:
    (tmp_path / "form-0009.json").write_text("{}", "utf-8")
    (tmp_path / "form-0009-p1.jpg").write_bytes(b"old")
    (tmp_path / "notes.txt").write_text("mine", "utf-8")
    generate_samples(options(tmp_path, small_roster_csv, count=1))
    assert not (tmp_path / "form-0009.json").exists()
    assert not (tmp_path / "form-0009-p1.jpg").exists()
    assert (tmp_path / "notes.txt").read_text("utf-8") == "mine"
    assert (tmp_path / "form-0001.json").is_file()


def test_black_and_white_scans_go_out_as_g4_pdfs_in_and_out_of_the_batch(
    tmp_path: Path, small_roster_csv: Path
) -> None:
    out = tmp_path / "out"
    args = ["--count", "3", "--seed", "11", "--dpi", "100", "--workers", "1", "--batch-pdf"]
    args += ["--bw-pdf-share", "1", "--roster", str(small_roster_csv), "--out", str(out)]
    result = CliRunner().invoke(samples, args)
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["bw_pdf_share"] == 1.0
    assert "--bw-pdf-share 1 " in (out / "README.md").read_text("utf-8")
    truths = load_truths(out)
    bw = [t for t in truths if t.pages[0].conditions[0] == "bw"]
    assert [t.form_id for t in bw] == ["form-0001", "form-0003"]
    limits = Limits()
    for truth in bw:
        for page in truth.pages:
            assert page.file.endswith(".pdf") and "pdf_ccitt_g4" in page.conditions
            with pikepdf.open(out / page.file) as pdf:
                (image,) = pdf.pages[0].obj.Resources.XObject.values()
                assert (image.Filter, int(image.BitsPerComponent)) == ("/CCITTFaxDecode", 1)
            (alone,) = list(iter_pages(out / page.file, limits))
            in_batch = next(
                item
                for item in iter_pages(out / "batch.pdf", limits)
                if item.index == page.batch_index
            )
            assert isinstance(alone, PageImage) and isinstance(in_batch, PageImage)
            assert np.array_equal(alone.image, in_batch.image)
            assert set(np.unique(alone.image).tolist()) == {0, 255}


def test_a_share_of_pdfs_outside_0_to_1_is_refused(tmp_path: Path, small_roster_csv: Path) -> None:
    with pytest.raises(InputFileError, match=r"--bw-pdf-share 1.5 is out of range"):
        generate_samples(options(tmp_path, small_roster_csv, bw_pdf_share=1.5))
