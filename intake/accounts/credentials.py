"""Passwords of portal accounts: issued with a printed letter, checked at login, changed by the
parent.

Printing (or reprinting) a letter *is* issuing a password: a new one is generated, its argon2id
hash stored with an expiry and the must-change flag, the old one stops working, and the plain
text goes only into the PDF bytes returned to the caller, which streams them. If rendering fails,
the caller's transaction rolls back and nothing changes. With portal provisioning on, the same
password is sealed into the portal outbox in the same transaction (``intake.portal.outbox``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.accounts.collection import hold_printed_letter, is_collect, withdraw_replaced
from intake.accounts.errors import NotFoundError
from intake.accounts.letters import CredentialLetter, render_credential_letters
from intake.accounts.passwords import (
    PasswordIdentity,
    check_password,
    generate_initial_password,
    hash_password,
    verify_password,
)
from intake.accounts.ports import AccountsContext
from intake.db.accounts import ACCOUNT_ACTIVE, LetterPrint, PortalAccount, new_id
from intake.errors import ConflictError, LoginRefused, WorkflowError
from intake.portal.outbox import password_issued

log = logging.getLogger(__name__)

_PREVIOUS_KEPT = 5


@dataclass(frozen=True)
class PrintRun:
    print_run_id: str
    account_ids: tuple[str, ...]
    pdf: bytes


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes: they were stored as UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def identity_of(account: PortalAccount, ctx: AccountsContext) -> PasswordIdentity:
    school = ctx.settings.school
    return PasswordIdentity(
        account.forename, account.surname, account.username, (school.name, school.short_name)
    )


def accounts_awaiting_letters(
    session: Session, form_ids: Sequence[str] | None = None
) -> list[PortalAccount]:
    """Active accounts with no password yet: new, or reinstated after a revocation; only those
    created from ``form_ids`` (one batch's forms) when given."""
    query = select(PortalAccount).where(
        PortalAccount.status == ACCOUNT_ACTIVE, PortalAccount.password_hash.is_(None)
    )
    if form_ids is not None:
        query = query.where(PortalAccount.source_form_id.in_(list(form_ids)))
    return list(
        session.scalars(
            query.order_by(PortalAccount.surname, PortalAccount.forename, PortalAccount.id)
        )
    )


def _new_password(account: PortalAccount, ctx: AccountsContext) -> str:
    identity = identity_of(account, ctx)
    while True:
        password = generate_initial_password()
        if (
            check_password(password, identity, "school").ok
            and check_password(password, identity, "ncsc").ok
        ):
            return password


def _issue(account: PortalAccount, ctx: AccountsContext) -> str:
    password = _new_password(account, ctx)
    now = ctx.clock()
    if account.password_hash:
        kept = [account.password_hash, *account.previous_hashes.split()][:_PREVIOUS_KEPT]
        account.previous_hashes = " ".join(kept)
    account.password_hash = hash_password(password)
    account.password_set_at = now
    account.password_expires_at = now + timedelta(days=ctx.settings.initial_password_days)
    account.must_change_password = True
    account.session_epoch += 1
    return password


def _letter_for(
    account: PortalAccount, password: str, ctx: AccountsContext, for_collection: bool = False
) -> CredentialLetter:
    contact = ctx.roster.contact(account.contact_id)
    if contact is None:
        raise WorkflowError(
            f"Contact {account.contact_id} is no longer in the roster; "
            "check the account before printing."
        )
    # a letter collected at the office with photo ID needs no postal address
    if not for_collection and (not contact.address.lines or not contact.address.postcode):
        raise WorkflowError(
            f"Contact {account.contact_id} has no home address on file; "
            "update the MIS before printing."
        )
    first_names = []
    for link in account.children:
        if link.status != "active":  # a suspended or ended link is not access to name
            continue
        student = ctx.roster.student(link.student_id)
        if student is not None:
            first_names.append(student.preferred_forename or student.legal_forename)
    initial = f"{contact.forename[:1]} " if contact.forename else ""
    title = f"{contact.title} " if contact.title else ""
    expires = as_utc(account.password_expires_at)
    assert expires is not None
    return CredentialLetter(
        addressee=f"{title}{initial}{contact.surname}".strip(),
        salutation=f"{contact.title} {contact.surname}".strip()
        if contact.title
        else f"{contact.forename} {contact.surname}".strip(),
        address=contact.address,
        username=account.username,
        password=password,
        expires_on=expires.date(),
        children=tuple(sorted(first_names)),
        letter_date=ctx.clock().date(),
        password_profile=ctx.settings.password_profile,
        for_collection=for_collection,
    )


def print_letters(
    session: Session, ctx: AccountsContext, account_ids: Sequence[str], actor_id: str
) -> PrintRun:
    """Issue new passwords for ``account_ids`` and render one PDF with a letter per account.

    Reprinting is allowed and always sets a new password (the previous one stops working).
    """
    if not account_ids:
        raise WorkflowError("Choose at least one account to print a letter for.")
    accounts = session.scalars(
        select(PortalAccount).where(PortalAccount.id.in_(list(account_ids))).with_for_update()
    ).all()
    if len(accounts) != len(set(account_ids)):
        raise NotFoundError("One of the accounts no longer exists.")
    run_id = new_id()
    letters = []
    for account in sorted(accounts, key=lambda a: (a.surname, a.forename, a.id)):
        if account.status != ACCOUNT_ACTIVE:
            raise ConflictError(f"Account {account.id} is revoked; reinstate it first.")
        if not any(link.status == "active" for link in account.children):
            raise ConflictError(f"Account {account.id} has no linked children.")
        collect = is_collect(session, ctx.settings, account.id)
        password = _issue(account, ctx)
        letters.append(_letter_for(account, password, ctx, collect))
        # the one moment the plain password exists: sealed for the portal in this transaction
        password_issued(session, ctx.settings, account.id, password, now=ctx.clock())
        printed = LetterPrint(
            id=new_id(),
            print_run_id=run_id,
            account_id=account.id,
            printed_by=actor_id,
            printed_at=ctx.clock(),
        )
        session.add(printed)
        if collect:
            session.flush()
            hold_printed_letter(session, ctx, printed, actor_id)
        else:
            withdraw_replaced(session, ctx, account.id, actor_id)
        ctx.audit(
            session,
            actor_id=actor_id,
            action="account.letter_printed",
            object_type="portal_account",
            object_id=account.id,
            detail={"print_run_id": run_id},
        )
    pdf = render_credential_letters(letters, ctx.settings.school)
    log.info("print run %s: %d letters", run_id, len(letters))
    return PrintRun(run_id, tuple(a.id for a in accounts), pdf)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password(generate_initial_password())


@dataclass(frozen=True)
class LoginResult:
    account_id: str
    must_change_password: bool
    session_epoch: int


def verify_login(
    session: Session, ctx: AccountsContext, username: str, password: str
) -> LoginResult:
    """Check portal credentials. One message for every failure (no account enumeration)."""
    refused = LoginRefused("The username or password is not right, or the account is not active.")
    account = session.scalars(
        select(PortalAccount).where(PortalAccount.username_key == username.strip().casefold())
    ).one_or_none()
    if account is None or account.status != ACCOUNT_ACTIVE or not account.password_hash:
        # spend the same time as a real check, so timing does not tell which usernames exist
        verify_password(_dummy_hash(), password)
        raise refused
    if not verify_password(account.password_hash, password):
        raise refused
    expires = as_utc(account.password_expires_at)
    if account.must_change_password and expires is not None and ctx.clock() >= expires:
        raise LoginRefused("This initial password has expired; ask the school for a new letter.")
    return LoginResult(account.id, account.must_change_password, account.session_epoch)


def change_password(
    session: Session, ctx: AccountsContext, account_id: str, current: str, new: str
) -> None:
    """The parent's own password change: checked against the configured profile, and never
    one of the account's previous passwords."""
    account = session.get(PortalAccount, account_id)
    if account is None or account.status != ACCOUNT_ACTIVE or not account.password_hash:
        raise LoginRefused("The account is not active.")
    if not verify_password(account.password_hash, current):
        raise LoginRefused("The current password is not right.")
    result = check_password(new, identity_of(account, ctx), ctx.settings.password_profile)
    if not result.ok:
        raise WorkflowError("The new password is not allowed: " + " ".join(result.problems))
    used = [account.password_hash, *account.previous_hashes.split()]
    if any(verify_password(old, new) for old in used):
        raise WorkflowError("Choose a password you have not used before.")
    account.previous_hashes = " ".join(used[:_PREVIOUS_KEPT])
    account.password_hash = hash_password(new)
    account.password_set_at = ctx.clock()
    account.password_expires_at = None
    account.must_change_password = False
    account.session_epoch += 1
    ctx.audit(
        session,
        actor_id=account.id,
        action="account.password_changed",
        object_type="portal_account",
        object_id=account.id,
        detail={"via": "portal"},
    )
