"""``intake bench crash``: its checks fail on a doubled form, a lost page, a result stored twice,
too many re-reads or a changed original; its kills are seeded and spread over the batch; its
exit code says whether every check passed (the 20-kill run itself is run by hand: README)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from typing import Any

import pytest
from click.testing import CliRunner

from intake.lab.bench import crash, crash_checks
from intake.lab.bench.cli import bench, format_crash
from intake.lab.bench.crash import CrashOptions, plan_kills
from intake.lab.bench.crash_checks import BatchFacts, Original, Reads, all_checks, count_reads

UPLOADS = ("u1", "u2", "u3", "u4")
PAGES = [(upload, 0) for upload in UPLOADS]


def _facts(**changes: Any) -> BatchFacts:
    facts = BatchFacts(
        status="done",
        pages_total=4,
        pages_done=4,
        forms_found=2,
        pages=tuple(PAGES),
        rows=tuple((upload, index, "read") for upload, index in PAGES),
        identities=("serial-1", "serial-2"),
        originals=tuple(Original(u, f"sha-{u}", f"sha-{u}", f"sha-{u}") for u in UPLOADS),
    )
    return replace(facts, **changes)


#: the pids of the processes the run killed
KILLED = frozenset({101, 102})


def _reads(readers: dict[tuple[str, int], tuple[int, ...]] | None = None) -> Reads:
    """Every page read once by process 200 (alive), then as ``readers`` say."""
    by_page = {page: (200,) for page in PAGES} | (readers or {})
    started = Counter({page: len(pids) for page, pids in by_page.items()})
    return Reads(started, Counter(PAGES), by_page)


def _failed(facts: BatchFacts, reads: Reads | None = None, pages_a_process: int = 1) -> list[str]:
    checks = all_checks(
        facts,
        reads or _reads(),
        expected_pages=4,
        expected_forms=2,
        killed=KILLED,
        pages_a_process=pages_a_process,
    )
    return [check.name for check in checks if not check.ok]


def test_a_batch_read_once_passes_every_check() -> None:
    assert _failed(_facts()) == []
    # pages read again because a kill came mid-read, stored once: allowed
    assert _failed(_facts(), _reads({("u2", 0): (101, 200), ("u3", 0): (102, 200)})) == []


def test_a_doubled_form_fails() -> None:
    doubled = _facts(identities=("serial-1", "serial-2", "serial-2b"), forms_found=3)
    assert _failed(doubled) == ["every form once"]
    assert "every form once" in _failed(_facts(identities=("serial-1", "serial-1")))


def test_a_lost_page_fails() -> None:
    lost = _facts(rows=_facts().rows[:3], pages_done=3)
    assert _failed(lost) == ["a row a page", "pages counted once"]


def test_a_page_not_read_or_counted_twice_fails() -> None:
    rows = (*_facts().rows[:3], ("u4", 0, "failed"))
    assert _failed(_facts(rows=rows)) == ["every page read"]
    assert _failed(_facts(pages_done=5)) == ["pages counted once"]
    assert _failed(_facts(status="processing")) == ["batch done"]


def test_a_result_stored_twice_or_too_many_re_reads_fail() -> None:
    from collections import Counter

    twice = replace(_reads(), stored=Counter([*PAGES, ("u1", 0)]))
    assert _failed(_facts(), twice) == ["every result stored once"]
    # read again after a reader that was not killed (two live workers on one page)
    live = _reads({("u1", 0): (200, 201)})
    assert _failed(_facts(), live) == ["re-reads only after a kill"]
    # one killed worker process caught reading two pages at once
    two = _reads({("u1", 0): (101, 200), ("u2", 0): (101, 200)})
    assert _failed(_facts(), two) == ["re-reads only after a kill"]
    assert _failed(_facts(), two, pages_a_process=2) == []  # a server's two worker threads
    never = _reads()
    never.readers.pop(("u4", 0))
    never.started.pop(("u4", 0))
    assert _failed(_facts(), never) == ["every page's read logged"]


def test_a_changed_original_fails() -> None:
    changed = (*_facts().originals[:3], Original("u4", "sha-u4", "sha-u4", "sha-other"))
    assert _failed(_facts(originals=changed)) == ["originals unchanged"]


def test_reads_are_counted_from_the_json_lines_of_one_batch() -> None:
    def line(message: str, process: int = 7) -> str:
        return json.dumps({"level": "INFO", "message": message, "process": process})

    lines = [
        line("page read: batch b1 upload u1 page 0 range r1"),
        line("page read: batch b1 upload u1 page 0 range r1", process=8),
        line("batch b1 upload u1 page 0: read"),
        line("page read: batch other upload u9 page 0 range r9"),
        "Job workers: 2 processes on redis://127.0.0.1:6379/8.",  # the command's own line
        line("page read: batch b1 upload u2 page 3 range r2")[:30],  # cut short by a kill
    ]
    reads = count_reads(lines, "b1")
    assert reads.started == {("u1", 0): 2}
    assert reads.stored == {("u1", 0): 1}
    assert reads.readers == {("u1", 0): (7, 8)}
    assert crash_checks.re_reads(reads) == 1
    assert crash_checks.interrupted(reads) == [(("u1", 0), 7)]


def test_the_kills_are_seeded_spread_over_the_batch_and_of_both_kinds() -> None:
    options = CrashOptions(pages=100, kills=20, seed=5)
    kills = plan_kills(options)
    assert kills == plan_kills(options)
    assert kills != plan_kills(replace(options, seed=6))
    assert [k.after_pages // 5 for k in kills] == list(range(20))  # one in each 5 pages
    assert [k.what for k in kills].count("tree") == [k.what for k in kills].count("one") == 10
    assert all(0 <= k.delay_s <= crash.KILL_DELAY_S for k in kills)
    embedded = plan_kills(replace(options, embedded=True))
    assert {k.what for k in embedded} == {"server"}


def _report(ok: bool) -> dict[str, Any]:
    checks = [{"name": "every form once", "ok": ok, "detail": "50 forms, 50 expected"}]
    return {
        "mode": "intake worker (Redis)",
        "pages": 100,
        "processes": 2,
        "lease_s": 10,
        "seed": 18,
        "kills": {"one": 10, "tree": 10},
        "starts": 11,
        "reads": 103,
        "re_reads": 3,
        "re_reads_by_kill_kind": {"one": 1, "tree": 2},
        "forms": 50,
        "status": "done",
        "pages_done": 100,
        "pages_total": 100,
        "seconds": 600.0,
        "checks": checks,
        "ok": ok,
    }


@pytest.mark.parametrize("ok", [True, False])
def test_the_exit_code_says_whether_every_check_passed(
    monkeypatch: pytest.MonkeyPatch, ok: bool
) -> None:
    monkeypatch.setattr(crash, "run_crash", lambda options, settings: _report(ok))
    result = CliRunner().invoke(bench, ["crash", "--embedded", "--pages", "4", "--kills", "2"])
    assert result.exit_code == (0 if ok else 1), result.output
    assert ("FAIL every form once" in result.output) is not ok
    assert result.output.strip().endswith("all checks passed" if ok else "CHECKS FAILED")
    assert "10 one, 10 tree" in format_crash(_report(ok))
    assert "3 re-reads, 1 after one, 2 after tree" in format_crash(_report(ok))


def test_worker_mode_needs_scratch_redis_and_database() -> None:
    result = CliRunner().invoke(bench, ["crash", "--pages", "4"])
    assert result.exit_code == 2
    assert "--redis URL and --database URL" in result.output


def test_re_reads_are_told_by_the_kind_of_kill_that_stopped_the_first_read() -> None:
    kills = [
        crash.KillMade("tree", 10, "processing", 5.0, (101, 103)),
        crash.KillMade("one", 20, "processing", 9.0, (102,)),
    ]
    reads = _reads({("u1", 0): (101, 200), ("u2", 0): (102, 200), ("u3", 0): (200, 201)})
    assert crash._re_reads_by_kind(reads, kills) == {"none": 1, "one": 1, "tree": 1}
