"""Hostile roster files through the admin's import screen: XML attacks on the CTF reader are
refused fast with no file read and no network call; broken CSVs name the line and import
nothing; spreadsheet formulas in names are kept as text."""

from __future__ import annotations

import builtins
import io
import socket
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from intake.db.roster import ContactRow, StudentRow
from intake.roster.csv_io import write_roster

from .conftest import FORMULA, csrf_from, hostile_roster

PASSWD_MARKER = "root:x:0:0"
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE CTfile [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<CTfile><Header><DocumentName>&xxe;</DocumentName></Header>
<CTFpupilData><Pupil><UPN>&xxe;</UPN></Pupil></CTFpupilData></CTfile>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE CTfile [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">]>
<CTfile><Header><DocumentName>&h;</DocumentName></Header></CTfile>"""
QUADRATIC = (
    b'<?xml version="1.0"?><!DOCTYPE CTfile [<!ENTITY x "'
    + b"x" * 50_000
    + b'">]><CTfile>'
    + b"&x;" * 5_000
    + b"</CTfile>"
)
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE CTfile SYSTEM "http://169.254.169.254/latest/meta-data/">
<CTfile><Header/></CTfile>"""
PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE CTfile [<!ENTITY % remote SYSTEM "http://169.254.169.254/x.dtd"> %remote;]>
<CTfile/>"""
XINCLUDE = b"""<?xml version="1.0"?>
<CTfile xmlns:xi="http://www.w3.org/2001/XInclude"><Header>
<xi:include href="file:///etc/passwd" parse="text"/></Header>
<CTFpupilData><Pupil><UPN><xi:include href="file:///etc/passwd" parse="text"/></UPN></Pupil>
</CTFpupilData></CTfile>"""
DEEP = b"<CTfile>" + b"<a>" * 100_000 + b"</a>" * 100_000 + b"</CTfile>"

HOSTILE_XML = {
    "xxe": XXE,
    "billion-laughs": LAUGHS,
    "quadratic-blowup": QUADRATIC,
    "external-dtd-ssrf": EXTERNAL_DTD,
    "parameter-entity-ssrf": PARAMETER_ENTITY,
    "xinclude": XINCLUDE,
    "deep-nesting": DEEP,
}


def _import(client, data: bytes, name: str = "roster.xml"):
    return client.post(
        "/admin/roster",
        data={"csrf_token": csrf_from(client, "/admin/roster"), "roster": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _counts(db_factory) -> tuple[int, int]:
    with db_factory() as session:
        return (
            session.scalar(select(func.count()).select_from(StudentRow)) or 0,
            session.scalar(select(func.count()).select_from(ContactRow)) or 0,
        )


@pytest.fixture
def no_network_no_passwd(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Fail any socket connection and record any attempt to open /etc/passwd."""
    attempts: list[str] = []
    real_open = builtins.open

    def connect(self, address):
        attempts.append(f"connect {address}")
        raise OSError("network is blocked in this test")

    def guarded_open(file, *args, **kwargs):
        if "passwd" in str(file) or "169.254" in str(file):
            attempts.append(f"open {file}")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(builtins, "open", guarded_open)
    return attempts


def test_hostile_ctf_is_refused_fast_without_reads_or_fetches(
    client_as, db_factory, no_network_no_passwd
) -> None:
    admin = client_as("admin")
    for kind, data in sorted(HOSTILE_XML.items()):
        started = time.monotonic()
        response = _import(admin, data)
        elapsed = time.monotonic() - started
        body = response.get_data(as_text=True)
        assert response.status_code == 422, (kind, body[-600:])
        assert elapsed < 2.0, f"{kind}: {elapsed:.2f} s"
        assert PASSWD_MARKER not in body and "aaaaaaaaaaaaaaaaaaaa" not in body, kind
        assert no_network_no_passwd == [], (kind, no_network_no_passwd)
        assert _counts(db_factory) == (0, 0), kind


def test_oversized_roster_file_is_refused(client_as, db_factory, app) -> None:
    from intake.roster.csv_io import DEFAULT_MAX_BYTES

    app.config["MAX_CONTENT_LENGTH"] = DEFAULT_MAX_BYTES * 2
    data = b"<CTfile>" + b" " * (DEFAULT_MAX_BYTES + 10) + b"</CTfile>"
    response = _import(client_as("admin"), data)
    assert response.status_code in (413, 422)
    assert _counts(db_factory) == (0, 0)


CTF24 = Path(__file__).parents[1] / "roster" / "fixtures" / "ctf24_full.xml"


def test_a_ctf_that_breaks_the_schema_changes_nothing(client_as, db_factory) -> None:
    """IN-40: a refusal names the line and element path, never the value, and the roster
    imported before stays as it was."""
    admin = client_as("admin")
    good = CTF24.read_bytes()
    assert _import(admin, good).status_code == 200
    before = _counts(db_factory)
    assert before == (2, 4)
    bad = good.replace(b"<DOB>2015-08-31</DOB>", b"<DOB>31/08/2015</DOB>").replace(
        b"<Order>2</Order>", b""
    )
    response = _import(admin, bad)
    body = response.get_data(as_text=True)
    assert response.status_code == 422, body[-600:]
    assert "does not match the CTF schema" in body
    assert "/CTfile/CTFpupilData/Pupil[2]/DOB" in body and "line 88" in body
    assert "31/08/2015" not in body
    assert _counts(db_factory) == before


def _roster_csv(tmp_path: Path) -> bytes:
    path = tmp_path / "roster.csv"
    write_roster(hostile_roster(), path)
    return path.read_bytes()


def test_formulas_in_roster_names_are_kept_as_text(client_as, db_factory, tmp_path) -> None:
    response = _import(client_as("admin"), _roster_csv(tmp_path), "roster.csv")
    assert response.status_code == 200, response.get_data(as_text=True)[-800:]
    with db_factory() as session:
        forenames = set(session.scalars(select(ContactRow.forename)))
    assert FORMULA in forenames


def test_a_broken_roster_csv_names_the_line_and_imports_nothing(
    client_as, db_factory, tmp_path
) -> None:
    admin = client_as("admin")
    for damage in ("nul", "ragged", "cp1252", "huge-field"):
        _refused(admin, db_factory, tmp_path, damage)


def _refused(admin, db_factory, tmp_path, damage: str) -> None:
    lines = _roster_csv(tmp_path).split(b"\r\n")
    if damage == "nul":
        lines[1] = lines[1].replace(b",", b",\x00", 1)
    elif damage == "ragged":
        lines[1] = lines[1] + b",extra,cells"
    elif damage == "cp1252":
        lines[1] = lines[1].replace(b"Tom", "T\u00f6m".encode("cp1252"), 1)
    else:
        lines[1] = lines[1].replace(b"Tom", b"T" * 2_000_000, 1)
    response = _import(admin, b"\r\n".join(lines), "roster.csv")
    body = response.get_data(as_text=True)
    assert response.status_code == 422, (damage, body[-600:])
    assert _counts(db_factory) == (0, 0)
    if damage in ("nul", "ragged"):
        assert "line 2" in body, body[-1500:]
