"""Trains the character model and writes the ONNX file and its JSON sidecar.

    python -m intake.lab.training.train --out intake/models/charnet.onnx [--epochs N] [--seed S]
        [--forms DIR]... [--form-repeats K]

Needs the ``train`` extra (PyTorch CPU build, onnx). The synthetic glyph sets are cached under
``--cache`` (default ``/tmp/intake-charnet-cache``), so a rerun with the same seed and sizes
trains on identical data. The epoch kept is the one with the best validation accuracy
(validation fonts and writers are never trained on); the confidence temperature is fitted on
the same validation set. Held-out fonts and ``handwriting/test`` are never touched here: measure
them with ``python -m intake.lab.training.evaluate``.

The shipped models were made by (about 40 minutes a model on 2 cores)::

    python -m intake.lab.training.makeforms --prepare /tmp/charnet-sources
    python -m intake samples --count 40 --seed 101 --workers 1 \
        --fonts /tmp/charnet-sources/train-fonts --out /tmp/forms-fonts
    python -m intake samples --count 60 --seed 103 --workers 1 \
        --fonts /tmp/charnet-sources/train-fonts --out /tmp/forms-fonts2
    python -m intake.lab.training.makeforms --count 40 --seed 202 \
        --glyphs /tmp/charnet-sources/train-glyphs --fonts /tmp/charnet-sources/train-fonts \
        --out /tmp/forms-glyphs
    python -m intake.lab.training.makeforms --count 60 --seed 204 \
        --glyphs /tmp/charnet-sources/train-glyphs --fonts /tmp/charnet-sources/train-fonts \
        --out /tmp/forms-glyphs2
    python -m intake samples --count 60 --seed 105 --workers 1 \
        --fonts /tmp/charnet-sources/train-fonts --out /tmp/forms-fonts3
    python -m intake.lab.training.makeforms --count 60 --seed 206 \
        --glyphs /tmp/charnet-sources/train-glyphs --fonts /tmp/charnet-sources/train-fonts \
        --out /tmp/forms-glyphs3
    python -m intake.lab.training.train --out intake/models/charnet.onnx --epochs 7 --width 32 \
        --threads 2 --forms /tmp/forms-fonts --forms /tmp/forms-glyphs \
        --forms /tmp/forms-fonts2 --forms /tmp/forms-glyphs2 \
        --forms /tmp/forms-fonts3 --forms /tmp/forms-glyphs3 --form-repeats 2
    python -m intake.lab.training.train --out intake/models/charnet-seed8.onnx --seed 8 --epochs 7 \
        --width 32 --threads 2 --forms /tmp/forms-fonts --forms /tmp/forms-glyphs \
        --forms /tmp/forms-fonts2 --forms /tmp/forms-glyphs2 \
        --forms /tmp/forms-fonts3 --forms /tmp/forms-glyphs3 --form-repeats 2

(the second model, from another seed, gives the engine a second opinion on doubtful glyphs; the
sidecar records the epochs, width, seed and form folders actually used).
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import logging
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from intake.engines.base import ALL_CHARS
from intake.engines.glyph import INPUT_HEIGHT, INPUT_WIDTH
from intake.lab.training import fonts
from intake.lab.training.dataset import DATA_VERSION, SOURCE_MIX, GlyphSet, cached
from intake.lab.training.formcrops import harvest
from intake.lab.training.model import CharNet

log = logging.getLogger("intake.lab.training.train")

BATCH = 128


def _tensors(glyphs: GlyphSet) -> tuple[torch.Tensor, torch.Tensor]:
    inputs = torch.from_numpy(glyphs.inputs.astype(np.float32) / 255.0).unsqueeze(1)
    return inputs, torch.from_numpy(glyphs.labels)


@torch.no_grad()
def _logits(model: nn.Module, inputs: torch.Tensor) -> torch.Tensor:
    model.eval()
    return torch.cat([model(inputs[i : i + 1024]) for i in range(0, len(inputs), 1024)])


def _shift(batch: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random shifts of up to 2 px: cheap extra position variety on top of the cached set."""
    dy, dx = (int(v) for v in torch.randint(-2, 3, (2,), generator=generator))
    return torch.roll(batch, shifts=(dy, dx), dims=(2, 3))


def _with_form_crops(glyphs: GlyphSet, forms_dir: Path, cache: Path, repeats: int) -> GlyphSet:
    """Add the boxes of generated sample forms (training handwriting only), ``repeats`` times."""
    truths = len(list(forms_dir.glob("form-*.json")))
    path = cache / f"forms-v{DATA_VERSION}-{forms_dir.name}-{truths}.npz"
    if path.exists():
        crops = GlyphSet.load(path)
    else:
        crops = GlyphSet(*harvest(forms_dir))
        crops.save(path)
    log.info("%d form crops from %s", len(crops.labels), forms_dir.name)
    if not len(crops.labels):
        return glyphs
    return GlyphSet(
        np.concatenate([glyphs.inputs, *[crops.inputs] * repeats]),
        np.concatenate([glyphs.labels, *[crops.labels] * repeats]),
    )


def fit_temperature(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """The softmax temperature that minimises validation negative log-likelihood."""
    best, best_loss = 1.0, float("inf")
    for temperature in np.arange(0.5, 3.01, 0.05):
        loss = float(nn.functional.cross_entropy(logits / temperature, labels))
        if loss < best_loss:
            best, best_loss = float(temperature), loss
    return round(best, 2)


def train(args: argparse.Namespace) -> None:
    """Build data, train, choose the epoch, calibrate, export."""
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    cache = Path(args.cache)
    started = time.monotonic()
    stem = f"v{DATA_VERSION}-{args.seed}"
    train_set = cached(cache / f"train-{stem}-{args.count}.npz", args.count, args.seed, False)
    val_set = cached(
        cache / f"val-{stem}-{args.val_count}.npz", args.val_count, args.seed + 1, True
    )
    for forms_dir in args.forms:
        train_set = _with_form_crops(train_set, Path(forms_dir), cache, args.form_repeats)
    log.info("data ready in %.0f s (%d samples)", time.monotonic() - started, len(train_set.labels))
    train_x, train_y = _tensors(train_set)
    val_x, val_y = _tensors(val_set)

    model = CharNet(len(ALL_CHARS), args.width)
    optimiser = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    steps = args.epochs * (len(train_x) // BATCH)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, args.lr, total_steps=steps)
    generator = torch.Generator().manual_seed(args.seed)
    best_state, best_accuracy, best_epoch = copy.deepcopy(model.state_dict()), -1.0, 0
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = torch.randperm(len(train_x), generator=generator)
        for start in range(0, len(order) - BATCH + 1, BATCH):
            index = order[start : start + BATCH]
            batch = _shift(train_x[index], generator)
            loss = nn.functional.cross_entropy(model(batch), train_y[index], label_smoothing=0.05)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
        accuracy = float((_logits(model, val_x).argmax(1) == val_y).float().mean())
        log.info(
            "epoch %d: loss %.3f, validation accuracy %.4f (%.0f s)",
            epoch,
            float(loss.detach()),
            accuracy,
            time.monotonic() - started,
        )
        if accuracy > best_accuracy:
            best_state, best_accuracy, best_epoch = (
                copy.deepcopy(model.state_dict()),
                accuracy,
                epoch,
            )
    model.load_state_dict(best_state)
    temperature = fit_temperature(_logits(model, val_x), val_y)
    _export(model, Path(args.out), args, best_epoch, best_accuracy, temperature)
    log.info(
        "wrote %s (epoch %d, validation %.4f, T=%.2f) in %.0f s",
        args.out,
        best_epoch,
        best_accuracy,
        temperature,
        time.monotonic() - started,
    )


def _export(
    model: nn.Module,
    out: Path,
    args: argparse.Namespace,
    epoch: int,
    accuracy: float,
    temperature: float,
) -> None:
    model.eval()
    out.parent.mkdir(parents=True, exist_ok=True)
    example = torch.zeros(1, 1, INPUT_HEIGHT, INPUT_WIDTH)
    torch.onnx.export(
        model,
        (example,),
        str(out),
        input_names=["glyphs"],
        output_names=["logits"],
        dynamic_axes={"glyphs": {0: "batch"}, "logits": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )
    sidecar = {
        "model": "charnet",
        "classes": ALL_CHARS,
        "input": {
            "height": INPUT_HEIGHT,
            "width": INPUT_WIDTH,
            "layout": "NCHW",
            "preprocess": "intake.engines.glyph.glyph_to_input (ink 1.0 on paper 0.0)",
        },
        "temperature": temperature,
        "validation_accuracy": round(accuracy, 4),
        "epoch": epoch,
        "training": {
            "epochs": args.epochs,
            "seed": args.seed,
            "samples": args.count,
            "validation_samples": args.val_count,
            "width": args.width,
            "lr": args.lr,
            "source_mix_letters_digits": SOURCE_MIX,
            "fonts": [p.name for p in fonts.training_fonts()],
            "validation_fonts": sorted(fonts.VALIDATION_FONT_NAMES),
            "held_out_fonts_never_used": [p.name for p in fonts.held_out_fonts()],
            "handwriting": "shared/handwriting/train, writers split by is_validation_writer",
            "sample_forms": [Path(d).name for d in args.forms],
            "form_repeats": args.form_repeats,
            "torch": torch.__version__,
        },
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d"),
    }
    out.with_suffix(".json").write_text(json.dumps(sidecar, indent=2) + "\n")


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="intake/models/charnet.onnx")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--count", type=int, default=90_000, help="training samples")
    parser.add_argument("--val-count", type=int, default=6_000, help="validation samples")
    parser.add_argument("--width", type=int, default=24, help="channels of the first stage")
    parser.add_argument("--lr", type=float, default=3e-3)
    # one thread: on a busy shared 2-core machine it trained ~4x more samples per CPU second
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--cache", default="/tmp/intake-charnet-cache")
    parser.add_argument(
        "--forms",
        action="append",
        default=[],
        help="folder written by `intake samples` with TRAINING handwriting (repeatable)",
    )
    parser.add_argument("--form-repeats", type=int, default=2, help="copies of each form crop")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    train(args)


if __name__ == "__main__":
    main()
