"""Progress reporting through a small interface with a do-nothing default."""

from typing import Protocol


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
