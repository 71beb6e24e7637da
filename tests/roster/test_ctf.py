"""DfE CTF import: CTF 24 and 25, contacts, tutor groups from a CSV, hostile XML refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.errors import RosterError
from intake.roster.ctf import derived_contact_id, looks_like_xml, read_ctf, read_ctf_file

from .conftest import FIXTURES

CTF24 = FIXTURES / "ctf24_full.xml"
CTF25 = FIXTURES / "ctf25_partial.xml"
GROUPS = FIXTURES / "tutor_groups.csv"


def test_ctf24_full_with_tutor_groups() -> None:
    loaded = read_ctf_file(CTF24, GROUPS)
    roster = loaded.roster
    assert loaded.kind == "ctf" and loaded.full
    sian = roster.student("004501")  # the MIS id from the CSV alongside, matched by UPN
    assert sian.upn == "M830000019011"
    assert (sian.legal_forename, sian.legal_surname) == ("Siân", "O'Brien-Smith")
    assert sian.preferred_forename == "Sian" and sian.sex == "F"
    assert sian.year == 7 and sian.tutor_group == "7B"  # NCyearActual 6 at the primary
    assert any("year 6 at the primary school" in w for w in loaded.warnings)
    pairs = {link.priority: (contact, link) for contact, link in roster.contacts_of("004501")}
    mother, mother_link = pairs[1]
    assert mother.address.lines == ("Flat 2, 14 Acacia Avenue", "Milford", "Belper")
    assert mother.address.postcode == "DE56 0AB"
    assert mother.mobile_phone == "07700 900123" and mother.email == "aoife.obrien@example.com"
    assert mother_link.parental_responsibility and mother_link.lives_with_pupil
    assert not mother_link.court_order
    father, father_link = pairs[2]
    assert father.address.lines == ("7 Mill Lane", "Duffield", "Belper")
    assert father_link.relationship == "PAF" and father_link.parental_responsibility
    assert father_link.court_order and father_link.blocked and not father_link.lives_with_pupil
    other, other_link = pairs[3]
    assert other.forename == "Bríd" and not other_link.parental_responsibility
    assert other_link.relationship == "OTH"
    assert mother.contact_id == derived_contact_id("M830000019011", "1")
    assert mother.contact_id.startswith("CTF-") and len(mother.contact_id) == 16
    assert roster.student("004502").tutor_group == "7D"


def test_contact_ids_are_stable_and_never_merged_by_name() -> None:
    first, second = read_ctf(CTF24), read_ctf(CTF24)
    assert [c.contact_id for c in first.contacts] == [c.contact_id for c in second.contacts]
    assert len(first.contacts) == 4  # two Mrs/Ms O'Brien stay two people


def test_supplier_contact_id_links_siblings(tmp_path: Path) -> None:
    text = CTF24.read_text("utf-8").replace(
        "<SuppInfo><SuppID>SIMS</SuppID><CourtOrder>N</CourtOrder></SuppInfo>",
        "<SuppInfo><SuppID>SIMS</SuppID><ContactID>9001</ContactID></SuppInfo>",
    )
    path = tmp_path / "sims.xml"
    path.write_text(text, "utf-8")
    roster = read_ctf(path)
    assert [s.student_id for s, _ in roster.students_of("9001")] == ["M830000019011"]


def test_without_tutor_groups_says_so() -> None:
    loaded = read_ctf_file(CTF24)
    assert all(s.tutor_group == "" for s in loaded.roster.students)
    assert all(s.student_id == s.upn for s in loaded.roster.students)
    assert any(
        "a CTF has no tutor groups: 2 pupil(s)" in w and "--tutor-groups" in w
        for w in loaded.warnings
    )


def test_ctf25_partial_with_namespace_and_sex() -> None:
    loaded = read_ctf_file(CTF25)
    assert not loaded.full
    bao = loaded.roster.student("F838000020007")
    assert (bao.legal_forename, bao.legal_surname, bao.sex, bao.year) == ("Bảo", "Nguyễn", "M", 8)
    temporary = loaded.roster.student("Q83000002503A")
    assert temporary.sex == "F" and loaded.roster.relationships == ()


def test_tutor_group_file_rows_matching_no_pupil_are_reported(tmp_path: Path) -> None:
    groups = tmp_path / "groups.csv"
    groups.write_text("UPN,Tutor Group\nF838000020007,8C\nP207000016049,9A\n", "utf-8")
    loaded = read_ctf_file(CTF25, groups)
    assert loaded.roster.student("F838000020007").tutor_group == "8C"
    assert any("1 row(s) of the tutor-group file match no pupil" in w for w in loaded.warnings)
    assert any("1 pupil(s) are not in groups.csv" in w for w in loaded.warnings)
    bad = tmp_path / "bad.csv"
    bad.write_text("UPN,Name\nF838000020007,x\n", "utf-8")
    with pytest.raises(RosterError, match="needs a RegGroup column"):
        read_ctf_file(CTF25, bad)


XXE = """<?xml version="1.0"?>
<!DOCTYPE CTfile [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<CTfile><CTFpupilData><Pupil><UPN>&xxe;</UPN></Pupil></CTFpupilData></CTfile>"""
LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<CTfile><Header><DocumentName>&lol3;</DocumentName></Header></CTfile>"""


@pytest.mark.parametrize("text", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_hostile_xml_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "evil.xml"
    path.write_text(text, "utf-8")
    with pytest.raises(RosterError, match=r"declares a DTD or entities.*refused for safety"):
        read_ctf(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<CTfile><Header>", "not well-formed XML"),
        ("<ATfile/>", r"not a CTF \(its root is <ATfile>"),
        (
            "<CTfile><Header><CTFversion>25.0</CTFversion></Header><CTFpupilData/></CTfile>",
            "holds no pupils",
        ),
    ],
)
def test_not_a_usable_ctf(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "x.xml"
    path.write_text(text, "utf-8")
    with pytest.raises(RosterError, match=message):
        read_ctf(path)


def test_bad_pupils_are_all_listed(tmp_path: Path) -> None:
    text = (
        CTF24.read_text("utf-8")
        .replace("<UPN>M830000019011</UPN>", "<UPN>A830000019011</UPN>")
        .replace("<BasicDetails><NCyearActual>6<", "<BasicDetails><NCyearActual>3<")
        .replace("<Relationship>OTH</Relationship>", "<Relationship>ZZZ</Relationship>")
    )
    path = tmp_path / "bad.xml"
    path.write_text(text, "utf-8")
    with pytest.raises(RosterError, match=r"bad.xml: 2 problem\(s\); nothing was imported") as e:
        read_ctf(path)
    assert e.value.problems[0].startswith("pupil 1: UPN 'A830000019011': wrong check letter")
    assert e.value.problems[1] == "pupil 2: year 3 is outside years 7 to 13"


def test_size_cap(tmp_path: Path) -> None:
    with pytest.raises(RosterError, match="the limit is"):
        read_ctf_file(CTF24, max_bytes=1_000)


def test_content_decides_the_kind() -> None:
    assert looks_like_xml(b"\xef\xbb\xbf  <?xml version='1.0'?><CTfile/>")
    assert not looks_like_xml(b"StudentID,UPN\n")
