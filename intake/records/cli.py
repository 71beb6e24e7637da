"""``intake person export ID`` and ``intake person erase ID``: subject access and erasure."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from intake.accounts.cli import CLI_ACTOR, _factory
from intake.config import load_settings
from intake.db.base import transaction


@click.group()
def person() -> None:
    """Subject access (everything held on one person) and erasure on request."""


@person.command("export")
@click.argument("person_id")
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder."
)
def export_command(person_id: str, out: Path) -> None:
    """Write everything held on contact or student PERSON_ID into OUT (audited)."""
    from intake.accounts.adapters import audit_recorder
    from intake.records.people import find_person
    from intake.records.subject_access import build_export, record_export, write_files
    from intake.storage import local_storage

    settings = load_settings()
    with transaction(_factory(settings)) as session:
        who = find_person(session, person_id)
        files = build_export(session, local_storage(settings), who, datetime.now(UTC))
        record_export(session, audit_recorder, CLI_ACTOR, who, files, "cli")
    for path in write_files(files, out):
        click.echo(str(path))


@person.command("erase")
@click.argument("person_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_command(person_id: str, yes: bool) -> None:
    """Erase contact or student PERSON_ID, unless a legal or child-protection hold applies."""
    from intake.accounts.adapters import audit_recorder, context_from_db
    from intake.records.erasure import ErasureRefused, erase_person, record_refusal
    from intake.records.file_retention import delete_files
    from intake.records.people import find_person
    from intake.storage import local_storage

    settings = load_settings()
    factory = _factory(settings)
    storage = local_storage(settings)
    with factory() as session:
        who = find_person(session, person_id)
    if not yes:
        click.confirm(f"Erase everything held on {who.kind} {who.person_id}?", abort=True)
    try:
        with transaction(factory) as session:
            result = erase_person(
                session, context_from_db(session, settings), storage, who, CLI_ACTOR
            )
    except ErasureRefused as exc:
        with transaction(factory) as session:
            record_refusal(session, audit_recorder, CLI_ACTOR, exc, who)
        raise
    delete_files(storage, settings, result.files)
    click.echo(
        f"erased {who.kind} {who.person_id}: {len(result.forms)} form(s), "
        f"{len(result.accounts)} account(s), {len(result.files)} file(s)"
    )
