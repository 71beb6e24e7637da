"""The doorway to the PDF rasteriser (pdf2image over poppler) for the forms we print."""

from __future__ import annotations

import numpy as np
from pdf2image import convert_from_bytes
from pdf2image.exceptions import PDFInfoNotInstalledError, PDFPageCountError, PDFSyntaxError

from intake.errors import InputFileError

#: seconds poppler may take for one page before we give up
_TIMEOUT_S = 60


def rasterise_pdf_page(
    pdf: bytes, dpi: int = 300, colour: bool = False, page: int = 1
) -> np.ndarray:
    """Page ``page`` (1-based) of an in-memory PDF as uint8: grayscale (H, W) or BGR (H, W, 3)."""
    try:
        images = convert_from_bytes(
            pdf, dpi=dpi, first_page=page, last_page=page, grayscale=not colour, timeout=_TIMEOUT_S
        )
    except (PDFInfoNotInstalledError, PDFPageCountError, PDFSyntaxError) as exc:
        raise InputFileError(
            f"cannot rasterise the form PDF (is poppler installed?): {exc}"
        ) from exc
    if not images:
        raise InputFileError(f"the form PDF has no page {page}")
    image = images[0]
    if colour:
        rgb = np.asarray(image.convert("RGB"), dtype=np.uint8)
        return np.ascontiguousarray(rgb[:, :, ::-1])
    return np.asarray(image.convert("L"), dtype=np.uint8).copy()
