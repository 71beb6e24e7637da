"""Email domains families actually use: evidence for reading the part after the ``@``.

A read domain that is one of these (or becomes one when a doubtful character takes the
engine's second guess) is far likelier right than a string the engine made up, so its
characters are weighed towards it. ``example.com/.org/.net`` are the domains reserved for
documentation (RFC 2606), which synthetic families use.
"""

from __future__ import annotations

from intake.reading.result import CharRead

COMMON_DOMAINS: frozenset[str] = frozenset(
    {
        "GMAIL.COM",
        "GOOGLEMAIL.COM",
        "HOTMAIL.COM",
        "HOTMAIL.CO.UK",
        "OUTLOOK.COM",
        "LIVE.COM",
        "LIVE.CO.UK",
        "YAHOO.COM",
        "YAHOO.CO.UK",
        "ICLOUD.COM",
        "ME.COM",
        "AOL.COM",
        "BTINTERNET.COM",
        "SKY.COM",
        "TALKTALK.NET",
        "VIRGINMEDIA.COM",
        "MSN.COM",
        "PROTONMAIL.COM",
        "EXAMPLE.COM",
        "EXAMPLE.ORG",
        "EXAMPLE.NET",
    }
)
#: how much likelier a known domain is than an unknown one, a priori
KNOWN_DOMAIN_ODDS = 20.0
#: share of misreadings of an unknown domain that happen to spell a known one
UNKNOWN_SHARE = 0.1
#: a character read this doubtfully (a full stop in a box with no ink to speak of, a faint
#: glyph) may be any other: what its guesses leave unlisted is shared by this many characters
#: (on the validation forms, 843 -> 832 character errors: an L too faint to count as ink)
DOUBTFUL = 0.5
SHARED_BY = 40


def _domain_span(chars: tuple[CharRead, ...]) -> tuple[int, int] | None:
    text = [c.char for c in chars]
    if "@" not in text:
        return None
    start = len(text) - text[::-1].index("@")
    end = start
    while end < len(text) and text[end]:
        end += 1
    return (start, end) if end > start else None


def weigh_domain(chars: tuple[CharRead, ...]) -> tuple[CharRead, ...]:
    """The characters after ``@`` moved to the likeliest known domain that their guesses allow
    (at most two characters changed), with confidences from that evidence; else unchanged."""
    span = _domain_span(chars)
    if span is None:
        return chars
    start, end = span
    read = chars[start:end]
    best: tuple[float, str] | None = None
    for domain in COMMON_DOMAINS:
        if len(domain) != len(read):
            continue
        likelihood, changed = 1.0, 0
        for char, want in zip(read, domain, strict=True):
            if char.char == want:
                likelihood *= char.confidence
                continue
            changed += 1
            offered = dict(char.alternatives).get(want)
            if offered is None and char.confidence <= DOUBTFUL:
                unlisted = 1.0 - char.confidence - sum(p for _, p in char.alternatives)
                offered = max(0.0, unlisted) / SHARED_BY or None
            if offered is None or changed > 2:
                likelihood = 0.0
                break
            likelihood *= offered
        if likelihood > 0 and (best is None or likelihood > best[0]):
            best = (likelihood, domain)
    if best is None:
        return chars
    as_read = 1.0
    for char in read:
        as_read *= char.confidence
    likelihood, domain = best
    read_text = "".join(c.char for c in read)
    # the rival: the domain is one we do not know; if what was read is itself a known domain,
    # that rival needs the reading to be wrong and still spell a known domain: small
    unknown = as_read if read_text not in COMMON_DOMAINS else (1.0 - as_read) * UNKNOWN_SHARE
    posterior = KNOWN_DOMAIN_ODDS * likelihood / (KNOWN_DOMAIN_ODDS * likelihood + unknown)
    per_char = posterior ** (1 / len(read))
    moved = tuple(
        CharRead(
            want,
            round(per_char, 4),
            c.alternatives if c.char == want else ((c.char, c.confidence),),
        )
        for c, want in zip(read, domain, strict=True)
    )
    return chars[:start] + moved + chars[end:]
