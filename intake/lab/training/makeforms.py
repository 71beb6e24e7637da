"""Generate sample forms written with real glyph images AND a chosen set of fallback fonts.

``intake samples --glyphs`` takes the punctuation and lower case it has no images for from
Debian's default handwriting fonts, which include the held-out ones; training data must not see
those. This wrapper runs the same generator with the fallback restricted to ``--fonts``:

    python -m intake.lab.training.makeforms --glyphs DIR --fonts DIR --out DIR --count N --seed S

``--prepare DIR`` instead writes the folders of links these commands need: ``DIR/train-fonts``
(training handwriting fonts, validation fonts left out), ``DIR/train-glyphs`` (handwriting/train
without the validation writers), ``DIR/val-fonts`` and ``DIR/val-glyphs`` (the handwriting
validation fonts and writers, for tuning on forms training never saw) and ``DIR/held-out-fonts``
(for measurement forms only).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from intake.lab.samples import generate
from intake.lab.samples.handwriting import fonts_in
from intake.lab.training import fonts
from intake.lab.training.sources import hand_samples, is_validation_writer


def _link(target: Path, link: Path) -> None:
    link.parent.mkdir(parents=True, exist_ok=True)
    if not link.is_symlink():
        link.symlink_to(target)


def prepare(directory: Path) -> None:
    """Write the link folders of training, validation and held-out fonts and writers."""
    for path in fonts.training_fonts():
        if fonts.is_handwriting(path):
            _link(path, directory / "train-fonts" / path.name)
    for path in fonts.validation_fonts():
        if fonts.is_handwriting(path):
            _link(path, directory / "val-fonts" / path.name)
    for path in fonts.held_out_fonts():
        _link(path, directory / "held-out-fonts" / path.name)
    for sample in hand_samples("train"):
        split = "val-glyphs" if is_validation_writer(sample) else "train-glyphs"
        _link(sample.path, directory / split / sample.char / sample.path.name)


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prepare", type=Path, help="write the link folders here and stop")
    parser.add_argument("--glyphs", type=Path)
    parser.add_argument("--fonts", type=Path, help="fallback fonts folder")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.prepare:
        prepare(args.prepare)
        return
    if not (args.glyphs and args.fonts and args.out):
        parser.error("--glyphs, --fonts and --out are needed (or --prepare DIR)")
    fallback = fonts_in(args.fonts)
    # the generator has no option for the fallback fonts: narrow its default list instead
    generate.default_fonts = lambda root=None: list(fallback)
    args.out.mkdir(parents=True, exist_ok=True)
    options = generate.SampleOptions(
        out=args.out, count=args.count, seed=args.seed, glyphs=args.glyphs, workers=1
    )
    result = generate.generate_samples(options)
    print(f"{len(result.truths)} forms in {args.out}")


if __name__ == "__main__":
    main()
