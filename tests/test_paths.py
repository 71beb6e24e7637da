"""``intake.paths``: the wheel's packaged copy first, the checkout's top-level folder otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake import PROJECT_ROOT, paths


def test_a_checkout_reads_its_top_level_folders() -> None:
    # the editable install of the tests has no intake/packaged (it is .gitignored)
    assert paths.product_folder("templates") == PROJECT_ROOT / "templates"
    assert (paths.product_folder("templates") / "forms" / "parent-portal-v1.json").is_file()
    assert (paths.product_folder("samples") / "batch.pdf").is_file()


def test_an_installed_wheel_reads_its_packaged_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "packaged" / "templates").mkdir(parents=True)

    def in_wheel(package: str, *parts: str) -> Path:
        assert package == "intake"
        return tmp_path.joinpath(*parts)

    monkeypatch.setattr(paths, "package_path", in_wheel)
    assert paths.product_folder("templates") == tmp_path / "packaged" / "templates"
    assert paths.product_folder("samples") == PROJECT_ROOT / "samples"


def test_package_files_are_read_beside_their_modules() -> None:
    assert (paths.package_path("intake.web", "static") / "app.css").is_file()
    assert (paths.package_path("intake", "models") / "charnet.onnx").is_file()
