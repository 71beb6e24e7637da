"""The staff web app: upload batches, watch progress, review forms, administer staff.

``create_app(test_config=None)`` builds an app from ``intake.config.load_settings``; the
pipeline never imports this package, and no view reads a page: views store and queue.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, redirect, url_for
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from intake.batch.jobs import build_queue
from intake.bidi import BIDI_CONTROLS, has_bidi_control, marker
from intake.config import Settings, load_settings
from intake.data_folder import secure_data_folder
from intake.errors import ConfigError
from intake.paths import package_path, product_folder
from intake.staff.login import PasswordLogin
from intake.storage import local_storage
from intake.web import database, headers, mfa_session, sessions
from intake.web.extensions import csrf, limiter
from intake.web.images import PageCache

log = logging.getLogger(__name__)

SECRET_FILE = "secret_key"  # noqa: S105 - the name of the file that holds it
_WEAK_SECRETS = {"", "dev", "secret", "changeme", "change-me"}
#: test_config keys that carry objects rather than Flask settings
_OBJECTS = {"INTAKE_QUEUE", "INTAKE_STORAGE"}


def read_secret_key(settings: Settings) -> str:
    """The secret key from configuration, else from ``<data_dir>/secret_key``."""
    if settings.secret_key:
        return settings.secret_key
    path = settings.data_dir / SECRET_FILE
    if path.is_file():
        return path.read_text("utf-8").strip()
    return ""


def ensure_secret_key(settings: Settings) -> Path:
    """Create ``<data_dir>/secret_key`` (mode 0600) for a local install if none exists."""
    import secrets

    path = settings.data_dir / SECRET_FILE
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48), "utf-8")
    path.chmod(0o600)
    return path


def _flask_config(settings: Settings, test_config: dict[str, Any] | None) -> dict[str, Any]:
    testing = bool(test_config and test_config.get("TESTING"))
    secret = read_secret_key(settings)
    if test_config and "SECRET_KEY" in test_config:
        secret = test_config["SECRET_KEY"]
    if secret.strip().lower() in _WEAK_SECRETS or len(secret) < 16:
        if not testing:
            raise ConfigError(
                "the web app needs a secret key: set INTAKE_SECRET_KEY (at least 16 random "
                f"characters) or run `intake serve`, which creates {settings.data_dir}/secret_key"
            )
        secret = secret or "testing-only-secret-key-0123456789"
    https = settings.public_https
    config: dict[str, Any] = {
        "SECRET_KEY": secret,
        "INTAKE_SETTINGS": settings,
        "MAX_CONTENT_LENGTH": settings.limits.max_upload_mb * 1024 * 1024,
        "MAX_FORM_PARTS": 1000,
        "SESSION_COOKIE_NAME": "__Host-session" if https else "intake_session",
        "SESSION_COOKIE_SECURE": https,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_PATH": "/",
        "REMEMBER_COOKIE_DURATION": 0,
        "WTF_CSRF_TIME_LIMIT": 12 * 3600,
        "RATELIMIT_STORAGE_URI": settings.redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": False,
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "INTAKE_RUN_JOBS_INLINE": False,
    }
    if settings.trusted_hosts:
        config["TRUSTED_HOSTS"] = list(settings.trusted_hosts)
    config.update({k: v for k, v in (test_config or {}).items() if k not in _OBJECTS})
    return config


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app. ``test_config`` may carry ``INTAKE_SETTINGS`` (a ``Settings``) and any
    Flask key; ``TESTING`` allows a throw-away secret key."""
    settings = (test_config or {}).get("INTAKE_SETTINGS") or load_settings()
    app = Flask(
        __name__,
        template_folder=str(product_folder("templates") / "web"),
        static_folder=str(package_path("intake.web", "static")),
    )
    secure_data_folder(settings)
    app.config.from_mapping(_flask_config(settings, test_config))
    if settings.trusted_proxies < 0:
        raise ConfigError("setting 'trusted_proxies' is the number of proxies: 0 or more")
    if settings.trusted_proxies:
        # exactly that many hops: an X-Forwarded-For entry added before the last proxy (by the
        # client) is never taken as the client's address, so it cannot dodge the sign-in limits
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    database.init_app(app, app.config.get("DATABASE_URL") or settings.sqlalchemy_url)
    objects = test_config or {}
    app.extensions["intake_storage"] = objects.get("INTAKE_STORAGE") or local_storage(settings)
    app.extensions["intake_queue"] = objects.get("INTAKE_QUEUE") or build_queue(settings)
    app.extensions["intake_page_cache"] = PageCache()
    app.extensions["intake_login_backend"] = objects.get("INTAKE_LOGIN_BACKEND") or PasswordLogin()
    csrf.init_app(app)
    limiter.init_app(app)
    sessions.init_app(app)
    mfa_session.init_app(app)
    app.after_request(headers.add_security_headers)
    app.after_request(headers.escape_bidi_in_json)
    app.jinja_env.finalize = _visible_bidi
    headers.register_error_pages(app)
    _register_blueprints(app)

    @app.get("/")
    def index() -> Response:
        return redirect(url_for("review.queue"))

    return app


def _visible_bidi(value: object) -> object:
    """Every ``{{ ... }}`` on every page: direction overrides shown as ``[U+202E]`` markers
    (``intake.bidi``), so a name cannot reorder what a reviewer reads. Markup (``join`` of
    escaped names, say) gets the same: the marker holds no character that HTML treats."""
    if isinstance(value, str) and has_bidi_control(value):
        for char in BIDI_CONTROLS:  # str.replace keeps a Markup a Markup
            value = value.replace(char, marker(char))
    return value


def _register_blueprints(app: Flask) -> None:
    from intake.web import (
        accounts,
        admin,
        auth,
        batches,
        changes,
        collection,
        decisions,
        mfa,
        people,
        portal,
        review,
        safeguarding,
        security_keys,
        term,
        verify,
    )

    for module in (
        auth,
        mfa,
        security_keys,
        batches,
        changes,
        review,
        admin,
        accounts,
        decisions,
        safeguarding,
        portal,
        collection,
        people,
        verify,
        term,
    ):
        app.register_blueprint(module.bp)

    def accounts_home() -> str:
        """The accounts area's start page, if the accounts blueprint has one."""
        for rule in app.url_map.iter_rules():
            if (
                rule.endpoint.startswith("accounts.")
                and not rule.arguments
                and "GET" in (rule.methods or ())
            ):
                return url_for(rule.endpoint)
        return ""

    app.jinja_env.globals["accounts_home"] = accounts_home
    app.jinja_env.globals["has_endpoint"] = lambda name: name in app.view_functions
