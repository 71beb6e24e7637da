"""``intake form``: the blank form, the pack, per-family packs from a roster CSV, pictures."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from intake.cli import cli
from intake.roster.model import Roster


def _run(tmp_path: Path, *args: str) -> Result:
    config = tmp_path / "intake.toml"
    config.write_text(
        '[school]\nname = "Oakfield Community Academy"\nshort_name = "Oakfield Academy"\n', "utf-8"
    )
    env = {"INTAKE_CONFIG": str(config), "INTAKE_DATA_DIR": str(tmp_path / "data")}
    return CliRunner().invoke(cli, ["form", *args], env=env, catch_exceptions=False)


def test_blank_form_and_pictures(tmp_path: Path, pdf_pages: Callable[[Path], list[str]]) -> None:
    out = tmp_path / "form.pdf"
    result = _run(tmp_path, "--out", str(out), "--png", str(tmp_path / "png"), "--dpi", "60")
    assert result.exit_code == 0, result.output
    assert "parent-portal-v1, 2 pages" in result.output
    texts = pdf_pages(out)
    assert len(texts) == 2
    assert texts[0].startswith("Oakfield Community Academy Application for Parent Portal")
    assert "return this form to the School Office, Oakfield Community Academy" in texts[1]
    pictures = sorted(p.name for p in (tmp_path / "png").iterdir())
    assert pictures == ["form-page1.png", "form-page2.png"]
    assert (tmp_path / "png" / "form-page1.png").stat().st_size < 60_000


def test_generic_pack(tmp_path: Path, pdf_pages: Callable[[Path], list[str]]) -> None:
    out = tmp_path / "pack.pdf"
    result = _run(tmp_path, "--pack", "--out", str(out), "--letter-date", "2026-09-07")
    assert result.exit_code == 0, result.output
    assert "1 pack(s)" in result.output
    text = " ".join(pdf_pages(out))
    assert "7 September 2026" in text
    assert "Oakfield Academy Parent Portal Acceptable Use Policy" in text


@pytest.fixture(scope="module")
def roster_csv(tmp_path_factory: pytest.TempPathFactory, small_roster: Roster) -> Path:
    from intake.roster.csv_io import write_roster

    path = tmp_path_factory.mktemp("roster") / "roster.csv"
    write_roster(small_roster, path)
    return path


def test_roster_gives_one_pack_per_family(
    tmp_path: Path, roster_csv: Path, pdf_pages: Callable[[Path], list[str]]
) -> None:
    from intake.printing.pack import recipients_from_roster
    from intake.roster.csv_io import read_roster

    families = recipients_from_roster(read_roster(roster_csv))
    assert len(families) == 2
    result = _run(tmp_path, "--roster", str(roster_csv), "--out-dir", str(tmp_path / "packs"))
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "packs").iterdir())
    assert names == sorted(f"pack-{f.serial}.pdf" for f in families)
    first = families[0]
    letter = pdf_pages(tmp_path / "packs" / f"pack-{first.serial}.pdf")[0]
    assert f"Our reference: {first.serial}" in letter
    assert first.address is not None and first.address.postcode in letter
    assert "Dear Mr and Mrs Khan" in letter


def test_roster_packs_in_one_pdf(
    tmp_path: Path, roster_csv: Path, pdf_pages: Callable[[Path], list[str]]
) -> None:
    out = tmp_path / "all.pdf"
    result = _run(tmp_path, "--roster", str(roster_csv), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "2 pack(s), 12 pages" in result.output
    text = " ".join(pdf_pages(out))
    assert "Dear Mr and Mrs Khan" in text and "Dear Ms Lee" in text


def test_out_dir_needs_pack(tmp_path: Path) -> None:
    result = _run(tmp_path, "--out-dir", str(tmp_path / "x"))
    assert result.exit_code == 2
    assert "--out-dir goes with --pack" in result.output


def test_missing_roster_is_a_clear_error(tmp_path: Path) -> None:
    from intake.errors import InputFileError

    with pytest.raises(InputFileError, match=r"roster file .*nope\.csv does not exist"):
        _run(tmp_path, "--roster", str(tmp_path / "nope.csv"))


def test_unknown_template_is_a_clear_error(tmp_path: Path) -> None:
    from intake.errors import TemplateError

    with pytest.raises(TemplateError, match=r"cannot read form template .*no-such-form\.json"):
        _run(tmp_path, "--template", "no-such-form")
