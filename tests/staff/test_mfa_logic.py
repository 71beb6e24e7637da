"""The MFA logic without the web: TOTP steps and drift, replay, recovery codes, failures, reset."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pyotp
import pytest
from sqlalchemy import select

from intake.config import Settings, load_settings
from intake.db.workflow import AuditEntry, StaffMfa, StaffRecoveryCode, StaffUser
from intake.errors import ConfigError, IntakeError
from intake.staff import directory, mfa, recovery_codes, throttle, totp
from intake.staff.login import PasswordLogin
from intake.staff.mfa import MfaCodeRefused

LOCK_AFTER_FAILURES = throttle.ACCOUNT_RULE.free

NOW = 1_800_000_015.0  # 15 s into a time step
PASSWORD = "correct horse battery staple"


def test_a_code_one_step_either_side_is_accepted_and_two_steps_are_not() -> None:
    secret = totp.new_secret()
    step = totp.step_at(NOW)
    for offset in (-1, 0, 1):
        code = pyotp.TOTP(secret).at(NOW + offset * 30)
        assert totp.matching_step(secret, code, now=NOW, after_step=None) == step + offset
    for offset in (-2, 2):
        code = pyotp.TOTP(secret).at(NOW + offset * 30)
        assert totp.matching_step(secret, code, now=NOW, after_step=None) is None


def test_a_step_already_used_or_older_is_refused() -> None:
    secret = totp.new_secret()
    step = totp.step_at(NOW)
    code = pyotp.TOTP(secret).at(NOW)
    assert totp.matching_step(secret, code, now=NOW, after_step=step) is None
    assert totp.matching_step(secret, code, now=NOW, after_step=step - 1) == step
    previous = pyotp.TOTP(secret).at(NOW - 30)
    assert totp.matching_step(secret, previous, now=NOW, after_step=step) is None


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12 34 5x"])
def test_codes_of_the_wrong_shape_never_match(code: str) -> None:
    assert totp.matching_step(totp.new_secret(), code, now=NOW, after_step=None) is None


def test_spaces_in_a_typed_code_are_ignored() -> None:
    secret = totp.new_secret()
    code = pyotp.TOTP(secret).at(NOW)
    spaced = f"{code[:3]} {code[3:]}"
    assert totp.matching_step(secret, spaced, now=NOW, after_step=None) == totp.step_at(NOW)


def test_the_provisioning_uri_names_the_user_and_issuer_and_round_trips() -> None:
    secret = totp.new_secret()
    uri = totp.provisioning_uri(secret, "approver1", "Belper School")
    assert uri.startswith("otpauth://totp/Belper%20School:approver1?")
    parsed = pyotp.parse_uri(uri)
    assert parsed.secret == secret and parsed.at(NOW) == pyotp.TOTP(secret).at(NOW)


def test_recovery_codes_are_distinct_typed_loosely_and_hashed() -> None:
    codes = recovery_codes.new_codes()
    assert len(codes) == recovery_codes.COUNT == len(set(codes))
    code = codes[0]
    assert recovery_codes.looks_like_recovery_code(code.upper().replace("-", " "))
    stored = recovery_codes.hash_code(code)
    assert stored.startswith("$argon2id$") and code not in stored
    assert recovery_codes.matches(stored, f" {code.upper()} ")
    assert not recovery_codes.matches(stored, codes[1])
    assert not recovery_codes.looks_like_recovery_code("123456")


def test_the_setting_defaults_to_approvers_and_admins_and_checks_roles() -> None:
    assert Settings().mfa_required_roles == ("approver", "admin")
    env = {"INTAKE_MFA_REQUIRED_ROLES": "office|approver|admin"}
    assert load_settings(environ=env).mfa_required_roles == ("office", "approver", "admin")
    assert load_settings(environ={"INTAKE_MFA_REQUIRED_ROLES": ""}).mfa_required_roles == ()
    with pytest.raises(ConfigError, match="unknown role 'teacher'"):
        load_settings(environ={"INTAKE_MFA_REQUIRED_ROLES": "teacher"})
    with pytest.raises(ConfigError, match="mfa_step_up_minutes"):
        Settings(mfa_step_up_minutes=0)
    assert mfa.required_for("admin", Settings().mfa_required_roles)
    assert not mfa.required_for("office", Settings().mfa_required_roles)


@pytest.fixture
def user(db_factory) -> StaffUser:
    with db_factory() as session:
        made, _ = directory.create_staff(session, "approver9", "approver")
        session.commit()
        return made


def _enrolled(db_factory, user_id: str) -> tuple[str, list[str]]:
    with db_factory() as session:
        user = session.get(StaffUser, user_id)
        secret = mfa.begin_enrolment(session, user)
        codes = mfa.confirm_enrolment(session, user, pyotp.TOTP(secret).at(NOW), now=NOW)
        session.commit()
    return secret, codes


def test_enrolment_needs_a_right_first_code_and_makes_ten_hashed_codes(db_factory, user) -> None:
    with db_factory() as session:
        me = session.get(StaffUser, user.id)
        secret = mfa.begin_enrolment(session, me)
        assert mfa.begin_enrolment(session, me) == secret  # a reload shows the same QR code
        with pytest.raises(MfaCodeRefused, match="not right"):
            mfa.confirm_enrolment(session, me, "000000", now=NOW)
        assert not mfa.is_enrolled(session, me.id)
        codes = mfa.confirm_enrolment(session, me, pyotp.TOTP(secret).at(NOW), now=NOW)
        session.commit()
        assert mfa.is_enrolled(session, me.id) and len(codes) == 10
        hashes = session.scalars(select(StaffRecoveryCode.code_hash)).all()
        assert len(hashes) == 10 and not set(codes) & set(hashes)
        with pytest.raises(IntakeError, match="set up already"):
            mfa.begin_enrolment(session, me)


def test_a_secret_left_from_an_earlier_sign_in_is_replaced(db_factory, user) -> None:
    """Somebody who knew the password and opened the set-up page must not share the factor."""
    from datetime import UTC, datetime, timedelta

    with db_factory() as session:
        me = session.get(StaffUser, user.id)
        left = mfa.begin_enrolment(session, me)
        session.commit()
        same_sign_in = datetime.now(UTC) - timedelta(minutes=1)
        assert mfa.begin_enrolment(session, me, reuse_since=same_sign_in) == left
        later_sign_in = datetime.now(UTC) + timedelta(seconds=1)
        fresh = mfa.begin_enrolment(session, me, reuse_since=later_sign_in)
        session.commit()
        assert fresh != left and session.get(StaffMfa, me.id).totp_secret == fresh
        with pytest.raises(MfaCodeRefused):
            mfa.confirm_enrolment(session, me, pyotp.TOTP(left).at(NOW), now=NOW)


def test_a_code_cannot_be_replayed_but_the_next_step_works(db_factory, user) -> None:
    secret, _ = _enrolled(db_factory, user.id)
    with db_factory() as session:
        me = session.get(StaffUser, user.id)
        # the enrolment used this step's code
        with pytest.raises(MfaCodeRefused):
            mfa.check_code(session, me, pyotp.TOTP(secret).at(NOW), purpose="sign_in", now=NOW)
        later = NOW + 30
        accepted = mfa.check_code(
            session, me, pyotp.TOTP(secret).at(later), purpose="sign_in", now=later
        )
        assert accepted.method == "totp"
        with pytest.raises(MfaCodeRefused):
            mfa.check_code(
                session, me, pyotp.TOTP(secret).at(later), purpose="step_up", now=later + 5
            )
        session.commit()
        assert session.get(StaffMfa, me.id).last_step == totp.step_at(later)


def test_a_recovery_code_works_once(db_factory, user) -> None:
    _, codes = _enrolled(db_factory, user.id)
    with db_factory() as session:
        me = session.get(StaffUser, user.id)
        accepted = mfa.check_code(session, me, codes[3], purpose="sign_in", now=NOW)
        assert (accepted.method, accepted.recovery_codes_left) == ("recovery", 9)
        with pytest.raises(MfaCodeRefused):
            mfa.check_code(session, me, codes[3], purpose="sign_in", now=NOW)
        session.commit()
        renewed = mfa.renew_recovery_codes(session, me)
        with pytest.raises(MfaCodeRefused):  # the old set stops working
            mfa.check_code(session, me, codes[4], purpose="sign_in", now=NOW)
        assert mfa.check_code(session, me, renewed[0], purpose="sign_in", now=NOW).method == (
            "recovery"
        )


def test_wrong_codes_lock_the_account_and_a_right_password_does_not_clear_them(
    db_factory, user
) -> None:
    secret, _ = _enrolled(db_factory, user.id)
    with db_factory() as session:
        me = session.get(StaffUser, user.id)
        me.password_hash = directory.passwords.hash_password(PASSWORD)
        me.must_change_password = False
        session.commit()
    for attempt in range(LOCK_AFTER_FAILURES):
        with db_factory() as session:
            PasswordLogin().authenticate(session, "approver9", PASSWORD)  # a right password
            me = session.get(StaffUser, user.id)
            with pytest.raises(MfaCodeRefused):
                mfa.check_code(session, me, "000000", purpose="sign_in", now=NOW + attempt)
            session.commit()
    with db_factory() as session:
        me = session.get(StaffUser, user.id)
        assert throttle.code_wait(session, user.id, datetime.now(UTC)) > 0
        right = pyotp.TOTP(secret).at(NOW + 30)
        with pytest.raises(MfaCodeRefused):  # even the right code waits
            mfa.check_code(session, me, right, purpose="sign_in", now=NOW + 30)
        session.commit()
        actions = session.scalars(select(AuditEntry.action)).all()
    assert actions.count("mfa.failed") == LOCK_AFTER_FAILURES and "mfa.locked" in actions


def test_reset_removes_the_factor_ends_sessions_and_is_audited(db_factory, user) -> None:
    secret, _ = _enrolled(db_factory, user.id)
    with db_factory() as session:
        me = session.get(StaffUser, user.id)
        version = me.session_version
        mfa.reset(session, me, actor_id="admin-id")
        session.commit()
        assert session.get(StaffMfa, me.id) is None
        assert session.scalars(select(StaffRecoveryCode)).all() == []
        assert me.session_version == version + 1
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "mfa.reset")).one()
        assert (entry.actor_id, entry.object_id) == ("admin-id", me.id)
        assert mfa.begin_enrolment(session, me) != secret  # a new secret at re-enrolment


def test_the_audit_log_holds_no_secret_and_no_code(db_factory, user) -> None:
    secret, codes = _enrolled(db_factory, user.id)
    with db_factory() as session:
        me = session.get(StaffUser, user.id)
        mfa.check_code(session, me, codes[0], purpose="sign_in", now=NOW)
        session.commit()
        rows = session.scalars(select(AuditEntry)).all()
    dumped = json.dumps([(r.action, r.object_id, r.detail) for r in rows])
    assert {"mfa.enrolment_started", "mfa.enrolled", "mfa.recovery_used"} <= {
        r.action for r in rows
    }
    assert secret not in dumped and not any(c in dumped for c in codes)
