"""Time-based one-time passwords (RFC 6238) through pyotp: the one doorway to that library.

Codes are six digits over 30-second time steps. A code from one step either side of now is
accepted (a phone's clock drifts), and only from a step later than the last one accepted, so
a code seen over someone's shoulder cannot be used again.
"""

from __future__ import annotations

import hmac
import re

import pyotp

STEP_S = 30
DIGITS = 6
#: time steps accepted either side of the current one
DRIFT_STEPS = 1
_CODE = re.compile(r"^[0-9]{6}$")


def new_secret() -> str:
    """A fresh random base32 secret (160 bits, as RFC 4226 recommends)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_S).provisioning_uri(
        name=account, issuer_name=issuer
    )


def normalise(code: str) -> str:
    """The code as typed, without spaces (apps show ``123 456``)."""
    return "".join(code.split())


def looks_like_totp(code: str) -> bool:
    """True when ``code`` has the shape of a TOTP code (six digits)."""
    return bool(_CODE.match(normalise(code)))


def step_at(moment: float) -> int:
    """The time step that contains ``moment`` (epoch seconds)."""
    return int(moment // STEP_S)


def code_at_step(secret: str, step: int) -> str:
    """The code for one time step (for tests and the enrolment check)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_S).generate_otp(step)


def matching_step(secret: str, code: str, *, now: float, after_step: int | None) -> int | None:
    """The time step whose code ``code`` is, within the drift and later than ``after_step``.

    ``None`` when the code is wrong, too old or too new, or from a step already used.
    """
    code = normalise(code)
    if not _CODE.match(code):
        return None
    current = step_at(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if after_step is not None and step <= after_step:
            continue
        if hmac.compare_digest(code_at_step(secret, step), code):
            return step
    return None
