"""What ``intake bench crash`` checks once the batch it kept killing is done: every page of the
upload one row and read, each page's reads counted from the workers' logs (a page read again
because a kill came while it was read is allowed, its result stored once), every form once, the
batch's counters, the originals unchanged and the batch's status.

The facts are gathered from the database, the store and the logs first (``gather_facts``,
``count_reads``), then judged by plain functions over them, so that a test can hand in a doubled
form or a lost page and see the check fail.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: the driver's line as a page starts being read, and once its result is stored (ids only)
READ_LINE = re.compile(r"^page read: batch (\S+) upload (\S+) page (\d+) range (\S+)$")
STORED_LINE = re.compile(r"^batch (\S+) upload (\S+) page (\d+): (\w+)$")

#: (upload id, page index): one page of the batch
PageId = tuple[str, int]


@dataclass(frozen=True)
class Reads:
    """How often each page of one batch was started and stored, by the workers' logs, and the
    process of each start in turn."""

    started: Counter[PageId]
    stored: Counter[PageId]
    readers: dict[PageId, tuple[int, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Original:
    """One uploaded file: its SHA-256 before the upload, as recorded, and as stored now."""

    upload_id: str
    sent: str
    recorded: str
    stored: str


@dataclass(frozen=True)
class BatchFacts:
    """The batch after the run, as the database and the store hold it."""

    status: str
    pages_total: int
    pages_done: int
    forms_found: int
    #: every page the uploads have (from their counted pages)
    pages: tuple[PageId, ...]
    #: (upload id, page index, status): every page row
    rows: tuple[tuple[str, int, str], ...]
    identities: tuple[str, ...]
    originals: tuple[Original, ...]


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def count_reads(lines: Iterable[str], batch_id: str) -> Reads:
    """Each page's reads and stores in the JSON log lines of the workers (other lines, and a
    line cut short by a kill, are passed over)."""
    started: Counter[PageId] = Counter()
    stored: Counter[PageId] = Counter()
    readers: dict[PageId, list[int]] = {}
    for line in lines:
        try:
            record = json.loads(line)
            message, process = str(record.get("message", "")), int(record.get("process", 0))
        except (ValueError, AttributeError, TypeError):
            continue
        if (found := READ_LINE.match(message)) and found[1] == batch_id:
            page = (found[2], int(found[3]))
            started[page] += 1
            readers.setdefault(page, []).append(process)
        elif (found := STORED_LINE.match(message)) and found[1] == batch_id:
            stored[(found[2], int(found[3]))] += 1
    return Reads(started, stored, {page: tuple(pids) for page, pids in readers.items()})


def read_logs(paths: Iterable[Path], batch_id: str) -> Reads:
    """``count_reads`` over every log file of the run."""
    lines = [line for path in paths for line in path.read_text(errors="replace").splitlines()]
    return count_reads(lines, batch_id)


def _few(items: Iterable[Any], most: int = 5) -> str:
    shown = list(items)
    more = f" and {len(shown) - most} more" if len(shown) > most else ""
    return ", ".join(str(item) for item in shown[:most]) + more


def check_pages(facts: BatchFacts, expected_pages: int) -> list[Check]:
    """One row for every page of the upload, no more, each read."""
    rows = Counter((upload, index) for upload, index, _ in facts.rows)
    missing = sorted(set(facts.pages) - set(rows))
    doubled = sorted(page for page, count in rows.items() if count > 1)
    stray = sorted(set(rows) - set(facts.pages))
    not_read = sorted((u, i, s) for u, i, s in facts.rows if s != "read")
    return [
        Check(
            "pages counted",
            len(facts.pages) == expected_pages,
            f"{len(facts.pages)} pages in the uploads, {expected_pages} sent",
        ),
        Check(
            "a row a page",
            not (missing or doubled or stray),
            f"{len(rows)} pages with rows; missing {_few(missing) or 'none'}, "
            f"doubled {_few(doubled) or 'none'}, not in the upload {_few(stray) or 'none'}",
        ),
        Check(
            "every page read",
            not not_read,
            f"{len(facts.rows) - len(not_read)} of {len(facts.rows)} rows read"
            + (f"; not read: {_few(not_read)}" if not_read else ""),
        ),
    ]


def check_reads(
    facts: BatchFacts, reads: Reads, killed: frozenset[int], pages_a_process: int = 1
) -> list[Check]:
    """Every page started at least once and stored at most once by the logs; a page read again
    only after the process reading it was killed (``killed``: the pids of every kill), and no
    killed process caught reading more than ``pages_a_process`` pages (its worker threads)."""
    never = sorted(set(facts.pages) - set(reads.started))
    stored_twice = sorted(page for page, count in reads.stored.items() if count > 1)
    cut = interrupted(reads)
    by_the_living = sorted({page for page, pid in cut if pid not in killed})
    per_process = Counter(pid for _, pid in cut if pid in killed)
    too_many = sorted(pid for pid, count in per_process.items() if count > pages_a_process)
    return [
        Check(
            "every page's read logged",
            not never,
            f"{len(reads.started)} pages started, {sum(reads.started.values())} reads"
            + (f"; never: {_few(never)}" if never else ""),
        ),
        Check(
            "every result stored once",
            not stored_twice,
            f"stored twice: {_few(stored_twice) or 'none'}",
        ),
        Check(
            "re-reads only after a kill",
            not (by_the_living or too_many),
            f"{len(cut)} re-reads, by {len(per_process)} of {len(killed)} killed processes; "
            f"after a live reader: {_few(by_the_living) or 'none'}; "
            f"killed processes caught with more than {pages_a_process} in flight: "
            f"{_few(too_many) or 'none'}",
        ),
    ]


def interrupted(reads: Reads) -> list[tuple[PageId, int]]:
    """Each read that another read of the same page followed: (page, its process)."""
    return [(page, pid) for page, pids in sorted(reads.readers.items()) for pid in pids[:-1]]


def re_reads(reads: Reads) -> int:
    """Reads beyond a page's first."""
    return sum(count - 1 for count in reads.started.values() if count > 1)


def check_forms(facts: BatchFacts, expected_forms: int) -> list[Check]:
    """Every form once: as many forms as the pages hold, each identity once."""
    identities = Counter(facts.identities)
    doubled = sorted(identity for identity, count in identities.items() if count > 1)
    return [
        Check(
            "every form once",
            len(facts.identities) == expected_forms and not doubled,
            f"{len(facts.identities)} forms, {expected_forms} expected"
            + (f"; doubled {_few(doubled)}" if doubled else ""),
        ),
        Check(
            "forms counted",
            facts.forms_found == len(facts.identities),
            f"batch says {facts.forms_found}",
        ),
    ]


def check_batch(facts: BatchFacts, expected_pages: int) -> list[Check]:
    """The batch's counters and status, and each original as it was sent."""
    changed = [o.upload_id for o in facts.originals if len({o.sent, o.recorded, o.stored}) != 1]
    return [
        Check(
            "pages counted once",
            facts.pages_done == facts.pages_total == expected_pages,
            f"pages_done {facts.pages_done}, pages_total {facts.pages_total}",
        ),
        Check(
            "originals unchanged",
            len(facts.originals) > 0 and not changed,
            f"{len(facts.originals)} originals, SHA-256 changed: {_few(changed) or 'none'}",
        ),
        Check("batch done", facts.status == "done", f"status {facts.status}"),
    ]


def all_checks(
    facts: BatchFacts,
    reads: Reads,
    *,
    expected_pages: int,
    expected_forms: int,
    killed: frozenset[int],
    pages_a_process: int = 1,
) -> list[Check]:
    """Every check of the run, in the order they are printed."""
    return [
        *check_pages(facts, expected_pages),
        *check_reads(facts, reads, killed, pages_a_process),
        *check_forms(facts, expected_forms),
        *check_batch(facts, expected_pages),
    ]


def gather_facts(sessions: Any, storage: Any, batch_id: str, sent: dict[str, str]) -> BatchFacts:
    """The batch as stored; ``sent``: each file's SHA-256 before it was uploaded, by the
    upload's display name."""
    from sqlalchemy import select

    from intake.db.workflow import Batch, Form, Page, Upload

    with sessions() as session:
        batch = session.get(Batch, batch_id)
        uploads = session.scalars(select(Upload).where(Upload.batch_id == batch_id)).all()
        rows = session.execute(
            select(Page.upload_id, Page.index, Page.status).where(Page.batch_id == batch_id)
        ).all()
        identities = session.scalars(select(Form.identity).where(Form.batch_id == batch_id))
        return BatchFacts(
            status=batch.status if batch else "gone",
            pages_total=batch.pages_total if batch else 0,
            pages_done=batch.pages_done if batch else 0,
            forms_found=batch.forms_found if batch else 0,
            pages=tuple((u.id, index) for u in uploads for index in range(u.page_count)),
            rows=tuple((row.upload_id, row.index, row.status) for row in rows),
            identities=tuple(identities),
            originals=tuple(
                Original(
                    u.id,
                    sent.get(u.display_name, ""),
                    u.sha256,
                    hashlib.sha256(storage.get(u.storage_key)).hexdigest(),
                )
                for u in uploads
            ),
        )
