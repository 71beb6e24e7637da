"""The copier's multi-page PDF: scanned page images laid one per PDF page at their scan size.

A copier's PDF is nothing but images, so this writes the few PDF objects itself: JPEG pages go in
as they are (DCTDecode, no re-encoding), black-and-white pages as 1-bit CCITT G4 images, as copiers
store them (libtiff's encoder, through Pillow, writes the G4 stream). ``page_pdf`` writes one
scanned page as a one-page PDF, the way a copier e-mails a black-and-white scan. There are no
dates or random ids in the file, so the same pages give the same bytes.
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, TiffImagePlugin

POINTS_PER_INCH = 72.0


@dataclass(frozen=True)
class BatchEntry:
    """One page of the batch: an image file (relative to the samples folder) and whose it is."""

    file: str
    form_id: str
    page_number: int
    blank: bool  # the blank back of that page's sheet
    dpi: int  # the scan's resolution, which sets the PDF page size


def _g4(image: Image.Image) -> bytes:
    """The CCITT G4 code of a 1-bit image: one strip of a Group 4 TIFF, written by libtiff."""
    buffer = io.BytesIO()
    image.save(buffer, format="TIFF", compression="group4", tiffinfo={278: image.height})
    with TiffImagePlugin.TiffImageFile(io.BytesIO(buffer.getvalue())) as tiff:
        offsets, counts = tiff.tag_v2[273], tiff.tag_v2[279]  # strip offsets and byte counts
    if len(offsets) != 1:
        raise ValueError("the G4 TIFF came out in several strips")
    return buffer.getvalue()[offsets[0] : offsets[0] + counts[0]]


def _scanned_image(data: bytes) -> Image.Image:
    """The page image inside a one-page PDF that ``page_pdf`` wrote (its one image XObject)."""
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        (xobject,) = pdf.pages[0].obj.Resources.XObject.values()
        if not isinstance(xobject, pikepdf.Stream):
            raise ValueError("not a page that page_pdf wrote")
        image = pikepdf.PdfImage(xobject).as_pil_image()
    image.load()
    return image


def _image_object(data: bytes) -> tuple[bytes, int, int]:
    """The image XObject (dictionary and stream) for one page file, with its pixel size."""
    opened = _scanned_image(data) if data.startswith(b"%PDF-") else Image.open(io.BytesIO(data))
    with opened as image:
        width, height = image.size
        if image.format == "JPEG":
            space = "/DeviceGray" if image.mode == "L" else "/DeviceRGB"
            head = (
                f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} "
                f"/ColorSpace {space} /BitsPerComponent 8 /Filter /DCTDecode "
                f"/Length {len(data)} >>"
            )
            return head.encode() + b"\nstream\n" + data + b"\nendstream", width, height
        if image.mode == "1":
            # Pillow writes 1-bit TIFFs min-is-black, so the G4 code has black as 1
            code = _g4(image)
            head = (
                f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} "
                f"/ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /CCITTFaxDecode "
                f"/DecodeParms << /K -1 /Columns {width} /Rows {height} /BlackIs1 true >> "
                f"/Length {len(code)} >>"
            )
            return head.encode() + b"\nstream\n" + code + b"\nendstream", width, height
        if image.mode == "L":
            bits, depth, space = image.tobytes(), 8, "/DeviceGray"
        else:
            bits, depth, space = image.convert("RGB").tobytes(), 8, "/DeviceRGB"
    packed = zlib.compress(bits, 6)
    head = (
        f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} "
        f"/ColorSpace {space} /BitsPerComponent {depth} /Filter /FlateDecode "
        f"/Length {len(packed)} >>"
    )
    return head.encode() + b"\nstream\n" + packed + b"\nendstream", width, height


def page_pdf(data: bytes, dpi: int) -> bytes:
    """One scanned page file (PNG or JPEG bytes) as a one-page PDF at ``dpi``."""
    return _pdf_bytes([(data, dpi)])


def write_batch_pdf(folder: Path, entries: list[BatchEntry], target: Path) -> int:
    """Write ``entries`` as one PDF page each into ``target``; return the page count."""
    pages = [((folder / entry.file).read_bytes(), entry.dpi) for entry in entries]
    target.write_bytes(_pdf_bytes(pages))
    return len(entries)


def _pdf_bytes(pages: list[tuple[bytes, int]]) -> bytes:
    """A PDF of one page per (image file bytes, dpi), each image filling its page."""
    # object numbers: 1 catalog, 2 page tree, then per page: page, contents, image
    objects: dict[int, bytes] = {1: b"<< /Type /Catalog /Pages 2 0 R >>"}
    kids = []
    for index, (data, dpi) in enumerate(pages):
        page_no, content_no, image_no = 3 + 3 * index, 4 + 3 * index, 5 + 3 * index
        image, width_px, height_px = _image_object(data)
        width = width_px * POINTS_PER_INCH / dpi
        height = height_px * POINTS_PER_INCH / dpi
        draw = f"q {width:.2f} 0 0 {height:.2f} 0 0 cm /Im0 Do Q".encode()
        objects[page_no] = (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width:.2f} {height:.2f}] "
            f"/Resources << /XObject << /Im0 {image_no} 0 R >> >> /Contents {content_no} 0 R >>"
        ).encode()
        objects[content_no] = (
            f"<< /Length {len(draw)} >>\nstream\n".encode() + draw + b"\nendstream"
        )
        objects[image_no] = image
        kids.append(f"{page_no} 0 R")
    objects[2] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(pages)} >>".encode()
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += f"{number} 0 obj\n".encode() + objects[number] + b"\nendobj\n"
    xref = len(out)
    size = max(objects) + 1
    out += f"xref\n0 {size}\n0000000000 65535 f \n".encode()
    for number in range(1, size):
        out += f"{offsets[number]:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {size} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
