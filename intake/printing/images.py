"""PNG pictures of the blank form's pages (for the README and for a quick look)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from intake.config import School
from intake.errors import InputFileError
from intake.printing.render import render_page_image
from intake.template.model import FormTemplate

#: colours kept in a page picture: enough for the pink boxes and smooth text, small files
_PALETTE_COLOURS = 24


def write_page_pngs(
    template: FormTemplate, school: School, out_dir: Path, dpi: int = 100, serial: str = ""
) -> list[Path]:
    """Write ``form-page<N>.png`` for each page of the form into ``out_dir``; return the paths."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputFileError(f"cannot create the picture folder {out_dir}: {exc}") from exc
    written = []
    for page in template.pages:
        bgr = render_page_image(template, page.number, school, dpi=dpi, serial=serial, colour=True)
        picture = Image.fromarray(bgr[:, :, ::-1].copy(), "RGB").quantize(_PALETTE_COLOURS)
        path = out_dir / f"form-page{page.number}.png"
        try:
            picture.save(path, optimize=True)
        except OSError as exc:
            raise InputFileError(f"cannot write {path}: {exc}") from exc
        written.append(path)
    return written
