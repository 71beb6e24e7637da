"""``intake read``: summary, JSON and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from reading_pages import HersheyEngine, fill_page

from intake.errors import ConfigError
from intake.reading import cli as read_cli
from intake.reading.cli import read

REAL_MAKE_ENGINE = read_cli.make_engine


@pytest.fixture(autouse=True)
def _hershey(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read_cli, "make_engine", lambda name: HersheyEngine())


def test_reads_a_form_and_exits_0(tmp_path: Path) -> None:
    page = tmp_path / "p1.png"
    Image.fromarray(fill_page(1, {"child1_name": "AMY LEE", "p1_signature_agree": "x"})).save(page)
    result = CliRunner().invoke(read, [str(page)])
    assert result.exit_code == 0, result.output
    assert "Form 1: parent-portal v1, serial F00042" in result.output
    assert "page_missing" in result.output
    assert "AMY LEE" in result.output


def test_json_and_exit_1_when_a_file_cannot_be_read(tmp_path: Path) -> None:
    bad = tmp_path / "scan.pdf"
    bad.write_bytes(b"%PDF-1.4 broken")
    result = CliRunner().invoke(read, [str(bad), "--json"])
    assert result.exit_code == 1
    document = json.loads(result.output)
    (page,) = document["unassigned_pages"]
    assert page["status"] == "unreadable"
    assert "damaged" in page["reason"]


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(read, [str(tmp_path / "missing.pdf")])
    assert result.exit_code == 2
    assert "is not a file" in result.output


def test_unknown_engine_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown engine"):
        REAL_MAKE_ENGINE("ocr9000")
