"""Usernames: unique regardless of case, readable, stable, ASCII; never from a child's data.

Schemes (``Settings.username_scheme``):

- ``generated`` (default): the parent's first initial and surname, folded to ASCII lower case
  letters (accents dropped, apostrophes, hyphens and spaces removed, at most 16 letters), then
  two random digits, e.g. ``sobrien47``; three digits when the two-digit names are taken.
  The digits come from ``secrets`` so that usernames cannot be enumerated from the roster.
- ``email``: the contact's email address held on file, lower-cased. When the contact has none,
  or another account already uses it (two parents sharing one address), the generated scheme
  is used for that account instead.

A username is chosen once, when the account is created, and never changes (the stable name the
parent types). Uniqueness is enforced by the database on ``casefold(username)``.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Callable, Iterator

from intake.errors import ConfigError, WorkflowError

SCHEMES = ("generated", "email")
MAX_STEM = 16
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def ascii_fold(text: str) -> str:
    """Lower-case ASCII letters only: "Séan O'Brien-Núñez" -> "seanobriennunez"."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = decomposed.encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z]", "", ascii_only.lower())


def username_stem(forename: str, surname: str) -> str:
    """Initial plus surname, ASCII-folded; "parent" when the names fold to nothing."""
    initial = ascii_fold(forename)[:1]
    stem = (initial + ascii_fold(surname))[:MAX_STEM]
    return stem if len(stem) >= 2 else "parent"


def generated_candidates(forename: str, surname: str, attempts: int = 60) -> Iterator[str]:
    """Candidate usernames, two random digits first, then three."""
    stem = username_stem(forename, surname)
    for i in range(attempts):
        digits = 2 if i < attempts // 2 else 3
        yield f"{stem}{secrets.randbelow(10**digits):0{digits}d}"


def valid_email(email: str) -> bool:
    """Usable as a username: plain ASCII address, and no leading character that a spreadsheet
    would take for a formula (the export must never have to alter a username)."""
    return (
        bool(_EMAIL.match(email))
        and email.isascii()
        and len(email) <= 254
        and not email.startswith(("=", "+", "-", "@"))
    )


def choose_username(
    scheme: str,
    forename: str,
    surname: str,
    email: str,
    is_taken: Callable[[str], bool],
) -> str:
    """The first free username under ``scheme``; ``is_taken`` is asked with the case-folded key.

    The caller still inserts under the database's unique constraint and retries on a clash,
    since another transaction may take the same name between the check and the insert.
    """
    if scheme not in SCHEMES:
        raise ConfigError(f"username_scheme must be one of {', '.join(SCHEMES)}, not {scheme!r}")
    if scheme == "email":
        address = email.strip().lower()
        if valid_email(address) and not is_taken(address.casefold()):
            return address
    for candidate in generated_candidates(forename, surname):
        if not is_taken(candidate.casefold()):
            return candidate
    raise WorkflowError("could not find a free username; ask the administrator to check accounts")
