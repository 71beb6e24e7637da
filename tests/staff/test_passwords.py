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


BELPER = ("Belper School & Sixth Form Centre", "Belper School")


@pytest.mark.parametrize(
    ("password", "username", "reason"),
    [
        # the attack's three, accepted before the deny-list and the strength estimate
        ("Welcome12345", "", "common password"),
        ("Football2024", "", "common password"),
        ("123456789abc", "", "too easy to guess"),
        ("qwertyuiop12", "", "too easy to guess|'qwerty'"),
        # the school's own name, and its variations
        ("Belper School", "", "school's name"),
        ("belperschool2025", "", "school's name"),
        ("B3LP3R-r0ck5-2025", "", "school's name \\('belper'\\)"),
        ("i love belper sixth form", "", "school's name"),
        # the username, in case, with digits and in leetspeak
        ("J.Smith-2025-Autumn", "j.smith", "the username"),
        ("Kazm1erczak!2025", "mark.kazmierczak", "the username"),
        ("0ff1ce-the-best-1", "office1", "the username"),
        ("P@ssw0rd-for-staff", "", "'password'"),
    ],
)
def test_staff_passwords_refuse_the_guessable(password: str, username: str, reason: str) -> None:
    with pytest.raises(passwords.PasswordPolicyError, match=reason):
        passwords.check_password_policy(password, username, BELPER)


@pytest.mark.parametrize(
    "password",
    [
        "plum tractor violet ocean",
        "kettle-orange-piano",
        "correct horse battery staple",
        "a platform for seven sixths",  # "form" and "sixth" are too general to refuse alone
        "x7Kp9mQ2vR4t",
        "Ω horses 🐎 eat 🍎 daily",
    ],
)
def test_strong_staff_passwords_pass(password: str) -> None:
    passwords.check_password_policy(password, "j.smith", BELPER)


def test_school_words_are_the_distinctive_ones() -> None:
    words = passwords.school_words(BELPER)
    assert "belper" in words and "belperschool" in words
    assert not words & {"school", "sixth", "form", "centre"}


def test_one_time_passwords_meet_the_policy() -> None:
    for _ in range(20):
        password = passwords.one_time_password("office1", BELPER)
        passwords.check_password_policy(password, "office1", BELPER)


def test_changing_a_staff_password_checks_the_school_name(db_factory, users) -> None:
    from intake.db.workflow import StaffUser
    from intake.staff import directory

    with db_factory() as session:
        user = session.get(StaffUser, users["office"])
        with pytest.raises(passwords.PasswordPolicyError, match="school's name"):
            directory.change_password(session, user, "Belper-Rocks-2025!", BELPER)
        with pytest.raises(passwords.PasswordPolicyError, match="common password"):
            directory.change_password(session, user, "Football2024", BELPER)
        directory.change_password(session, user, "plum tractor violet ocean", BELPER)
