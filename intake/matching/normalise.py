"""Matching keys for names, tutor groups, phones, emails and postcodes.

A *key* is what two spellings of one name have in common: NFKC, accents stripped, case folded,
apostrophes dropped (O'BRIEN = OBRIEN), hyphens and spaces unified, ``MAC`` folded into ``MC``.
``fold`` keeps one confidence per key character, so that a comparison can forgive a doubtful
character more than a confident one, and it flags text that should never be linked without a
person: control or bidi characters, and letters from more than one script.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

#: flags that ``fold`` raises; any of them forbids an automatic link
CONTROL = "control_characters"
MIXED_SCRIPT = "mixed_scripts"
NON_LATIN = "non_latin_letters"

_APOSTROPHES = frozenset("'’‘`´ʼʹ′")
_HYPHENS = frozenset("-‐‑‒–—―−_/")
#: letters that no accent-stripping decomposes
_SPECIAL_LETTERS = {
    "Ø": "O", "ø": "O", "Ł": "L", "ł": "L", "Đ": "D", "đ": "D", "Ð": "D", "ð": "D",
    "Þ": "TH", "þ": "TH", "Æ": "AE", "æ": "AE", "Œ": "OE", "œ": "OE", "ß": "SS", "ı": "I",
}  # fmt: skip
#: Cyrillic and Greek capitals that look like Latin ones; folded so a person still sees the
#: likely candidates, but the text is flagged and never linked automatically
_LOOKALIKES = {
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
    "Т": "T", "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
}  # fmt: skip
#: OCR confusion classes: every member maps to the class's first character
_CONFUSION_CLASSES = ("O0DQ", "I1L", "S5", "B8", "Z2", "G6")
_SHAPE = str.maketrans({c: cls[0] for cls in _CONFUSION_CLASSES for c in cls[1:]})
#: what a digit read at the start of a tutor group's year is, when it was read as a letter
_AS_DIGIT = str.maketrans({"O": "0", "D": "0", "Q": "0", "I": "1", "L": "1", "S": "5",
                           "B": "8", "Z": "2", "G": "6"})  # fmt: skip
_AS_LETTER = str.maketrans("015826", "OISBZG")


@dataclass(frozen=True)
class Folded:
    """A matching key with one confidence (0..1) per key character, and suspicion flags."""

    text: str
    confidences: tuple[float, ...]
    flags: frozenset[str] = frozenset()
    #: per key character, the other characters the reader thought it might be ("" for none)
    alternatives: tuple[str, ...] = ()
    #: the boxes were full: the name may have been cut short
    truncated: bool = False

    def alternatives_at(self, i: int) -> str:
        return self.alternatives[i] if self.alternatives else ""

    def _take(self, keep: list[int]) -> Folded:
        return Folded(
            "".join(self.text[i] for i in keep),
            tuple(self.confidences[i] for i in keep),
            self.flags,
            tuple(self.alternatives[i] for i in keep) if self.alternatives else (),
            self.truncated,
        )

    def compact(self) -> Folded:
        """The key without spaces (boxes left empty between words vary from hand to hand)."""
        if " " not in self.text:
            return self
        return self._take([i for i, c in enumerate(self.text) if c != " "])

    def words(self) -> list[Folded]:
        """The key split at spaces, each word with its own confidences."""
        out: list[Folded] = []
        start = 0
        for i, c in enumerate([*self.text, " "]):
            if c == " ":
                if i > start:
                    out.append(self._take(list(range(start, i))))
                start = i + 1
        return out

    def join(self, other: Folded) -> Folded:
        """This key followed by ``other`` (no space between)."""
        return Folded(
            self.text + other.text,
            self.confidences + other.confidences,
            self.flags | other.flags,
            (self.alternatives or ("",) * len(self.text))
            + (other.alternatives or ("",) * len(other.text))
            if self.alternatives or other.alternatives
            else (),
            self.truncated or other.truncated,
        )

    @property
    def suspicious(self) -> bool:
        return bool(self.flags & {CONTROL, MIXED_SCRIPT, NON_LATIN})


def _script(char: str) -> str:
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0] if name else "UNKNOWN"


def _fold_char(char: str) -> str:
    """One character as key text: '' to drop it, ' ' for a word break."""
    if char in _APOSTROPHES:
        return ""
    if char in _HYPHENS or char.isspace():
        return " "
    if char in _SPECIAL_LETTERS:
        return _SPECIAL_LETTERS[char]
    out = []
    for part in unicodedata.normalize("NFKD", char):
        if unicodedata.combining(part):
            continue
        for folded in part.casefold().upper():
            if folded.isascii() and folded.isalnum():
                out.append(folded)
            elif folded in _SPECIAL_LETTERS:
                out.append(_SPECIAL_LETTERS[folded])
            elif folded in _LOOKALIKES:
                out.append(_LOOKALIKES[folded])
    return "".join(out)


def text_flags(text: str) -> frozenset[str]:
    """Flags for text a person must look at: control/bidi characters, non-Latin or mixed scripts."""
    flags: set[str] = set()
    scripts: set[str] = set()
    for char in unicodedata.normalize("NFKC", text):
        category = unicodedata.category(char)
        if category in {"Cc", "Cf", "Co", "Cs", "Zl", "Zp"} and char not in "\t\n\r":
            flags.add(CONTROL)
        elif char.isalpha():
            scripts.add(_script(char))
    if scripts - {"LATIN"}:
        flags.add(NON_LATIN)
        if "LATIN" in scripts or len(scripts) > 1:
            flags.add(MIXED_SCRIPT)
    return frozenset(flags)


def fold(
    text: str,
    confidences: Sequence[float] | None = None,
    alternatives: Sequence[str] | None = None,
    truncated: bool = False,
    mac: bool = True,
) -> Folded:
    """The matching key of ``text``; ``confidences`` and ``alternatives`` (one per input
    character) follow the key characters they become. ``mac=False`` keeps ``MAC`` as written
    (the matcher compares reads that way, against both spellings of the roster's name).

    Idempotent: ``fold(fold(x).text).text == fold(x).text``.
    """
    if confidences is not None and len(confidences) != len(text):
        raise ValueError("one confidence per character is needed")
    if alternatives is not None and len(alternatives) != len(text):
        raise ValueError("one alternatives string per character is needed")
    if alternatives is not None and not any(alternatives):
        alternatives = None
    if alternatives is None and _PLAIN.fullmatch(text):
        return _fold_plain(text, confidences, truncated, mac)
    confs = confidences if confidences is not None else [1.0] * len(text)
    alts = alternatives if alternatives is not None else [""] * len(text)
    chars: list[str] = []
    kept: list[tuple[float, str]] = []
    for char, conf, alt in zip(text, confs, alts, strict=True):
        if unicodedata.category(char) in {"Cc", "Cf"} and not char.isspace():
            continue
        folded_alt = "".join(_fold_char(a)[:1] for a in alt) if alt else ""
        for part in unicodedata.normalize("NFKC", char):
            for out in _fold_char(part):
                if out == " " and (not chars or chars[-1] == " "):
                    continue
                chars.append(out)
                kept.append((min(max(float(conf), 0.0), 1.0), folded_alt))
    while chars and chars[-1] == " ":
        chars.pop()
        kept.pop()
    key, kept = _fold_mac(chars, kept) if mac else ("".join(chars), kept)
    return Folded(
        key,
        tuple(p for p, _ in kept),
        text_flags(text),
        tuple(a for _, a in kept) if alternatives is not None else (),
        truncated,
    )


_PLAIN = re.compile(r"[A-Za-z0-9 ]*")


def _fold_plain(
    text: str, confidences: Sequence[float] | None, truncated: bool, mac: bool
) -> Folded:
    """``fold`` for plain ASCII letters, digits and spaces: the common case, made quick."""
    upper = " ".join(text.upper().split())
    if confidences is None:
        kept = [(1.0, "")] * len(upper)
    else:
        kept = []
        previous_space = True
        for char, conf in zip(text, confidences, strict=True):
            if char == " ":
                if previous_space:
                    continue
                previous_space = True
            else:
                previous_space = False
            kept.append((min(max(float(conf), 0.0), 1.0), ""))
        kept = kept[: len(upper)]
    key, kept = _fold_mac(list(upper), kept) if mac else (upper, kept)
    return Folded(key, tuple(p for p, _ in kept), frozenset(), (), truncated)


def _fold_mac(
    chars: list[str], kept: list[tuple[float, str]]
) -> tuple[str, list[tuple[float, str]]]:
    """``MACDONALD`` and ``MCDONALD`` share a key: drop the A of a word-initial MAC + letter."""
    text = "".join(chars)
    drop = {m.start() + 1 for m in re.finditer(r"(?:(?<= )|^)MAC(?=[A-Z]{2})", text)}
    if not drop:
        return text, kept
    return (
        "".join(c for i, c in enumerate(text) if i not in drop),
        [p for i, p in enumerate(kept) if i not in drop],
    )


def mac_spellings(key: str) -> set[str]:
    """Every spelling of a key (with spaces) with each word-initial ``MC``/``MAC`` either way:
    ``"MCDONALD"`` -> ``{"MCDONALD", "MACDONALD"}``."""
    out = {""}
    for word in key.split(" "):
        forms = {word}
        if re.match(r"MC[A-Z]{2}", word):
            forms.add("MAC" + word[2:])
        elif re.match(r"MAC[A-Z]{2}", word):
            forms.add("MC" + word[3:])
        out = {f"{prefix} {form}" if prefix else form for prefix in out for form in forms}
    return out


def name_key(text: str) -> str:
    """The matching key of a name: ``"Siân O'Brien-McKay"`` -> ``"SIAN OBRIEN MCKAY"``."""
    return fold(text).text


def shape_key(key: str) -> str:
    """``key`` with each OCR confusion class (O/0/D/Q, I/1/L, S/5, B/8, Z/2, G/6) made one."""
    return key.translate(_SHAPE)


_YEAR_PREFIX = re.compile(r"^(?:YEAR|YR|Y) ?(?=[0-9])")


def tutor_group_key(text: str) -> str:
    """A tutor group's key: letters and digits only, upper case, without a "Y"/"Year" before
    the year (``12-smi`` -> ``12SMI``, ``Year 9 Oak`` -> ``9OAK``)."""
    return _YEAR_PREFIX.sub("", name_key(text)).replace(" ", "")


def tutor_group_read(folded: Folded) -> Folded:
    """A tutor group as read, compact and without a "Y"/"Year" before the year."""
    prefix = _YEAR_PREFIX.match(folded.text)
    if prefix:
        folded = folded._take(list(range(prefix.end(), len(folded.text))))
    return folded.compact()


def year_of_tutor_group(text: str) -> int | None:
    """The NC year (7..13) a tutor group starts with, reading O as 0, I/L as 1 and so on.

    ``7B`` -> 7, ``1OR`` -> 10, ``Y9 OAK`` -> 9, ``ASH`` -> None.
    """
    key = tutor_group_key(text)
    if key.startswith("Y") and len(key) > 1 and key[1].isdigit():
        key = key[1:]
    two = key[:2].translate(_AS_DIGIT)
    if two.isdigit() and 10 <= int(two) <= 13 and key[:1].translate(_AS_DIGIT) == "1":
        return int(two)
    one = key[:1].translate(_AS_DIGIT)
    if one.isdigit() and 7 <= int(one) <= 9:
        return int(one)
    return None


def phone_key(text: str) -> str:
    """Digits of a UK phone number, ``+44`` made ``0``; '' when too short to compare."""
    digits = "".join(c for c in unicodedata.normalize("NFKC", text) if c.isdigit())
    if digits.startswith("0044"):
        digits = "0" + digits[4:]
    elif digits.startswith("44") and len(digits) == 12:
        digits = "0" + digits[2:]
    return digits if len(digits) >= 9 else ""


def postcode_key(text: str) -> str:
    """A postcode without spaces, upper case; O/0 and I/1 confusions read by position."""
    key = tutor_group_key(text)
    if len(key) < 5:
        return key
    inward = key[-3:]
    # the inward code is digit, letter, letter: repair the common confusions there
    fixed = inward[0].translate(_AS_DIGIT) + inward[1:].translate(_AS_LETTER)
    return key[:-3] + fixed


def email_key(text: str) -> str:
    """An email address for comparison: NFKC, no spaces, lower case."""
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()
