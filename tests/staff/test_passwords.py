"""Hashing and the password policy of staff accounts."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from intake.staff import passwords


def test_hash_is_argon2id_and_verifies() -> None:
    hashed = passwords.hash_password("plum tractor violet ocean")
    assert hashed.startswith("$argon2id$")
    assert passwords.verify(hashed, "plum tractor violet ocean")
    assert not passwords.verify(hashed, "plum tractor violet ocea")


def test_a_damaged_hash_matches_nothing() -> None:
    assert not passwords.verify("not a hash", "anything at all")


def test_older_parameters_need_a_rehash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher())
    old = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash("x" * 12)
    assert passwords.needs_rehash(old)
    assert not passwords.needs_rehash(passwords.hash_password("x" * 12))


@pytest.mark.parametrize(
    ("password", "username", "reason"),
    [
        ("short", "", "at least 12"),
        ("x" * 257, "", "at most 256"),
        ("jsmith-likes-tea", "jsmith", "the username"),
        ("our-school-2025!", "", "'school'"),
        ("abababababababab", "", "too few"),
    ],
)
def test_policy_names_the_reason(password: str, username: str, reason: str) -> None:
    with pytest.raises(passwords.PasswordPolicyError, match=reason):
        passwords.check_password_policy(password, username)


def test_one_time_passwords_are_unambiguous_and_random() -> None:
    seen = {passwords.one_time_password() for _ in range(50)}
    assert len(seen) == 50
    assert all(len(p) == 16 and not set(p) & set("O0lI1o") for p in seen)
