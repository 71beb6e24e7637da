"""Helpers shared by the sample generator's tests."""

from __future__ import annotations

from pathlib import Path

from intake.lab.samples.generate import SampleOptions

#: low resolution keeps the tests fast; the product scans at 200-300 dpi
TEST_DPI = 100


def options(out: Path, roster: Path, **changes: object) -> SampleOptions:
    values: dict[str, object] = {
        "out": out,
        "count": 3,
        "seed": 11,
        "roster": roster,
        "dpi": TEST_DPI,
        "workers": 1,
    }
    values.update(changes)
    return SampleOptions(**values)  # type: ignore[arg-type]
