from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from intake.lab.matching.bench import main, match_metrics, score_matches
from intake.lab.matching.simulate import Noise, simulate_read
from intake.lab.samples.truth import ApplicantTruth, ChildTruth, FormTruth
from intake.matching.index import RosterIndex
from intake.matching.proposals import match_form
from intake.roster.model import Roster

from .conftest import FormBuilder

RACHEL = {"forename": "RACHEL", "surname": "EVANS", "mobile_tel": "07700900007"}


def truth(
    children: list[ChildTruth],
    applicants: list[ApplicantTruth],
    fields: dict[str, str] | None = None,
) -> FormTruth:
    return FormTruth(
        "f1",
        "parent-portal-v1",
        "",
        "",
        (),
        fields or {},
        {},
        {},
        tuple(children),
        tuple(applicants),
    )


def test_a_row_left_for_a_person_is_not_wrong_but_not_linked(
    index: RosterIndex, make_form: FormBuilder
) -> None:
    forms = [
        make_form([("LILY EVANS", "10B")], p1=RACHEL),
        make_form(
            [("JACK OBRIEN", ""), ("SAM SMITH", "7A")],
            p1={"forename": "DECLAN", "surname": "OBRIEN"},
        ),
    ]
    truths = [
        truth(
            [ChildTruth(1, "S07", "LILY EVANS", "10B")], [ApplicantTruth("parent1", "C07", "pr")]
        ),
        truth(
            [ChildTruth(1, "S04", "JACK OBRIEN", ""), ChildTruth(2, None, "SAM SMITH", "7A")],
            [ApplicantTruth("parent1", "C04", "pr")],
        ),
    ]
    metrics = score_matches([match_form(f, index) for f in forms], truths)
    assert metrics["child_rows"] == 2
    assert metrics["child_link_accuracy"] == 0.5
    assert metrics["child_rows_for_review"] == 1
    assert metrics["child_wrong_auto_links"] == 0
    assert metrics["child_not_at_school_left_unlinked"] == 1.0


def test_a_wrong_link_and_an_unstopped_applicant_are_counted(
    index: RosterIndex, make_form: FormBuilder
) -> None:
    forms = [make_form([("LILY EVANS", "10B")], p1=RACHEL)]
    lying = [
        truth(
            [ChildTruth(1, "S01", "LILY EVANS", "10B")], [ApplicantTruth("parent1", "C07", "no_pr")]
        )
    ]
    metrics = score_matches([match_form(f, index) for f in forms], lying)
    assert metrics["child_wrong_auto_links"] == 1
    assert metrics["blocked_applicant_recall"] == 0.0
    assert metrics["applicant_match_accuracy"] == 1.0


def test_match_metrics_needs_one_truth_per_form(roster: Roster) -> None:
    with pytest.raises(ValueError, match="1 forms but 0 truths"):
        match_metrics([object()], [], roster)  # type: ignore[list-item]


def test_simulated_reads_keep_the_boxes(roster: Roster) -> None:
    t = truth([], [], {"child1_name": "LILY EVANS", "p1_home_tel": "01234567890"})
    read = simulate_read(t, random.Random(1), Noise(confusion_rate=1.0, confident_error_rate=0))
    name = read.fields["child1_name"]
    assert len(name.chars) == len("LILY EVANS")
    assert name.chars[4].char == ""  # the empty box
    # every letter with a lookalike letter is confused (S's only lookalike is the digit 5)
    assert [c.confidence < 0.75 for c in name.chars if c.char] == [True] * 8 + [False]
    assert all(c.char.isalpha() for c in name.chars if c.char)  # names read as letters
    assert read.fields["p1_home_tel"].value.isdigit()


demo = pytest.importorskip("intake.lab.roster.demo")


@pytest.mark.slow
def test_issue_4_targets_on_a_generated_roster(capsys: pytest.CaptureFixture[str]) -> None:
    """2,000 students, 1,000 forms filled by the demo families, read by a simulated reader that
    confuses 1% of characters (with low confidence) and misreads 0.2% confidently."""
    pytest.importorskip("intake.lab.samples.fill")
    assert main(["--demo", "2000", "--forms", "1000", "--confusion-rate", "0.01"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    print(json.dumps(metrics))
    assert metrics["child_rows"] > 1000
    assert metrics["child_wrong_auto_links"] == 0
    assert metrics["child_link_accuracy"] >= 0.995
    assert metrics["applicant_match_accuracy"] >= 0.99
    assert metrics["blocked_applicant_recall"] == 1.0
    assert metrics["applicants_to_stop"] > 10
    assert metrics["match_sec_per_1000_forms"] < 60


def test_the_script_reads_a_roster_and_a_samples_folder(
    tmp_path: Path, roster: Roster, capsys: pytest.CaptureFixture[str]
) -> None:
    from intake.roster.csv_io import write_roster

    write_roster(roster, tmp_path / "roster.csv")
    truth(
        [ChildTruth(1, "S07", "LILY EVANS", "10B")],
        [ApplicantTruth("parent1", "C07", "pr")],
        {
            "child1_name": "LILY EVANS",
            "child1_tutor_group": "10B",
            "p1_forename": "RACHEL",
            "p1_surname": "EVANS",
            "p1_mobile_tel": "07700900007",
        },
    ).save(tmp_path)
    assert main(["--samples", str(tmp_path), "--confusion-rate", "0"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["forms"] == 1
    assert metrics["child_link_accuracy"] == 1.0
    assert metrics["applicant_match_accuracy"] == 1.0


def test_the_script_says_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        main(["--samples", str(tmp_path)])
