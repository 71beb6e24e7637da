"""Log lines stay lines: JSON for a collector, escaped text for a terminal (IN-35)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from intake.log_lines import JsonLines, TextLines, chosen_style

FORGED = "form-7\r\n2025-01-01 INFO admin exported all"


def _record(message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("intake.test", logging.WARNING, __file__, 1, message, args, None)


def test_a_forged_line_inside_a_message_stays_inside_one_json_object() -> None:
    line = JsonLines().format(_record("form %s refused", FORGED))
    assert "\n" not in line and "\r" not in line
    parsed = json.loads(line)
    assert parsed["message"] == f"form {FORGED} refused"
    assert parsed["level"] == "WARNING" and parsed["logger"] == "intake.test"
    assert parsed["time"].endswith("+00:00")


def test_an_exception_is_part_of_its_json_line() -> None:
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        record = _record("failed")
        record.exc_info = sys.exc_info()
    parsed = json.loads(JsonLines().format(record))
    assert "ValueError: bad\nvalue" in parsed["exception"]


def test_text_lines_write_control_characters_as_escapes() -> None:
    line = TextLines().format(_record("id %s", FORGED + "\x1b[31m"))
    assert "\n" not in line and "\r" not in line and "\x1b" not in line
    assert line.endswith("id form-7\\r\\n2025-01-01 INFO admin exported all\\x1b[31m")


def test_the_style_comes_from_the_option_then_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("INTAKE_LOG_FORMAT", "text")
    assert chosen_style() == "text" and chosen_style("json") == "json"
    monkeypatch.setenv("INTAKE_LOG_FORMAT", "xml")
    with pytest.raises(ValueError, match="json, text"):
        chosen_style()
    monkeypatch.delenv("INTAKE_LOG_FORMAT")
    assert chosen_style() == "json"  # pytest's stderr is no terminal


def test_the_command_line_writes_json_lines_and_no_name(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "StudentID,UPN,Forename,Surname,DOB,RegGroup,NCYear\n"
        f'S1,,"ANNA{FORGED}",SMITH,2012-03-04,7A,7\n',
        encoding="utf-8",
    )
    env = {**os.environ, "INTAKE_DATA_DIR": str(tmp_path / "data")}
    env.pop("INTAKE_LOG_FORMAT", None)
    done = subprocess.run(
        [sys.executable, "-m", "intake", "-v", "roster", "import", str(roster)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    lines = done.stderr.splitlines()
    assert lines, done.stdout
    for line in lines:
        json.loads(line)  # every line is one object
    assert "ANNA" not in done.stderr and "exported all" not in done.stderr


def test_the_log_style_in_the_environment_is_not_taken_for_a_setting(tmp_path: Path) -> None:
    # ``intake --log-format json`` puts it there for the workers ``intake serve`` starts
    env = {**os.environ, "INTAKE_DATA_DIR": str(tmp_path / "data"), "INTAKE_LOG_FORMAT": "json"}
    done = subprocess.run(
        [sys.executable, "-m", "intake", "--log-format", "json", "batch", "list"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "unknown setting" not in done.stderr
