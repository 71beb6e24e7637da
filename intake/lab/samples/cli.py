"""``intake samples``: generate filled, scanned sample forms with their ground truth."""

from __future__ import annotations

from pathlib import Path

import click

from intake.lab.samples.generate import SampleOptions, generate_samples
from intake.lab.samples.scan import BW_PDF_SHARE, PHOTO_RATE
from intake.progress import TerminalProgress


@click.command("samples")
@click.option(
    "--count",
    type=click.IntRange(1, 100_000),
    default=12,
    show_default=True,
    help="How many forms to fill and scan.",
)
@click.option(
    "--seed",
    type=int,
    default=2026,
    show_default=True,
    help="Same seed and options, same files byte for byte.",
)
@click.option(
    "--fonts",
    "fonts",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of handwriting fonts (TTF/OTF/WOFF). Default: Debian's handwriting fonts.",
)
@click.option(
    "--glyphs",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of real handwritten character images, a folder per character "
    "(as ../shared/handwriting/train); punctuation falls back to a font.",
)
@click.option(
    "--roster",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Roster CSV to fill forms from. Default: a demo roster made from the seed, "
    "written to OUT/roster.csv.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for page images, truths, roster.csv and manifest.json.",
)
@click.option(
    "--batch-pdf",
    is_flag=True,
    help="Also write OUT/batch.pdf: the scanned forms as one copier PDF, with blank "
    "backs and a few forms with page 2 first.",
)
@click.option(
    "--dpi",
    type=click.IntRange(100, 600),
    help="Scan resolution for every form. Default: 200, 240 or 300 per form.",
)
@click.option(
    "--bw-pdf-share",
    type=click.FloatRange(0.0, 1.0),
    default=BW_PDF_SHARE,
    show_default=True,
    help="Share of black-and-white scans sent as bi-tonal 300 dpi CCITT G4 PDFs, as copiers do.",
)
@click.option(
    "--workers", type=click.IntRange(1, 16), default=2, show_default=True, help="Processes to use."
)
@click.option(
    "--photos",
    "photo_rate",
    type=click.FloatRange(0.0, 1.0),
    default=PHOTO_RATE,
    show_default=True,
    help="Share of forms sent as phone photos (uneven light, shadows) rather than scans.",
)
def samples(
    count: int,
    seed: int,
    fonts: Path | None,
    glyphs: Path | None,
    roster: Path | None,
    out: Path,
    batch_pdf: bool,
    dpi: int | None,
    bw_pdf_share: float,
    workers: int,
    photo_rate: float,
) -> None:
    """Fill forms for families of the roster as parents do, then simulate the scan."""
    options = SampleOptions(
        out=out,
        count=count,
        seed=seed,
        fonts=fonts,
        glyphs=glyphs,
        roster=roster,
        batch_pdf=batch_pdf,
        dpi=dpi,
        workers=workers,
        bw_pdf_share=bw_pdf_share,
        photo_rate=photo_rate,
    )
    result = generate_samples(options, TerminalProgress())
    with_problems = sum(1 for t in result.truths if t.problems)
    click.echo(
        f"{len(result.truths)} forms in {out} ({with_problems} with problems), "
        f"{result.seconds:.1f} s, {result.seconds_per_form:.2f} s per form"
        + (f"; batch.pdf has {result.batch_pages} pages" if batch_pdf else "")
    )
