"""Handing the memory of a read page back to the system.

A page's images (the scan, the aligned page, the review image) are tens of megabytes of numpy
arrays that live for a fraction of a second. glibc's allocator keeps what they freed in its
arenas (one per thread that allocated, so every worker thread has its own) and rarely returns it:
a worker's resident memory climbs page by page although nothing is kept. ``malloc_trim(0)``
after each page gives the free pages back. Elsewhere than glibc (musl, macOS) it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from collections.abc import Callable
from functools import cache

log = logging.getLogger(__name__)


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def release_free_memory() -> bool:
    """Return the allocator's free memory to the system; whether it could be asked to."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
