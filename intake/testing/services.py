"""Is a service the tests need reachable? Used by tests/conftest.py and by .ci/test.

``python -m intake.testing.services postgres URL`` exits 0 when it answers, 1 otherwise.
"""

from __future__ import annotations

import shutil
import sys


def postgres_reachable(url: str) -> str:
    """'' when PostgreSQL answers at ``url``, else the reason it does not."""
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # any failure means "not reachable"
        return f"PostgreSQL not reachable at {url}: {type(exc).__name__}"
    return ""


def redis_reachable(url: str) -> str:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except Exception as exc:
        return f"Redis not reachable at {url}: {type(exc).__name__}"
    return ""


def chromium_path() -> str:
    """Debian's Chromium, or '' when it is not installed."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return ""


def clamd_path() -> str:
    """Debian's clamd (clamav-daemon, in /usr/sbin: not on a user's PATH), or ''."""
    return shutil.which("clamd") or shutil.which("clamd", path="/usr/sbin:/usr/local/sbin") or ""


def main(argv: list[str]) -> int:
    kind, url = argv[0], argv[1]
    reason = postgres_reachable(url) if kind == "postgres" else redis_reachable(url)
    if reason:
        print(reason, file=sys.stderr)
    return 1 if reason else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
