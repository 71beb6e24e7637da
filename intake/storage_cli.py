"""``intake storage``: the encryption key of the stored files (new key, rotation), and a
quarantined upload taken out for IT."""

from __future__ import annotations

from pathlib import Path

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


@storage.command("take-out-quarantined")
@click.argument("quarantine_id")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def take_out_quarantined_command(quarantine_id: str, out: Path) -> None:
    """Write the upload kept in quarantine as QUARANTINE_ID (the id in its upload.malware_found
    audit event) to OUT, a new file, unsealed and owner-only: for IT, to send to the antivirus
    vendor. The product itself never opens a quarantined file. It stays in quarantine."""
    from intake.errors import IntakeError
    from intake.file_encryption import storage_keys, write_owner_only
    from intake.storage import QUARANTINE, check_key

    settings = load_settings()
    key = check_key(f"{QUARANTINE}/{quarantine_id}")
    path = settings.data_dir / "files" / key
    if not path.is_file():
        raise IntakeError(f"no quarantined upload {quarantine_id}")
    if out.exists():
        raise IntakeError(f"{out} exists already: name a new file")
    write_owner_only(out, storage_keys(settings).read(path, key))
    click.echo(f"{out}: the quarantined upload, unsealed; it is malware, handle it as such")
