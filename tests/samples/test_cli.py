"""``intake samples``: the command, its output and its errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from intake.errors import InputFileError
from intake.lab.samples.cli import samples
from intake.lab.samples.generate import generate_samples
from intake.lab.samples.handwriting import fonts_in

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
