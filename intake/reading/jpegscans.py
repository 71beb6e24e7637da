"""Counting a JPEG's scans from its markers, before anything is decoded.

A progressive JPEG is decoded once per scan, and each scan may refine every coefficient of the
image: a few kilobytes holding thousands of tiny scans keep a decoder busy for minutes (the
"CPU bomb" of libjpeg-turbo's advisories, which its ``djpeg -maxscans`` exists to stop). Cameras,
phones and scanners write one scan (baseline) or about ten (progressive), so a file with more
than ``Limits.max_jpeg_scans`` is refused from its markers, which takes microseconds.

Only the segment structure is walked: the length of every marker segment is followed, and the
entropy-coded data after each start-of-scan is skipped to the next marker (``FF 00`` is a
stuffed byte and ``FF D0``-``FF D7`` are restart markers, both inside the data).
"""

from __future__ import annotations

import mmap

SOI, EOI, SOS = 0xD8, 0xD9, 0xDA
#: markers with no length field: restart markers, SOI, EOI and TEM
_STANDALONE = frozenset({*range(0xD0, 0xD8), SOI, EOI, 0x01})


def scan_count(data: bytes | mmap.mmap, stop_after: int | None = None) -> int:
    """The number of start-of-scan markers in ``data`` (0 when it is not a JPEG), counting no
    further than ``stop_after`` when that is given. A damaged tail ends the count where it is:
    the decoder will say the file is damaged."""
    if data[:2] != b"\xff\xd8":
        return 0
    scans, at, size = 0, 2, len(data)
    while at + 1 < size:
        if data[at] != 0xFF:
            at += 1  # garbage between segments: decoders skip it too
            continue
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte before a marker
            at += 1
            continue
        if marker == EOI:
            break
        if marker in _STANDALONE:
            at += 2
            continue
        if at + 3 >= size:
            break
        at += 2 + int.from_bytes(data[at + 2 : at + 4], "big")
        if marker != SOS:
            continue
        scans += 1
        if stop_after is not None and scans > stop_after:
            break
        at = _end_of_entropy_data(data, at)
    return scans


def _end_of_entropy_data(data: bytes | mmap.mmap, at: int) -> int:
    """Where the next marker that is not inside the entropy-coded data begins."""
    while True:
        at = data.find(b"\xff", at)
        if at < 0 or at + 1 >= len(data):
            return len(data)
        following = data[at + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            at += 1 if following == 0xFF else 2
            continue
        return at


def too_many_scans(data: bytes | mmap.mmap, limit: int) -> str:
    """The reason to refuse a JPEG with more than ``limit`` scans, or "" when it has no more."""
    count = scan_count(data, stop_after=limit)
    if count <= limit:
        return ""
    return (
        f"the JPEG is made of more than {limit} scans (a scanner or camera writes one to about "
        "ten): decoding it would take minutes, so it is refused; save the image again"
    )
