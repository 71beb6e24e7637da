"""Loading rosters into SQLite and PostgreSQL: all or nothing, re-imports keep links."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from intake.db.base import transaction
from intake.db.roster import ContactRow, RosterImportRow, StudentContactRow, StudentRow
from intake.errors import RosterError
from intake.roster.csv_io import RosterFile
from intake.roster.ctf import read_ctf_file
from intake.roster.importing import (
    SourceFile,
    import_roster,
    load_roster_from_db,
    roster_overview,
)
from intake.roster.model import Roster

from .conftest import FIXTURES


def _source(roster: Roster, name: str = "roster.csv", full: bool = True) -> list[SourceFile]:
    return [SourceFile(name, "0" * 64, RosterFile(roster, (), "csv", full))]


def _import(factory: sessionmaker[Session], roster: Roster, full: bool = True, **kw):
    with transaction(factory) as session:
        return import_roster(session, _source(roster, full=full), full, **kw)


def _counts(factory: sessionmaker[Session]) -> tuple[int, ...]:
    with factory() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(table)) or 0
            for table in (StudentRow, ContactRow, StudentContactRow, RosterImportRow)
        )


def test_import_and_load_back(session_factory, small_roster: Roster) -> None:
    summary = _import(session_factory, small_roster)
    assert summary.students_added == len(small_roster.students)
    assert summary.contacts_added == len(small_roster.contacts)
    assert summary.links_added == len(small_roster.relationships)
    assert summary.flag_changes == []  # a first import has no news about known pupils
    with session_factory() as session:
        assert load_roster_from_db(session) == small_roster
        overview = roster_overview(session)
    assert sum(overview.students_by_year.values()) == len(small_roster.students)
    assert overview.court_orders == sum(r.court_order for r in small_roster.relationships)
    again = _import(session_factory, small_roster)
    assert (again.students_updated, again.contacts_updated, again.links_updated) == (0, 0, 0)


def _changed(roster: Roster) -> tuple[Roster, dict[str, str]]:
    """Next term: one leaver, one new pupil, a new tutor group, PR and court-order changes."""
    students = list(roster.students)
    leaver = students.pop(0)
    moved = students[0]
    students[0] = replace(moved, tutor_group=f"{moved.year}Z", previous_tutor_group="")
    new = replace(students[1], student_id="999999", upn="", legal_forename="Nadia")
    students.append(new)
    links = [r for r in roster.relationships if r.student_id != leaver.student_id]
    pr_index = next(
        i
        for i, r in enumerate(links)
        if r.parental_responsibility and not r.blocked and r.student_id != moved.student_id
    )
    flagged = links[pr_index]
    links[pr_index] = replace(flagged, parental_responsibility=False, court_order=True)
    ended = next(r for r in links if r.student_id == moved.student_id)
    links.remove(ended)
    links.append(replace(ended, student_id="999999"))
    used = {r.contact_id for r in links}
    contacts = tuple(c for c in roster.contacts if c.contact_id in used)
    facts = {
        "leaver": leaver.student_id,
        "moved": moved.student_id,
        "old_group": moved.tutor_group,
        "flagged_student": flagged.student_id,
        "flagged_contact": flagged.contact_id,
        "ended_contact": ended.contact_id,
    }
    return Roster(tuple(students), contacts, tuple(links)), facts


def test_reimport_updates_in_place_and_marks_leavers(session_factory, small_roster) -> None:
    _import(session_factory, small_roster)
    with session_factory() as session:
        pks_before = dict(session.execute(select(StudentRow.student_id, StudentRow.id)).all())
        contact_pks = dict(session.execute(select(ContactRow.contact_id, ContactRow.id)).all())
    next_term, facts = _changed(small_roster)
    summary = _import(session_factory, next_term)
    assert summary.students_left == 1 and summary.students_added == 1
    assert summary.tutor_groups_changed == 1 and summary.links_ended >= 1
    changes = {(c.student_id, c.contact_id, c.change) for c in summary.flag_changes}
    key = (facts["flagged_student"], facts["flagged_contact"])
    assert (*key, "parental responsibility removed") in changes
    assert (*key, "court order added") in changes
    with session_factory() as session:
        rows = {r.student_id: r for r in session.scalars(select(StudentRow))}
        # ids other tables hold stay valid: same primary keys, leaver kept and marked
        assert all(rows[sid].id == pk for sid, pk in pks_before.items())
        assert not rows[facts["leaver"]].on_roll and rows[facts["leaver"]].left_at is not None
        moved = rows[facts["moved"]]
        assert moved.tutor_group.endswith("Z") and moved.previous_tutor_group == facts["old_group"]
        assert all(
            pk == contact_pks[cid]
            for cid, pk in session.execute(select(ContactRow.contact_id, ContactRow.id)).all()
            if cid in contact_pks
        )
        ended = session.scalars(
            select(StudentContactRow).where(
                StudentContactRow.student_pk == moved.id,
                StudentContactRow.contact_pk == contact_pks[facts["ended_contact"]],
            )
        ).one()
        assert ended.ended_at is not None
        loaded = load_roster_from_db(session)
    assert facts["leaver"] not in {s.student_id for s in loaded.students}
    assert sorted(loaded.relationships, key=repr) == sorted(next_term.relationships, key=repr)
    back = _import(session_factory, small_roster)
    assert back.students_returned == 1 and back.students_left == 1


def test_partial_import_marks_no_leavers(session_factory, small_roster) -> None:
    _import(session_factory, small_roster)
    part = Roster(small_roster.students[:5], (), ())
    summary = _import(session_factory, part, full=False)
    assert summary.students_left == 0 and summary.links_ended == 0
    with session_factory() as session:
        assert load_roster_from_db(session) == small_roster


def test_failed_import_changes_nothing(session_factory, small_roster) -> None:
    _import(session_factory, small_roster)
    before = _counts(session_factory)
    with pytest.raises(RosterError, match=r"would mark \d+ of \d+ students on roll as leavers"):
        _import(session_factory, Roster(small_roster.students[:10], (), ()))
    clash = replace(small_roster.students[0], student_id="NEW1")
    with pytest.raises(RosterError, match="gives known pupils new ids") as caught:
        _import(session_factory, Roster((clash,), (), ()), full=False)
    assert (
        f"UPN {clash.upn} is student {small_roster.students[0].student_id}"
        in (caught.value.problems[0])
    )
    assert _counts(session_factory) == before
    summary = _import(
        session_factory, Roster(small_roster.students[:10], (), ()), allow_mass_leavers=True
    )
    assert summary.students_left == len(small_roster.students) - 10


def test_ctf_then_csv_sources(session_factory) -> None:
    ctf = read_ctf_file(FIXTURES / "ctf24_full.xml", FIXTURES / "tutor_groups.csv")
    with transaction(session_factory) as session:
        summary = import_roster(session, [SourceFile("a.xml", "1" * 64, ctf)], full=False)
    assert summary.students_added == 2 and summary.contacts_added == 4
    partial = read_ctf_file(FIXTURES / "ctf25_partial.xml")
    with transaction(session_factory) as session:
        import_roster(session, [SourceFile("b.xml", "2" * 64, partial)], full=False)
        roster = load_roster_from_db(session)
    assert len(roster.students) == 4 and len(roster.relationships) == 4


def test_files_that_disagree_are_refused(session_factory, small_roster, tmp_path: Path) -> None:
    one = small_roster.students[0]
    other = Roster((replace(one, tutor_group="7Q"),), (), ())
    files = _source(Roster((one,), (), ()), "a.csv") + _source(other, "b.csv")
    with (
        pytest.raises(RosterError, match="the files disagree") as caught,
        transaction(session_factory) as session,
    ):
        import_roster(session, files, full=False)
    assert caught.value.problems == [f"b.csv: student {one.student_id} differs from a.csv"]
