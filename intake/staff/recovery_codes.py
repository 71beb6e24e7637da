"""Single-use recovery codes: the way in when a member of staff's phone is lost or broken.

Ten codes are made at enrolment and shown once; only their argon2id hashes are stored (the same
hasher as staff passwords, ``intake.staff.passwords``). A code is ten characters from an
alphabet without look-alikes, printed as ``abcde-fghij``; case, spaces and hyphens are ignored
when it is typed back.
"""

from __future__ import annotations

import secrets

from intake.staff import passwords

COUNT = 10
LENGTH = 10
#: lower-case letters and digits without 0/o, 1/l/i: about 49 bits in ten characters
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_codes(count: int = COUNT) -> list[str]:
    """``count`` fresh codes, formatted for reading aloud or printing."""
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def normalise(code: str) -> str:
    """A typed code without case, spaces or hyphens."""
    return "".join(c for c in code.lower() if c not in " -\t")


def looks_like_recovery_code(code: str) -> bool:
    """True when ``code`` has a recovery code's shape (so it is worth the hash checks)."""
    text = normalise(code)
    return len(text) == LENGTH and all(c in ALPHABET for c in text)


def hash_code(code: str) -> str:
    """The argon2id hash stored for one code."""
    return passwords.hash_password(normalise(code))


def matches(code_hash: str, code: str) -> bool:
    """True when ``code`` is the code behind ``code_hash``."""
    return passwords.verify(code_hash, normalise(code))
