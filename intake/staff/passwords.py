"""Staff passwords: argon2id hashing, the policy a chosen password must meet, one-time passwords.

Every function looks the hasher up in this module at call time (``_hasher``), so tests can swap
in cheaper parameters in one place.
"""

from __future__ import annotations

import contextlib
import secrets
import string

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from intake.errors import IntakeError

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 256
#: words that make a password guessable in a school office
_CONTEXT_WORDS = ("password", "admissions", "parent", "portal", "school", "qwerty", "letmein")
_UNAMBIGUOUS = "".join(c for c in string.ascii_letters + string.digits if c not in "O0lI1o")

_hasher = PasswordHasher()
#: a hash to verify against for unknown usernames so that timing does not reveal who exists
_DUMMY_HASH = _hasher.hash("not-a-real-password-for-timing")


class PasswordPolicyError(IntakeError):
    """A chosen staff password does not meet the policy; the message says why."""


def check_password_policy(password: str, username: str = "") -> None:
    """Raise ``PasswordPolicyError`` naming the reason when a staff password is too weak."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise PasswordPolicyError(f"use at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise PasswordPolicyError(f"use at most {MAX_PASSWORD_CHARS} characters")
    lowered = password.lower()
    if username and username.lower() in lowered:
        raise PasswordPolicyError("the password must not contain the username")
    for word in _CONTEXT_WORDS:
        if word in lowered:
            raise PasswordPolicyError(f"the password must not contain the word {word!r}")
    if len(set(password)) < 5:
        raise PasswordPolicyError("the password repeats too few different characters")


def hash_password(password: str) -> str:
    """An argon2id hash (argon2-cffi defaults, RFC 9106 low-memory profile)."""
    return _hasher.hash(password)


def verify(password_hash: str, password: str) -> bool:
    """True when ``password`` matches ``password_hash``; a damaged hash matches nothing."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def verify_nothing(password: str) -> None:
    """Spend one hash check on a refusal, so that every refusal answers equally slowly."""
    with contextlib.suppress(VerificationError):
        _hasher.verify(_DUMMY_HASH, password)


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with older parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


def one_time_password() -> str:
    """A random 16-character password from an unambiguous alphabet, for first login."""
    return "".join(secrets.choice(_UNAMBIGUOUS) for _ in range(16))
