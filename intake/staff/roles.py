"""Staff roles; each implies the ones below it (admin > approver > office)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Staff roles, lowest first."""

    OFFICE = "office"
    APPROVER = "approver"
    ADMIN = "admin"


ROLE_RANK = {Role.OFFICE: 1, Role.APPROVER: 2, Role.ADMIN: 3}


def has_role(role: Role | str, minimum: Role | str) -> bool:
    """True when ``role`` is ``minimum`` or above it; an unknown role has none."""
    try:
        rank = ROLE_RANK[Role(role)]
    except ValueError:
        return False
    return rank >= ROLE_RANK[Role(minimum)]
