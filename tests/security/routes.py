"""The app's routes with made-up ids, for tests that walk every route."""

from __future__ import annotations

import uuid

from flask import Flask

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def concrete(rule_text: str, arguments: set[str] | frozenset[str]) -> str:
    """A path for ``rule_text`` with a fresh UUID for every argument (``app.css`` for files)."""
    path = rule_text
    for arg in arguments:
        path = path.replace(f"<path:{arg}>", "app.css").replace(f"<{arg}>", str(uuid.uuid4()))
    return path


def routes(app: Flask) -> list[tuple[str, frozenset[str], str]]:
    """(endpoint, methods, path) of every rule."""
    return [
        (
            rule.endpoint,
            frozenset((rule.methods or set()) - IGNORED_METHODS),
            concrete(rule.rule, rule.arguments),
        )
        for rule in app.url_map.iter_rules()
    ]


def post_routes(app: Flask) -> list[tuple[str, str]]:
    return [(e, p) for e, methods, p in routes(app) if "POST" in methods]


def get_routes(app: Flask) -> list[tuple[str, str]]:
    return [(e, p) for e, methods, p in routes(app) if "GET" in methods]
