"""Security keys and passkeys (WebAuthn) as a staff user's second factor, beside the app code.

A key is added by a user who has two-step sign-in set up already, so the authenticator app and
the recovery codes stay the way back in when a key is lost; an admin's reset removes keys too.
At sign-in and at step-up a key's signature over a fresh challenge counts as a code. The
WebAuthn checks (challenge, origin, relying-party id, user presence, signature, counter) are
py_webauthn's; this module keeps the keys, the counters and the audit. No Flask here.

The relying party is the host staff reach the app on (``RelyingParty``): a key made for one
host name does not sign for another, which is WebAuthn's own phishing defence. Behind
``trusted_hosts`` the Host header cannot be chosen by an attacker.

A wrong signature, someone else's key or a counter that did not move on (a cloned key) counts
as a wrong code toward the account's wait (``intake.staff.mfa.count_failure``).
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from webauthn import (
    base64url_to_bytes,
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from intake import audit
from intake.db.workflow import StaffMfa, StaffSecurityKey, StaffUser
from intake.errors import IntakeError
from intake.staff import mfa

KEY_REFUSAL = "That security key was not accepted."
MAX_KEYS = 10
MAX_NAME = 60
#: milliseconds the browser gives the user to touch the key
TIMEOUT_MS = 120_000


@dataclass(frozen=True)
class RelyingParty:
    """Who the keys sign for: ``id`` the host name (no port), ``origin`` scheme://host[:port]."""

    id: str
    origin: str
    name: str


@dataclass(frozen=True)
class Challenge:
    """Options for the browser (JSON) and the challenge to check the answer against."""

    options_json: str
    challenge: bytes


def keys_of(session: Session, user_id: str) -> list[StaffSecurityKey]:
    """The user's keys, oldest first."""
    return list(
        session.scalars(
            select(StaffSecurityKey)
            .where(StaffSecurityKey.user_id == user_id)
            .order_by(StaffSecurityKey.created_at)
        )
    )


def has_keys(session: Session, user_id: str) -> bool:
    return bool(
        session.scalar(select(StaffSecurityKey.id).where(StaffSecurityKey.user_id == user_id))
    )


def registration_challenge(session: Session, user: StaffUser, rp: RelyingParty) -> Challenge:
    """Options for ``navigator.credentials.create``: this user, none of their keys again."""
    if not mfa.is_enrolled(session, user.id):
        raise IntakeError("set up two-step sign-in with an authenticator app first")
    existing = keys_of(session, user.id)
    if len(existing) >= MAX_KEYS:
        raise IntakeError(f"at most {MAX_KEYS} security keys; remove one first")
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_id=user.id.encode(),
        user_name=user.username,
        timeout=TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[_descriptor(key) for key in existing],
    )
    return Challenge(options_to_json(options), options.challenge)


def add_key(
    session: Session,
    user: StaffUser,
    rp: RelyingParty,
    credential: str,
    challenge: bytes,
    name: str,
) -> StaffSecurityKey:
    """Check the browser's new credential against ``challenge`` and keep its public key."""
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise IntakeError(
            "the security key could not be added: it did not answer as asked"
        ) from exc
    credential_id = bytes_to_base64url(verified.credential_id)
    if session.scalar(
        select(StaffSecurityKey.id).where(StaffSecurityKey.credential_id == credential_id)
    ):
        raise IntakeError("that security key is added already")
    key = StaffSecurityKey(
        user_id=user.id,
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        name=_clean_name(name) or f"Security key {len(keys_of(session, user.id)) + 1}",
        created_at=datetime.now(UTC),
    )
    session.add(key)
    session.flush()
    _audit(session, user.id, "mfa.key_added", key_id=key.id)
    return key


def sign_in_challenge(session: Session, user: StaffUser, rp: RelyingParty) -> Challenge:
    """Options for ``navigator.credentials.get``, offering only this user's keys."""
    keys = keys_of(session, user.id)
    if not keys:
        raise IntakeError("no security key is set up for this user")
    options = generate_authentication_options(
        rp_id=rp.id,
        timeout=TIMEOUT_MS,
        allow_credentials=[_descriptor(key) for key in keys],
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return Challenge(options_to_json(options), options.challenge)


def check_key(
    session: Session,
    user: StaffUser,
    rp: RelyingParty,
    credential: str,
    challenge: bytes,
    *,
    purpose: str,
) -> StaffSecurityKey:
    """Accept a signature over ``challenge`` by one of the user's keys, else refuse.

    Raises ``MfaCodeRefused`` (counted like a wrong code) for another key, a bad signature, a
    wrong origin or a counter that did not move on, and while the account waits."""
    row = mfa.enrolment_of(session, user.id)
    if row is None or row.confirmed_at is None:
        raise IntakeError("two-step sign-in is not set up for this user")
    mfa.check_not_waiting(session, user)
    key = _key_named(session, user.id, credential)
    if key is None:
        raise _refused(session, user, row, purpose, "unknown_key")
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            credential_public_key=key.public_key,
            credential_current_sign_count=key.sign_count,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError):
        raise _refused(session, user, row, purpose, "bad_signature") from None
    # one statement: two answers with the same counter cannot both win
    moved = session.execute(
        update(StaffSecurityKey)
        .where(StaffSecurityKey.id == key.id, StaffSecurityKey.sign_count == key.sign_count)
        .values(sign_count=verified.new_sign_count, last_used_at=datetime.now(UTC))
        .execution_options(synchronize_session="fetch")
    )
    if getattr(moved, "rowcount", 0) != 1:
        raise _refused(session, user, row, purpose, "raced")
    row.failed_codes = 0
    _audit(session, user.id, "mfa.verified", method="security_key", purpose=purpose, key_id=key.id)
    return key


def remove_key(session: Session, user: StaffUser, key_id: str) -> None:
    """Remove one of the user's own keys."""
    key = session.get(StaffSecurityKey, key_id)
    if key is None or key.user_id != user.id:
        raise IntakeError("no such security key")
    session.delete(key)
    _audit(session, user.id, "mfa.key_removed", key_id=key_id)


def _key_named(session: Session, user_id: str, credential: str) -> StaffSecurityKey | None:
    try:
        credential_id = json.loads(credential)["rawId"]
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(credential_id, str):
        return None
    return session.scalar(
        select(StaffSecurityKey).where(
            StaffSecurityKey.user_id == user_id,
            StaffSecurityKey.credential_id == credential_id.rstrip("="),
        )
    )


def _descriptor(key: StaffSecurityKey) -> PublicKeyCredentialDescriptor:
    return PublicKeyCredentialDescriptor(id=base64url_to_bytes(key.credential_id))


def _clean_name(name: str) -> str:
    """What the user typed, without control or format characters, at most ``MAX_NAME``."""
    kept = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    return " ".join(kept.split())[:MAX_NAME]


def _refused(
    session: Session, user: StaffUser, row: StaffMfa, purpose: str, why: str
) -> mfa.MfaCodeRefused:
    """Count the refusal like a wrong code (``why``: a code for the audit log)."""
    mfa.count_failure(session, user, row, "mfa.failed", purpose=purpose, method="key", why=why)
    return mfa.MfaCodeRefused(KEY_REFUSAL)


def _audit(session: Session, user_id: str, action: str, **detail: str) -> None:
    audit.record(
        session,
        actor_id=user_id,
        action=action,
        object_type="staff_user",
        object_id=user_id,
        detail=detail,
    )
