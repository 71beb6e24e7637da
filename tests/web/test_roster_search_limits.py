"""The reviewer's student search cannot page through the roster (issue 20, hole 8): an office
user typing common names into the search saw most of the school's pupils, even on a form whose
accounts already existed. Now: open forms only, names of 3+ letters, only close matches, at
most 5, a per-user rate limit (a breach is audited), every search audited with its ids."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from intake.db.workflow import AuditEntry, Form, FormState
from intake.roster.csv_io import RosterFile
from intake.roster.importing import SourceFile, import_roster
from intake.roster.model import Roster, Student
from intake.roster.upn import make_upn
from intake.web import matchchoice
from intake.web.extensions import limiter

from .helpers import forms_in_review, upload_fake_batch

FORENAMES = ("Oliver", "Amelia", "Jack", "Isla", "Harry", "Ava", "George", "Mia", "Noah")
FORENAMES += ("Emily", "Leo", "Grace", "Oscar", "Lily", "Charlie", "Freya", "Jacob", "Sophie")
FORENAMES += ("Alfie", "Ella")
SURNAMES = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies")
SURNAMES += ("Patel", "Wright", "Walker", "Evans", "Thomas", "Roberts", "Green", "Hall", "Wood")
SURNAMES += ("Hughes", "Clarke", "Turner")
#: what an attacker would type: common surnames and forenames, and single letters
ATTACK = [
    "a",
    "e",
    "smith",
    "jones",
    "oliver",
    "amelia",
    "taylor",
    "brown",
    "patel",
    "jack",
    "isla",
    "harry",
    "wilson",
    "evans",
    "green",
    "hall",
    "wood",
    "turner",
    "clarke",
    "hughes",
]
PUPILS = 113


def _roster() -> Roster:
    """113 synthetic pupils from 20 forenames and 20 surnames."""
    students = []
    for n in range(PUPILS):
        fore, sur = FORENAMES[n % 20], SURNAMES[(n * 7 + n // 20) % 20]
        year = 7 + n % 5
        born = date(2026 - year - 5, 3, 4)
        upn = make_upn("830", "4001", 13, n + 1)
        group = f"{year}{'ABCD'[n % 4]}"
        students.append(Student(f"P{n:03d}", upn, fore, sur, fore, sur, born, year, group))
    return Roster(tuple(students), (), ())


@pytest.fixture
def form_id(client_as, db_factory) -> str:
    with db_factory() as session, session.begin():
        import_roster(
            session, [SourceFile("roster.csv", "0" * 64, RosterFile(_roster()))], full=True
        )
    upload_fake_batch(client_as("office"), forms=1)
    return forms_in_review(db_factory)[0].id


def _seen(client, form_id: str, queries: list[str]) -> tuple[set[str], list[int]]:
    seen: set[str] = set()
    codes = []
    for q in queries:
        response = client.get(f"/api/forms/{form_id}/students", query_string={"q": q})
        codes.append(response.status_code)
        seen |= {r["student_id"] for r in (response.get_json() or {}).get("results", [])}
    return seen, codes


def test_common_names_do_not_enumerate_the_roster(
    client_as, form_id, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limiter, "enabled", False)  # without the rate limit, too
    office = client_as("office")
    seen, codes = _seen(office, form_id, ATTACK)
    # before: 8 results for every word, 79 of the 113 pupils in these 20 queries
    assert codes[:2] == [422, 422] and set(codes[2:]) == {200}  # single letters: no search
    assert seen == set()  # a surname or forename alone is not close enough to any pupil
    # a reviewer who types the name as the form has it (a misspelling is fine) finds the pupil
    found = office.get(f"/api/forms/{form_id}/students?q=olivr+smth").get_json()["results"]
    assert found and found[0]["name"] == "Oliver Smith" and len(found) <= 5


def test_searches_per_user_are_rate_limited_and_audited(client_as, db_factory, form_id) -> None:
    office = client_as("office")
    _seen_ids, codes = _seen(office, form_id, ATTACK[2:])
    per_minute = int(matchchoice.SEARCHES_PER_USER.split(" ")[0])
    assert codes[:per_minute] == [200] * per_minute
    assert set(codes[per_minute:]) == {429}
    # another member of staff is not held up by it
    assert client_as("approver").get(f"/api/forms/{form_id}/students?q=ava+smith").status_code == (
        200
    )
    with db_factory() as session:
        alerts = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "roster.search_rate_limited")
        ).all()
        searches = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "roster.search")
        ).all()
    assert alerts and alerts[0].actor_id is not None
    assert len(searches) == per_minute + 1


@pytest.mark.parametrize(
    "state", [FormState.ACCOUNTS_CREATED, FormState.APPROVED, FormState.REJECTED]
)
def test_no_search_on_a_form_with_nothing_to_choose(
    client_as, db_factory, form_id, state: FormState
) -> None:
    with db_factory() as session:
        session.get(Form, form_id).state = state.value
        session.commit()
    office = client_as("office")
    response = office.get(f"/api/forms/{form_id}/students?q=oliver+smith")
    assert response.status_code == 409 and "choices can only change" in response.get_json()["error"]
