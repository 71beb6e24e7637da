"""The audit log's hash chain: written in order under concurrent writers, and ``intake audit
verify`` names a deleted, an inserted and an edited entry (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from intake import audit
from intake.audit_chain import GENESIS, canonical, link, verify
from intake.cli import cli
from intake.db.base import make_engine
from intake.db.migrate import upgrade
from intake.db.workflow import AuditChainHead, AuditEntry


def _write(factory: sessionmaker[Session], count: int, action: str = "form.view") -> None:
    for n in range(count):
        with factory() as session, session.begin():
            audit.record(
                session,
                actor_id="staff-1",
                action=action,
                object_type="form",
                object_id=f"form-{n}",
                detail={"n": n, "ids": ("a", "b")},
            )


def _raw(db_url: str, sql: str, **params: object) -> None:
    """Run ``sql`` as an attacker with database access would, triggers off on PostgreSQL."""
    engine = make_engine(db_url)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text(sql), params)
    engine.dispose()


def _findings(factory: sessionmaker[Session]) -> list[str]:
    with factory() as session:
        return [f.message for f in verify(session).findings]


def _cli(db_url: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["audit", "verify"], env={"INTAKE_DATABASE_URL": db_url})
    return result.exit_code, result.output


def test_entries_chain_in_insertion_order_and_verify(factory, db_url) -> None:
    _write(factory, 3)
    with factory() as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        head = session.get(AuditChainHead, 1)
    assert [r.id for r in rows] == [1, 2, 3]
    assert rows[0].prev_hash == GENESIS
    assert [r.prev_hash for r in rows[1:]] == [r.row_hash for r in rows[:-1]]
    assert rows[1].row_hash == link(
        rows[0].row_hash or "",
        canonical(
            2, rows[1].at, "staff-1", "form.view", "form", "form-1", {"n": 1, "ids": ["a", "b"]}
        ),
    )
    assert head is not None and (head.last_id, head.last_hash) == (3, rows[2].row_hash)
    code, output = _cli(db_url)
    assert code == 0
    assert output.startswith(f"audit log intact: 3 entries; head entry 3 {rows[2].row_hash}")


def test_an_entry_of_a_rolled_back_transaction_is_never_written(factory) -> None:
    with factory() as session:
        audit.record(session, actor_id=None, action="x.y", object_type="form", object_id="f")
        session.rollback()
        audit.record(session, actor_id=None, action="x.z", object_type="form", object_id="f")
        session.commit()
    with factory() as session:
        assert session.scalars(select(AuditEntry.action)).all() == ["x.z"]
    assert _findings(factory) == []


def test_verify_names_a_deleted_entry(factory, db_url) -> None:
    _write(factory, 5)
    _raw(db_url, "DELETE FROM audit_log WHERE id = 3")
    assert _findings(factory) == [
        "an entry between entry 2 and entry 4 was deleted"
        " (or entry 2 was rewritten with a new hash)"
    ]
    code, output = _cli(db_url)
    assert code == 1
    assert output.splitlines()[0] == (
        "audit chain broken: an entry between entry 2 and entry 4 was deleted"
        " (or entry 2 was rewritten with a new hash)"
    )


def test_verify_names_entries_deleted_from_the_end(factory, db_url) -> None:
    _write(factory, 4)
    _raw(db_url, "DELETE FROM audit_log WHERE id >= 3")
    assert _findings(factory) == [
        "the log ends at entry 2 but the chain head names entry 4: entries at the end were deleted"
    ]


def test_verify_names_an_edited_entry(factory, db_url) -> None:
    _write(factory, 4)
    _raw(db_url, "UPDATE audit_log SET object_id = 'form-99' WHERE id = 2")
    assert _findings(factory) == ["entry 2 was edited: its content no longer matches its hash"]
    code, _output = _cli(db_url)
    assert code == 1


def test_verify_names_an_entry_inserted_without_a_hash(factory, db_url) -> None:
    _write(factory, 2)
    _raw(
        db_url,
        "INSERT INTO audit_log (id, at, actor_id, action, object_type, object_id, detail)"
        " VALUES (3, CURRENT_TIMESTAMP, 'staff-9', 'form.approved', 'form', 'f', '{}')",
    )
    assert _findings(factory) == ["entry 3 has no hash: it was inserted outside the application"]


def test_verify_names_a_forged_entry_inserted_in_the_middle(factory, db_url) -> None:
    """A forger who hashes the new entry correctly is still caught: the next entry chains past
    it. (A gap in ids, as a PostgreSQL sequence can leave, makes room for the forged id.)"""
    _write(factory, 3)
    _raw(db_url, "UPDATE audit_chain_head SET last_id = last_id + 5")
    _write(factory, 2)
    with factory() as session:
        third = session.get(AuditEntry, 3)
        assert third is not None and third.row_hash is not None
        at = third.at
        forged_hash = link(
            third.row_hash, canonical(5, at, "staff-9", "form.approved", "form", "f", {})
        )
    _raw(
        db_url,
        "INSERT INTO audit_log (id, at, actor_id, action, object_type, object_id, detail,"
        " prev_hash, row_hash) VALUES (5, :at, 'staff-9', 'form.approved', 'form', 'f', '{}',"
        " :prev, :hash)",
        at=at,
        prev=third.row_hash,
        hash=forged_hash,
    )
    assert _findings(factory) == ["entry 5 was inserted: entry 9 follows entry 3"]


def test_concurrent_writers_make_one_chain(factory, db_url) -> None:
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            _write(factory, 5, action=f"worker.w{n}")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with factory() as session:
        report = verify(session)
    assert report.entries == 30
    assert report.findings == ()
    assert report.head_id == 30


def test_migration_hashes_the_entries_written_before_it(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    upgrade(url, "0007")
    engine = make_engine(url)
    with engine.begin() as connection:
        for n in range(3):
            connection.execute(
                text(
                    "INSERT INTO audit_log (at, actor_id, action, object_type, object_id, detail)"
                    " VALUES ('2026-09-01 08:00:0' || :n || '.000000', NULL, 'login.ok',"
                    " 'staff', 's1', '{\"n\": 1}')"
                ),
                {"n": n},
            )
    engine.dispose()
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        report = verify(session)
        assert (report.entries, report.head_id, report.findings) == (3, 3, ())
        audit.record(session, actor_id=None, action="x.y", object_type="form", object_id="f")
        session.commit()
        assert verify(session).findings == ()
        assert session.scalars(select(AuditEntry.id)).all() == [1, 2, 3, 4]
    engine.dispose()


@pytest.mark.postgres
def test_postgresql_refuses_update_and_delete_of_audit_rows(pg_audit) -> None:
    engine = make_engine(pg_audit)
    with engine.begin() as connection:
        connection.execute(text("TRUNCATE audit_log, audit_chain_head"))
    with Session(engine) as session:
        audit.record(session, actor_id=None, action="x.y", object_type="form", object_id="f")
        session.commit()
    for statement in (
        "UPDATE audit_log SET action = 'x.z'",
        "DELETE FROM audit_log",
    ):
        with (
            pytest.raises(DBAPIError, match="the audit log is append-only"),
            engine.begin() as connection,
        ):
            connection.execute(text(statement))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT action FROM audit_log")).scalars().all() == ["x.y"]
    engine.dispose()
