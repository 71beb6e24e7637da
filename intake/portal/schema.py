"""What the portal holds for one account, in the product's terms, and the SCIM models for it.

A portal user is a SCIM ``User`` (RFC 7643 §4.1) with the extension
``urn:parent-portal-intake:params:scim:schemas:extension:parentportal:2.0:User``, whose one
attribute ``children`` lists the pupils the parent may see: ``value`` is the MIS student id,
``upn`` the unique pupil number. ``externalId`` is the MIS contact id, so a push finds its user
again whatever the portal calls it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Annotated, Any

from scim2_models import (
    URN,
    CaseExact,
    ComplexAttribute,
    Email,
    Extension,
    Name,
    Required,
    ResourceType,
    ScimProvider,
    Uniqueness,
    User,
)

EXTENSION_URN = "urn:parent-portal-intake:params:scim:schemas:extension:parentportal:2.0:User"


class PortalChild(ComplexAttribute):
    """One child the parent may see on the portal."""

    value: Annotated[str | None, Required.true, CaseExact.true] = None
    """The MIS student id."""

    upn: Annotated[str | None, CaseExact.true, Uniqueness.none] = None
    """The unique pupil number (13 characters), when the MIS holds one."""


class ParentPortalUser(Extension):
    """The parent's links to children, as the product's roster and approvals hold them."""

    __schema__ = URN(EXTENSION_URN)

    children: list[PortalChild] | None = None


PortalUser = User[ParentPortalUser]


def provider() -> ScimProvider:
    """The service as this product expects it: Users with the parent-portal extension."""
    return ScimProvider(
        models=[User, ParentPortalUser],
        resource_types=[ResourceType.from_resource(PortalUser)],
    )


@dataclass(frozen=True, order=True)
class ChildLink:
    student_id: str
    upn: str = ""


@dataclass(frozen=True)
class PortalUserState:
    """Every attribute the product owns on a portal user (the password aside: write-only)."""

    external_id: str  # the MIS contact id
    user_name: str
    given_name: str
    family_name: str
    email: str
    active: bool | None
    children: tuple[ChildLink, ...]


#: state field -> the SCIM attribute path it is written to
ATTRIBUTE_PATHS = {
    "user_name": "userName",
    "given_name": "name",
    "family_name": "name",
    "email": "emails",
    "active": "active",
    "children": f"{EXTENSION_URN}:children",
}


def differences(desired: PortalUserState, held: PortalUserState) -> tuple[str, ...]:
    """The SCIM attribute paths whose value on the portal is not the desired one."""
    paths = []
    for item in fields(PortalUserState):
        if item.name == "external_id":
            continue  # found by it: equal by construction
        if getattr(desired, item.name) != getattr(held, item.name):
            paths.append(ATTRIBUTE_PATHS[item.name])
    return tuple(dict.fromkeys(paths))


def to_resource(state: PortalUserState, password: str | None = None) -> Any:
    """A ``PortalUser`` carrying ``state`` (and the initial password, on creation)."""
    user = PortalUser(
        user_name=state.user_name,
        external_id=state.external_id,
        display_name=f"{state.given_name} {state.family_name}".strip() or None,
        name=Name(given_name=state.given_name or None, family_name=state.family_name or None),
        emails=[Email(value=state.email, primary=True)] if state.email else None,
        active=state.active,
        password=password,
    )
    user[ParentPortalUser] = ParentPortalUser(children=children_value(state))
    return user


def children_value(state: PortalUserState) -> list[PortalChild]:
    return [PortalChild(value=c.student_id, upn=c.upn or None) for c in state.children]


def from_resource(user: Any) -> PortalUserState:
    """The product's view of a user as the portal returned it."""
    extension = user[ParentPortalUser]
    emails = list(user.emails or [])
    primary = next((e for e in emails if e.primary), emails[0] if emails else None)
    name = user.name
    return PortalUserState(
        external_id=user.external_id or "",
        user_name=user.user_name or "",
        given_name=(name.given_name if name else None) or "",
        family_name=(name.family_name if name else None) or "",
        email=(primary.value if primary else None) or "",
        active=user.active,
        children=tuple(
            sorted(
                ChildLink(c.value or "", c.upn or "")
                for c in ((extension.children if extension else None) or [])
            )
        ),
    )
