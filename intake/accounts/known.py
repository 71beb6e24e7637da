"""The accounts that exist, loaded for the matcher (``intake.matching.accounts``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.db.accounts import LINK_ENDED, AccountChild, PortalAccount
from intake.matching.accounts import ExistingAccounts, KnownAccount


def existing_accounts(session: Session) -> ExistingAccounts:
    """Every account by contact id, with the children it is linked to (ended links left out);
    two small queries, ids and statuses only."""
    links: dict[str, set[str]] = {}
    for account_id, student_id in session.execute(
        select(AccountChild.account_id, AccountChild.student_id).where(
            AccountChild.status != LINK_ENDED
        )
    ):
        links.setdefault(account_id, set()).add(student_id)
    rows = session.execute(select(PortalAccount.id, PortalAccount.contact_id, PortalAccount.status))
    return ExistingAccounts(
        {
            contact_id: KnownAccount(
                account_id, contact_id, status, frozenset(links.get(account_id, ()))
            )
            for account_id, contact_id, status in rows
        }
    )
