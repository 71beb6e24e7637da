"""What the batch job is given: the reader's and matcher's shapes, and the worker's context.

Kept apart from ``intake.processing`` (reading pages) and ``intake.assembly`` (pages into forms)
so that both can use it; ``intake.readers`` wires the real reader and matcher to these shapes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from intake.config import Settings
from intake.reading.ingest import PageImage
from intake.reading.result import FieldRead, FormRead, PageRead
from intake.storage import Storage


@dataclass(frozen=True)
class PageOutcome:
    """What the reader made of one page image."""

    page: PageRead
    fields: dict[str, FieldRead] = field(default_factory=dict)
    #: the page warped onto the template (``template.page_w`` mm wide), None if not aligned
    aligned: np.ndarray | None = None


class PageReader(Protocol):
    def __call__(self, image: PageImage, source: str) -> PageOutcome: ...


#: a read form -> matching proposals, JSON-able (see ``intake.readers``)
Matcher = Callable[[FormRead], dict[str, Any]]


@dataclass(frozen=True)
class BatchContext:
    """Everything the batch job needs, built once per worker from configuration."""

    settings: Settings
    sessions: sessionmaker[Session]
    storage: Storage
    reader: PageReader
    matcher: Matcher
