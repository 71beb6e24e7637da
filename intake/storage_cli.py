"""``intake storage``: the encryption key of the stored files (new key, rotation)."""

from __future__ import annotations

import click

from intake.config import load_settings


@click.group()
def storage() -> None:
    """The key that seals stored uploads, page images and exports (AES-GCM)."""


@storage.command("new-key")
def new_key_command() -> None:
    """Print a new key entry, for INTAKE_STORAGE_KEY (put it first, before the old key)."""
    from intake.file_encryption import new_key_entry

    click.echo(new_key_entry())


@storage.command("rotate-key")
def rotate_key_command() -> None:
    """Seal every stored file again under a new key; stop the web app and worker first.

    With the key file a new key is made, and the old one removed when every file has moved.
    With INTAKE_STORAGE_KEY the files move to its first key; then remove the older ones."""
    from intake.storage_rotation import rotate_key

    report = rotate_key(load_settings())
    click.echo(
        f"storage key {report.key_id}: {report.resealed} file(s) re-encrypted, "
        f"{report.first_sealed} encrypted for the first time, {report.unchanged} unchanged"
    )
    if report.retired and report.source == "INTAKE_STORAGE_KEY":
        click.echo(
            f"no file needs key(s) {', '.join(report.retired)} any more: remove them from "
            "INTAKE_STORAGE_KEY"
        )
    elif report.retired:
        click.echo(f"old key(s) {', '.join(report.retired)} removed from {report.source}")
