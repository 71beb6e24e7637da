"""The project's own character model, run with onnxruntime (no download at run time).

The ONNX files and their JSON sidecars live in ``intake/models``; ``python -m
intake.lab.training.train`` reproduces them. A model is loaded once per process and per file, and
reads a whole form's glyphs in one batch. Two models of the same recipe, trained from different
seeds, are shipped: the first reads every glyph, the second only the glyphs the first is unsure
of, and there the two models' probabilities are averaged (two models err apart more often than
together).
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort

from intake.engines.base import CharGuess
from intake.engines.glyph import INPUT_HEIGHT, INPUT_WIDTH, glyphs_to_batch
from intake.errors import EngineError
from intake.paths import package_path

log = logging.getLogger(__name__)

MODELS = package_path("intake", "models")
DEFAULT_MODEL = MODELS / "charnet.onnx"
#: the same recipe from another seed: a second opinion on doubtful glyphs
SECOND_MODEL = MODELS / "charnet-seed8.onnx"
#: glyphs the first model reads with less calibrated confidence than this get a second opinion
SECOND_OPINION_BELOW = 0.9
#: glyphs per onnxruntime call: a whole form at once, bounded so memory stays small
_CHUNK = 512


@dataclass(frozen=True)
class CharNetModel:
    """A loaded model: the onnxruntime session and what its sidecar says about it."""

    session: ort.InferenceSession
    classes: str
    temperature: float
    path: Path


@functools.lru_cache(maxsize=4)
def load_model(path: Path = DEFAULT_MODEL, threads: int = 1) -> CharNetModel:
    """Load the ONNX model and its sidecar once per process (cached by path and threads)."""
    sidecar_path = path.with_suffix(".json")
    try:
        sidecar = json.loads(sidecar_path.read_text())
    except (OSError, ValueError) as exc:
        raise EngineError(f"the character model description {sidecar_path} cannot be read") from exc
    size = sidecar.get("input", {})
    if (size.get("height"), size.get("width")) != (INPUT_HEIGHT, INPUT_WIDTH):
        raise EngineError(
            f"the character model {path.name} expects {size.get('width')}x{size.get('height')} "
            f"input, this code prepares {INPUT_WIDTH}x{INPUT_HEIGHT}: retrain or update"
        )
    classes, temperature = str(sidecar.get("classes", "")), float(sidecar.get("temperature", 1.0))
    if not classes or temperature <= 0:
        raise EngineError(f"the character model description {sidecar_path} is incomplete")
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    # onnxruntime's arena keeps the most each run ever needed, for each run at once, for the
    # life of the process (the worker threads share a session): without it a run's buffers go
    # back to the allocator, at no cost in speed for glyph batches this small
    options.enable_cpu_mem_arena = False
    options.enable_mem_pattern = False
    try:
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own untyped errors for missing/corrupt files
        raise EngineError(f"the character model {path} cannot be loaded") from exc
    log.info("loaded character model %s (%d classes)", path.name, len(classes))
    return CharNetModel(session, classes, temperature, path)


def _calibrated(model: CharNetModel, batch: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """One model's temperature-scaled probabilities, zero where ``allowed`` is False."""
    logits = np.concatenate(
        [
            model.session.run(None, {"glyphs": batch[i : i + _CHUNK]})[0]
            for i in range(0, len(batch), _CHUNK)
        ]
    ).astype(np.float64)
    logits = np.where(allowed, logits / model.temperature, -np.inf)
    logits -= logits.max(axis=1, keepdims=True)
    weights = np.exp(logits)
    return weights / weights.sum(axis=1, keepdims=True)


class CharNetEngine:
    """``CharEngine`` over the shipped CNN: alphabet-masked, temperature-calibrated guesses."""

    name = "charnet"

    def __init__(
        self,
        model_path: Path = DEFAULT_MODEL,
        alternatives: int = 3,
        threads: int = 1,
        second_path: Path | None = SECOND_MODEL,
    ) -> None:
        self.model = load_model(Path(model_path), threads)
        self.second = load_model(Path(second_path), threads) if second_path else None
        if self.second is not None and self.second.classes != self.model.classes:
            raise EngineError(f"the character models {model_path} and {second_path} disagree")
        self.alternatives = alternatives

    def _allowed(self, alphabet: str) -> np.ndarray:
        classes = self.model.classes
        unknown = sorted(set(alphabet) - set(classes))
        if not alphabet or unknown:
            raise EngineError(f"the character model cannot read the characters {unknown!r}")
        return np.array([c in alphabet for c in classes])

    def probabilities(self, glyphs: Sequence[np.ndarray], alphabet: str) -> np.ndarray:
        """Calibrated class probabilities ``(N, len(classes))``, zero outside ``alphabet``."""
        return self._masked(glyphs, [alphabet] * len(glyphs) if glyphs else [alphabet])

    def _masked(self, glyphs: Sequence[np.ndarray], alphabets: Sequence[str]) -> np.ndarray:
        masks = [self._allowed(alphabet) for alphabet in alphabets]
        if len(glyphs) == 0:
            return np.zeros((0, len(self.model.classes)), np.float32)
        allowed = np.stack(masks)
        batch = glyphs_to_batch(glyphs)
        probabilities = _calibrated(self.model, batch, allowed)
        if self.second is not None:
            doubtful = probabilities.max(axis=1) < SECOND_OPINION_BELOW
            if doubtful.any():
                second = _calibrated(self.second, batch[doubtful], allowed[doubtful])
                probabilities[doubtful] = (probabilities[doubtful] + second) / 2
        return probabilities

    def _guesses(self, probabilities: np.ndarray) -> list[CharGuess]:
        classes = self.model.classes
        guesses = []
        for row in probabilities:
            order = np.argsort(-row)[: self.alternatives + 1]
            others = tuple((classes[i], float(row[i])) for i in order[1:] if row[i] > 0)
            guesses.append(CharGuess(classes[order[0]], float(row[order[0]]), others))
        return guesses

    def classify(self, glyphs: Sequence[np.ndarray], alphabet: str) -> list[CharGuess]:
        """One guess per glyph, each within ``alphabet``, with the next best as alternatives."""
        return self._guesses(self.probabilities(glyphs, alphabet))

    def classify_each(
        self, glyphs: Sequence[np.ndarray], alphabets: Sequence[str]
    ) -> list[CharGuess]:
        """Like ``classify`` with one alphabet per glyph, in one batch: a UK postcode's
        positions, say (``SW1A 1AA``: letters first, a digit third), cut the O/0 and I/1 doubt."""
        if len(alphabets) != len(glyphs):
            raise EngineError(f"{len(glyphs)} glyphs but {len(alphabets)} alphabets")
        return self._guesses(self._masked(glyphs, alphabets))
