"""A laboratory command without its extra says in one line how to install it, never a traceback.

The missing dependency is simulated: ``sys.modules["faker"] = None`` makes ``import faker`` raise
``ModuleNotFoundError`` as on a plain wheel install, and the laboratory's modules are dropped from
``sys.modules`` so that they are imported again (both restored after the test).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from intake.cli import main
from intake.lab import missing_extra

INSTALL_TOOLS = "pip install 'parent-portal-intake[tools]'"
LAB = "intake.lab."


def _restore_lab(saved: dict[str, ModuleType]) -> None:
    """Put back the laboratory's modules as they were, attributes of their parents included, so
    that later tests see the same classes as the modules they imported earlier."""
    for name in [n for n in sys.modules if n.startswith(LAB)]:
        del sys.modules[name]
    sys.modules.update(saved)
    for name, module in saved.items():
        parent, _, child = name.rpartition(".")
        setattr(sys.modules[parent], child, module)


@pytest.fixture()
def without_faker(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    saved = {n: m for n, m in sys.modules.items() if n.startswith(LAB)}
    for name in saved:
        del sys.modules[name]
    monkeypatch.setitem(sys.modules, "faker", None)
    for name in [n for n in sys.modules if n.startswith("faker.")]:
        monkeypatch.delitem(sys.modules, name)
    try:
        yield
    finally:
        _restore_lab(saved)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.usefixtures("without_faker")
@pytest.mark.parametrize(
    "argv",
    [
        ("samples", "--count", "1", "--out", "OUT"),
        ("demo-data", "--students", "40", "--out", "OUT/roster.csv"),
    ],
)
def test_a_command_whose_module_needs_faker_names_the_extra(
    argv: tuple[str, ...], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, *(a.replace("OUT", str(tmp_path)) for a in argv))
    assert code == 1 and out == ""
    assert err.strip() == f"Error: intake {argv[0]}: this needs faker, which the 'tools' extra " + (
        f"installs: {INSTALL_TOOLS}"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.usefixtures("without_faker")
def test_a_command_that_imports_faker_late_names_the_extra(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `intake bench` loads without faker (it can read a set already made); generating one needs it
    code, _, err = _run(capsys, "bench", "--count", "1", "--engine", "tesseract")
    assert code == 2
    assert (
        err.strip() == f"error: this needs faker, which the 'tools' extra installs: {INSTALL_TOOLS}"
    )


@pytest.mark.usefixtures("without_faker")
def test_help_lists_the_command_as_not_installed(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--help")
    assert code == 0
    (line,) = [row for row in out.splitlines() if row.strip().startswith("samples")]
    assert "(not installed)" in line


def test_an_unrelated_missing_module_is_not_hidden() -> None:
    assert missing_extra(ModuleNotFoundError("No module named 'flask'", name="flask")) is None
    message = missing_extra(ModuleNotFoundError("No module named 'torch.nn'", name="torch.nn"))
    assert message == (
        "this needs torch, which the 'train' extra installs: "
        "pip install 'parent-portal-intake[train]'"
    )
