"""Fictional but well-formed contact details: addresses, postcodes, phones and emails.

Phones come only from Ofcom's ranges reserved for drama (mobile ``07700 900xxx``, geographic
``0113 496 0xxx``..., ``020 7946 0xxx``, ``01632 960xxx``). We do not use Faker's ``en_GB`` phone
provider: 11 of its 12 London formats write ``020 7496 0xxx``, a real range. Emails use the
RFC 2606 domains only. Postcodes are format-valid for the school's area (district + random
inward code); they may or may not exist, which is fine for an intake product.
"""

from __future__ import annotations

import random
import re
import unicodedata

from intake.roster.model import Address

EMAIL_DOMAINS = ("example.com", "example.org", "example.net")

#: area code + the reserved 4-digit block's prefix, each giving 1,000 numbers
_DRAMA_LANDLINES = (
    ("0115", "496 0"),
    ("0116", "496 0"),
    ("0114", "496 0"),
    ("0113", "496 0"),
    ("0121", "496 0"),
    ("0161", "496 0"),
    ("020", "7946 0"),
    ("01632", "960"),
)

STREETS = (
    "Mill Lane",
    "Church Street",
    "Bridge Street",
    "Chesterfield Road",
    "Derwent Avenue",
    "Field Lane",
    "Holbrook Road",
    "King Street",
    "Queen Street",
    "Long Row",
    "Strutt Street",
    "Acacia Avenue",
    "Beech Close",
    "Cedar Grove",
    "Chapel Street",
    "The Fleet",
    "Days Mill Close",
    "Crich Lane",
    "Wyver Lane",
    "Ashbourne Road",
    "Kilbourne Road",
    "Park Road",
    "Well Lane",
    "Nottingham Road",
    "Over Lane",
    "Penn Street",
    "Green Lane",
    "Hunter Drive",
    "Openwoodgate",
    "St John's Road",
    "Brook Side",
    "Crown Terrace",
    "Whitehouse Rise",
    "Laurel Crescent",
    "Sandbed Lane",
    "Willow Way",
    "Meadow Road",
    "Swinney Lane",
    "Matlock Road",
    "Spencer Road",
)
#: (locality, post town, postcode district) around the school
PLACES = (
    ("", "Belper", "DE56"),
    ("Milford", "Belper", "DE56"),
    ("Duffield", "Belper", "DE56"),
    ("Holbrook", "Belper", "DE56"),
    ("Kilburn", "Belper", "DE56"),
    ("Ambergate", "Belper", "DE56"),
    ("Heage", "Belper", "DE56"),
    ("", "Ripley", "DE5"),
    ("Crich", "Matlock", "DE4"),
    ("Allestree", "Derby", "DE22"),
    ("", "Heanor", "DE75"),
    ("", "Alfreton", "DE55"),
)
HOUSE_NAMES = ("Rose Cottage", "The Old Forge", "Mill House", "Hillcrest", "The Laurels")
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # never C, I, K, M, O or V

POSTCODE_RE = re.compile(
    r"^(GIR 0AA|[A-PR-UWYZ]([0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]"
    r"|[A-HK-Y][0-9][ABEHMNPRV-Y]) [0-9][ABD-HJLNP-UW-Z]{2})$"
)


def is_postcode(raw: str) -> bool:
    """Format check only (BS 7666 shapes); existence is not checked."""
    return bool(POSTCODE_RE.match(normalise_postcode(raw)))


def normalise_postcode(raw: str) -> str:
    """Upper case with a single space before the inward code."""
    compact = re.sub(r"\s+", "", raw).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def make_address(rng: random.Random) -> Address:
    locality, town, district = rng.choice(PLACES)
    street = rng.choice(STREETS)
    if rng.random() < 0.06:
        first = f"{rng.choice(HOUSE_NAMES)}, {street}"
    elif rng.random() < 0.08:
        first = f"Flat {rng.randint(1, 12)}, {rng.randint(2, 90)} {street}"
    else:
        first = f"{rng.randint(1, 220)} {street}"
    inward = f"{rng.randint(0, 9)}{rng.choice(_INWARD_LETTERS)}{rng.choice(_INWARD_LETTERS)}"
    lines = (first, locality, town) if locality else (first, town, "Derbyshire")
    return Address(lines=lines, postcode=f"{district} {inward}")


class PhoneBook:
    """Hands out drama-range numbers without repeats (the mobile range has only 1,000)."""

    def __init__(self, rng: random.Random) -> None:
        self._mobiles = list(range(1000))
        rng.shuffle(self._mobiles)
        self._landlines = [
            (area, block, n) for area, block in _DRAMA_LANDLINES for n in range(1000)
        ]
        rng.shuffle(self._landlines)
        self._next_mobile = 0
        self._next_landline = 0

    def mobile(self) -> str:
        number = self._mobiles[self._next_mobile % len(self._mobiles)]
        self._next_mobile += 1
        return f"07700 900{number:03d}"

    def landline(self) -> str:
        area, block, number = self._landlines[self._next_landline % len(self._landlines)]
        self._next_landline += 1
        return f"{area} {block}{number:03d}"


def ascii_fold(text: str) -> str:
    """``Siân O'Brien-Łukasz`` -> ``sian obrien-lukasz``: for email local parts only."""
    text = text.replace("ł", "l").replace("Ł", "L").replace("ø", "o").replace("đ", "d")
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9.-]", "", plain.lower().replace(" ", "."))


def make_email(rng: random.Random, forename: str, surname: str, serial: int) -> str:
    first, last = ascii_fold(forename), ascii_fold(surname)
    local = rng.choice(
        (f"{first}.{last}", f"{first[:1]}{last}", f"{first}{last}", f"{last}.{first}")
    )
    local = re.sub(r"\.{2,}", ".", local).strip(".-") or f"parent{serial}"
    return f"{local}{serial}@{rng.choice(EMAIL_DOMAINS)}"
