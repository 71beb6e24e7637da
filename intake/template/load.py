"""Load and validate a form template file, with messages that name the bad key."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from intake.errors import TemplateError
from intake.paths import product_folder
from intake.template.model import FormTemplate


def template_path(name: str = "parent-portal-v1", directory: Path | None = None) -> Path:
    return (directory or product_folder("templates") / "forms") / f"{name}.json"


def _describe(error: ValidationError, source: str) -> str:
    lines = []
    for item in error.errors()[:10]:
        where = ".".join(str(part) for part in item["loc"]) or "(top level)"
        lines.append(f"{where}: {item['msg']}")
    return f"form template {source} is invalid:\n  " + "\n  ".join(lines)


def parse_template(text: str, source: str = "<text>") -> FormTemplate:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TemplateError(f"form template {source} is not valid JSON: {exc}") from exc
    try:
        return FormTemplate.model_validate(raw)
    except ValidationError as exc:
        raise TemplateError(_describe(exc, source)) from exc


@lru_cache(maxsize=8)
def _load_cached(path: Path) -> FormTemplate:
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise TemplateError(f"cannot read form template {path}: {exc}") from exc
    return parse_template(text, str(path))


def load_template(name_or_path: str | Path = "parent-portal-v1") -> FormTemplate:
    """Load a template by name (``parent-portal-v1``) or by path; loaded once per process."""
    path = Path(name_or_path)
    if path.suffix != ".json":
        path = template_path(str(name_or_path))
    return _load_cached(path.resolve())


def template_for(
    form_type: str, version: int, directory: Path | None = None, fallback: str = ""
) -> FormTemplate:
    """The template a form's own pages carry (``<form_type>-v<version>``), so that a form
    printed from an older version is read and shown with that version; ``fallback`` (the
    school's usual template) when the pages named none, as for a form a person put together."""
    if form_type and version:
        path = template_path(f"{form_type}-v{version}", directory)
        if path.is_file():
            return _load_cached(path.resolve())
    return load_template(fallback or "parent-portal-v1")
