"""The laboratory: tools that make, train and measure, apart from what a school's server runs.

``samples`` fills and scans synthetic forms, ``roster.demo`` makes a synthetic school roster,
``training`` reproduces the shipped character model, ``bench`` and ``matching`` measure the
reader and the matcher. They need the ``tools`` extra (``faker``) and, to train, the ``train``
extra (PyTorch, ONNX): ``pip install 'parent-portal-intake[tools]'``. Nothing outside this
package imports it, except the ``intake`` commands that run these tools.
"""

from __future__ import annotations

#: a module the laboratory imports -> the extra that installs it
EXTRA_OF_MODULE: dict[str, str] = {"faker": "tools", "torch": "train", "onnx": "train"}


def missing_extra(exc: ImportError) -> str | None:
    """One line saying how to install what a failed import lacks, or None when the missing
    module is not one of the laboratory's optional dependencies (a real fault to show)."""
    name = (getattr(exc, "name", None) or "").partition(".")[0]
    extra = EXTRA_OF_MODULE.get(name)
    if extra is None:
        return None
    return (
        f"this needs {name}, which the {extra!r} extra installs: "
        f"pip install 'parent-portal-intake[{extra}]'"
    )
