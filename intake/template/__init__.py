"""The form template: the one source of every coordinate, for printing and for reading."""

from intake.template.load import load_template, template_path
from intake.template.model import (
    CharField,
    FieldKind,
    FormTemplate,
    Mark,
    Page,
    QrSpec,
    Rect,
    SignatureField,
    TextBlock,
    TickField,
)

__all__ = [
    "CharField",
    "FieldKind",
    "FormTemplate",
    "Mark",
    "Page",
    "QrSpec",
    "Rect",
    "SignatureField",
    "TextBlock",
    "TickField",
    "load_template",
    "template_path",
]
