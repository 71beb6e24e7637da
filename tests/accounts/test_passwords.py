"""Initial password generator, argon2id hashing, and the two checker profiles."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intake.accounts.passwords import (
    ALPHABET,
    PasswordIdentity,
    check_password,
    common_passwords,
    generate_initial_password,
    hash_password,
    similar_to_identity,
    verify_password,
)
from intake.accounts.usernames import ascii_fold, choose_username, username_stem
from intake.errors import ConfigError

CUTLER = PasswordIdentity("Jo", "Cutler", "jcutler42")


def test_ten_thousand_initial_passwords_unique_unambiguous_and_pass_both_profiles():
    passwords = [generate_initial_password() for _ in range(10_000)]
    assert len(set(passwords)) == 10_000
    for pw in passwords[:2000]:  # the checker is slower; a fifth is plenty
        assert check_password(pw, CUTLER, "school").ok, pw
        assert check_password(pw, CUTLER, "ncsc").ok, pw
    joined = "".join(passwords)
    assert not set(joined) & set("0O1lIo")
    assert all(len(pw) == 14 and pw[4] == pw[9] == "-" for pw in passwords)


def test_initial_password_entropy_is_far_beyond_the_seed_policy():
    bits = 12 * math.log2(len(ALPHABET))
    assert len(ALPHABET) == 56
    assert bits > 68  # the seed's 6-character minimum gives at most ~36 bits


def test_hash_is_argon2id_and_verifies(real_hasher):
    pw = generate_initial_password()
    hashed = hash_password(pw)
    assert hashed.startswith("$argon2id$")
    # at least OWASP's argon2id minimum: 19 MiB, 2 passes
    assert real_hasher.memory_cost >= 19 * 1024 and real_hasher.time_cost >= 2
    assert "$m=19456,t=2,p=1$" in hashed
    assert pw not in hashed
    assert verify_password(hashed, pw)
    assert not verify_password(hashed, pw.lower())
    assert not verify_password("not a hash", pw)


@pytest.mark.parametrize(
    ("password", "problems"),
    [
        ("Ab1", ["at least 6"]),
        ("Abcdefg", ["number or symbol"]),
        ("abcdef1", ["upper case and lower case"]),
        ("ABCDEF!", ["upper case and lower case"]),
        ("Cutler1", ["name or username"]),
        ("cUTLER!!", ["name or username"]),
        ("Cut1er99", ["name or username"]),
        ("Xjcutler42x", ["name or username"]),
        ("ab", ["at least 6", "number or symbol", "upper case and lower case"]),
    ],
)
def test_school_profile_names_each_failed_rule(password, problems):
    result = check_password(password, CUTLER, "school")
    assert not result.ok
    assert len(result.problems) == len(problems)
    for problem, expected in zip(result.problems, problems, strict=True):
        assert expected in problem


@pytest.mark.parametrize("password", ["Tapir7", "Mango-kite", "Kettle9", "a B 3 c"])
def test_school_profile_accepts_what_the_seed_accepts(password):
    assert check_password(password, CUTLER, "school").ok


def test_school_profile_does_not_apply_the_deny_list():
    # exactly the seed's rules: a common password that meets them is allowed there ...
    assert check_password("Password1", CUTLER, "school").ok
    # ... and refused under the NCSC profile
    assert not check_password("Password1", CUTLER, "ncsc").ok


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("short one", "at least 12"),
        ("password1234", "too common"),
        ("Football2024!!!", "too common"),
        ("qwertyuiop123", "too common"),
        ("cutlerfamilyhouse", "name"),
        ("belperschoolrocks", "school"),
    ],
)
def test_ncsc_profile(password, fragment):
    identity = PasswordIdentity("Jo", "Cutler", "jcutler42", ("Belper School",))
    result = check_password(password, identity, "ncsc")
    assert not result.ok
    assert any(fragment in p for p in result.problems)


def test_ncsc_accepts_three_random_words_without_composition():
    identity = PasswordIdentity("Jo", "Cutler", "jcutler42", ("Belper School",))
    assert check_password("walrus teapot horizon", identity, "ncsc").ok


def test_unknown_profile_is_a_config_error():
    with pytest.raises(ConfigError, match="password_profile"):
        check_password("whatever", CUTLER, "lax")


def test_deny_list_is_shipped_and_sizeable():
    words = common_passwords()
    assert len(words) >= 1000
    assert "password" in words and "qwerty123" in words


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=0, max_size=40))
def test_checker_never_crashes_and_ok_means_no_problems(text):
    for profile in ("school", "ncsc"):
        result = check_password(text, CUTLER, profile)
        assert result.ok == (not result.problems)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=0, max_size=8))
def test_name_with_any_decoration_is_similar(decoration):
    assert similar_to_identity(f"{decoration}Cutler{decoration}", CUTLER)


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=30))
def test_school_pass_implies_each_seed_rule(text):
    if check_password(text, CUTLER, "school").ok:
        assert len(text) >= 6
        assert any(not c.isalpha() for c in text)
        assert any(c.isupper() for c in text) and any(c.islower() for c in text)
        assert "cutler" not in text.casefold()


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=0, max_size=30), st.text(min_size=0, max_size=30))
def test_generated_usernames_are_ascii_and_readable(forename, surname):
    name = choose_username("generated", forename, surname, "", lambda _k: False)
    assert name.isascii() and name.isalnum() and name == name.lower()
    assert 4 <= len(name) <= 19


def test_usernames_fold_accents_and_punctuation():
    assert ascii_fold("Séan O'Brien-Núñez") == "seanobriennunez"
    assert username_stem("Zoë", "Ó Súilleabháin") == "zosuilleabhain"
    assert username_stem("", "") == "parent"


def test_username_skips_taken_names_case_insensitively():
    taken = {f"jsmith{i:02d}" for i in range(100)}
    name = choose_username("generated", "Jane", "Smith", "", lambda k: k in taken)
    assert name.startswith("jsmith") and len(name) == 9  # three digits once two are exhausted


def test_unknown_username_scheme_is_a_config_error():
    with pytest.raises(ConfigError, match="username_scheme"):
        choose_username("child", "A", "B", "", lambda _k: False)
