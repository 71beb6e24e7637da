"""Households for the personalised packs: who gets one pack, at which address, addressed how.

Rule (documented in the README):

1. Students are grouped by shared contact ids (never by name or address): siblings who share any
   contact are one household group.
2. Inside a group, the people invited are the contacts with parental responsibility and no court
   order or no-contact flag. They are split by address (postcode + first line, case- and
   space-insensitive): **one pack per address**. Separated parents who both hold parental
   responsibility each get a pack at their own address, listing only the children they hold it
   for. Step-parents, grandparents and others without it are never addressed.
3. A group with no such contact (e.g. foster carers, where the local authority holds PR) gets one
   pack at the priority-1 unflagged contact's address, addressed to that contact, so the school
   can still send it; the matcher will stop any application without PR.
4. Students with no unflagged contact at all get no pack.

Serials ``F00001``.. follow the families sorted by their smallest student id, then address, so
they are stable for a given roster whatever order its rows came in.
"""

from __future__ import annotations

from collections import defaultdict

from intake.roster.model import Address, Contact, Family, Relationship, Roster


def _address_key(address: Address) -> tuple[str, str]:
    first = address.lines[0] if address.lines else ""
    return (
        "".join(address.postcode.split()).upper(),
        " ".join(first.replace(",", " ").split()).casefold(),
    )


def _groups(roster: Roster) -> list[list[str]]:
    """Students connected through shared contacts (union-find on contact ids)."""
    parent: dict[str, str] = {s.student_id: s.student_id for s in roster.students}

    def find(item: str) -> str:
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    first_student: dict[str, str] = {}
    for link in roster.relationships:
        if link.student_id not in parent:
            continue
        seen = first_student.setdefault(link.contact_id, link.student_id)
        parent[find(link.student_id)] = find(seen)
    groups: dict[str, list[str]] = defaultdict(list)
    for student in roster.students:
        groups[find(student.student_id)].append(student.student_id)
    return list(groups.values())


def salutation(contacts: list[Contact]) -> str:
    """``Mr and Mrs Khan``, ``Ms O'Brien and Mr Smith``, ``Aoife O'Brien`` (no title)."""

    def one(contact: Contact) -> str:
        if contact.title:
            return f"{contact.title} {contact.surname}".strip()
        return f"{contact.forename} {contact.surname}".strip()

    if (
        len(contacts) == 2
        and contacts[0].surname == contacts[1].surname
        and all(c.title for c in contacts)
    ):
        titles = [c.title for c in contacts]
        if titles == ["Mrs", "Mr"]:
            titles.reverse()  # the customary order on an envelope
        return f"{titles[0]} and {titles[1]} {contacts[0].surname}"
    names = [one(c) for c in contacts]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _invited(link: Relationship) -> bool:
    return link.parental_responsibility and not link.blocked


def families(roster: Roster) -> list[Family]:
    """One ``Family`` per household and address, with stable serials (see the module rule)."""
    links_by_student: dict[str, list[Relationship]] = defaultdict(list)
    for link in roster.relationships:
        links_by_student[link.student_id].append(link)
    drafts: list[tuple[tuple[str, ...], list[Contact], Address]] = []
    for group in _groups(roster):
        links = sorted(
            (link for sid in group for link in links_by_student[sid]),
            key=lambda r: (r.priority, r.contact_id),
        )
        by_address: dict[tuple[str, str], dict[str, Contact]] = defaultdict(dict)
        students_at: dict[tuple[str, str], set[str]] = defaultdict(set)
        for link in links:
            if _invited(link):
                contact = roster.contact(link.contact_id)
                key = _address_key(contact.address)
                by_address[key].setdefault(contact.contact_id, contact)
                students_at[key].add(link.student_id)
        if not by_address:
            fallback = next((link for link in links if not link.blocked), None)
            if fallback is None:
                continue
            contact = roster.contact(fallback.contact_id)
            key = _address_key(contact.address)
            by_address[key][contact.contact_id] = contact
            students_at[key].update(group)
        for key, contacts in by_address.items():
            people = list(contacts.values())
            drafts.append((tuple(sorted(students_at[key])), people, people[0].address))
    drafts.sort(key=lambda d: (d[0][0], _address_key(d[2])))
    return [
        Family(
            serial=f"F{number:05d}",
            student_ids=student_ids,
            contact_ids=tuple(c.contact_id for c in people),
            address=address,
            salutation=salutation(people),
        )
        for number, (student_ids, people, address) in enumerate(drafts, start=1)
    ]
