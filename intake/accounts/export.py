"""Export of portal accounts for the portal system: CSV for people, JSON for one machine client.

Columns (CSV header, and the keys of each JSON object), the minimum the portal needs:

=============  ==============================================================================
username       the login name (unique regardless of case)
contact_id     the MIS's id of the parent/carer
student_ids    the MIS ids of the linked children (CSV: separated by ``;``; JSON: a list)
forename       the contact's forename as the MIS held it when the account was created
surname        the contact's surname, likewise
email          the contact's email on file (for password resets)
status         ``active``, ``suspended``, ``deactivated`` or ``revoked``
created_at     when the account was created (ISO 8601, UTC)
=============  ==============================================================================

Never exported: passwords or their hashes, court-order or safeguarding flags, hold reasons,
revocation reasons, OCR text or scans.

Spreadsheet formula injection: a CSV cell that starts with ``= + - @``, TAB, CR or NUL gets a
``'`` in front, in every column, so a spreadsheet shows it as text instead of running it. The
export holds no phone numbers, but a value such as ``+44 7700 900123`` would arrive as
``'+44 7700 900123``: Excel and LibreOffice show the text ``+44 7700 900123`` and the importing
system must strip one leading apostrophe from such cells. Usernames never start with these
characters (see ``intake.accounts.usernames``), so the username column is never altered.

Every export is audited with who, how many rows and the SHA-256 of what was sent.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from intake.accounts.credentials import as_utc
from intake.accounts.errors import NotFoundError
from intake.accounts.ports import AccountsContext, AuditRecorder
from intake.bidi import escape_json
from intake.db.accounts import ApiToken, PortalAccount, utcnow
from intake.errors import IntakeError

COLUMNS = (
    "username",
    "contact_id",
    "student_ids",
    "forename",
    "surname",
    "email",
    "status",
    "created_at",
)
_DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r", "\0")


@dataclass(frozen=True)
class ExportRow:
    username: str
    contact_id: str
    student_ids: tuple[str, ...]
    forename: str
    surname: str
    email: str
    status: str
    created_at: str


@dataclass(frozen=True)
class Export:
    body: bytes
    rows: int
    sha256: str


def safe_cell(value: str) -> str:
    """Neutralise a spreadsheet formula: prefix ``'`` when the cell starts dangerously."""
    return f"'{value}" if value.startswith(_DANGEROUS_FIRST) else value


def export_rows(session: Session, status: str | None = None) -> list[ExportRow]:
    """Every account (or those with ``status``), ordered by username."""
    query = (
        select(PortalAccount)
        .options(selectinload(PortalAccount.children))
        .order_by(PortalAccount.username_key)
    )
    if status:
        query = query.where(PortalAccount.status == status)
    rows = []
    for account in session.scalars(query):
        created = as_utc(account.created_at)
        rows.append(
            ExportRow(
                username=account.username,
                contact_id=account.contact_id,
                # only links in force: a suspended or ended link shows the portal nothing
                student_ids=tuple(
                    sorted(link.student_id for link in account.children if link.status == "active")
                ),
                forename=account.forename,
                surname=account.surname,
                email=account.email,
                status=account.status,
                created_at=created.astimezone(UTC).isoformat(timespec="seconds") if created else "",
            )
        )
    return rows


def to_csv(rows: Sequence[ExportRow]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        cells = [
            row.username,
            row.contact_id,
            ";".join(row.student_ids),
            row.forename,
            row.surname,
            row.email,
            row.status,
            row.created_at,
        ]
        writer.writerow([safe_cell(c) for c in cells])
    return out.getvalue().encode("utf-8-sig")  # the BOM tells Excel it is UTF-8


def to_json(rows: Sequence[ExportRow]) -> bytes:
    data = {
        "columns": list(COLUMNS),
        "accounts": [{**asdict(r), "student_ids": list(r.student_ids)} for r in rows],
    }
    return escape_json(json.dumps(data, ensure_ascii=False, sort_keys=True)).encode("utf-8")


def export_accounts(
    session: Session,
    audit: AuditRecorder,
    actor_id: str,
    fmt: str,
    via: str = "staff",
    status: str | None = None,
) -> Export:
    """Build an export (``csv`` or ``json``) and audit it in the caller's transaction."""
    rows = export_rows(session, status)
    if fmt == "csv":
        body = to_csv(rows)
    elif fmt == "json":
        body = to_json(rows)
    else:
        raise IntakeError(f"Unknown export format {fmt!r}; use csv or json.")
    digest = hashlib.sha256(body).hexdigest()
    audit(
        session,
        actor_id=actor_id,
        action="accounts.exported",
        object_type="export",
        object_id=fmt,
        detail={"rows": len(rows), "sha256": digest, "via": via},
    )
    return Export(body, len(rows), digest)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_api_token(
    session: Session, ctx: AccountsContext, name: str, actor_id: str
) -> tuple[str, str]:
    """A new read-only bearer token for a machine client: ``(token_id, token)``. Only the
    token's SHA-256 is stored; the token is shown once."""
    name = name.strip()[:100]
    if not name:
        raise IntakeError("Give the API client a name.")
    token = "ppx_" + secrets.token_urlsafe(32)
    row = ApiToken(
        name=name, token_hash=token_hash(token), created_by=actor_id, created_at=ctx.clock()
    )
    session.add(row)
    session.flush()
    ctx.audit(
        session,
        actor_id=actor_id,
        action="api_token.created",
        object_type="api_token",
        object_id=row.id,
    )
    return row.id, token


def revoke_api_token(session: Session, ctx: AccountsContext, token_id: str, actor_id: str) -> None:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFoundError("No such API token.")
    row.revoked_at = ctx.clock()
    ctx.audit(
        session,
        actor_id=actor_id,
        action="api_token.revoked",
        object_type="api_token",
        object_id=row.id,
    )


def authenticate_bearer(session: Session, authorization: str | None) -> ApiToken | None:
    """The live token named by an ``Authorization: Bearer <token>`` header, else None."""
    if not authorization or not authorization.startswith("Bearer "):
        return None
    token = authorization[len("Bearer ") :].strip()
    if not token:
        return None
    row = session.scalars(
        select(ApiToken).where(ApiToken.token_hash == token_hash(token))
    ).one_or_none()
    if row is None or row.revoked_at is not None:
        return None
    row.last_used_at = utcnow()
    return row
