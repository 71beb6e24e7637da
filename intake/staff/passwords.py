"""Staff passwords: argon2id hashing, the policy a chosen password must meet, one-time passwords.

The policy (``check_password_policy``), each rule with a message that says why:

- 12 to 256 characters, any characters, no composition rules (NCSC, ASVS 2.1);
- not the username, nor a part of it, nor the school's name (``Settings.school`` name and short
  name, and their distinctive words such as "Belper"), nor words that make a password guessable
  in a school office ("password", "admissions", "portal"...), seen through case, digits or years
  added and leetspeak ("B3lp3r2025!" contains "belper");
- not on the shipped deny-list of common passwords (the one the parents' checker uses), also
  with digits, years or symbols appended ("Welcome12345", "Football2024");
- a zxcvbn strength estimate of at least ``MIN_STRENGTH_SCORE`` (about 10^8 guesses), which
  catches keyboard runs, sequences and dates the lists miss ("123456789abc").

Every function looks the hasher up in this module at call time (``_hasher``), so tests can swap
in cheaper parameters in one place.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import string
from collections.abc import Sequence

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn import zxcvbn

from intake.accounts.passwords import LEETSPEAK, is_common
from intake.errors import IntakeError

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 256
#: words that make a password guessable in a school office
_CONTEXT_WORDS = ("password", "admissions", "parent", "portal", "school", "qwerty", "letmein")
#: words of a school's name too general to refuse on their own ("form" is in "platform")
_GENERIC_NAME_WORDS = frozenset(
    [
        "academy",
        "and",
        "centre",
        "center",
        "church",
        "college",
        "community",
        "form",
        "grammar",
        "high",
        "infant",
        "junior",
        "of",
        "primary",
        "school",
        "secondary",
        "sixth",
        "st",
        "saint",
        "the",
        "trust",
        "upper",
        "lower",
    ]
)
#: a word of the school's name (or of a username) shorter than this is not refused on its own
MIN_NAME_WORD = 4
_ONE_AS_I = str.maketrans({"1": "i", "|": "l"})
#: zxcvbn score (0..4) a password must reach: 3 means about 10^8 guesses or more
MIN_STRENGTH_SCORE = 3
#: zxcvbn reads at most this many characters (it refuses longer input; its cost grows with length)
STRENGTH_CHARS = 72
_UNAMBIGUOUS = "".join(c for c in string.ascii_letters + string.digits if c not in "O0lI1o")

_hasher = PasswordHasher()
#: a hash to verify against for unknown usernames so that timing does not reveal who exists
_DUMMY_HASH = _hasher.hash("not-a-real-password-for-timing")


class PasswordPolicyError(IntakeError):
    """A chosen staff password does not meet the policy; the message says why."""


def _forms(text: str) -> set[str]:
    """The ways a password may hide a word: case-folded letters and digits, letters alone, and
    letters after undoing leetspeak ("B3lp3r-2025" -> "belper2025", "bpr", "belper"); a "1"
    is read both as "l" and as "i"."""
    folded = text.casefold()
    return {
        re.sub(r"[^0-9a-z]", "", folded),
        re.sub(r"[^a-z]", "", folded),
        re.sub(r"[^a-z]", "", folded.translate(LEETSPEAK)),
        re.sub(r"[^a-z]", "", folded.translate(_ONE_AS_I).translate(LEETSPEAK)),
    } - {""}


def _words(text: str, minimum: int) -> set[str]:
    """``text`` folded whole, and its words of at least ``minimum`` letters."""
    pieces = re.split(r"[^0-9a-z]+", text.casefold())
    words = {p for p in pieces if len(re.sub(r"[^a-z]", "", p)) >= minimum}
    whole = re.sub(r"[^0-9a-z]", "", text.casefold())
    return {w for w in words | {whole, re.sub(r"[^a-z]", "", whole)} if len(w) >= minimum}


def school_words(school_names: Sequence[str]) -> set[str]:
    """What a staff password must not contain of the school's names: each name whole (letters
    and digits) and its distinctive words ("Belper School & Sixth Form Centre" -> "belper",
    "belperschool...", but not "form")."""
    words: set[str] = set()
    for name in school_names:
        words |= {w for w in _words(name, MIN_NAME_WORD) if w not in _GENERIC_NAME_WORDS}
    return words


def _contains(password: str, words: set[str]) -> str | None:
    forms = _forms(password)
    for word in sorted(words, key=lambda w: (-len(w), w)):
        if any(word in form for form in forms):
            return word
    return None


def check_password_policy(
    password: str, username: str = "", school_names: Sequence[str] = ()
) -> None:
    """Raise ``PasswordPolicyError`` naming the reason when a staff password is too weak.

    ``school_names`` are the school's name and short name (``Settings.school``)."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise PasswordPolicyError(f"use at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise PasswordPolicyError(f"use at most {MAX_PASSWORD_CHARS} characters")
    if username and _contains(password, _words(username, 3)):
        raise PasswordPolicyError("the password must not contain the username")
    school = _contains(password, school_words(school_names))
    if school:
        raise PasswordPolicyError(f"the password must not contain the school's name ({school!r})")
    word = _contains(password, set(_CONTEXT_WORDS))
    if word:
        raise PasswordPolicyError(f"the password must not contain the word {word!r}")
    if len(set(password)) < 5:
        raise PasswordPolicyError("the password repeats too few different characters")
    if is_common(password):
        raise PasswordPolicyError(
            "this is a common password (or one with digits or a year added): choose another"
        )
    estimate = zxcvbn(password[:STRENGTH_CHARS], user_inputs=[username, *school_names])
    if estimate["score"] < MIN_STRENGTH_SCORE:
        warning = str(estimate["feedback"].get("warning") or "").rstrip(".")
        why = f" ({warning.lower()})" if warning else ""
        raise PasswordPolicyError(
            f"the password is too easy to guess{why}: three or four random words make a strong one"
        )


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


def one_time_password(username: str = "", school_names: Sequence[str] = ()) -> str:
    """A random 16-character password from an unambiguous alphabet, for first login; drawn
    again in the (very rare) case that it does not meet the policy itself."""
    while True:
        password = "".join(secrets.choice(_UNAMBIGUOUS) for _ in range(16))
        try:
            check_password_policy(password, username, school_names)
        except PasswordPolicyError:
            continue
        return password
