"""The benchmark's straight-through figures: forms the product's judgement sends straight through,
wrong accounts among them by cause, false "unsigned" and false ticks, with Wilson bounds."""

from __future__ import annotations

from dataclasses import replace

from intake.config import Thresholds
from intake.lab.bench.metrics import scan_kind
from intake.lab.bench.straight import straight_through_figures
from intake.lab.samples.truth import ApplicantTruth, ChildTruth, FormTruth, PageTruth
from intake.matching.applicants import ApplicantMatch, Outcome
from intake.matching.children import ChildMatch
from intake.matching.confirm import OnRecord
from intake.matching.proposals import FormMatch
from intake.reading.result import CharRead, FieldRead, FormRead
from intake.template.load import load_template
from intake.template.model import FieldKind

TEMPLATE = load_template("parent-portal-v1")
SIGNATURES = ("p1_signature_agree", "p1_signature_confirm")


def _truth(form_id: str, *, student: str = "S1", signed: bool = True, mode: str = "grey"):
    return FormTruth(
        form_id=form_id,
        template=TEMPLATE.key,
        serial="F1",
        family_serial="F1",
        pages=(PageTruth(1, "p1.png", conditions=(mode, "300dpi")),),
        fields={"p1_email": "JANE@EXAMPLE.COM", "child1_name": "TOM SMITH"},
        ticks={"child1_has_account": False},
        signatures={s: signed for s in SIGNATURES},
        children=(ChildTruth(1, student, "TOM SMITH", "7A"),),
        applicants=(ApplicantTruth("parent1", "C1", "pr"),),
    )


def _field(field_id: str, value: str) -> FieldRead:
    kind = TEMPLATE.field(field_id).kind
    chars = (
        ()
        if kind in (FieldKind.TICK, FieldKind.SIGNATURE)
        else tuple(CharRead(c, 1.0) for c in value)
    )
    return FieldRead(field_id, kind, 1, value, value, 1.0, chars)


def _read(*, signed: str = "signed", tick: str = "") -> FormRead:
    fields = {
        "p1_signature_agree": _field("p1_signature_agree", "signed"),
        "p1_signature_confirm": _field("p1_signature_confirm", signed),
        "p1_email": _field("p1_email", "jane@example.com"),
        "p1_print_name": _field("p1_print_name", "JANE SMITH"),
        "p1_date": _field("p1_date", "2026-09-01"),
        "child1_name": _field("child1_name", "TOM SMITH"),
        "child1_has_account": _field("child1_has_account", tick),
    }
    problems = () if signed == "signed" else ("unsigned",)
    return FormRead(TEMPLATE.form_type, TEMPLATE.version, "F1", (), fields, problems)


def _match(student: str = "S1") -> FormMatch:
    child = ChildMatch(1, (), student, True, ("family serial",))
    applicant = ApplicantMatch("parent1", "C1", Outcome.PR, (), (), (), ())
    return FormMatch((child,), (applicant,), (), (), False, (), True, ())


RECORDS = OnRecord(confirmed={"p1_email": "contact C1"}, corrections={})


def test_figures_count_straight_through_forms_and_the_wrong_ones_by_cause() -> None:
    items = [
        (_truth("a"), _read(), _match(), RECORDS),  # right
        (_truth("b", student="S2"), _read(), _match("S1"), RECORDS),  # the wrong child linked
        (_truth("c", mode="bw"), _read(signed=""), _match(), RECORDS),  # false "unsigned"
        (_truth("d", mode="bw"), _read(tick="ticked"), _match(), RECORDS),  # a false tick
        (_truth("e"), None, None, None),  # never read
    ]
    out = straight_through_figures(TEMPLATE, items, Thresholds())
    assert (out["forms"], out["straight_through"]) == (5, 3)
    assert out["straight_through_rate"] == 0.6
    assert out["wrong_accounts"] == 1
    assert out["wrong_by_cause"] == {"child_linked_wrongly": 1}
    assert 1 / 3 < out["wrong_accounts_wilson95"] < 1
    assert (out["signed_signatures"], out["false_unsigned_rate"]) == (8, 0.125)
    assert (out["empty_ticks"], out["false_tick_rate"]) == (4, 0.25)
    assert (
        out["held_by"]
        == {"a signature is missing": 1, "parent/carer N's signature (Signature) is not certain": 1}
        or "a signature is missing" in out["held_by"]
    )
    assert out["by_scan"]["bw"]["forms"] == 2 and out["by_scan"]["bw"]["false_tick_rate"] == 0.5
    assert out["by_scan"]["grey"]["straight_through"] == 2


def test_an_unsigned_form_that_went_through_is_a_wrong_account() -> None:
    """The truth says unsigned but the reader saw ink: the product passed an unsigned form."""
    out = straight_through_figures(
        TEMPLATE, [(_truth("a", signed=False), _read(), _match(), RECORDS)], Thresholds()
    )
    assert out["unsigned_passed"] == 1 and out["wrong_by_cause"] == {"unsigned_passed": 1}


def test_scan_kind_names_photos_and_colour_modes() -> None:
    assert scan_kind(_truth("a", mode="bw")) == "bw"
    photo = FormTruth(
        "p", TEMPLATE.key, "", "", (PageTruth(1, "x.jpg", photo=True),), {}, {}, {}, (), ()
    )
    assert scan_kind(photo) == "photo"


def test_forms_that_need_nobody_are_counted_apart_with_what_held_them() -> None:
    """A form needs nobody when no mistake was planted and each applicant wrote the email the
    school holds; a person looking at one is the product's own false alarm."""
    new_email = replace(_truth("c"), fields={**_truth("c").fields, "p1_email": "NEW@EXAMPLE.COM"})
    items = [
        (_truth("a"), _read(), _match(), RECORDS),  # needs nobody, went straight through
        (_truth("b", mode="bw"), _read(signed=""), _match(), RECORDS),  # needs nobody, held
        (new_email, _read(), _match(), RECORDS),  # a new email to type: held by design
        (replace(_truth("d"), problems=("address_differs",)), _read(), _match(), RECORDS),
    ]
    out = straight_through_figures(TEMPLATE, items, Thresholds(), {"C1": "jane@example.com"})
    assert out["forms_needing_nobody"] == 2
    assert out["needing_nobody_straight_through_rate"] == 0.5
    assert "a signature is missing" in out["held_needlessly_by"]
    assert sum(out["held_needlessly_by"].values()) <= sum(out["held_by"].values())
    assert out["by_scan"]["bw"]["forms_needing_nobody"] == 1
    without = straight_through_figures(TEMPLATE, items, Thresholds())
    assert without["forms_needing_nobody"] == 0 and without["held_needlessly_by"] == {}
