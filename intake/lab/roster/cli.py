"""``intake demo-data``: write a synthetic roster CSV (the ``tools`` extra: faker)."""

from __future__ import annotations

import time
from pathlib import Path

import click

from intake.lab.roster.demo import make_demo_roster
from intake.roster.csv_io import write_roster


@click.command("demo-data")
@click.option("--students", default=1200, show_default=True, help="Number of students.")
@click.option("--seed", default=7, show_default=True, help="Same seed, same school.")
@click.option(
    "--academic-year",
    default=2026,
    show_default=True,
    help="Start year of the academic year the roster is for.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Roster CSV to write.",
)
def demo_data(students: int, seed: int, academic_year: int, out: Path) -> None:
    """Write a realistic synthetic roster CSV for one secondary school (years 7 to 13)."""
    if students < 40:
        raise click.BadParameter("at least 40 students", param_hint="--students")
    started = time.perf_counter()
    roster = make_demo_roster(students, seed, academic_year)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_roster(roster, out)
    click.echo(
        f"wrote {out}: {len(roster.students)} students, {len(roster.contacts)} contacts, "
        f"{len(roster.relationships)} links ({time.perf_counter() - started:.1f} s)"
    )
