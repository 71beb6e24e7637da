"""The term view's numbers: forms by state, pages, batches being read, per day, and the
reviewers' pace from the audit log's accepts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from intake import audit
from intake.db.workflow import Batch, BatchStatus, FormEdit, Page, PageStatus, Upload
from intake.review import term
from intake.review.states import FormState

START = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)


def _at(*seconds: float) -> list[datetime]:
    return [START + timedelta(seconds=s) for s in seconds]


def test_pace_counts_the_time_between_accepts_and_leaves_out_breaks() -> None:
    # 30 s, 60 s, a 1,910 s break (its form not timed), 40 s
    pace = term.pace("office1", reversed(_at(0, 30, 90, 2000, 2040)))
    assert pace.accepted == 5 and pace.timed == 3
    assert pace.active_seconds == 130.0
    assert pace.per_hour == round(3 * 3600 / 130, 1)
    assert pace.median_seconds == 40.0


def test_one_accept_cannot_be_timed() -> None:
    pace = term.pace("office1", _at(0))
    assert (pace.accepted, pace.timed, pace.per_hour, pace.median_seconds) == (1, 0, None, None)


def test_a_gap_at_the_limit_is_still_work() -> None:
    pace = term.pace("office1", _at(0, term.IDLE_GAP_SECONDS, 2 * term.IDLE_GAP_SECONDS + 1))
    assert pace.timed == 1 and pace.median_seconds == term.IDLE_GAP_SECONDS


def test_the_summary_counts_states_pages_batches_days_and_reviewers(
    make_form, db_factory, users
) -> None:
    ids = {
        state: make_form(state)
        for state in (FormState.REVIEW, FormState.CHECKED, FormState.HELD, FormState.REJECTED)
    }
    second_checked = make_form(FormState.CHECKED)
    make_form(FormState.REVIEW, created_at=START - timedelta(days=30))
    with db_factory() as session:
        for done in session.query(Batch):  # the forms' batches have been read
            done.status = BatchStatus.DONE.value
        batch = Batch(label="still reading", status=BatchStatus.PROCESSING.value, pages_total=4)
        session.add(batch)
        session.flush()
        upload = Upload(
            batch_id=batch.id,
            storage_key="k",
            sha256="0" * 64,
            size=1,
            display_name="a.pdf",
            kind="pdf",
        )
        session.add(upload)
        session.flush()
        for index, status in enumerate(
            (PageStatus.READ, PageStatus.READ, PageStatus.BLANK, PageStatus.UNREADABLE)
        ):
            session.add(
                Page(batch_id=batch.id, upload_id=upload.id, index=index, status=status.value)
            )
        for field_id in ("p1_surname", "match:child1"):  # a value typed, a roster choice
            session.add(
                FormEdit(form_id=second_checked, actor_id=users["office"], field_id=field_id)
            )
        for form_id in (ids[FormState.CHECKED], second_checked):
            audit.record(
                session,
                actor_id=users["office"],
                action="form.accept",
                object_type="form",
                object_id=form_id,
            )
        audit.record(
            session,
            actor_id=users["approver"],
            action="form.view",
            object_type="form",
            object_id=second_checked,
        )
        session.commit()
        summary = term.summary(session, lambda form: form.id == second_checked)
        recent = term.summary(session, lambda form: True, since=START)
    states = {s.state: s.count for s in summary.states}
    assert states == {
        "processing": 0,
        "review": 2,
        "held": 1,
        "checked": 2,
        "accounts_created": 0,
        "rejected": 1,
    }
    assert summary.received == 6 and summary.ready == 1
    assert summary.pages == {"read": 2, "blank": 1, "unread": 1}
    assert [(b.label, b.status, b.pages_total) for b in summary.batches] == [
        ("still reading", "processing", 4)
    ]
    assert sum(d.forms for d in summary.days) == 6
    assert summary.days[0].day == (START - timedelta(days=30)).date()
    assert [(r.username, r.accepted, r.corrected) for r in summary.reviewers] == [("office1", 2, 1)]
    # counted from a day: the old form is left out
    assert recent.received == 5 and {s.state: s.count for s in recent.states}["review"] == 1


def test_families_that_returned_a_form_by_serial_or_by_a_linked_child(make_form, db_factory):
    from accounts.helpers import make_roster

    from intake.roster.csv_io import RosterFile
    from intake.roster.families import families
    from intake.roster.importing import SourceFile, import_roster

    roster = make_roster()
    with db_factory() as session, session.begin():
        import_roster(session, [SourceFile("roster.csv", "0" * 64, RosterFile(roster))], full=True)
    found = families(roster)
    assert len(found) >= 3
    first, second, third = found[:3]
    make_form(FormState.REVIEW, serial=first.serial)
    linked = {"children": [{"row": 1, "student_id": second.student_ids[0]}]}
    make_form(FormState.CHECKED, proposed=linked)
    make_form(FormState.REJECTED, serial=third.serial)  # a rejected form does not count
    with db_factory() as session:
        returns = term.returns(session)
        letters = term.letters(session)
    assert (returns.families, returns.returned) == (len(found), 2)
    assert returns.not_returned == len(found) - 2
    assert third.salutation in returns.missing and first.salutation not in returns.missing
    assert (letters.accounts_active, letters.printed, letters.held, letters.collected) == (
        0,
        0,
        0,
        0,
    )
