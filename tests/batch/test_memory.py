"""Freed page memory goes back to the system after each page (glibc's malloc_trim)."""

from __future__ import annotations

import platform

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
