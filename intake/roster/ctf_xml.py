"""A CTF's XML, checked before anything in it is read (hostile input IN-40).

``parse_ctf_xml`` runs these stages in order; each refusal is a ``RosterError`` naming the file,
and nothing is imported:

1. size: more than ``max_bytes`` (``DEFAULT_MAX_BYTES``, as for CSV rosters) is refused unread;
2. a defusedxml (expat) scan that builds no tree: a DTD, entity declaration or external
   reference is refused (XXE, billion laughs); nesting deeper than ``MAX_DEPTH`` is refused as
   soon as the scan gets there, so a 100,000-deep file costs milliseconds and no recursion; the
   root must be ``CTfile`` (namespaces are ignored);
3. one lxml tree, namespaces stripped, checked against ``schemas/ctf.xsd`` (what the portal
   reads of CTF 24 and 25, strict where we read and permissive elsewhere: see the file); the
   reader then reads this same tree. A refusal names the first few errors by line and element
   path and says why in the schema's words, never with the element's value (it may be a
   child's name): libxml2's messages quote values, so only names and limits are taken from them.

lxml (libxml2), not the pure-Python ``xmlschema`` package, by measurement on a synthetic full
CTF of 2,000 pupils and 2,761 contacts (9.7 MB, ``intake.lab.roster.ctf_writer``; best of 3 on
a shared 2-core machine): lxml parses it in 0.15 s and validates it in a further 0.05 s, its tree
taking some 50 MB; xmlschema 4.3 took 4.0 s to validate an ElementTree of the same file (peak
170 MB) and gives no line numbers for one. lxml is already installed (pikepdf needs it);
xmlschema would add two packages. XSD 1.0 is enough (the schema's open tails need no 1.1). The
whole read of that file takes 1.05 s at a peak of 98 MB RSS, against 0.8-1.0 s and 95 MB before
the schema: the reader now uses lxml's tree instead of building a second one.

lxml's parse is made safe: no entity resolution, no DTD loading, no network, ``huge_tree`` off
(libxml2's own limits on depth and text size stay on). XInclude is never processed (lxml does
so only when asked, and we never ask): an ``xi:include`` stays an element, which the schema
refuses where the portal reads and skips where it does not. ``xsi:schemaLocation`` hints are
ignored because the schema is given. A validator is compiled per file (0.2 ms): an lxml
validator keeps its error log on itself, so one shared by the web server's threads could mix
two files' errors.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from typing import TypeAlias

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, ParseError
from lxml import etree

from intake.errors import RosterError
from intake.roster.csv_io import DEFAULT_MAX_BYTES

#: deeper than any real CTF (about 8 levels: CTfile/CTFpupilData/Pupil/Contacts/Contact/
#: Address/BS7666Address/PAON) with room for unread blocks
MAX_DEPTH = 40
#: schema errors named in the message; up to ``_PROBLEMS_LISTED`` go in ``problems``
_ERRORS_NAMED = 3
_PROBLEMS_LISTED = 50

#: an element of a checked CTF (lxml's; the reader uses only its ElementTree-like API)
CtfElement: TypeAlias = etree._Element

_XS = "{http://www.w3.org/2001/XMLSchema}"
_ELEMENT = re.compile(r"^Element '([^']*)': ")
_TYPE = re.compile(r"of the (?:local )?atomic type '([^']*)'")
_LENGTH = re.compile(r"allowed (maximum|minimum) length of '(\d+)'")
_EXPECTED = re.compile(r"Expected is (?:one of )?\( ([\w{}:/.#, -]+) \)")


class _Scan:
    """An expat target that builds nothing: notes the root's name and refuses deep nesting."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.root = ""
        self.depth = 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.depth += 1
        self.root = self.root or tag.rsplit("}", 1)[-1]
        if self.depth > MAX_DEPTH:
            raise RosterError(
                f"{self.name} nests elements more than {MAX_DEPTH} deep; a CTF never does, so "
                "it was refused for safety"
            )

    def end(self, tag: str) -> None:
        self.depth -= 1

    def data(self, text: str) -> None:
        pass

    def close(self) -> str:
        return self.root


def _scan(data: bytes, name: str) -> str:
    """The root element's name, once defusedxml found no DTD, entity or deep nesting."""
    parser = DefusedXMLParser(
        target=_Scan(name), forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    try:
        parser.feed(data)
        return str(parser.close())
    except DefusedXmlException:
        raise RosterError(
            f"{name} declares a DTD or entities; CTF files never do, so it was refused for safety"
        ) from None
    except ParseError as exc:
        raise RosterError(f"{name} is not well-formed XML ({exc})") from None


def parse_ctf_xml(data: bytes, name: str, max_bytes: int = DEFAULT_MAX_BYTES) -> CtfElement:
    """The CTF's tree, namespaces stripped, once it passed every stage of the module docstring."""
    if len(data) > max_bytes:
        raise RosterError(
            f"{name} is {len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.1f} MB"
        )
    root_tag = _scan(data, name)
    if root_tag != "CTfile":
        raise RosterError(f"{name} is XML but not a CTF (its root is <{root_tag}>, not <CTfile>)")
    root = _lxml_tree(data, name)
    check_schema(root, name)
    return root


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        remove_blank_text=True,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


@cache
def _schema_document() -> etree._ElementTree:
    source = files("intake.roster").joinpath("schemas/ctf.xsd").read_bytes()
    return etree.ElementTree(etree.fromstring(source, _safe_parser()))


@cache
def _reasons() -> tuple[dict[str, str], dict[str, str]]:
    """(type name -> words, element name -> words) from the schema's documented simple types;
    an element declared with two types of different words gets none."""
    document = _schema_document()
    by_type = {
        simple.get("name", ""): "".join(simple.itertext()).strip()
        for simple in document.iter(f"{_XS}simpleType")
    }
    by_element: dict[str, str] = {}
    clashes: set[str] = set()
    for declared in document.iter(f"{_XS}element"):
        words = by_type.get(declared.get("type", ""))
        element = declared.get("name", "")
        if words is None:
            continue
        if by_element.setdefault(element, words) != words:
            clashes.add(element)
    return by_type, {k: v for k, v in by_element.items() if k not in clashes}


def _lxml_tree(data: bytes, name: str) -> CtfElement:
    try:
        root = etree.fromstring(data, _safe_parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or "?"
        raise RosterError(
            f"{name} could not be read (line {line}: over the XML parser's limits on text size "
            "or nesting, or an unusual encoding)"
        ) from None
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.startswith("{"):
            element.tag = etree.QName(element).localname
    return root


def check_schema(root: CtfElement, name: str) -> None:
    """Refuse a CTF whose namespace-stripped tree does not match ``schemas/ctf.xsd``."""
    schema = etree.XMLSchema(_schema_document())
    if schema.validate(root):
        return
    errors = [_describe(error) for error in schema.error_log]
    shown = "; ".join(errors[:_ERRORS_NAMED])
    more = f"; and {len(errors) - _ERRORS_NAMED} more" if len(errors) > _ERRORS_NAMED else ""
    raise RosterError(
        f"{name} does not match the CTF schema, so nothing was imported: {shown}{more}",
        errors[:_PROBLEMS_LISTED],
    )


def _describe(error: etree._LogEntry) -> str:
    """``line N, /CTfile/...: why``; libxml2's message is mined for names and limits only,
    because it quotes the value it refused."""
    return f"line {error.line}, {error.path}: {_reason(error.message)}"


def _reason(message: str) -> str:
    by_type, by_element = _reasons()
    found = _ELEMENT.match(message)
    element = found.group(1) if found else ""
    expected = _EXPECTED.search(message)
    wanted = f"; expected <{expected.group(1)}>" if expected else ""
    if "Missing child element" in message:
        return f"<{element}> lacks a required element{wanted}"
    if "This element is not expected" in message:
        return f"<{element}> is not expected here{wanted}"
    if "Element content is not allowed" in message:
        return f"<{element}> holds elements where text is expected"
    if "Character content other than whitespace" in message:
        return f"<{element}> holds text where only elements are expected"
    if "attribute" in message and "is not allowed" in message:
        return f"<{element}> has an attribute it may not have"
    if length := _LENGTH.search(message):
        if length.group(1) == "minimum" and length.group(2) == "1":
            return f"<{element}> is empty"
        limit = "longer than" if length.group(1) == "maximum" else "shorter than"
        return f"<{element}> is {limit} {length.group(2)} characters"
    if atomic := _TYPE.search(message):
        words = by_type.get(atomic.group(1)) or by_element.get(element)
    else:
        words = by_element.get(element)
    return f"<{element}> is {words}" if words else f"<{element}> does not match the schema"
