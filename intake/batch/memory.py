"""Handing the memory of a read page back to the system.

A page's images (the scan, its ink, the aligned page, the review image) are arrays of 4 to 35
MB that live for a fraction of a second. glibc's allocator serves a block that large from a
fresh mapping, given back the moment it is freed, until one is freed: then it raises that
threshold to the block's size (up to 32 MB) and serves the next ones from its arenas (one per
thread that allocated, so every worker thread has its own), which keep what they freed. Two
worker threads' pages then leave the arenas holding hundreds of MB between pages, more the
longer the batch. ``keep_page_images_out_of_arenas`` fixes the threshold low, once per worker
process, and ``release_free_memory`` after each page gives back the smaller blocks' free pages.
Elsewhere than glibc (musl, macOS) both do nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from functools import cache

log = logging.getLogger(__name__)

#: blocks from this size on get a mapping of their own, returned when freed: a strip of a page
#: image is more (a 200 dpi A4 scan's grey is 4 MB); glibc's own starting value
PAGE_IMAGE_MMAP_BYTES = 2 * 1024 * 1024
#: mallopt's parameter number of the mapping threshold (malloc.h)
_M_MMAP_THRESHOLD = -3


@cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.malloc_trim.argtypes, libc.malloc_trim.restype = [ctypes.c_size_t], ctypes.c_int
        libc.mallopt.argtypes, libc.mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    except (OSError, AttributeError):
        return None
    return libc


@cache
def keep_page_images_out_of_arenas() -> bool:
    """Serve every block of ``PAGE_IMAGE_MMAP_BYTES`` or more from its own mapping for the rest
    of this process (and of the processes it forks); whether the allocator took it. Costs a
    few per cent of a page's CPU in page faults."""
    libc = _libc()
    if libc is None:
        return False
    taken = bool(libc.mallopt(_M_MMAP_THRESHOLD, PAGE_IMAGE_MMAP_BYTES))
    log.debug("page images outside the allocator's arenas: %s", taken)
    return taken


def release_free_memory() -> bool:
    """Return the allocator's free memory to the system; whether it could be asked to."""
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True
