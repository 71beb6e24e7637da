"""The Parent Portal accounts that already exist, as the matcher sees them, and what the form's
"tick if you already have a Parent Portal account for this child" boxes say against them.

``ExistingAccounts`` is loaded by the caller (``intake.accounts.known.existing_accounts``) and
passed to ``match_form``; the matcher never reads the database. ``tick_warnings`` puts each
disagreement into words for the reviewer, on the applicant it concerns:

- a tick, and no account for any applicant of the form: a second account would be made unless
  the applicant is matched to the contact record that holds one;
- a tick, and the applicant's account is not linked to that child (approval links it);
- an account linked to the child, and no tick;
- an account (for other children) and no tick: the child is added to it, never a second one;
- an account that is not active (suspended, revoked, deactivated) is named as such.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from intake.matching.applicants import ApplicantMatch
from intake.matching.children import ChildMatch


@dataclass(frozen=True)
class KnownAccount:
    account_id: str
    contact_id: str
    status: str  # active, suspended, revoked, deactivated
    student_ids: frozenset[str]  # children linked now (suspended links included, ended not)


@dataclass(frozen=True)
class ExistingAccounts:
    by_contact: Mapping[str, KnownAccount] = field(default_factory=dict)

    @property
    def contact_ids(self) -> frozenset[str]:
        return frozenset(self.by_contact)


def tick_warnings(
    applicant: ApplicantMatch,
    others: Sequence[ApplicantMatch],
    children: Sequence[ChildMatch],
    ticks: Mapping[int, bool],
    accounts: ExistingAccounts,
) -> tuple[str, ...]:
    """The reviewer's words for where the ticks and the accounts disagree (see the module)."""
    if applicant.contact_id is None:
        return ()
    account = accounts.by_contact.get(applicant.contact_id)
    anyone_has = any(
        a.contact_id in accounts.by_contact for a in (applicant, *others) if a.contact_id
    )
    out: list[str] = []
    if account is not None and account.status != "active":
        out.append(f"the Parent Portal account found for this contact is {account.status}")
    added: list[int] = []
    for child in children:
        if child.student_id is None:
            continue
        ticked = bool(ticks.get(child.row))
        linked = account is not None and child.student_id in account.student_ids
        if ticked and account is None and not anyone_has:
            out.append(
                f"child row {child.row}: 'already have an account' is ticked, but no Parent "
                "Portal account was found for this contact: check the applicant is matched to "
                "the right contact record, or a second account will be made"
            )
        elif ticked and account is not None and not linked:
            out.append(
                f"child row {child.row}: 'already have an account' is ticked; the account "
                "found is not linked to this child yet (approval links it)"
            )
        elif not ticked and linked:
            out.append(
                f"child row {child.row}: already linked to this contact's Parent Portal "
                "account, though 'already have an account' is not ticked"
            )
        elif not ticked and account is not None:
            added.append(child.row)
    if added:
        rows = ", ".join(str(r) for r in added)
        out.append(
            f"already has a Parent Portal account (for other children), though 'already have "
            f"an account' is not ticked: child row {rows} will be added to it, not to a new one"
        )
    return tuple(out)
