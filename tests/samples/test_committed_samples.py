"""The committed ``samples/`` folder is what its documented command makes.

Only the first two forms are remade (each form depends only on the seed, its index and the
roster), and only their truths are compared: the images also depend on the printed form's layout,
which may move. If this fails after a deliberate change to the generator, regenerate the folder
with the command in ``samples/README.md``.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from intake import PROJECT_ROOT
from intake.lab.samples.generate import SampleOptions, generate_samples
from intake.lab.samples.truth import FormTruth

SAMPLES = PROJECT_ROOT / "samples"


@pytest.mark.slow
def test_first_forms_of_the_committed_samples_regenerate(tmp_path: Path) -> None:
    manifest = json.loads((SAMPLES / "manifest.json").read_text("utf-8"))
    options = SampleOptions(
        out=tmp_path,
        count=2,
        seed=manifest["seed"],
        roster=SAMPLES / "roster.csv",
        batch_pdf=manifest["batch"] is not None,
        dpi=int(manifest["dpi"]),
        workers=1,
        # sets made before black and white went out as G4 PDFs have none
        bw_pdf_share=float(manifest.get("bw_pdf_share", 0.0)),
    )
    made = generate_samples(options)
    for truth in made.truths:
        committed = FormTruth.load(SAMPLES / f"{truth.form_id}.json")
        assert dataclasses.asdict(truth) == dataclasses.asdict(committed), truth.form_id
