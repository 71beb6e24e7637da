"""Fixtures for the sample generator's tests: a small roster and one small generated set."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.lab.roster.demo import make_demo_roster
from intake.lab.samples.generate import SampleSet, generate_samples
from intake.roster.csv_io import read_roster, write_roster
from intake.roster.model import Roster

from .helpers import options


@pytest.fixture(scope="session")
def small_roster_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("roster") / "roster.csv"
    write_roster(make_demo_roster(students=80, seed=5), path)
    return path


@pytest.fixture(scope="session")
def small_roster(small_roster_csv: Path) -> Roster:
    return read_roster(small_roster_csv)


@pytest.fixture(scope="session")
def batch_set(tmp_path_factory: pytest.TempPathFactory, small_roster_csv: Path) -> SampleSet:
    """Six forms with a batch PDF, made once for the tests that only read them."""
    out = tmp_path_factory.mktemp("batch")
    return generate_samples(options(out, small_roster_csv, count=6, seed=15, batch_pdf=True))
