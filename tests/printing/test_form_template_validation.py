"""The template is validated on load, and each error names the key that is wrong."""

from __future__ import annotations

import json
from typing import Any

import pytest

from intake.errors import TemplateError
from intake.template import load_template
from intake.template.load import parse_template


def _parse(raw: dict[str, Any]) -> None:
    parse_template(json.dumps(raw), "test.json")


def _field(raw: dict[str, Any], field_id: str) -> dict[str, Any]:
    for page in raw["pages"]:
        for field in page["fields"]:
            if field["id"] == field_id:
                return field
    raise KeyError(field_id)


def test_the_shipped_template_loads(template_dict: dict[str, Any]) -> None:
    template = load_template("parent-portal-v1")
    assert template.key == "parent-portal-v1"
    assert len(template.pages) == 2
    assert len(template.fields()) == sum(len(p["fields"]) for p in template_dict["pages"])


def test_bad_json_is_reported_with_its_source() -> None:
    with pytest.raises(TemplateError, match=r"form template broken\.json is not valid JSON"):
        parse_template('{"form_type": "parent-portal",', "broken.json")


def test_zero_boxes_names_the_field_and_key(raw: dict[str, Any]) -> None:
    _field(raw, "p1_surname")["boxes"] = 0
    with pytest.raises(TemplateError, match=r"pages\.1\.fields\.1\.name\.boxes: .*greater than 0"):
        _parse(raw)


def test_unknown_kind_is_named(raw: dict[str, Any]) -> None:
    _field(raw, "p1_email")["kind"] = "colour"
    with pytest.raises(TemplateError, match=r"pages\.1\.fields\.7: .*'colour'.*'kind'"):
        _parse(raw)


def test_duplicate_field_id_is_named(raw: dict[str, Any]) -> None:
    _field(raw, "p2_email")["id"] = "p1_email"
    with pytest.raises(TemplateError, match=r"field id 'p1_email' is used twice"):
        _parse(raw)


def test_symmetric_marks_are_refused(raw: dict[str, Any]) -> None:
    page = raw["pages"][0]
    page["marks"] = [
        {"x": 8, "y": 8, "size": 6},
        {"x": 196, "y": 8, "size": 6},
        {"x": 8, "y": 283, "size": 6},
        {"x": 196, "y": 283, "size": 6},
    ]
    with pytest.raises(TemplateError, match=r"page 1: the registration marks map onto themselves"):
        _parse(raw)


def test_fewer_than_four_marks_are_refused(raw: dict[str, Any]) -> None:
    raw["pages"][1]["marks"] = raw["pages"][1]["marks"][:3]
    with pytest.raises(TemplateError, match=r"pages\.1\.marks: .*at least 4"):
        _parse(raw)


def test_field_off_the_page_is_named(raw: dict[str, Any]) -> None:
    _field(raw, "child5_has_account")["x"] = 207
    with pytest.raises(TemplateError, match=r"field 'child5_has_account' lies outside the page"):
        _parse(raw)


def test_small_qr_is_refused(raw: dict[str, Any]) -> None:
    raw["pages"][0]["qr"]["size"] = 10
    with pytest.raises(TemplateError, match=r"pages\.0\.qr\.size: .*greater than or equal to 12"):
        _parse(raw)


def test_weak_qr_error_correction_is_refused(raw: dict[str, Any]) -> None:
    raw["pages"][0]["qr"]["error_correction"] = "L"
    with pytest.raises(TemplateError, match=r"pages\.0\.qr\.error_correction"):
        _parse(raw)


def test_date_groups_must_add_up(raw: dict[str, Any]) -> None:
    _field(raw, "p1_date")["groups"] = [2, 2, 2]
    with pytest.raises(TemplateError, match=r"groups \[2, 2, 2\] do not add up to boxes=8"):
        _parse(raw)


def test_unknown_key_is_named(raw: dict[str, Any]) -> None:
    _field(raw, "p1_forename")["colour"] = "red"
    with pytest.raises(TemplateError, match=r"pages\.1\.fields\.0\.name\.colour: Extra inputs"):
        _parse(raw)


def test_missing_title_is_named(raw: dict[str, Any]) -> None:
    del raw["title"]
    with pytest.raises(TemplateError, match=r"title: Field required"):
        _parse(raw)


def test_pages_must_be_numbered_in_order(raw: dict[str, Any]) -> None:
    raw["pages"][1]["number"] = 3
    with pytest.raises(TemplateError, match=r"pages must be numbered 1\.\.2, got \[1, 3\]"):
        _parse(raw)
