"""Progress reporting through a small interface with a do-nothing default."""

import sys
from typing import Any, Protocol


class Progress(Protocol):
    def start(self, total: int, label: str = "") -> None: ...

    def advance(self, step: int = 1) -> None: ...

    def finish(self) -> None: ...


class NullProgress:
    """Reports nothing; the default for library calls."""

    def start(self, total: int, label: str = "") -> None:
        pass

    def advance(self, step: int = 1) -> None:
        pass

    def finish(self) -> None:
        pass


class TerminalProgress:
    """A progress bar on standard error, for the command line."""

    def __init__(self) -> None:
        self._bar: Any = None

    def start(self, total: int, label: str = "") -> None:
        import click

        self._bar = click.progressbar(length=total, label=label, file=sys.stderr)
        self._bar.__enter__()

    def advance(self, step: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(step)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None
