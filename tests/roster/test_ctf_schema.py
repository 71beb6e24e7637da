"""The CTF schema check (``intake.roster.ctf_xml``, ``schemas/ctf.xsd``): valid files pass,
files that break it are refused by line and element path without their values, XInclude is
never processed, deep nesting and over-size files are refused fast."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from intake.errors import RosterError
from intake.lab.roster.ctf_writer import ctf_bytes
from intake.roster.ctf import read_ctf_file
from intake.roster.ctf_xml import MAX_DEPTH, parse_ctf_xml
from intake.roster.model import Roster

from .conftest import FIXTURES

CTF24 = (FIXTURES / "ctf24_full.xml").read_text("utf-8")
SCHEMA_REFUSAL = "does not match the CTF schema, so nothing was imported"


def _write(tmp_path: Path, text: str | bytes, name: str = "x.xml") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


@pytest.mark.parametrize("fixture", ["ctf24_full.xml", "ctf25_partial.xml"])
def test_the_fixtures_match_the_schema(fixture: str) -> None:
    data = (FIXTURES / fixture).read_bytes()
    assert parse_ctf_xml(data, fixture).tag == "CTfile"


def test_a_generated_school_matches_the_schema_and_reads_back(
    tmp_path: Path, small_roster: Roster
) -> None:
    path = _write(tmp_path, ctf_bytes(small_roster), "school.xml")
    loaded = read_ctf_file(path)
    assert {s.upn for s in loaded.roster.students} == {s.upn for s in small_roster.students}
    assert {c.contact_id for c in loaded.roster.contacts} == {
        c.contact_id for c in small_roster.contacts
    }
    for contact in loaded.roster.contacts[:20]:
        assert contact == small_roster.contact(contact.contact_id)


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        (
            "<UPN>M830000019011</UPN>",
            "",
            r"line 21, /CTfile/CTFpupilData/Pupil\[1\]/Surname: <Surname> is not expected "
            r"here; expected <UPN>",
        ),
        (
            "<UPN>M830000019011</UPN>",
            "<UPN>M83000001901</UPN>",
            r"line 20, /CTfile/CTFpupilData/Pupil\[1\]/UPN: <UPN> is not a UPN",
        ),
        (
            "<DOB>2015-08-31</DOB>",
            "<DOB>31/08/2015</DOB>",
            r"/Pupil\[2\]/DOB: <DOB> is not a date \(YYYY-MM-DD\)",
        ),
        ("<Gender>F</Gender>", "<Gender>Female</Gender>", r"<Gender> is not a sex code"),
        ("<Order>2</Order>", "<Order>0</Order>", r"Contact\[2\]/Order: <Order> is not a contact"),
        ("<Order>3</Order>", "", r"Contact\[3\]/Title: <Title> is not expected here"),
        (
            "<Responsibility>false</Responsibility>",
            "<Responsibility>maybe</Responsibility>",
            r"<Responsibility> is not yes or no",
        ),
        (
            "<Forename>Zofia</Forename>",
            "<Forename><b>Zofia</b></Forename>",
            r"<Forename> holds elements where text is expected",
        ),
        (
            "<Forename>Zofia</Forename>",
            f"<Forename>{'Zofia' * 30}</Forename>",
            r"<Forename> is longer than 100 characters",
        ),
        ("<Forename>Zofia</Forename>", "<Forename> </Forename>", r"<Forename> is empty"),
        ("<CTFversion>24.0</CTFversion>", "", r"/Header/DateTime: <DateTime> is not expected"),
        ("<NCyearActual>6</NCyearActual>", "<NCyearActual>Six</NCyearActual>", "NC year"),
    ],
    ids=[
        "no-upn",
        "upn-shape",
        "dob",
        "sex",
        "order-zero",
        "no-order",
        "responsibility",
        "markup-in-name",
        "long-name",
        "empty-name",
        "no-version",
        "year",
    ],
)
def test_a_file_that_breaks_the_schema_is_refused(
    tmp_path: Path, old: str, new: str, reason: str
) -> None:
    assert old in CTF24
    with pytest.raises(RosterError, match=SCHEMA_REFUSAL) as refused:
        read_ctf_file(_write(tmp_path, CTF24.replace(old, new, 1)))
    assert refused.value.problems
    assert any(re.search(reason, p) for p in refused.value.problems), refused.value.problems


def test_the_refusal_names_lines_and_paths_but_never_values(tmp_path: Path) -> None:
    text = (
        CTF24.replace("<DOB>2014-03-12</DOB>", "<DOB>12/03/2014</DOB>")
        .replace("<Forename>Zofia</Forename>", "<Forename><i>Zofia Secret</i></Forename>")
        .replace("<Title>Ms</Title>", f"<Title>{'Ms Longtitle ' * 5}</Title>")
        .replace("<Responsibility>1</Responsibility>", "<Responsibility>Kowalska</Responsibility>")
        .replace("<UPN>B830000019012</UPN>", "<UPN>Kowalczyk-UPN</UPN>")
    )
    with pytest.raises(RosterError) as refused:
        read_ctf_file(_write(tmp_path, text, "bad.xml"))
    message = str(refused.value)
    assert message.startswith(f"bad.xml {SCHEMA_REFUSAL}: line 23, /CTfile/CTFpupilData/")
    assert message.endswith("; and 3 more") and message.count("line ") == 3
    assert len(refused.value.problems) == 6  # the Forename twice: markup, so empty
    everything = message + "\n".join(refused.value.problems)
    for value in ("12/03/2014", "Zofia", "Secret", "Longtitle", "Kowalska", "Kowalczyk"):
        assert value not in everything


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<ATfile><Header/></ATfile>", r"not a CTF \(its root is <ATfile>"),
        ('<x:Roster xmlns:x="urn:x"/>', r"not a CTF \(its root is <Roster>"),
        ("<Contacts/>", r"not a CTF \(its root is <Contacts>"),
        ("<CTfile><CTFpupilData/></CTfile>", r"CTFpupilData: <CTFpupilData> is not expected"),
    ],
    ids=["atf", "namespaced", "a-global-of-the-schema", "no-header"],
)
def test_an_unknown_root_or_shape_is_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(RosterError, match=message):
        read_ctf_file(_write(tmp_path, text))


def test_xinclude_is_never_processed(tmp_path: Path) -> None:
    """Where the portal reads, an ``xi:include`` stays an element and the schema refuses it
    (had it been processed, the file would be valid); where it does not read, it is ignored."""
    marker = _write(tmp_path, "Zofia", "marker.txt")
    text = CTF24.replace("<CTfile>", '<CTfile xmlns:xi="http://www.w3.org/2001/XInclude">')
    include = f'<xi:include href="file://{marker}" parse="text"/>'
    in_a_name = text.replace("<Forename>Zofia</Forename>", f"<Forename>{include}</Forename>")
    with pytest.raises(RosterError, match="<Forename> holds elements where text is expected"):
        read_ctf_file(_write(tmp_path, in_a_name))
    unread = text.replace("<EnrolStatus>C</EnrolStatus>", f"<Languages>{include}</Languages>")
    loaded = read_ctf_file(_write(tmp_path, unread))
    assert loaded.roster.student("B830000019012").legal_forename == "Zofia"


def test_a_schema_location_hint_is_ignored(tmp_path: Path) -> None:
    refuse_all = _write(
        tmp_path,
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        '<xs:element name="CTfile" type="xs:date"/></xs:schema>',
        "refuse.xsd",
    )
    hint = (
        '<CTfile xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:noNamespaceSchemaLocation="file://{refuse_all}">'
    )
    loaded = read_ctf_file(_write(tmp_path, CTF24.replace("<CTfile>", hint)))
    assert len(loaded.roster.students) == 2


def _nested(depth: int) -> str:
    inner = "<x>" * depth + "</x>" * depth
    return CTF24.replace("<EnrolStatus>C</EnrolStatus>", f"<Languages>{inner}</Languages>")


def test_nesting_is_capped(tmp_path: Path) -> None:
    depth_of_languages = 5  # CTfile/CTFpupilData/Pupil/BasicDetails/Languages
    allowed = MAX_DEPTH - depth_of_languages
    assert read_ctf_file(_write(tmp_path, _nested(allowed))).roster.students
    with pytest.raises(RosterError, match=f"nests elements more than {MAX_DEPTH} deep"):
        read_ctf_file(_write(tmp_path, _nested(allowed + 1)))


@pytest.mark.parametrize("inside", ["root", "pupil"])
def test_100000_deep_nesting_is_refused_fast(tmp_path: Path, inside: str) -> None:
    deep = "<a>" * 100_000 + "</a>" * 100_000
    text = f"<CTfile>{deep}</CTfile>" if inside == "root" else _nested(100_000)
    path = _write(tmp_path, text)
    started = time.monotonic()
    with pytest.raises(RosterError, match=f"nests elements more than {MAX_DEPTH} deep"):
        read_ctf_file(path)
    assert time.monotonic() - started < 1.0


def test_over_size_xml_is_refused_unparsed(tmp_path: Path) -> None:
    data = CTF24.encode()
    with pytest.raises(RosterError, match=r"MB; the limit is 0\.0 MB"):
        parse_ctf_xml(data, "big.xml", max_bytes=len(data) - 1)
    with pytest.raises(RosterError, match="the limit is"):
        read_ctf_file(_write(tmp_path, data), max_bytes=len(data) - 1)
