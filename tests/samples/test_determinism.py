"""Same seed, same bytes; another seed, other forms."""

from __future__ import annotations

import hashlib
from pathlib import Path

from intake.lab.samples.generate import generate_samples
from intake.lab.samples.truth import load_truths

from .helpers import options


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


def test_same_seed_gives_identical_files_on_one_or_two_processes(
    tmp_path: Path, small_roster_csv: Path
) -> None:
    first = generate_samples(options(tmp_path / "a", small_roster_csv, batch_pdf=True))
    second = generate_samples(options(tmp_path / "b", small_roster_csv, batch_pdf=True, workers=2))
    a, b = _digests(first.out), _digests(second.out)
    # the README quotes the command, whose --out differs; everything else must be identical
    readme_a = a.pop("README.md")
    readme_b = b.pop("README.md")
    assert readme_a != readme_b
    text = (second.out / "README.md").read_text("utf-8").replace(str(second.out), str(first.out))
    assert text == (first.out / "README.md").read_text("utf-8")
    assert any(name.endswith((".jpg", ".png")) for name in a)
    assert "batch.pdf" in a and "manifest.json" in a
    assert a == b
    assert load_truths(first.out) == load_truths(second.out)


def test_another_seed_gives_other_forms(tmp_path: Path, small_roster_csv: Path) -> None:
    first = generate_samples(options(tmp_path / "a", small_roster_csv, count=2))
    other = generate_samples(options(tmp_path / "b", small_roster_csv, count=2, seed=12))
    assert [t.to_json() for t in first.truths] != [t.to_json() for t in other.truths]
    image = "form-0001-p1"
    a = next(first.out.glob(f"{image}.*")).read_bytes()
    b = next(other.out.glob(f"{image}.*")).read_bytes()
    assert a != b
