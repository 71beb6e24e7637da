"""Where the product finds its own files at run time, in a checkout and in an installed wheel.

Two folders of the product's layout sit beside the package in a checkout: ``templates/`` (the
form template JSON in ``templates/forms``, the web app's Jinja templates in ``templates/web``)
and ``samples/`` (the committed sample scans and their roster, which ``intake demo`` loads). The
wheel carries them inside the package, under ``intake/packaged/`` (``force-include`` in
``pyproject.toml``), so an installed product never reads from a checkout it does not have. An
editable install or a plain checkout has no ``intake/packaged``, and reads the top-level folders.

Files that live in the package itself (the character models, the web's static files, the
migrations, the common-password list) are read beside their modules in both cases.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

from intake import PROJECT_ROOT

#: a top-level folder of the product's layout that travels in the wheel
ProductFolder = Literal["templates", "samples"]

#: the folder inside the installed package that holds the wheel's copies
PACKAGED = "packaged"


def package_path(package: str, *parts: str) -> Path:
    """A file or folder inside an installed (unzipped) package, as a ``Path``."""
    return Path(str(resources.files(package).joinpath(*parts)))


def product_folder(name: ProductFolder) -> Path:
    """The product's ``templates`` or ``samples`` folder: the wheel's copy inside the package
    when there is one, else the checkout's top-level folder."""
    packaged = package_path("intake", PACKAGED, name)
    if packaged.is_dir():
        return packaged
    return PROJECT_ROOT / name
