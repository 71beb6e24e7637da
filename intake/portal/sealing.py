"""Sealing an initial password between the letter that prints it and its push to the portal.

The plain password exists only while a credential letter is rendered. The portal needs it too,
and a push can fail and be retried hours later, so it is kept until then: sealed with Fernet
(AES-128-CBC and HMAC-SHA256, ``cryptography``) under ``portal.password_key``, which lives in
the configuration and never in the database, so a copy of the database or of a backup alone
reveals no password. The outbox wipes the sealed value as soon as it is pushed, the account is
revoked, or the password expires.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken

from intake.config import Portal
from intake.errors import ConfigError


def new_key() -> str:
    """A fresh key for ``portal.password_key``."""
    return Fernet.generate_key().decode("ascii")


def _fernet(portal: Portal) -> Fernet:
    try:
        return Fernet(portal.password_key.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        # never echo the key itself
        raise ConfigError(
            "portal.password_key is not a valid key: make one with `intake portal new-key`"
        ) from exc


def check_key(portal: Portal) -> None:
    """Refuse a missing or malformed key (at start-up, with the setting's name)."""
    if not portal.password_key:
        raise ConfigError(
            "portal.password_key is needed when portal.scim_url is set (it seals initial "
            "passwords until they reach the portal): make one with `intake portal new-key`"
        )
    _fernet(portal)


def seal(portal: Portal, password: str) -> bytes:
    return _fernet(portal).encrypt(password.encode("utf-8"))


def unseal(portal: Portal, sealed: bytes) -> str | None:
    """The password, or None when it was sealed under another key (the key was changed)."""
    try:
        return _fernet(portal).decrypt(sealed).decode("utf-8")
    except InvalidToken:
        return None
