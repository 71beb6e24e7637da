"""The README of a generated samples folder: how it was made and what each form tests.

Written from the truths themselves, so the table can never disagree with them.
"""

from __future__ import annotations

from collections import Counter

from intake.lab.samples.truth import FormTruth, PageTruth

#: what a problem code means, for the table's readers
PROBLEM_WORDS: dict[str, str] = {
    "unsigned": "a signature missing",
    "date_missing": "no date",
    "email_missing": "no email (mandatory)",
    "address_differs": "address differs from the one on file",
    "no_parental_responsibility": "applicant without parental responsibility",
    "blocked_contact": "applicant under a court order / no-contact flag",
    "unknown_contact": "applicant the school does not hold",
    "child_not_found": "a child who is not at the school",
    "tutor_group_outdated": "last year's tutor group",
    "tutor_group_wrong": "a wrongly written tutor group",
    "preferred_name": "child's preferred name instead of legal name",
    "misspelt_name": "a misspelt child's name",
    "existing_account_tick": "ticked 'already have an account'",
    "crossed_out": "a crossed-out character",
}
_SKIP = ("skew=", "scale=", "jpeg=")


def _page_words(page: PageTruth) -> str:
    kept = [c for c in page.conditions if not c.startswith(_SKIP)]
    skew = next((c for c in page.conditions if c.startswith("skew=")), "")
    if skew and abs(float(skew.split("=")[1])) >= 2.0:
        kept.append(skew + "°")
    where = f"batch p{page.batch_index + 1}" if page.batch_index is not None else "not in batch"
    return f"`{page.file}` ({', '.join(kept)}; {where})"


def _people(truth: FormTruth) -> str:
    children = f"{len(truth.children)} child{'ren' if len(truth.children) != 1 else ''}"
    outcomes = ", ".join(a.outcome for a in truth.applicants)
    return f"{children}; {len(truth.applicants)} applicant(s): {outcomes}"


def samples_readme(truths: list[FormTruth], command: str, batch_pages: int) -> str:
    """The README text for a samples folder made by ``command``."""
    problems = Counter(code for t in truths for code in t.problems)
    clean = sum(1 for t in truths if not t.problems)
    lines = [
        "# Sample forms",
        "",
        "Filled and scanned Parent Portal application forms made by the sample generator, with",
        "their ground truth. Regenerate this folder (byte for byte) with:",
        "",
        "```",
        command,
        "```",
        "",
        "- `form-NNNN-pP.jpg|png`: page P of form NNNN as the scanner or phone wrote it.",
        "- `form-NNNN.json`: its ground truth (`intake.lab.samples.truth.FormTruth`): every box",
        "  string as written (upper case for what it means, `' '` for an empty box), ticks,",
        "  signatures, the roster ids each child and applicant should resolve to, the problems a",
        "  reviewer should see, and each page's rotation and scan conditions.",
        "- `batch.pdf`: the scanned (not photographed) forms as one copier PDF"
        + (f" of {batch_pages} pages," if batch_pages else ",")
        + " with blank",
        "  backs from duplex scanning and some forms fed page 2 first; `batch_index` in the truth",
        "  and `manifest.json` give each page's place.",
        "- `roster.csv`: the school roster the forms were filled from; `manifest.json`: seed,",
        "  count, handwriting source and generator version.",
        "",
        f"{len(truths)} forms, {clean} clean (no problem a reviewer must see). "
        "A crossed-out box is `' '` in the box string and is listed in `crossed_out`.",
        "",
        "| form | handwriting | people | problems | pages |",
        "|---|---|---|---|---|",
    ]
    for truth in truths:
        hand = truth.writer.get("font") or truth.writer.get("glyph_writer", "glyphs")
        said = "; ".join(PROBLEM_WORDS.get(p, p) for p in truth.problems) or "clean"
        pages = "<br>".join(_page_words(p) for p in truth.pages)
        lines.append(f"| {truth.form_id} | {hand} | {_people(truth)} | {said} | {pages} |")
    lines += ["", "Problems across the set:", ""]
    lines += [
        f"- `{code}` ({PROBLEM_WORDS.get(code, code)}): {n}" for code, n in sorted(problems.items())
    ]
    return "\n".join(lines) + "\n"
