"""The one doorway to rapidfuzz, and the confidence-weighted, OCR-aware name comparison.

Everything else in the product compares strings through these functions, so the library's
types and scorers stay here.
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from intake.matching.normalise import Folded, shape_key

#: a mismatch between two members of one confusion class (O/0, I/1/L...) costs this share of an edit
CONFUSION_COST = 0.35
#: a mismatch costs the read character's confidence (its chance of being right), at least this
DOUBTFUL_FLOOR = 0.15
#: a character the read lacks (the target has it) costs a whole edit
MISSING_COST = 1.0
#: two neighbouring letters the wrong way round
TRANSPOSITION_COST = 1.0
#: points a whole, confident edit takes off a 0..100 similarity
POINTS_PER_EDIT = 12.0


def ratio(a: str, b: str) -> float:
    """Plain normalised Indel similarity, 0..100."""
    return float(fuzz.ratio(a, b))


def nearest(
    query: str, choices: Sequence[str], limit: int, cutoff: float
) -> list[tuple[int, float]]:
    """Indices and scores (0..100) of the ``limit`` choices most like ``query``, best first."""
    if not query or not choices:
        return []
    found = process.extract(query, choices, scorer=fuzz.ratio, limit=limit, score_cutoff=cutoff)
    return [(int(index), float(score)) for _, score, index in found]


def edit_distance(a: str, b: str) -> int:
    """Plain Levenshtein distance between the shape keys of ``a`` and ``b`` (upper-cased)."""
    return int(Levenshtein.distance(shape_key(a.upper()), shape_key(b.upper())))


def _weight(confidence: float) -> float:
    return max(DOUBTFUL_FLOOR, confidence)


def _mismatch(read: Folded, i: int, target_char: str) -> float:
    """Cost of reading ``read.text[i]`` where the name has ``target_char``."""
    char = read.text[i]
    if char == target_char:
        return 0.0
    likely = shape_key(char) == shape_key(target_char) or target_char in read.alternatives_at(i)
    return (CONFUSION_COST if likely else 1.0) * _weight(read.confidences[i])


def _steps(text: str, target: str) -> list[tuple[str, int, int]]:
    """Single-character steps ("=", "~" substitute, "-" delete, "+" insert) aligning the shape
    keys of ``text`` and ``target``; each with its index in ``text`` and in ``target``."""
    steps: list[tuple[str, int, int]] = []
    for op in Levenshtein.opcodes(shape_key(text), shape_key(target)):
        i1, i2, j1, j2 = op.src_start, op.src_end, op.dest_start, op.dest_end
        if op.tag == "equal" or op.tag == "replace":
            mark = "=" if op.tag == "equal" else "~"
            common = min(i2 - i1, j2 - j1)
            steps.extend((mark, i1 + k, j1 + k) for k in range(common))
            steps.extend(("-", i, j1 + common) for i in range(i1 + common, i2))
            steps.extend(("+", i2, j) for j in range(j1 + common, j2))
        elif op.tag == "delete":
            steps.extend(("-", i, j1) for i in range(i1, i2))
        else:
            steps.extend(("+", i1, j) for j in range(j1, j2))
    return steps


def _transposed(steps: list[tuple[str, int, int]], k: int, text: str, target: str) -> int:
    """How many steps from ``k`` on are two neighbouring letters written the wrong way round."""
    a = steps[k]
    if k + 1 < len(steps) and a[0] == "~" and steps[k + 1][0] == "~":
        i, j = a[1], a[2]
        if (
            i + 1 < len(text)
            and j + 1 < len(target)
            and (text[i] == target[j + 1] and text[i + 1] == target[j])
        ):
            return 2
    if k + 2 < len(steps) and steps[k + 1][0] == "=" and {a[0], steps[k + 2][0]} == {"+", "-"}:
        first, last = a, steps[k + 2]
        if first[0] == "+" and target[first[2]] == text[last[1]]:
            return 3
        if first[0] == "-" and text[first[1]] == target[last[2]]:
            return 3
    return 0


def weighted_edits(read: Folded, target: str) -> float:
    """Edits from ``read`` to ``target``, each mismatch weighted by the read character's confidence.

    The alignment is computed on shape keys, so a 0 read for an O aligns as a (cheap) confusion,
    not as a delete plus an insert. Two neighbouring letters written the wrong way round count
    as one edit; a character the reader offered as an alternative counts as a confusion.
    """
    text = read.text
    if text == target:
        return 0.0
    steps = _steps(text, target)
    cost = 0.0
    k = 0
    while k < len(steps):
        kind, i, j = steps[k]
        if kind != "=":
            span = _transposed(steps, k, text, target)
            if span:
                involved = [steps[x][1] for x in range(k, k + span) if steps[x][0] != "+"]
                cost += TRANSPOSITION_COST * max(
                    _weight(read.confidences[x]) for x in involved if x < len(text)
                )
                k += span
                continue
        if kind in "=~":
            cost += _mismatch(read, i, target[j])
        elif kind == "-":
            cost += _weight(read.confidences[i])
        else:
            cost += MISSING_COST
        k += 1
    return cost


def similarity(read: Folded, target: str) -> float:
    """0..100: 100 for the same key, minus ``POINTS_PER_EDIT`` per weighted edit."""
    if not read.text and not target:
        return 100.0
    return max(0.0, 100.0 - POINTS_PER_EDIT * weighted_edits(read, target))
