"""Tutor group names and allocation for the synthetic school.

A school has one naming style for years 7-11, drawn once per seed: plain letters (``7A``..``7F``)
or house initials (``7B``, ``7D``... for Brunel, Darwin...). The sixth form (years 12-13) is
named after tutors' initials (``12RWA``), as many schools do. Groups hold about 28 pupils (20 in
the sixth form); twins share a group. Last year's group is kept as the previous tutor group: the
same letter a year lower, except for a few pupils who moved group.
"""

from __future__ import annotations

import math
import random
import string
from dataclasses import dataclass

HOUSES = (
    "Arkwright",
    "Brunel",
    "Cavendish",
    "Darwin",
    "Faraday",
    "Nightingale",
    "Strutt",
    "Turing",
    "Wedgwood",
)
_GROUP_SIZE = {7: 28, 8: 28, 9: 28, 10: 28, 11: 28, 12: 20, 13: 20}


@dataclass(frozen=True)
class TutorGroupPlan:
    style: str  # "letters" or "houses"
    suffixes: tuple[str, ...]  # group suffixes for years 7-11, in order
    sixth_form_tutors: tuple[str, ...]  # tutor initials, shared by years 12 and 13

    @classmethod
    def for_seed(cls, rng: random.Random) -> TutorGroupPlan:
        tutors = tuple(
            "".join(rng.choice(string.ascii_uppercase) for _ in range(3)) for _ in range(12)
        )
        tutors = tuple(dict.fromkeys(tutors))
        if rng.random() < 0.5:
            return cls("letters", tuple("ABCDEFGHJKLMN"), tutors)
        houses = sorted(rng.sample(HOUSES, 8))
        return cls("houses", tuple(h[0] for h in houses), tutors)

    def groups(self, year: int, pupils: int) -> list[str]:
        count = max(1, math.ceil(pupils / _GROUP_SIZE[year]))
        if year >= 12:
            return [f"{year}{t}" for t in self.sixth_form_tutors[:count]]
        if count <= len(self.suffixes):
            return [f"{year}{s}" for s in self.suffixes[:count]]
        # a very large year: two groups per house or letter, "7B1", "7B2"
        per = math.ceil(count / len(self.suffixes))
        return [f"{year}{s}{n}" for n in range(1, per + 1) for s in self.suffixes][:count]


def assign_tutor_groups(
    rng: random.Random,
    plan: TutorGroupPlan,
    pupils: list[tuple[str, int, str | None]],
) -> dict[str, tuple[str, str]]:
    """``(student_id, year, twin's student_id)`` -> ``{student_id: (group, previous group)}``."""
    result: dict[str, tuple[str, str]] = {}
    by_year: dict[int, list[tuple[str, str | None]]] = {}
    for student_id, year, twin in pupils:
        by_year.setdefault(year, []).append((student_id, twin))
    previous_groups = {
        year: plan.groups(year - 1, len(by_year.get(year - 1, ())) or len(by_year[year]))
        for year in by_year
        if year > 7
    }
    for year, members in sorted(by_year.items()):
        groups = plan.groups(year, len(members))
        rng.shuffle(members)
        for position, (student_id, twin) in enumerate(members):
            if twin is not None and twin in result:
                group = result[twin][0]
            else:
                group = groups[position % len(groups)]
            result[student_id] = (group, _previous(rng, year, group, groups, previous_groups))
    return result


def _previous(
    rng: random.Random,
    year: int,
    group: str,
    groups: list[str],
    previous_groups: dict[int, list[str]],
) -> str:
    if year == 7:
        return ""  # came from primary school
    last_year = previous_groups[year]
    if year == 12:
        return rng.choice(last_year)  # sixth-form groups are new
    same = f"{year - 1}{group[len(str(year)) :]}"
    if same in last_year and rng.random() < 0.88:
        return same
    return rng.choice(last_year)
