"""Fixtures for the reading tests; the synthetic pages live in ``reading_pages``."""

from __future__ import annotations

import pytest
from reading_pages import HersheyEngine

from intake.reading.pipeline import ReadContext
from intake.template.load import load_template
from intake.template.model import FormTemplate


@pytest.fixture(scope="session")
def template() -> FormTemplate:
    return load_template()


@pytest.fixture(scope="session")
def ctx(template: FormTemplate) -> ReadContext:
    return ReadContext(templates={template.key: template}, engine=HersheyEngine())
