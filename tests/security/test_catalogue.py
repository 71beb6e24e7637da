"""The hostile-input catalogue (``catalogue.py``) against its sources: every line of section 15 of
the security checklist has an entry with the line's input text, and every test an entry names is
one that pytest collects."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from intake import PROJECT_ROOT

from .catalogue import CATALOGUE, CHECKLIST_INPUTS, HostileInput

CHECKLIST = Path(
    os.environ.get("INTAKE_SECURITY_CHECKLIST", "/work/shared/reference/security-checklist.md")
)
SECTION_15 = re.compile(r"^## 15\.[^\n]*\n(.*?)(?=^## |\Z)", re.M | re.S)
NUMBERED_LINE = re.compile(r"^(\d+)\.\s+(.+)$", re.M)
ARROW = " → "


def split_at_arrow(line: str) -> tuple[str, str]:
    """(input, required behaviour): split at the first arrow outside brackets ("a bomb (1 MB
    → GBs) → killed" has its arrow after the bracket)."""
    depth = 0
    for index, char in enumerate(line):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and line.startswith(ARROW, index):
            return line[:index], line[index + len(ARROW) :]
    return line, ""


def section_15_inputs(markdown: str) -> dict[str, str]:
    """``{"IN-1": input text, ...}`` from the checklist's section 15."""
    section = SECTION_15.search(markdown)
    if section is None:
        raise AssertionError("the checklist has no section 15")
    return {
        f"IN-{number}": split_at_arrow(line.strip())[0]
        for number, line in NUMBERED_LINE.findall(section.group(1))
    }


def differences(entries: tuple[HostileInput, ...], inputs: dict[str, str]) -> list[str]:
    """Checklist lines without an entry, entries whose text differs, entries for no line."""
    by_id = {entry.id: entry for entry in entries}
    found = [f"{key}: no entry for {text!r}" for key, text in inputs.items() if key not in by_id]
    found += [
        f"{key}: the checklist says {text!r}, the entry {by_id[key].input!r}"
        for key, text in inputs.items()
        if key in by_id and by_id[key].input != text
    ]
    found += [f"{key}: no such checklist line" for key in by_id if key not in inputs]
    return found


SAMPLE = """## 14. Other
1. Not this one → ignored.
## 15. Hostile inputs to try (input → required behaviour)
Files:
1. A bomb (1 MB → GBs) → killed.
2. A `x → y` name → escaped.
## Sources
"""


def test_the_parser_reads_every_numbered_line_of_section_15_only() -> None:
    assert section_15_inputs(SAMPLE) == {"IN-1": "A bomb (1 MB → GBs)", "IN-2": "A `x"}
    assert split_at_arrow("A bomb (1 MB → GBs) → killed.") == ("A bomb (1 MB → GBs)", "killed.")


def test_a_new_or_changed_checklist_line_is_a_difference() -> None:
    entries = (HostileInput("IN-1", "A bomb (1 MB → GBs)", "refused", ("x",)),)
    assert differences(entries, {"IN-1": "A bomb (1 MB → GBs)"}) == []
    assert differences(entries, {"IN-1": "A bomb (1 MB → GBs)", "IN-2": "new"}) == [
        "IN-2: no entry for 'new'"
    ]
    assert differences(entries, {"IN-1": "A different bomb"})[0].startswith("IN-1: the checklist")
    assert differences(entries, {}) == ["IN-1: no such checklist line"]


def test_every_checklist_line_has_its_entry() -> None:
    if not CHECKLIST.is_file():
        pytest.skip(f"the checklist is outside the repository and not at {CHECKLIST}")
    inputs = section_15_inputs(CHECKLIST.read_text("utf-8"))
    assert len(inputs) >= 50
    assert differences(CHECKLIST_INPUTS, inputs) == []


def test_entries_are_well_formed() -> None:
    ids = [entry.id for entry in CATALOGUE]
    assert len(ids) == len(set(ids))
    for entry in CATALOGUE:
        assert entry.input.strip() and entry.expected.strip(), entry.id
        assert entry.tests or entry.gap, f"{entry.id}: neither a test nor the reason for none"
        assert len(set(entry.tests)) == len(entry.tests), entry.id
        for node in entry.tests:
            assert re.fullmatch(r"tests/[\w/]+\.py::\w+(\[[^\]]+\])?", node), node


def collected_node_ids(files: list[str]) -> set[str]:
    """The node ids pytest collects from ``files`` (run apart: a collection inside this run
    would share its fixtures and its modules)."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *files],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return {line.strip() for line in done.stdout.splitlines() if "::" in line}


@pytest.mark.slow
def test_every_named_test_is_collected() -> None:
    nodes = sorted({node for entry in CATALOGUE for node in entry.tests})
    files = sorted({node.split("::")[0] for node in nodes})
    missing_files = [f for f in files if not (PROJECT_ROOT / f).is_file()]
    assert not missing_files, missing_files
    collected = collected_node_ids(files)
    functions = {node.split("[")[0] for node in collected}
    missing = [
        node for node in nodes if node not in collected and ("[" in node or node not in functions)
    ]
    assert not missing, missing
