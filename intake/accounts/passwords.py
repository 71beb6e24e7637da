"""Initial passwords (generated) and the checker for passwords that parents choose.

Initial passwords: 12 characters drawn with ``secrets`` from an alphabet without look-alikes
(no 0/O/o, 1/l/I), printed in three groups of four joined by hyphens, e.g. ``Xk7m-Pq9r-Tz4w``:
about 68 bits of entropy, far beyond the seed's policy, and they pass both profiles below.
They are stored only as argon2id hashes (``hash_password``); the plain text exists only in memory
while a credential letter is rendered.

Checker profiles (``Settings.password_profile``):

- ``school``: exactly the seed's rules: at least 6 characters; at least one number or symbol;
  upper and lower case letters; not similar to the user's name or username.
- ``ncsc``: NCSC / Cyber Essentials guidance: at least 12 characters, no composition rules, not on
  the shipped deny-list of common passwords, not built on the user's name, username or the
  school's name.

"Similar" (both profiles): after case-folding and dropping everything but letters and digits,
the password contains the name part or username (parts of 3+ characters), or the password's
letters alone are at least 75% alike (difflib ratio) to a name part or the username. So
"Cutler1", "cutler!!", "Cut1er" and "XCUTLERx9" are all refused for Mr Cutler.
"""

from __future__ import annotations

import difflib
import re
import secrets
import string
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from intake.errors import ConfigError

PROFILES = ("school", "ncsc")

#: No 0/O/o, 1/l/I: a letter read from paper cannot be mistaken for another.
UNAMBIGUOUS_LOWER = "".join(c for c in string.ascii_lowercase if c not in "lo")
UNAMBIGUOUS_UPPER = "".join(c for c in string.ascii_uppercase if c not in "IO")
UNAMBIGUOUS_DIGITS = "23456789"
ALPHABET = UNAMBIGUOUS_LOWER + UNAMBIGUOUS_UPPER + UNAMBIGUOUS_DIGITS
GROUPS = 3
GROUP_LENGTH = 4

SIMILARITY_RATIO = 0.75
MIN_PART_LENGTH = 3
SCHOOL_MIN_LENGTH = 6
NCSC_MIN_LENGTH = 12
MAX_LENGTH = 128

# argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): about 0.1 s on a busy
# two-core server, so a print run of 300 letters stays well under a minute. Hashes made with
# other parameters still verify (the parameters are stored in each hash).
HASH_MEMORY_KIB = 19456
HASH_TIME_COST = 2
_hasher = PasswordHasher(time_cost=HASH_TIME_COST, memory_cost=HASH_MEMORY_KIB, parallelism=1)


@dataclass(frozen=True)
class PasswordIdentity:
    """What a password must not resemble: the user's names and username, and extra words
    (the school's name under the ncsc profile)."""

    forename: str = ""
    surname: str = ""
    username: str = ""
    extra_words: tuple[str, ...] = ()


@dataclass(frozen=True)
class PasswordCheck:
    ok: bool
    problems: tuple[str, ...]


def generate_initial_password() -> str:
    """A fresh initial password from ``secrets``: three groups of four unambiguous characters
    with at least one upper case letter, one lower case letter and one digit."""
    while True:
        chars = [secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_LENGTH)]
        if (
            any(c in UNAMBIGUOUS_UPPER for c in chars)
            and any(c in UNAMBIGUOUS_LOWER for c in chars)
            and any(c in UNAMBIGUOUS_DIGITS for c in chars)
        ):
            groups = ["".join(chars[i : i + GROUP_LENGTH]) for i in range(0, len(chars), 4)]
            return "-".join(groups)


def hash_password(password: str) -> str:
    """The argon2id hash to store (the only form in which a password is ever kept)."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches ``password_hash``; False for a mismatch or a bad hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _fold(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.casefold())


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.casefold())


#: leetspeak digits and symbols back to the letters they stand for (shared with staff passwords)
LEETSPEAK = str.maketrans(
    {"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}
)


def _parts(identity: PasswordIdentity) -> list[str]:
    raw = [identity.forename, identity.surname, identity.username, *identity.extra_words]
    parts: set[str] = set()
    for text in raw:
        for piece in re.split(r"[\s@._'\-]+", text):
            if len(_fold(piece)) >= MIN_PART_LENGTH:
                parts.add(_fold(piece))
        if len(_fold(text)) >= MIN_PART_LENGTH:
            parts.add(_fold(text))
    return sorted(parts)


def similar_to_identity(password: str, identity: PasswordIdentity) -> bool:
    """The shared definition of "similar to the user's name or username" (module docstring)."""
    folded = _fold(password)
    deleet = _letters(password.casefold().translate(LEETSPEAK))
    letters = _letters(password)
    for part in _parts(identity):
        if part in folded or part in deleet:
            return True
        for candidate in (letters, deleet):
            if candidate and difflib.SequenceMatcher(None, candidate, part).ratio() >= (
                SIMILARITY_RATIO
            ):
                return True
    return False


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped deny-list (lower case)."""
    text = resources.files("intake.accounts").joinpath("common-passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def is_common(password: str) -> bool:
    """True when the password, or its core without trailing digits and symbols (also after
    undoing leetspeak), is on the shipped deny-list."""
    deny = common_passwords()
    lowered = password.casefold()
    stripped = re.sub(r"[^0-9a-z]+$", "", lowered)  # "Password123!!" -> "password123"
    core = re.sub(r"[0-9\W_]+$", "", lowered)  # trailing digits and symbols
    return any(
        form in deny
        for form in (lowered, stripped, core, core.translate(LEETSPEAK), _fold(lowered))
        if form
    )


def _school_problems(password: str, identity: PasswordIdentity) -> list[str]:
    problems: list[str] = []
    if len(password) < SCHOOL_MIN_LENGTH:
        problems.append(f"Use at least {SCHOOL_MIN_LENGTH} characters.")
    if not any(not c.isalpha() for c in password):
        problems.append("Include at least one number or symbol.")
    if not (any(c.isupper() for c in password) and any(c.islower() for c in password)):
        problems.append("Use a mix of upper case and lower case letters.")
    if similar_to_identity(
        password, PasswordIdentity(identity.forename, identity.surname, identity.username)
    ):
        problems.append("Do not base the password on your name or username.")
    return problems


def _ncsc_problems(password: str, identity: PasswordIdentity) -> list[str]:
    problems: list[str] = []
    if len(password) < NCSC_MIN_LENGTH:
        problems.append(
            f"Use at least {NCSC_MIN_LENGTH} characters; three random words make a strong one."
        )
    if is_common(password):
        problems.append("This password is too common; choose something less predictable.")
    if similar_to_identity(password, identity):
        problems.append("Do not base the password on your name, username or the school's name.")
    return problems


def check_password(
    password: str, identity: PasswordIdentity, profile: str = "school"
) -> PasswordCheck:
    """Check a password a user has chosen against ``profile``; every failed rule has a message."""
    if profile not in PROFILES:
        raise ConfigError(f"password_profile must be one of {', '.join(PROFILES)}, not {profile!r}")
    problems: list[str] = []
    if len(password) > MAX_LENGTH:
        problems.append(f"Use at most {MAX_LENGTH} characters.")
    if profile == "school":
        problems += _school_problems(password, identity)
    else:
        problems += _ncsc_problems(password, identity)
    return PasswordCheck(ok=not problems, problems=tuple(problems))
