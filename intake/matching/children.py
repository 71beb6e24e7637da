"""Match one child row of a form (name and tutor group as read) to a student on the roster.

Candidates come from rapidfuzz over every student's name variants (legal, preferred, swapped),
from the children of the applicant's roster contacts, and from children whose roster contact has
the surname the applicant wrote (a child written with a parent's surname). Each candidate gets a
0..100 score and the reasons for it. A link is made automatically only when one candidate is
clearly best and nothing else could be meant; otherwise a person chooses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from intake.config import Thresholds
from intake.matching.fuzzy import nearest, similarity
from intake.matching.index import LEGAL, PREFERRED, RosterIndex, StudentEntry
from intake.matching.normalise import (
    Folded,
    fold,
    shape_key,
    tutor_group_read,
    year_of_tutor_group,
)

#: how many rapidfuzz neighbours of the read name are scored in full
NEIGHBOURS = 25
#: rapidfuzz (plain Indel ratio over shape keys) below this is not a candidate
NEIGHBOUR_CUTOFF = 60.0
#: of those, how many are scored in full, and how far below the best plain score they may lie
SHORTLIST = 8
SHORTLIST_BELOW_BEST = 30.0
#: candidates kept on a ChildMatch for the reviewer
KEPT_CANDIDATES = 5
#: points for a child of a contact who matched one of the applicants
CONTACT_BONUS = 12.0
#: points off for a surname written as the applicant's rather than the child's
APPLICANT_SURNAME_PENALTY = 4.0
MIDDLE_NAME_PENALTY = 10.0
#: points off a name matched only as far as the boxes allowed (the rest cut off)
TRUNCATED_PENALTY = 2.0
#: a cut-off name must still have this many key characters to be compared as a prefix
TRUNCATED_MIN_CHARS = 12
#: tutor group adjustments, in points
TG_LAST_YEAR = -3.0
TG_SAME_YEAR = -12.0
TG_PREVIOUS_YEAR = -12.0
TG_UNREADABLE = -12.0
TG_NONE = -6.0
TG_OTHER_YEAR = -20.0
#: a tutor group read this alike (0..100, confidence-weighted) counts as the same group
TG_SAME = 90.0
NOT_ON_ROLL = -15.0


@dataclass(frozen=True)
class ChildRead:
    """A child row as read: name and tutor group keys with per-character confidences."""

    row: int
    name: Folded
    tutor_group: Folded
    has_account_tick: bool = False


@dataclass(frozen=True)
class Candidate:
    student_id: str
    score: float  # 0..100
    name_score: float  # the name alone, 0..100
    raw_score: float  # before clipping to 0..100; candidates are ranked by it
    reasons: tuple[str, ...]
    forename: str  # the roster's spelling of the name in the variant that matched
    surname: str
    tutor_group: str  # the student's tutor group, as the roster has it


@dataclass(frozen=True)
class ChildMatch:
    row: int
    candidates: tuple[Candidate, ...]  # best first
    student_id: str | None  # the chosen student, or None for a person to choose
    auto_linked: bool
    reasons: tuple[str, ...]  # why linked, or why a person must choose

    @property
    def chosen(self) -> Candidate | None:
        return next((c for c in self.candidates if c.student_id == self.student_id), None)


def _name_score(
    read: Folded,
    words: list[Folded],
    entry: StudentEntry,
    contact_surnames: frozenset[str],
    applicant_surnames: Iterable[str],
) -> tuple[float, str, str, str]:
    """Best (score, reason, forename, surname) over the ways the student's name may be written."""
    best = (-1.0, "", "", "")
    for variant in entry.variants:
        score = similarity(read, variant.key) - variant.penalty
        if score > best[0]:
            reason = "" if variant.kind == LEGAL else variant.kind
            best = (score, reason, variant.forename, variant.surname)
        if read.truncated and TRUNCATED_MIN_CHARS <= len(read.text) < len(variant.key):
            score = (
                similarity(read, variant.key[: len(read.text)])
                - variant.penalty
                - TRUNCATED_PENALTY
            )
            if score > best[0]:
                reason = "name cut short by the boxes"
                if variant.kind != LEGAL:
                    reason = f"{variant.kind}, {reason}"
                best = (score, reason, variant.forename, variant.surname)
    if len(words) >= 3:
        outer = words[0].join(words[-1])
        for variant in entry.variants:
            if variant.kind in (LEGAL, PREFERRED):
                score = similarity(outer, variant.key) - MIDDLE_NAME_PENALTY
                if score > best[0]:
                    best = (score, "middle name ignored", variant.forename, variant.surname)
    for surname in applicant_surnames:
        if surname in entry.surname_keys or surname not in contact_surnames:
            continue
        for variant in entry.variants:
            if variant.kind not in (LEGAL, PREFERRED):
                continue
            key = variant.forename_key + surname
            score = similarity(read, key) - APPLICANT_SURNAME_PENALTY
            if score > best[0]:
                best = (
                    score,
                    "surname differs: written as the applicant's",
                    variant.forename,
                    variant.surname,
                )
    return best


def _tutor_group_adjustment(
    read: Folded, read_year: int | None, entry: StudentEntry
) -> tuple[float, str]:
    if not read.text:
        return TG_NONE, "no tutor group written"
    current = similarity(read, entry.tutor_group) if entry.tutor_group else 0.0
    if current >= TG_SAME:
        return -(100.0 - current) / 5.0, "tutor group matches"
    if entry.previous_tutor_group and similarity(read, entry.previous_tutor_group) >= TG_SAME:
        return TG_LAST_YEAR, "tutor group is last year's"
    year = read_year
    if year is None or entry.student.year == 0:
        return TG_UNREADABLE, "tutor group does not match"
    if year == entry.student.year:
        return TG_SAME_YEAR, "tutor group differs (same year)"
    if year == entry.student.year - 1:
        return TG_PREVIOUS_YEAR, "tutor group is from last year's year group"
    return TG_OTHER_YEAR, f"tutor group is for year {year}, student is in year {entry.student.year}"


def _retrieve(
    read: ChildRead, index: RosterIndex, contact_ids: Iterable[str], applicant_surnames: list[str]
) -> list[int]:
    """Students worth scoring in full: the nearest names by plain rapidfuzz similarity (over
    shape keys), the children of the applicant's contacts, and children whose contact has the
    surname the applicant wrote and whose forename was written."""
    query = shape_key(read.name.compact().text)
    quick: dict[int, float] = {}
    for i, score in nearest(query, index.variant_shapes, NEIGHBOURS, NEIGHBOUR_CUTOFF):
        owner = index.variant_owner[i]
        quick[owner] = max(quick.get(owner, 0.0), score)
    kept = sorted(quick, key=lambda o: -quick[o])
    best = quick[kept[0]] if kept else 0.0
    pool = [o for o in kept if quick[o] >= best - SHORTLIST_BELOW_BEST][:SHORTLIST]
    for contact_id in contact_ids:
        pool.extend(index.entry_of[sid] for sid, _ in index.children_of.get(contact_id, []))
    words = read.name.words()
    if words and applicant_surnames:
        first = shape_key(words[0].text)
        for surname in applicant_surnames:
            for i in index.students_by_contact_surname.get(shape_key(surname), ()):
                if first in {shape_key(k) for k in index.entries[i].forename_keys}:
                    pool.append(i)
    return list(dict.fromkeys(pool))


def score_candidate(
    read: ChildRead,
    index: RosterIndex,
    i: int,
    contact_ids: frozenset[str],
    applicant_surnames: list[str],
) -> Candidate:
    """Score one student for a child row, with the reasons."""
    entry = index.entries[i]
    student = entry.student
    contacts = index.contacts_of.get(student.student_id, [])
    contact_surnames = index.contact_surnames_of.get(student.student_id, frozenset())
    name_score, name_reason, forename, surname = _name_score(
        read.name.compact(), read.name.words(), entry, contact_surnames, applicant_surnames
    )
    reasons = [name_reason] if name_reason else []
    if name_score < 100 - 1e-9 and not name_reason:
        reasons.append("spelling differs")
    group = tutor_group_read(read.tutor_group)
    adjustment, tg_reason = _tutor_group_adjustment(group, year_of_tutor_group(group.text), entry)
    reasons.append(tg_reason)
    score = name_score + adjustment
    if any(c.contact_id in contact_ids for c, _ in contacts):
        score += CONTACT_BONUS
        reasons.append("child of the applicant's roster contact")
    if not student.on_roll:
        score += NOT_ON_ROLL
        reasons.append("not on roll (left the school)")
    return Candidate(
        student_id=student.student_id,
        score=round(max(0.0, min(100.0, score)), 1),
        name_score=round(max(0.0, name_score), 1),
        raw_score=round(score, 2),
        reasons=tuple(reasons),
        forename=forename,
        surname=surname,
        tutor_group=student.tutor_group,
    )


def match_child(
    read: ChildRead,
    index: RosterIndex,
    thresholds: Thresholds,
    contact_ids: frozenset[str] = frozenset(),
    applicant_surnames: Iterable[str] = (),
) -> ChildMatch:
    """Ranked candidates for one child row, and the student linked automatically if it is safe.

    ``contact_ids``: roster contacts the applicants already matched (their children get a bonus;
    the search is not restricted to them). ``applicant_surnames``: surname keys the applicants
    wrote, for a child written with a parent's surname.
    """
    surnames = [s for s in applicant_surnames if s]
    if not read.name.text:
        return ChildMatch(read.row, (), None, False, ("no name could be read",))
    pool = _retrieve(read, index, contact_ids, surnames)
    ranked = sorted(
        (score_candidate(read, index, i, contact_ids, surnames) for i in pool),
        key=lambda c: (-c.raw_score, c.student_id),
    )[:KEPT_CANDIDATES]
    if not ranked:
        return ChildMatch(read.row, (), None, False, ("no student on the roll is like this name",))
    blockers = _auto_link_blockers(read, index, ranked, thresholds, contact_ids)
    if blockers:
        return ChildMatch(read.row, tuple(ranked), None, False, tuple(blockers))
    top = ranked[0]
    return ChildMatch(read.row, tuple(ranked), top.student_id, True, ("clearly the best match",))


def _auto_link_blockers(
    read: ChildRead,
    index: RosterIndex,
    ranked: list[Candidate],
    thresholds: Thresholds,
    contact_ids: frozenset[str],
) -> list[str]:
    """Why the best candidate may not be linked without a person; empty when it may."""
    top = ranked[0]
    blockers: list[str] = []
    if read.name.suspicious or read.tutor_group.suspicious:
        blockers.append("the name or tutor group holds suspicious characters or mixed scripts")
    if top.score < thresholds.match_auto_link_score:
        blockers.append(
            f"best score {top.score:.0f} is below {thresholds.match_auto_link_score:.0f}"
        )
    if len(ranked) > 1 and top.raw_score - ranked[1].raw_score < thresholds.match_auto_link_margin:
        blockers.append(
            f"the next candidate is only {top.raw_score - ranked[1].raw_score:.0f} points behind"
        )
    entry_index = index.entry_of[top.student_id]
    if not index.entries[entry_index].student.on_roll:
        blockers.append("the best candidate is not on roll")
    twins = index.same_name(entry_index)
    if twins and not (
        _tutor_group_decides(read, index, entry_index, twins)
        or _contacts_decide(index, top.student_id, twins, contact_ids)
    ):
        blockers.append("another student has the same name and the tutor group does not decide")
    return blockers


def _tutor_group_decides(read: ChildRead, index: RosterIndex, top: int, others: list[int]) -> bool:
    """A same-name pair is told apart by a tutor group that is this student's (this year's or
    last year's) and none of the others'."""
    tg = tutor_group_read(read.tutor_group)
    if not tg.text:
        return False

    def fits(entry: StudentEntry) -> bool:
        groups = [g for g in (entry.tutor_group, entry.previous_tutor_group) if g]
        return any(similarity(tg, g) >= TG_SAME for g in groups)

    return fits(index.entries[top]) and not any(fits(index.entries[o]) for o in others)


def _contacts_decide(
    index: RosterIndex, student_id: str, others: list[int], contact_ids: frozenset[str]
) -> bool:
    """... or by being the child of a roster contact the applicant clearly is, when none of the
    others is."""

    def of_applicant(sid: str) -> bool:
        return any(c.contact_id in contact_ids for c, _ in index.contacts_of.get(sid, []))

    return of_applicant(student_id) and not any(
        of_applicant(index.entries[o].student.student_id) for o in others
    )


def search_students(
    index: RosterIndex, name: str, tutor_group: str = "", limit: int = KEPT_CANDIDATES
) -> list[Candidate]:
    """Students like a typed name (and tutor group), best first: the reviewer's search box."""
    read = ChildRead(0, fold(name, mac=False), fold(tutor_group, mac=False))
    if not read.name.text:
        return []
    pool = _retrieve(read, index, (), [])
    ranked = sorted(
        (score_candidate(read, index, i, frozenset(), []) for i in pool),
        key=lambda c: (-c.raw_score, c.student_id),
    )
    return ranked[:limit]
