"""Every route refuses anonymous users and users of a lower role (a route missing from the
matrix fails the suite)."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask

from .conftest import csrf_from

#: endpoint -> the lowest role allowed ("public": no login needed)
MATRIX: dict[str, str] = {
    "static": "public",
    "auth.login": "public",
    "auth.logout": "public",
    "auth.change_password": "any",
    "auth.reauth": "any",
    "mfa.verify": "any",
    "mfa.enrol": "any",
    "mfa.enrol_qr": "any",
    "mfa.step_up": "any",
    "mfa.recovery_codes": "office",
    "mfa.renew_codes": "office",
    "keys.list_keys": "office",
    "keys.add_options": "office",
    "keys.add": "office",
    "keys.remove": "office",
    "keys.sign_options": "any",
    "keys.sign": "any",
    "index": "redirect",
    "batches.index": "office",
    "batches.upload": "office",
    "batches.show": "office",
    "batches.progress": "office",
    "batches.page_image": "office",
    "batches.rotate_page": "office",
    "batches.assign_page": "office",
    "changes.show": "office",
    "changes.decide": "office",
    "changes.export": "office",
    "review.queue": "office",
    "review.open_next": "office",
    "review.screen": "office",
    "review.form_json": "office",
    "review.next_json": "office",
    "review.crop": "office",
    "review.accept": "office",
    "review.hold": "office",
    "review.release": "office",
    "review.reject": "approver",
    "review.reopen": "approver",
    "review.undo_accept": "office",
    "review.correct": "office",
    "review.choose": "office",
    "review.search_students": "office",
    "verify.group": "office",
    "verify.settle": "office",
    "verify.box_crop": "office",
    "term.view": "office",
    "admin.staff_list": "admin",
    "admin.staff_create": "admin",
    "admin.staff_role": "admin",
    "admin.staff_active": "admin",
    "admin.staff_reset": "admin",
    "admin.staff_mfa_reset": "admin",
    "admin.roster_form": "admin",
    "admin.roster_import": "admin",
    "admin.roster_confirm": "admin",
    "admin.roster_cancel": "admin",
    "admin.settings_view": "admin",
    "admin.audit_log": "admin",
    "safeguarding.index": "approver",
    "safeguarding.reinstate": "approver",
    "portal.index": "approver",
    "portal.retry_push": "approver",
    "collection.desk": "office",
    "collection.printable": "office",
    "collection.hand_over_letter": "office",
    "collection.withdraw_letter": "office",
    "collection.choose_delivery": "approver",
    "people.search": "admin",
    "people.show": "admin",
    "people.export": "admin",
    "people.download": "admin",
    "people.erase": "admin",
    "decisions.queue": "approver",
    "decisions.confirm": "approver",
    "decisions.apply": "approver",
}
LOWER = {"office": [], "approver": ["office"], "admin": ["office", "approver"]}


def _routes(app: Flask) -> list[tuple[str, str, str]]:
    out = []
    for rule in app.url_map.iter_rules():
        path = rule.rule
        for arg in rule.arguments:
            path = path.replace(f"<{arg}>", str(uuid.uuid4())).replace(f"<path:{arg}>", "app.css")
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            out.append((rule.endpoint, method, path))
    return out


def _minimum(app: Flask, endpoint: str) -> str:
    if endpoint in MATRIX:
        return MATRIX[endpoint]
    view = app.view_functions[endpoint]
    roles = getattr(view, "required_roles", None)
    assert roles, f"route {endpoint} has no entry in the access matrix and no role_required"
    return min(roles, key=["office", "approver", "admin"].index)


def test_every_route_is_in_the_matrix(app: Flask) -> None:
    for endpoint, _method, _path in _routes(app):
        if endpoint.startswith("accounts."):
            _minimum(app, endpoint)  # the accounts area declares its roles with role_required
        else:
            assert endpoint in MATRIX, f"new route {endpoint}: add it to the access matrix"


def test_anonymous_users_are_refused_everywhere(app: Flask) -> None:
    client = app.test_client()
    token = csrf_from(client, "/login")
    for endpoint, method, path in _routes(app):
        if _minimum(app, endpoint) in ("public", "redirect"):
            continue
        response = client.open(path, method=method, data={"csrf_token": token})
        if method == "GET" and not path.startswith("/api/"):
            assert response.status_code == 302, (endpoint, response.status_code)
            assert "/login" in response.headers["Location"], endpoint
        else:
            assert response.status_code == 401, (endpoint, method, response.status_code)


@pytest.mark.parametrize("role", ["office", "approver"])
def test_lower_roles_get_403(app: Flask, client_as, role: str) -> None:
    client = client_as(role)
    token = csrf_from(client, "/review")
    checked = 0
    for endpoint, method, path in _routes(app):
        needed = _minimum(app, endpoint)
        if needed in LOWER and role in LOWER[needed]:
            response = client.open(path, method=method, data={"csrf_token": token})
            assert response.status_code == 403, (endpoint, method, response.status_code)
            checked += 1
    assert checked >= (3 if role == "approver" else 4)


def test_allowed_roles_reach_the_view(app: Flask, client_as) -> None:
    """With the right role, unknown ids give 404 (not 403 and not a crash)."""
    client = client_as("admin")
    token = csrf_from(client, "/review")
    for endpoint, method, path in _routes(app):
        if _minimum(app, endpoint) in ("public", "redirect", "any") or endpoint.startswith(
            "accounts."
        ):
            continue
        response = client.open(path, method=method, data={"csrf_token": token})
        assert response.status_code in (200, 302, 400, 404, 422), (
            endpoint,
            method,
            response.status_code,
        )
        assert response.status_code != 500
