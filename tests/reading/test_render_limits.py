"""Resource limits of ingest: every PDF page's size checked before any page is rendered, the
renderer's memory bounded, images reduced or refused from their headers, strict type sniffing,
and a measured memory peak for the worst files."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image
from security.hostile_files import (
    A4_BOX,
    a4_then_huge_pages,
    pdf_with_pages,
    png_of,
    small_cropbox_huge_mediabox,
)

from intake.config import Limits
from intake.reading import poppler
from intake.reading.ingest import PageFailure, PageImage, iter_pages, sniff_type

#: the process ceiling of issue 20: no single file may take the reader past this
PROCESS_CEILING_MB = 600


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_huge_later_page_refuses_the_file_before_page_one_is_rendered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, "scan.pdf", a4_then_huge_pages())
    rendered: list[int] = []
    real_render = poppler.render_page

    def spy(path: Path, number: int, dpi: int, limits: Limits):  # type: ignore[no-untyped-def]
        rendered.append(number)
        return real_render(path, number, dpi, limits)

    monkeypatch.setattr(poppler, "render_page", spy)
    items = list(iter_pages(path, Limits()))
    assert len(items) == 1 and isinstance(items[0], PageFailure)
    assert items[0].whole_file
    assert items[0].reason.startswith("page 2 of the PDF is 4600 x 4600 pt, too large")
    assert rendered == []


def test_a_small_cropbox_does_not_hide_a_huge_mediabox(tmp_path: Path) -> None:
    path = _write(tmp_path, "scan.pdf", small_cropbox_huge_mediabox())
    (item,) = list(iter_pages(path, Limits()))
    assert isinstance(item, PageFailure)
    assert "page 1 of the PDF is 4600 x 4600 pt" in item.reason


def test_every_page_size_is_read(tmp_path: Path) -> None:
    path = _write(tmp_path, "scan.pdf", pdf_with_pages(A4_BOX, "/MediaBox[0 0 842 1191]"))
    layout = poppler.inspect_pdf(path, Limits())
    assert layout.pages == 2
    assert [(s.number, s.width_pt, s.height_pt) for s in layout.sizes] == [
        (1, 595, 842),
        (2, 842, 1191),
    ]


def test_a_large_page_is_rendered_at_a_lower_dpi(tmp_path: Path) -> None:
    # A1 (1684 x 2384 pt) is 31 MP at 200 dpi: under the refusal cap, over the reading size
    path = _write(tmp_path, "scan.pdf", pdf_with_pages(A4_BOX, "/MediaBox[0 0 1684 2384]"))
    limits = Limits()
    a4, a2 = list(iter_pages(path, limits))
    assert isinstance(a4, PageImage) and a4.dpi == limits.render_dpi
    assert isinstance(a2, PageImage) and a2.dpi is not None and a2.dpi < limits.render_dpi
    assert a2.image.shape[0] * a2.image.shape[1] <= limits.reduce_above_megapixels * 1e6


def test_a_render_over_the_memory_limit_is_a_page_failure(tmp_path: Path) -> None:
    # A4 at 600 dpi is 35 MP: pdftoppm needs over 100 MB for it, pdfinfo far less
    path = _write(tmp_path, "scan.pdf", pdf_with_pages(A4_BOX, A4_BOX))
    before = path.read_bytes()
    limits = Limits(render_dpi=600, reduce_above_megapixels=40, renderer_memory_mb=64)
    items = list(iter_pages(path, limits))
    assert [type(i) for i in items] == [PageFailure, PageFailure]
    assert items[0].reason == (
        "page 1 of the PDF needs more memory to render than the limit of 64 MB allows"
    )
    assert not any(i.whole_file for i in items if isinstance(i, PageFailure))
    assert path.read_bytes() == before


def test_the_memory_limit_applies_to_the_renderer_only(tmp_path: Path) -> None:
    path = _write(tmp_path, "scan.pdf", pdf_with_pages(A4_BOX))
    (item,) = list(iter_pages(path, Limits(renderer_memory_mb=256)))
    assert isinstance(item, PageImage) and item.image.shape == (2339, 1653, 3)


def test_a_large_image_is_reduced_while_decoded(tmp_path: Path) -> None:
    path = tmp_path / "scan.png"
    Image.new("L", (5000, 7000), 255).save(path, dpi=(600, 600))  # 35 MP
    (item,) = list(iter_pages(path, Limits()))
    assert isinstance(item, PageImage)
    assert item.image.shape == (3500, 2500)  # grey stays grey
    assert item.dpi == pytest.approx(300, rel=1e-3)


def test_a_large_jpeg_is_decoded_reduced(tmp_path: Path) -> None:
    path = tmp_path / "scan.jpg"
    Image.new("RGB", (5000, 7000), "white").save(path, quality=50)
    (item,) = list(iter_pages(path, Limits()))
    assert isinstance(item, PageImage)
    assert item.image.shape[0] * item.image.shape[1] <= 16e6
    assert item.image.shape[0] >= 3000


def test_a_huge_one_bit_tiff_is_refused_from_its_header(tmp_path: Path) -> None:
    path = tmp_path / "scan.tif"
    Image.new("1", (20000, 20000), 1).save(path, compression="group4")
    (item,) = list(iter_pages(path, Limits()))
    assert isinstance(item, PageFailure) and "megapixels" in item.reason


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3", "pdf"),
        (b"%PDF-2.0\n", "pdf"),
        (b"<!doctype html><p>%PDF-1.4</p><script>alert(1)</script>", None),
        (b"\n%PDF-1.4\n", None),
        (b"%PDF-<html>", None),
        (b"\x89PNG\r\n\x1a\n", "png"),
        (b"\x89PNG\r\n", None),
        (b"\xff\xd8\xff\xdb", "jpeg"),
        (b"MM\x00*", "tiff"),
        (b"II+\x00", None),  # BigTIFF: not accepted
    ],
)
def test_types_are_sniffed_from_byte_zero(head: bytes, kind: str | None) -> None:
    assert sniff_type(head) == kind


def test_a_pdf_with_a_late_header_is_refused_with_the_reason(tmp_path: Path) -> None:
    path = _write(tmp_path, "form.pdf", b"<html>" + b" " * 100 + b"%PDF-1.4\n" + b"x" * 100)
    (item,) = list(iter_pages(path, Limits()))
    assert isinstance(item, PageFailure)
    assert item.reason.endswith("a PDF must begin with %PDF-, and this one does not")


_MEASURE = """
import json, sys
from pathlib import Path
from intake.config import Limits
from intake.reading.ingest import PageImage, iter_pages
kinds = [type(i).__name__ for i in iter_pages(Path(sys.argv[1]), Limits())]
status = Path("/proc/self/status").read_text().splitlines()
hwm = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({"kb": hwm, "kinds": kinds}))
"""


def _peak_mb(path: Path) -> tuple[float, list[str]]:
    """Peak RSS of a fresh interpreter that ingests ``path``, and what it yielded. VmHWM, not
    ru_maxrss: Linux keeps ru_maxrss across exec, so a child of a large pytest process would
    report the parent's size."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)], capture_output=True, check=True, timeout=120
    )
    answer = json.loads(done.stdout)
    return answer["kb"] / 1024, answer["kinds"]


@pytest.mark.slow
def test_the_worst_files_stay_under_the_process_ceiling(tmp_path: Path) -> None:
    largest = replace(Limits())
    side = int((largest.max_image_megapixels * 1e6 * 0.99) ** 0.5)
    files = {
        "a4-then-4600pt.pdf": (a4_then_huge_pages(), ["PageFailure"]),
        "cropbox.pdf": (small_cropbox_huge_mediabox(), ["PageFailure"]),
        "60mp.png": (png_of(7000, 8572), ["PageFailure"]),
        "40mp.png": (png_of(side, side), ["PageImage"]),
    }
    for name, (data, expected) in files.items():
        peak, kinds = _peak_mb(_write(tmp_path, name, data))
        assert kinds == expected, name
        assert peak < PROCESS_CEILING_MB, f"{name}: {peak:.0f} MB"
