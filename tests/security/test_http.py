"""HTTP hardening over every route of the app: CSRF on every POST, GET refused on state changes,
TRACE/PUT/DELETE refused, security headers on every GET (anonymous and admin), open redirects,
debug off. The routes come from ``app.url_map``, so a new route is covered without editing."""

from __future__ import annotations

from flask import Flask

from intake.web.headers import CSP

from .routes import concrete, get_routes, post_routes, routes

#: endpoints that answer a POST without a CSRF token on purpose: none
CSRF_EXEMPT: set[str] = set()
CSP_DIRECTIVES = {
    "default-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def test_every_post_route_needs_a_csrf_token(app: Flask, client_as) -> None:
    client = client_as("admin")
    checked = 0
    for endpoint, path in post_routes(app):
        if endpoint in CSRF_EXEMPT:
            continue
        for body in ({}, {"csrf_token": "forged-token"}):
            response = client.post(path, data=body)
            assert response.status_code == 400, (endpoint, body, response.status_code)
        json_call = client.post(path, json={"row_version": 1}, headers={"X-CSRFToken": "x"})
        assert json_call.status_code == 400, (endpoint, "json", json_call.status_code)
        checked += 1
    assert checked >= 20  # the walk really found the state-changing routes


def test_state_changing_routes_refuse_get(app: Flask, client_as) -> None:
    client = client_as("admin")
    with_get = {r.rule for r in app.url_map.iter_rules() if "GET" in (r.methods or ())}
    post_only = [
        (r.endpoint, concrete(r.rule, r.arguments))
        for r in app.url_map.iter_rules()
        if r.rule not in with_get
    ]
    assert len(post_only) >= 18
    for endpoint, path in post_only:
        response = client.get(path)
        # 404: the path also fits a read-only GET rule (/accounts/letters -> /accounts/<id>)
        assert response.status_code in (404, 405), (endpoint, response.status_code)


def test_405_names_the_allowed_methods(client_as) -> None:
    response = client_as("admin").get("/logout")
    assert response.status_code == 405
    allowed = {m.strip() for m in response.headers.get("Allow", "").split(",")}
    assert "POST" in allowed and "GET" not in allowed


def test_unused_methods_are_refused_everywhere(app: Flask, client_as) -> None:
    client = client_as("admin")
    for method in ("TRACE", "PUT", "DELETE", "PATCH", "CONNECT"):
        for endpoint, _methods, path in routes(app):
            response = client.open(path, method=method)
            assert response.status_code == 405, (endpoint, method, response.status_code)
            assert b"Traceback" not in response.data


def _assert_headers(response, where: str) -> None:
    headers = response.headers
    assert headers.get("Content-Security-Policy") == CSP, where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") == "no-referrer", where
    assert headers.get("X-Frame-Options") == "DENY", where
    if not where.startswith("/static/"):
        assert "no-store" in headers.get("Cache-Control", ""), where
    assert "Server" not in headers or "Werkzeug" not in headers["Server"], where
    assert "Access-Control-Allow-Origin" not in headers, where


def test_csp_directives() -> None:
    parsed = {}
    for part in CSP.split(";"):
        name, *values = part.split()
        parsed[name] = " ".join(values)
    for name, value in CSP_DIRECTIVES.items():
        assert parsed.get(name) == value, name
    assert "unsafe-inline" not in CSP and "unsafe-eval" not in CSP and "*" not in CSP
    assert "http:" not in CSP and "https:" not in CSP  # no third-party hosts


def test_security_headers_on_every_get_route(app: Flask, client_as) -> None:
    anonymous = app.test_client()
    admin = client_as("admin")
    seen = 0
    for _endpoint, path in get_routes(app):
        for client in (anonymous, admin):
            _assert_headers(client.get(path, headers={"Origin": "https://evil.example"}), path)
            seen += 1
    for path in ("/no-such-page", "/console", "/static/../intake/config.py", "/.git/config"):
        response = admin.get(path)
        assert response.status_code == 404, path
        _assert_headers(response, path)
    assert seen >= 40


def test_debug_is_off_and_there_is_no_console(app: Flask) -> None:
    assert app.debug is False
    assert app.test_client().get("/console").status_code == 404


OPEN_REDIRECTS = [
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https://evil.example/",
    "https:evil.example",
    "HTTPS://evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    " //evil.example",
    "\t//evil.example",
    "/\t/evil.example",
    "//evil.example@intake.school",
    "/%0d%0aSet-Cookie:x=1",
]


def test_login_next_never_leaves_the_site(app: Flask, users) -> None:
    from intake.web.extensions import limiter

    from .conftest import PASSWORD, csrf_from

    for target in OPEN_REDIRECTS:
        limiter.reset()  # fourteen sign-ins in a row would hit the login throttle
        client = app.test_client()
        token = csrf_from(client, "/login")
        response = client.post(
            "/login",
            query_string={"next": target},
            data={"username": "office1", "password": PASSWORD, "csrf_token": token},
        )
        assert response.status_code == 302, target
        location = response.headers["Location"]
        assert location.startswith("/") and not location.startswith(("//", "/\\")), target
        assert "evil.example" not in location or location.startswith("/%"), target
        assert "\r" not in location and "\n" not in location, target
        assert "Set-Cookie: x" not in str(response.headers), target


def test_reauth_next_never_leaves_the_site(client_as) -> None:
    from .conftest import PASSWORD, csrf_from

    client = client_as("admin")
    token = csrf_from(client, "/reauth")
    for target in ("//evil.example", "https://evil.example/", "/\\evil.example"):
        response = client.post(
            "/reauth",
            query_string={"next": target},
            data={"csrf_token": token, "password": PASSWORD},
        )
        assert response.status_code == 302
        assert response.headers["Location"] == "/", target


def test_csrf_token_of_another_session_is_refused(app: Flask, client_as) -> None:
    from .conftest import csrf_from

    victim = client_as("office")
    attacker = app.test_client()
    foreign = csrf_from(attacker, "/login")  # a valid token, but for the attacker's session
    response = victim.post("/forms/0/hold", data={"csrf_token": foreign, "reason": "x"})
    assert response.status_code == 400


def test_cross_site_referer_is_refused_over_https(app: Flask, client_as) -> None:
    """WTF_CSRF_SSL_STRICT: over https a POST from another origin fails even with a token."""
    from .conftest import csrf_from

    client = client_as("office")
    token = csrf_from(client, "/review")
    response = client.post(
        "/forms/0/hold",
        data={"csrf_token": token, "reason": "x"},
        base_url="https://localhost",
        headers={"Referer": "https://evil.example/form"},
    )
    assert response.status_code == 400


def test_rotating_addresses_do_not_dodge_the_per_user_throttle(app: Flask, users) -> None:
    from .conftest import csrf_from

    codes = []
    for attempt in range(11):
        address = f"203.0.113.{attempt + 1}"
        client = app.test_client()
        token = csrf_from(client, "/login")
        response = client.post(
            "/login",
            data={"username": "approver1", "password": f"wrong-{attempt}", "csrf_token": token},
            headers={"X-Forwarded-For": address},
            environ_base={"REMOTE_ADDR": address},
        )
        codes.append(response.status_code)
    assert codes[:10] == [401] * 10 and codes[10] == 429, codes


def test_hostile_sign_in_input_is_refused_without_error(app: Flask, users) -> None:
    from .conftest import csrf_from

    client = app.test_client()
    token = csrf_from(client, "/login")
    for username in ("a\r\nINFO admin exported all", "x" * 10_000, "office1\x00", "' OR 1=1 --"):
        response = client.post(
            "/login", data={"username": username, "password": "p" * 5_000, "csrf_token": token}
        )
        assert response.status_code in (401, 429), (username[:20], response.status_code)


def test_a_tampered_session_cookie_is_anonymous(app: Flask, client_as) -> None:
    client = client_as("admin")
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(name)
    assert cookie is not None
    payload, _, signature = cookie.value.rpartition(".")
    forged = payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    client.set_cookie(name, forged)
    response = client.get("/admin/staff")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_malformed_json_bodies_are_400(client_as, db_factory) -> None:
    from web.helpers import forms_in_review, upload_fake_batch

    from .conftest import csrf_from

    client = client_as("office")
    upload_fake_batch(client, forms=1)
    form = forms_in_review(db_factory)[0]
    token = csrf_from(client, "/review")
    for body in ("[1, 2]", '"text"', "{not json", '{"row_version": "abc"}', "[" * 5000):
        response = client.post(
            f"/forms/{form.id}/accept",
            data=body,
            content_type="application/json",
            headers={"X-CSRFToken": token},
        )
        assert response.status_code == 400, (body[:20], response.status_code)
        assert b"Traceback" not in response.data
