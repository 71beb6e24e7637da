"""The sign-in limits' arithmetic and storage: who is counted, the growing delay, no lockout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from intake.db.workflow import SignInFailure
from intake.staff import throttle
from intake.staff.throttle import ACCOUNT_RULE, Requester

NOW = datetime(2026, 9, 7, 8, 30, tzinfo=UTC)


def _ago(*seconds: float) -> list[datetime]:
    return [NOW - timedelta(seconds=s) for s in seconds]


def test_ten_free_failures_then_the_burst_window_then_a_doubling_delay() -> None:
    assert throttle.wait_for(ACCOUNT_RULE, _ago(*range(9)), NOW) == 0
    # the tenth failure in five minutes: wait until the oldest of them is five minutes old
    assert throttle.wait_for(ACCOUNT_RULE, _ago(*range(10)), NOW) == 300 - 9
    # later failures beyond the ten free ones: 30 s, 60 s, 120 s ... after the last one
    spread = [3600 + 60 * i for i in range(10)]
    assert throttle.wait_for(ACCOUNT_RULE, _ago(*spread), NOW) == 0  # 1 h ago: 30 s passed
    assert throttle.wait_for(ACCOUNT_RULE, _ago(10, *spread), NOW) == 60 - 10
    assert throttle.wait_for(ACCOUNT_RULE, _ago(10, 400, *spread), NOW) == 120 - 10
    many = _ago(10, *[400 + 400 * i for i in range(40)])
    assert throttle.wait_for(ACCOUNT_RULE, many, NOW) == ACCOUNT_RULE.max_delay_s - 10


def test_failures_age_out_so_nothing_is_locked_for_good() -> None:
    day = ACCOUNT_RULE.window_s
    assert throttle.wait_for(ACCOUNT_RULE, _ago(*[day + i for i in range(50)]), NOW) == 0
    assert throttle.wait_for(ACCOUNT_RULE, _ago(*range(50)), NOW) <= ACCOUNT_RULE.max_delay_s


def test_a_known_device_is_counted_apart_from_the_account_and_address() -> None:
    stranger = Requester(account="u1", ip="198.51.100.7")
    owner = Requester(account="u1", ip="198.51.100.7", device="nonce")
    assert stranger.counted_as() == [("account", "u1"), ("ip", "198.51.100.7")]
    assert owner.counted_as() == [("device", "nonce")]


def test_unknown_names_are_counted_by_a_hash_never_in_clear() -> None:
    key = throttle.account_key(None, "  Correct Horse Battery ")
    assert key.startswith("name:") and "horse" not in key.lower()
    assert key == throttle.account_key(None, "correct horse battery")
    assert throttle.account_key("user-id", "anything") == "user-id"


def test_failures_are_stored_counted_and_pruned(db_factory) -> None:
    stranger = Requester(account="u1", ip="198.51.100.7")
    with db_factory() as session:
        session.add(SignInFailure(scope="account", key="old", at=NOW - timedelta(days=2)))
        for i in range(10):
            throttle.record_failure(session, stranger, NOW - timedelta(seconds=10 - i))
        session.commit()
    with db_factory() as session:  # a new session (another process would see the same)
        assert throttle.seconds_to_wait(session, stranger, NOW) > 0
        assert throttle.seconds_to_wait(session, Requester("u2", "198.51.100.8"), NOW) == 0
        assert throttle.seconds_to_wait(session, Requester("u1", "x", device="d"), NOW) == 0
        assert session.query(SignInFailure).filter_by(key="old").count() == 0
        throttle.forget_account(session, "u1")
        session.commit()
        # the account is forgiven; its address has used only 10 of its 30 free failures
        assert throttle.seconds_to_wait(session, stranger, NOW) == 0
