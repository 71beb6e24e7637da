"""Existing Parent Portal accounts reach the matcher; the form's "already have an account"
ticks are checked against them and every disagreement is put into words (issue 19, item 6)."""

from __future__ import annotations

from pathlib import Path

from intake.accounts.known import existing_accounts
from intake.batch.proposal import proposal_to_json
from intake.batch.wiring import default_matcher
from intake.config import Settings
from intake.db.accounts import AccountChild, PortalAccount
from intake.db.base import make_engine, make_session_factory, transaction
from intake.db.migrate import upgrade
from intake.matching.accounts import ExistingAccounts, KnownAccount
from intake.matching.index import RosterIndex
from intake.matching.proposals import match_form
from intake.roster.csv_io import RosterFile
from intake.roster.importing import SourceFile, import_roster

from .conftest import FormBuilder, school

KAREN = {"forename": "KAREN", "surname": "SMITH", "email": "k.smith@example.org"}
PAUL = {"forename": "PAUL", "surname": "SMITH"}
CHILDREN = [("AMY SMITH", "7A"), ("ANNA SMITH", "7A")]


def _accounts(*known: tuple[str, str, tuple[str, ...]]) -> ExistingAccounts:
    return ExistingAccounts(
        {c: KnownAccount(f"acc-{c}", c, status, frozenset(s)) for c, status, s in known}
    )


def _warnings(result, party: str = "parent1") -> tuple[str, ...]:
    return next(a.warnings for a in result.applicants if a.party == party)


def test_ticks_that_agree_say_nothing(index: RosterIndex, make_form: FormBuilder) -> None:
    form = make_form(CHILDREN, ticks=[1, 2], p1=KAREN)
    result = match_form(form, index, accounts=_accounts(("C01", "active", ("S01", "S02"))))
    assert result.applicants[0].link_existing_account
    assert not any("account" in w for w in _warnings(result))


def test_a_tick_with_no_account_found(index: RosterIndex, make_form: FormBuilder) -> None:
    form = make_form(CHILDREN, ticks=[2], p1=KAREN)
    result = match_form(form, index, accounts=_accounts())
    assert not result.applicants[0].link_existing_account
    assert _warnings(result) == (
        "child row 2: 'already have an account' is ticked, but no Parent Portal account was "
        "found for this contact: check the applicant is matched to the right contact record, "
        "or a second account will be made",
    )


def test_an_account_found_with_no_tick(index: RosterIndex, make_form: FormBuilder) -> None:
    form = make_form(CHILDREN, p1=KAREN)
    result = match_form(form, index, accounts=_accounts(("C01", "active", ("S01",))))
    assert result.applicants[0].link_existing_account
    assert _warnings(result) == (
        "child row 1: already linked to this contact's Parent Portal account, though 'already "
        "have an account' is not ticked",
        "already has a Parent Portal account (for other children), though 'already have an "
        "account' is not ticked: child row 2 will be added to it, not to a new one",
    )


def test_a_tick_for_a_child_the_account_lacks_and_a_suspended_account(
    index: RosterIndex, make_form: FormBuilder
) -> None:
    form = make_form(CHILDREN, ticks=[1, 2], p1=KAREN)
    result = match_form(form, index, accounts=_accounts(("C01", "suspended", ("S01",))))
    assert _warnings(result) == (
        "the Parent Portal account found for this contact is suspended",
        "child row 2: 'already have an account' is ticked; the account found is not linked "
        "to this child yet (approval links it)",
    )


def test_the_other_parent_s_account_satisfies_a_tick(
    index: RosterIndex, make_form: FormBuilder
) -> None:
    form = make_form(CHILDREN[:1], ticks=[1], p1=KAREN, p2=PAUL)
    result = match_form(form, index, accounts=_accounts(("C02", "active", ("S01",))))
    assert _warnings(result, "parent1") == ()
    assert _warnings(result, "parent2") == ()


def test_the_batch_matcher_loads_the_accounts(tmp_path: Path, make_form: FormBuilder) -> None:
    url = f"sqlite:///{tmp_path / 'intake.sqlite3'}"
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    with transaction(factory) as session:
        import_roster(session, [SourceFile("r.csv", "0" * 64, RosterFile(school()))], full=True)
        account = PortalAccount(
            contact_id="C01",
            username="ksmith",
            username_key="ksmith",
            created_by="a1",
            source_form_id="f0",
        )
        account.children = [AccountChild(student_id="S01", linked_by="a1", source_form_id="f0")]
        session.add(account)
    with factory() as session:
        assert existing_accounts(session).by_contact["C01"].student_ids == {"S01"}
    match = default_matcher(Settings(data_dir=tmp_path, database_url=url))
    data = proposal_to_json(match(make_form(CHILDREN, ticks=[1], p1=KAREN)))
    applicant = data["applicants"][0]
    assert applicant["link_existing_account"] is True  # the review screen's "has an account"
    assert any("child row 2 will be added to it" in w for w in applicant["warnings"])
