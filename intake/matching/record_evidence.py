"""Whether a name or an email read from the boxes is the matched record's value, misread.

Names and emails are the fields the reader gets wrong most often (the digits of a local part
read as the letters they resemble, a faint letter left as an empty box, a V it never saw written
that way), and the ones a school most wants exact. When the child or the applicant is matched to
the roster, the school's record is a second, independent source: the question is no longer "what
was written" but "was the record's value written", and the engine's probabilities answer it.

For each box where the reading and the record differ, the evidence against the record is the
log-odds of the engine's first guess over the record's character: the probability it offered
for that character, or, when it offered none, a share of what its guesses left unlisted. Some
differences weigh less, because the engine is known to be unsure of them whatever it says: in an
email, a digit and the letter it looks like (``1``/``I``, ``0``/``O``, ``5``/``S``...), a run of
them counted once (the reader's context decides a run of letters or digits together), and a full
stop the reader put in a box it judged empty; in a name, one box left empty inside a word where
the record has a letter (a faint stroke). In a name, a letter the engine is a hundred times
surer of than of the record's is the parent's own spelling and is never replaced: a
corroborating field that disagrees with the record goes to a person. A digit read as another
digit is taken for the record's only where the engine offered the record's digit: a person's
addresses often differ only in their number. The record is taken when the evidence against it
stays within the budget (1000 to 1 for an email, a quarter of that power per character for a
short name) and only a few boxes differ: a parent's new address, or a name spelt another way,
differs from the record in more than a doubtful box or two.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from intake.reading.result import CharRead, FieldRead

#: digits and the letters a reader takes them for (and back): pairs, upper case
LOOKALIKES = frozenset(frozenset(pair) for pair in ("0O", "0D", "1I", "1L", "2Z", "5S", "6G", "8B"))
#: most evidence (log10 odds) a lookalike box or run can hold against the record
LOOKALIKE_COST = 1.0
#: evidence against the record from a full stop the reader wrote into a box it found empty
GAP_COST = 0.5
#: what a character's unlisted probability is shared between (the email alphabet is wider)
UNLISTED_SHARED_BY = 10
#: the least probability a character can have, however sure the engine was of another: a
#: calibrated 0.99 is wrong once in a hundred, and then the truth is one of about ten others
FLOOR = 1e-3
#: the most evidence (log10 odds) against the record for it still to be taken: 1000 to 1
BUDGET = 3.0
#: a name's budget grows with its length up to ``BUDGET``: one sure letter of a four-letter
#: name that differs is another name (KATE, KATY), of a twelve-letter one a misreading
NAME_BUDGET_PER_CHAR = 0.25
#: in a name, a box whose reading the engine holds this much likelier (log10) than the record's
#: letter is the parent's spelling, not a misreading: the name is left as written for a person
NAME_SURE_EVIDENCE = 2.0
#: boxes that may differ, other than lookalikes and gaps
MAX_OTHER = 3
#: empty boxes inside a name's words that may take the record's letter
MAX_NAME_GAPS = 1
#: at most this share of the address's characters may differ
MAX_SHARE = 0.34


def _offered(box: CharRead, wanted: str) -> bool:
    return any(a.upper() == wanted for a, _ in box.alternatives)


def _target_probability(box: CharRead, wanted: str) -> float:
    offered = {a.upper(): p for a, p in box.alternatives if a}
    if wanted in offered:
        return max(offered[wanted], FLOOR)
    unlisted = max(0.0, 1.0 - box.confidence - sum(offered.values()))
    return max(unlisted / UNLISTED_SHARED_BY, FLOOR)


def _evidence(box: CharRead, wanted: str) -> float:
    """log10 odds of the engine's reading of ``box`` over the record's ``wanted``."""
    return max(0.0, math.log10(max(box.confidence, FLOOR) / _target_probability(box, wanted)))


def _is_gap(box: CharRead) -> bool:
    """A full stop the reader put into an empty box between written ones (it offers nothing)."""
    return box.char == "." and not box.alternatives and box.confidence <= 0.5


def replacements(
    read: FieldRead, target: str, sequence: Sequence[tuple[int | None, str]], *, email: bool
) -> tuple[int, ...] | None:
    """The box indices where ``target`` (the record's value) replaces what was read, when the
    evidence allows it (see the module's docstring); None when it does not.

    ``sequence`` is the reading as (box index, upper-case character): for an email the written
    boxes only; for a name with one ``" "`` between words, carrying the index of the empty box
    when the gap is one box wide (else None).
    """
    target = target.upper()
    if len(sequence) != len(target) or len(target) < 3 or (email and "@" not in target):
        return None
    replaced: list[int] = []
    cost, others, gaps, run = 0.0, 0, 0, 0.0
    for (index, char), wanted in zip(sequence, target, strict=True):
        if char == wanted:
            cost, run = cost + run, 0.0
            continue
        if index is None:
            return None
        box = read.chars[index]
        replaced.append(index)
        if email and frozenset((char, wanted)) in LOOKALIKES:
            run = max(run, min(LOOKALIKE_COST, _evidence(box, wanted)))
            continue
        cost, run = cost + run, 0.0
        # a one-box gap of a name (its empty box's index is known) where the record has a letter
        if (email and _is_gap(box)) or (not email and char == " "):
            gaps += 1
            cost += GAP_COST
            continue
        if wanted == " ":
            return None
        if char.isdigit() and wanted.isdigit() and not _offered(box, wanted):
            return None  # another number: how a person's addresses differ, not a misreading
        evidence = _evidence(box, wanted)
        if not email and evidence > NAME_SURE_EVIDENCE:
            return None  # a letter the engine is sure of: the parent spelt it so (MICKENZIE)
        others += 1
        cost += evidence
    cost += run
    budget = BUDGET if email else min(BUDGET, NAME_BUDGET_PER_CHAR * len(target))
    if not replaced or others > MAX_OTHER or len(replaced) > MAX_SHARE * len(target):
        return None
    if not email and gaps > MAX_NAME_GAPS:
        return None
    return tuple(replaced) if cost <= budget else None
