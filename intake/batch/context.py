"""What the batch job is given: the reader's and matcher's shapes, and the worker's context.

``intake.batch.wiring`` wires the real reader and matcher to these shapes; tests pass fakes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from intake.batch.proposal import Proposal
from intake.config import Settings
from intake.errors import TemplateError
from intake.reading.ingest import PageImage
from intake.reading.result import FieldRead, FormRead, PageRead
from intake.storage import Storage
from intake.template.model import FormTemplate


@dataclass(frozen=True)
class PageOutcome:
    """What the reader made of one page image."""

    page: PageRead
    fields: dict[str, FieldRead] = field(default_factory=dict)
    #: the page warped onto its template (``template.page_w`` mm wide), None if not aligned
    aligned: np.ndarray | None = None


class PageReader(Protocol):
    def __call__(self, image: PageImage, source: str) -> PageOutcome: ...


#: a read form -> what the roster says of it
Matcher = Callable[[FormRead], Proposal]


@dataclass(frozen=True)
class BatchContext:
    """Everything the batch job needs, built once per worker from configuration."""

    settings: Settings
    sessions: sessionmaker[Session]
    storage: Storage
    reader: PageReader
    matcher: Matcher

    @cached_property
    def templates(self) -> Mapping[str, FormTemplate]:
        """Every form template the school has, by key ("parent-portal-v1")."""
        from intake.reading.cli import load_templates

        return load_templates(self.settings)

    def template(self, key: str) -> FormTemplate:
        """The template of ``key``; a page naming one the server lacks never gets this far."""
        try:
            return self.templates[key]
        except KeyError:
            raise TemplateError(f"the form template {key} is not installed") from None
