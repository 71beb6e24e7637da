"""Access control for every view: roles (admin > approver > office) and step-up for risky actions.

``role_required`` denies by default: anonymous users go to the login page, users without the role
get 403. ``fresh_login_required`` asks for a fresh second-factor code (staff who use one) or the
password (older than ``FRESH_LOGIN_MINUTES``) before approve, create accounts, export, roster
import and staff administration.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort, current_app, redirect, request, session, url_for
from flask_login import current_user

F = TypeVar("F", bound=Callable[..., Any])

FRESH_LOGIN_MINUTES = 15
#: session key holding the time (epoch seconds) of the last successful password check
FRESH_KEY = "fresh_at"


def mark_fresh() -> None:
    """Record that the password was checked just now (login or re-authentication)."""
    session[FRESH_KEY] = int(time.time())


def login_is_fresh() -> bool:
    """True when the password was checked within the last ``FRESH_LOGIN_MINUTES``."""
    at = session.get(FRESH_KEY)
    return isinstance(at, int) and time.time() - at <= FRESH_LOGIN_MINUTES * 60


def role_required(*roles: str) -> Callable[[F], F]:
    """Allow the view only to logged-in, active users holding one of ``roles`` (or a higher one)."""
    if not roles:
        raise ValueError("role_required needs at least one role")

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
            if current_user.must_change_password:
                return redirect(url_for("auth.change_password"))
            if not any(current_user.has_role(role) for role in roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = tuple(roles)  # type: ignore[attr-defined]
        return cast(F, wrapped)

    return decorator


def fresh_login_required(view: F) -> F:
    """Send the user to prove it is them unless they did so recently.

    Staff with a second factor give a code from the last ``Settings.mfa_step_up_minutes``;
    the others their password from the last ``FRESH_LOGIN_MINUTES``.

    Put it under ``role_required`` so anonymous users are still sent to the login page first.
    """

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
        from intake.web.mfa_session import step_up_endpoint  # it builds on this module

        endpoint = step_up_endpoint()
        if endpoint is not None:
            # a POST cannot be replayed after the check: send the user back to a page
            target = request.full_path.rstrip("?") if request.method == "GET" else None
            return redirect(url_for(endpoint, next=target))
        return view(*args, **kwargs)

    wrapped.fresh_required = True  # type: ignore[attr-defined]
    return cast(F, wrapped)
