"""PDF pages as copiers and other tools write them, built with pikepdf for the ingest tests: one
image over the page (CCITT G4, JPEG, Flate), turned by /Rotate, placed off the page, with text
over it, or claiming more pixels than any page needs."""

from __future__ import annotations

import io

import numpy as np
import pikepdf
from PIL import Image, ImageDraw

from intake.lab.samples.batch import page_pdf


def bitonal_scan(width: int = 1240, height: int = 1754, seed: int = 1) -> np.ndarray:
    """A bi-tonal page (``uint8``, 0 or 255): ruled boxes, blocks of ink, and a mark in the top
    left corner only, so that any turn or mirror of it shows."""
    rng = np.random.default_rng(seed)
    page = np.full((height, width), 255, np.uint8)
    page[60:160, 60:110] = 0
    page[60:90, 60:260] = 0
    for top in range(300, height - 200, 90):
        for left in range(100, width - 150, 70):
            page[top : top + 60, left] = 0
            page[top : top + 60, left + 48] = 0
            page[top, left : left + 49] = 0
            page[top + 59, left : left + 49] = 0
    specks = rng.integers(0, [height, width], size=(400, 2))
    page[specks[:, 0], specks[:, 1]] = 0
    return page


def png_bytes(pixels: np.ndarray, mode: str) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).convert(mode).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes(pixels: np.ndarray, mode: str = "L", quality: int = 85) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).convert(mode).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def g4_pdf(pixels: np.ndarray, dpi: int) -> bytes:
    """A copier's black-and-white page: the 1-bit scan as CCITT G4, filling the page."""
    return page_pdf(png_bytes(pixels, "1"), dpi)


def edited(data: bytes, change: object) -> bytes:
    """``data`` after ``change(pdf, page)`` (a function) edited its first page."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        change(pdf, pdf.pages[0])  # type: ignore[operator]
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


def rotated(data: bytes, degrees: int) -> bytes:
    def turn(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
        page.obj.Rotate = degrees

    return edited(data, turn)


def with_text(data: bytes, text: str = "COPY") -> bytes:
    """The page with a line of Helvetica drawn over its image, as a scan-to-PDF stamp does."""

    def stamp(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
        font = pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
        page.obj.Resources.Font = pikepdf.Dictionary(F1=font)
        line = f"BT /F1 48 Tf 100 400 Td ({text}) Tj ET".encode()
        page.contents_add(pikepdf.Stream(pdf, line), prepend=False)

    return edited(data, stamp)


def on_larger_page(data: bytes, margin_pt: float) -> bytes:
    """The same image drawn where it was, on a page ``margin_pt`` wider and taller."""

    def grow(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
        x0, y0, x1, y1 = (float(v) for v in page.obj.MediaBox)
        page.obj.MediaBox = [x0, y0, x1 + margin_pt, y1 + margin_pt]

    return edited(data, grow)


def huge_image_pdf(width_px: int, height_px: int) -> bytes:
    """An A4 page drawing one CCITT image that claims ``width_px`` x ``height_px`` pixels, with
    a few bytes of code behind it: a decompression bomb if anything decoded it."""
    pdf = pikepdf.new()
    image = pikepdf.Stream(pdf, b"\x00" * 64)
    image.Type = pikepdf.Name.XObject
    image.Subtype = pikepdf.Name.Image
    image.Width, image.Height = width_px, height_px
    image.ColorSpace = pikepdf.Name.DeviceGray
    image.BitsPerComponent = 1
    image.Filter = pikepdf.Name.CCITTFaxDecode
    image.DecodeParms = pikepdf.Dictionary(K=-1, Columns=width_px, Rows=height_px)
    pdf.add_blank_page(page_size=(595, 842))
    page = pdf.pages[0]
    page.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    page.obj.Contents = pikepdf.Stream(pdf, b"q 595 0 0 842 0 0 cm /Im0 Do Q")
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def grey_scan(width: int = 1240, height: int = 1754) -> np.ndarray:
    """A grey page: a soft gradient with dark writing, as a grey copier scan looks."""
    picture = Image.new("L", (width, height), 235)
    draw = ImageDraw.Draw(picture)
    for top in range(200, height - 200, 120):
        draw.rectangle((100, top, width - 100, top + 70), outline=90, width=3)
        draw.text((130, top + 20), "JANE SMITH 07700 900123", fill=30)
    return np.asarray(picture)
