"""The one doorway to the portal's SCIM service (scim2-client over httpx2).

Every answer is turned into ``PortalUserState`` or a ``PortalError`` with a message staff can
read at once; the bearer token is sent only in the ``Authorization`` header and appears in no
message, log line or ``repr``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx2
from pydantic import ValidationError
from scim2_client import SCIMClientException
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_models import PatchOp, SCIMException, SearchRequest

from intake.config import Portal
from intake.errors import ConfigError, IntakeError
from intake.portal.schema import (
    ATTRIBUTE_PATHS,
    EXTENSION_URN,
    PortalUser,
    PortalUserState,
    from_resource,
    provider,
    to_resource,
)
from intake.portal.sealing import check_key

log = logging.getLogger(__name__)

MAX_ERROR = 500


class PortalError(IntakeError):
    """The portal could not be reached, or refused or misunderstood a push."""


@dataclass(frozen=True)
class HeldUser:
    """A user as the portal holds it: its id there and the attributes the product owns."""

    user_id: str
    state: PortalUserState


def check_portal_settings(portal: Portal) -> None:
    """Refuse a provisioning configuration that cannot work, naming the setting."""
    if not portal.enabled:
        return
    url = portal.scim_url.strip()
    if not url.startswith(("https://", "http://localhost", "http://127.0.0.1")):
        raise ConfigError(
            "portal.scim_url must be an https:// address (the bearer token and initial "
            "passwords travel on it); plain http only to a portal on this machine"
        )
    if not portal.scim_token:
        raise ConfigError("portal.scim_token is needed when portal.scim_url is set")
    if portal.timeout_s <= 0 or portal.max_attempts < 1 or portal.retry_base_s < 1:
        raise ConfigError("portal.timeout_s, max_attempts and retry_base_s must be positive")
    check_key(portal)


def _describe(exc: BaseException) -> str:
    """A short message for staff: the kind of failure and what the portal or network said."""
    notes = " ".join(getattr(exc, "__notes__", []) or [])
    status = getattr(exc, "status", None)
    detail = " ".join(part for part in (str(exc), notes) if part).strip()
    prefix = f"HTTP {status}: " if status else ""
    return f"{type(exc).__name__}: {prefix}{detail}"[:MAX_ERROR]


def _filter_value(text: str) -> str:
    """A string literal of the SCIM filter grammar (RFC 7644 §3.4.2.2 uses JSON strings)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ScimPortal:
    """The portal's SCIM service. Use as a context manager: it holds one HTTP connection pool."""

    def __init__(self, portal: Portal, http: httpx2.Client | None = None) -> None:
        check_portal_settings(portal)
        if not portal.enabled:
            raise ConfigError("portal provisioning is off (portal.scim_url is not set)")
        self._http = http or httpx2.Client(
            base_url=portal.scim_url.strip().rstrip("/"),
            headers={"Authorization": f"Bearer {portal.scim_token}"},
            timeout=portal.timeout_s,
        )
        self._client = SyncSCIMClient(self._http, provider=provider())

    def __enter__(self) -> ScimPortal:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._http.close()

    def _call(self, what: str, function: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except (SCIMException, SCIMClientException, ValidationError, httpx2.HTTPError) as exc:
            log.warning("portal %s failed: %s", what, type(exc).__name__)
            raise PortalError(f"{what}: {_describe(exc)}") from exc

    def find(self, external_id: str) -> HeldUser | None:
        """The user whose externalId is the MIS contact id, or None."""
        search: SearchRequest[Any] = SearchRequest.model_validate(
            {"filter": f"externalId eq {_filter_value(external_id)}"}
        )
        found = self._call("search", self._client.query, PortalUser, query_parameters=search)
        users = list(getattr(found, "resources", None) or [])
        if len(users) > 1:
            raise PortalError(
                f"search: the portal holds {len(users)} users with externalId {external_id}; "
                "remove the duplicates on the portal"
            )
        if not users:
            return None
        return HeldUser(str(users[0].id), from_resource(users[0]))

    def create(self, state: PortalUserState, password: str) -> str:
        """Create the user with its initial password; the portal's id of it."""
        created = self._call("create", self._client.create, to_resource(state, password))
        return str(created.id)

    def update(
        self,
        user_id: str,
        state: PortalUserState,
        paths: tuple[str, ...],
        password: str | None,
    ) -> None:
        """PATCH (RFC 7644 §3.5.2) only the attributes in ``paths``, and the password if given."""
        dumped = to_resource(state).model_dump()
        values = {
            **{path: dumped.get(path) for path in ("userName", "name", "emails", "active")},
            ATTRIBUTE_PATHS["children"]: (dumped.get(EXTENSION_URN) or {}).get("children"),
        }
        operations: list[dict[str, Any]] = []
        for path in paths:
            value = values[path]
            if value is None or value == []:
                operations.append({"op": "remove", "path": path})
            else:
                operations.append({"op": "replace", "path": path, "value": value})
            if path == "name" and dumped.get("displayName"):
                operations.append(
                    {"op": "replace", "path": "displayName", "value": dumped["displayName"]}
                )
        if password is not None:
            operations.append({"op": "replace", "path": "password", "value": password})
        if not operations:
            return
        patch = PatchOp[PortalUser].model_validate({"Operations": operations})
        self._call("update", self._client.modify, PortalUser, user_id, patch)
