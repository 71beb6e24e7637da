"""SIGTERM as Ctrl+C for a long-running command, for as long as it runs.

A service manager (systemd, Docker) stops a process with SIGTERM; ``intake serve`` and
``intake watch`` treat it as Ctrl+C, so that their ``finally`` blocks stop what they started. The
handler is put back when the command returns: left in place, it outlives the command in the
process that ran it (a test runner), and a child forked later would answer SIGTERM with
KeyboardInterrupt instead of stopping, as a multiprocessing pool's ``terminate`` expects.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """Within the block, SIGTERM raises KeyboardInterrupt; afterwards it is as it was."""
    before = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)
