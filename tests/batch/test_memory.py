"""Freed page memory goes back to the system: page-sized blocks at once, the rest after each
page (glibc's mallopt and malloc_trim)."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from intake.batch.memory import release_free_memory


def _rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(platform.system() != "Linux", reason="malloc_trim is glibc's (Linux)")
def test_trimming_returns_the_memory_of_many_small_freed_arrays() -> None:
    # many arrays under glibc's mmap threshold: freed, they stay in the heap until trimmed
    arrays = [np.ones(16_000, np.uint8) for _ in range(20_000)]  # about 320 MB
    keep = arrays[::1000]  # a few survivors pin the heap's top, as a worker's objects do
    del arrays
    before = _rss_kb()
    assert release_free_memory()
    after = _rss_kb()
    assert before - after > 100_000, (before, after)  # over 100 MB given back
    assert len(keep) == 20


#: run in a fresh interpreter: blocks freed by the tests before would serve these from the heap
_PAGE_BLOCKS = """
import numpy as np
from intake.batch.memory import keep_page_images_out_of_arenas

def rss_kb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))

assert keep_page_images_out_of_arenas()
# glibc would raise its mapping threshold to a freed page-sized block's size, and serve the
# next page's blocks from an arena that keeps them
np.ones(30_000_000, np.uint8)
pages = [np.ones(3_000_000, np.uint8) for _ in range(50)]  # about 150 MB
survivors = [np.ones(1_000, np.uint8) for _ in range(50)]  # small objects between them
before = rss_kb()
del pages
print(before - rss_kb())
"""


@pytest.mark.skipif(platform.system() != "Linux", reason="mallopt is glibc's (Linux)")
def test_page_sized_blocks_go_back_when_freed_without_a_trim() -> None:
    freed = subprocess.run(
        [sys.executable, "-c", _PAGE_BLOCKS],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],  # the repository's intake
    )
    assert int(freed.stdout) > 100_000, freed.stdout  # over 100 MB given back at once
