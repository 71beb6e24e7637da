"""Hostile files built by hand, byte by byte: PDFs whose pages lie about their size, images whose
headers claim more than a page needs. Shared by the reading and the security tests."""

from __future__ import annotations

import io

from PIL import Image

A4_BOX = "/MediaBox[0 0 595 842]"


#: the EICAR anti-virus test file (eicar.org), in two parts so that this source file is not
#: itself flagged by a developer's antivirus
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def pdf_with_pages(
    *page_entries: str,
    catalog: str = "",
    streams: tuple[bytes, ...] = (),
    stream_filter: str = "/Filter/FlateDecode",
) -> bytes:
    """A valid PDF (with an xref table) of empty pages, each with the dictionary entries given,
    e.g. ``"/MediaBox[0 0 4600 4600]"``. ``catalog`` is added to the document catalog;
    ``streams`` (raw stream data, e.g. a FlateDecode body; ``stream_filter=""``: uncompressed)
    become objects numbered from ``3 + len(page_entries)``, for the entries to refer to."""
    objects = [b"<</Type/Catalog/Pages 2 0 R" + catalog.encode() + b">>", b""]
    kids = []
    for number, entries in enumerate(page_entries, start=3):
        kids.append(f"{number} 0 R".encode())
        objects.append(b"<</Type/Page/Parent 2 0 R" + entries.encode() + b">>")
    objects[1] = b"<</Type/Pages/Kids[" + b" ".join(kids) + b"]/Count %d>>" % len(page_entries)
    for data in streams:
        objects.append(
            b"<</Length %d" % len(data)
            + stream_filter.encode()
            + b">>stream\n"
            + data
            + b"\nendstream"
        )
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj" % number + body + b"endobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def pdf_with_content(content: bytes) -> bytes:
    """A one-page A4 PDF whose page content stream is ``content``, uncompressed."""
    return pdf_with_pages(A4_BOX + "/Contents 4 0 R", streams=(content,), stream_filter="")


def a4_then_huge_pages() -> bytes:
    """The file of issue 20: an A4 first page, then three 4600 x 4600 pt pages (2.9 GB once)."""
    return pdf_with_pages(A4_BOX, *["/MediaBox[0 0 4600 4600]"] * 3)


def small_cropbox_huge_mediabox() -> bytes:
    """pdfinfo's "Page size" shows the CropBox (A4) but pdftoppm renders the MediaBox."""
    return pdf_with_pages("/MediaBox[0 0 4600 4600]/CropBox[0 0 595 842]")


def png_of(width: int, height: int, mode: str = "RGB") -> bytes:
    """A real, fully decodable PNG (white with a few lines, so it compresses to little)."""
    picture = Image.new(mode, (width, height), "white" if mode != "1" else 1)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def many_scan_jpeg(scans: int = 8000, size: tuple[int, int] = (2000, 2000)) -> bytes:
    """A progressive JPEG whose last scan is repeated until it has ``scans`` scans: the JPEG
    "CPU bomb". At 2000x2000 every scan is a pass over 4 megapixels: the default's 170 KB take
    Pillow about 30 s to decode (2,000 scans took 7.4 s on the development machine)."""
    buffer = io.BytesIO()
    Image.new("L", size, 200).save(buffer, "JPEG", progressive=True, quality=90)
    data = buffer.getvalue()
    last_scan = data.rfind(b"\xff\xda")
    end = data.rfind(b"\xff\xd9")
    head, tail = data[:last_scan], data[last_scan:end]
    have = data.count(b"\xff\xda")
    return head + tail * (scans - have + 1) + b"\xff\xd9"
