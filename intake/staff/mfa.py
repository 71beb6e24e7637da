"""Staff two-step sign-in: enrolment, checking a TOTP or recovery code, new codes, reset.

No Flask here: the web views and the CLI call these functions inside their transaction and
commit. Every event is audited with ids and counts only; the secret and the codes never reach
the audit log. A wrong code is counted per account in the sign-in limits
(``intake.staff.throttle.record_code_failure``) from every browser, and a right password does
not clear it, so knowing the password does not buy unlimited guesses at the code.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from intake import audit
from intake.db.workflow import StaffMfa, StaffRecoveryCode, StaffSecurityKey, StaffUser
from intake.errors import IntakeError, LoginRefused
from intake.staff import recovery_codes, throttle, totp

CODE_REFUSAL = "That code is not right, or it has been used already."
#: the issuer an authenticator app shows beside the account
DEFAULT_ISSUER = "Parent Portal intake"


class MfaCodeRefused(LoginRefused):
    """A second-factor code was wrong, reused, or the account is waiting after failures."""


@dataclass(frozen=True)
class CodeAccepted:
    """How a code was accepted: ``totp`` or ``recovery`` (with the recovery codes left)."""

    method: str
    recovery_codes_left: int


def required_for(role: str, required_roles: Iterable[str]) -> bool:
    """True when staff of ``role`` must use a second factor (``Settings.mfa_required_roles``)."""
    return role in set(required_roles)


def enrolment_of(session: Session, user_id: str) -> StaffMfa | None:
    """The user's TOTP row, confirmed or still waiting for its first code."""
    return session.get(StaffMfa, user_id)


def is_enrolled(session: Session, user_id: str) -> bool:
    """True when the user has a confirmed second factor."""
    row = enrolment_of(session, user_id)
    return row is not None and row.confirmed_at is not None


def begin_enrolment(
    session: Session, user: StaffUser, *, reuse_since: datetime | None = None
) -> str:
    """The secret to show for enrolment: the waiting one if made since ``reuse_since``, else new.

    Reusing the waiting secret within one sign-in means a page reload does not make the QR code
    already scanned useless; a secret left from an earlier sign-in (perhaps somebody else's who
    knew the password) is replaced, so nobody else can hold the factor that gets confirmed.
    Raises ``IntakeError`` when the user is enrolled already.
    """
    row = enrolment_of(session, user.id)
    if row is not None and row.confirmed_at is not None:
        raise IntakeError("two-step sign-in is set up already; an admin can reset it")
    if row is not None and reuse_since is not None and _aware(row.created_at) < reuse_since:
        row.totp_secret = totp.new_secret()
        row.created_at = datetime.now(UTC)
        row.last_step = None
        _audit(session, user.id, "mfa.enrolment_started")
    if row is None:
        row = StaffMfa(
            user_id=user.id,
            totp_secret=totp.new_secret(),
            created_at=datetime.now(UTC),
            failed_codes=0,
        )
        session.add(row)
        session.flush()
        _audit(session, user.id, "mfa.enrolment_started")
    return row.totp_secret


def provisioning_uri(secret: str, username: str, issuer: str = DEFAULT_ISSUER) -> str:
    """The ``otpauth://`` URI for the QR code of one user's secret."""
    return totp.provisioning_uri(secret, username, issuer)


def confirm_enrolment(
    session: Session, user: StaffUser, code: str, *, now: float | None = None
) -> list[str]:
    """Check the first code from the user's app; on success return new recovery codes.

    The codes are returned once, to be shown once; only their hashes are kept.
    Raises ``MfaCodeRefused`` (counted as a failure) when the code is not right.
    """
    row = enrolment_of(session, user.id)
    if row is None or row.confirmed_at is not None:
        raise IntakeError("start the set-up of two-step sign-in again")
    check_not_waiting(session, user)
    step = totp.matching_step(row.totp_secret, code, now=_clock(now), after_step=row.last_step)
    if step is None or not _claim_step(session, user.id, step):
        raise count_failure(session, user, row, "mfa.enrolment_failed")
    row.confirmed_at = datetime.now(UTC)
    row.failed_codes = 0
    codes = _replace_recovery_codes(session, user.id)
    _audit(session, user.id, "mfa.enrolled", recovery_codes=len(codes))
    return codes


def check_code(
    session: Session, user: StaffUser, code: str, *, purpose: str, now: float | None = None
) -> CodeAccepted:
    """Accept a TOTP code (not used before) or an unused recovery code, else refuse.

    ``purpose`` (``sign_in`` or ``step_up``) goes into the audit log. Raises
    ``MfaCodeRefused`` for a wrong, replayed or used code, or while the account waits.
    """
    row = enrolment_of(session, user.id)
    if row is None or row.confirmed_at is None:
        raise IntakeError("two-step sign-in is not set up for this user")
    check_not_waiting(session, user)
    if totp.looks_like_totp(code):
        step = totp.matching_step(row.totp_secret, code, now=_clock(now), after_step=row.last_step)
        if step is not None and _claim_step(session, user.id, step):
            row.failed_codes = 0
            _audit(session, user.id, "mfa.verified", method="totp", purpose=purpose)
            return CodeAccepted("totp", _codes_left(session, user.id))
    elif recovery_codes.looks_like_recovery_code(code) and _use_recovery_code(
        session, user.id, code
    ):
        row.failed_codes = 0
        left = _codes_left(session, user.id)
        _audit(session, user.id, "mfa.recovery_used", purpose=purpose, recovery_codes_left=left)
        return CodeAccepted("recovery", left)
    raise count_failure(session, user, row, "mfa.failed", purpose=purpose)


def renew_recovery_codes(session: Session, user: StaffUser) -> list[str]:
    """Replace all of a user's recovery codes (the old ones stop working); shown once."""
    if not is_enrolled(session, user.id):
        raise IntakeError("two-step sign-in is not set up for this user")
    codes = _replace_recovery_codes(session, user.id)
    _audit(session, user.id, "mfa.recovery_codes_renewed", recovery_codes=len(codes))
    return codes


def recovery_codes_left(session: Session, user_id: str) -> int:
    """How many unused recovery codes the user has."""
    return _codes_left(session, user_id)


def reset(session: Session, user: StaffUser, *, actor_id: str | None) -> None:
    """Remove a user's second factor, security keys and recovery codes (a lost phone); ends
    their sessions.

    They set it up again at their next sign-in. ``actor_id`` is the admin (``None``: the CLI).
    """
    session.execute(delete(StaffRecoveryCode).where(StaffRecoveryCode.user_id == user.id))
    session.execute(delete(StaffSecurityKey).where(StaffSecurityKey.user_id == user.id))
    session.execute(delete(StaffMfa).where(StaffMfa.user_id == user.id))
    user.session_version += 1
    audit.record(
        session,
        actor_id=actor_id,
        action="mfa.reset",
        object_type="staff_user",
        object_id=user.id,
    )


def _wall_clock() -> float:
    """Now, in epoch seconds; looked up at call time so tests can move time step by step."""
    return time.time()


def _aware(moment: datetime) -> datetime:
    # SQLite gives back naive datetimes, in UTC
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _clock(now: float | None) -> float:
    return _wall_clock() if now is None else now


def _audit(session: Session, user_id: str, action: str, **detail: str | int) -> None:
    audit.record(
        session,
        actor_id=user_id,
        action=action,
        object_type="staff_user",
        object_id=user_id,
        detail=detail or None,
    )


def check_not_waiting(session: Session, user: StaffUser) -> None:
    """Refuse any second factor while the account waits after wrong ones."""
    if throttle.code_wait(session, user.id, datetime.now(UTC)) > 0:
        _audit(session, user.id, "mfa.locked")
        raise MfaCodeRefused(CODE_REFUSAL)


def count_failure(
    session: Session, user: StaffUser, row: StaffMfa, action: str, **detail: str
) -> MfaCodeRefused:
    """Count a wrong second factor (code or security key) toward the account's wait."""
    row.failed_codes += 1
    throttle.record_code_failure(session, user.id, datetime.now(UTC))
    _audit(session, user.id, action, failures=row.failed_codes, **detail)
    return MfaCodeRefused(CODE_REFUSAL)


def _claim_step(session: Session, user_id: str, step: int) -> bool:
    """Record ``step`` as used unless it (or a later one) was: one statement, so two requests
    with the same code cannot both win."""
    result = session.execute(
        update(StaffMfa)
        .where(
            StaffMfa.user_id == user_id,
            or_(StaffMfa.last_step.is_(None), StaffMfa.last_step < step),
        )
        .values(last_step=step)
        .execution_options(synchronize_session="fetch")
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def _use_recovery_code(session: Session, user_id: str, code: str) -> bool:
    unused = session.scalars(
        select(StaffRecoveryCode).where(
            StaffRecoveryCode.user_id == user_id, StaffRecoveryCode.used_at.is_(None)
        )
    ).all()
    for stored in unused:
        if recovery_codes.matches(stored.code_hash, code):
            result = session.execute(
                update(StaffRecoveryCode)
                .where(StaffRecoveryCode.id == stored.id, StaffRecoveryCode.used_at.is_(None))
                .values(used_at=datetime.now(UTC))
                .execution_options(synchronize_session="fetch")
            )
            return bool(getattr(result, "rowcount", 0) == 1)
    return False


def _codes_left(session: Session, user_id: str) -> int:
    return len(
        session.scalars(
            select(StaffRecoveryCode.id).where(
                StaffRecoveryCode.user_id == user_id, StaffRecoveryCode.used_at.is_(None)
            )
        ).all()
    )


def _replace_recovery_codes(session: Session, user_id: str) -> list[str]:
    session.execute(delete(StaffRecoveryCode).where(StaffRecoveryCode.user_id == user_id))
    codes = recovery_codes.new_codes()
    for code in codes:
        session.add(StaffRecoveryCode(user_id=user_id, code_hash=recovery_codes.hash_code(code)))
    session.flush()
    return codes
