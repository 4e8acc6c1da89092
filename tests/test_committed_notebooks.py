"""What a student reading the committed notebooks sees: no copy of a solution in a lecture, no
stray reprs or frozen progress bars, a figure where a widget needs a kernel, and an answer under
every "Check yourself" question. Reads the files only; nothing is executed."""

from __future__ import annotations

import json
import re

import pytest
from nbgrader_helpers import ASSIGNMENTS, SOLUTIONS

from ovptools.course import instructor

LECTURES = instructor.lecture_notebooks()
MIN_CHARS = 25  # a solution line this long (whitespace removed) is specific enough to count as a copy


def _cells(path):
    return json.loads(path.read_text())["cells"]


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def solution_lines(assignment: str) -> list[str]:
    """Lines of the solution regions (code and written answers) of an assignment's source."""
    lines = []
    for cell in _cells(SOLUTIONS / "source" / assignment / f"{assignment}.ipynb"):
        for block in re.findall(r"### BEGIN SOLUTION(.*?)### END SOLUTION", "".join(cell["source"]), flags=re.S):
            lines += [s for s in (_squeeze(ln) for ln in block.splitlines()) if len(s) >= MIN_CHARS]
    return lines


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_solution_line_appears_in_a_lecture(assignment):
    lectures = {p.name: "\n".join(_squeeze("".join(c["source"])) for c in _cells(p)) for p in LECTURES}
    copies = [f"{name}: {line[:60]}…" for line in solution_lines(assignment)
              for name, text in lectures.items() if line in text]
    assert not copies, f"solution lines of {assignment} appear verbatim in a lecture: {copies}"


def test_the_copy_check_would_see_a_copy():
    line = solution_lines("ps1_pl")[0]
    assert len(line) >= MIN_CHARS and line in _squeeze("x = 1\n" + line)


STRAY = re.compile(r"^\[?<matplotlib\.|^\[Text\(|^Text\(|^<Figure size|^\[<matplotlib|^<IPython\.core")


@pytest.mark.parametrize("path", LECTURES, ids=[p.stem for p in LECTURES])
def test_no_stray_repr_or_frozen_progress_bar(path):
    problems = []
    for k, cell in enumerate(_cells(path)):
        for out in cell.get("outputs", []):
            if "application/vnd.jupyter.widget-view+json" in out.get("data", {}):
                continue  # a widget: its text fallback is checked by the static-figure test
            plain = "".join(out.get("data", {}).get("text/plain", ""))
            if out.get("output_type") == "execute_result" and STRAY.search(plain):
                problems.append(f"cell {k}: {plain[:50]!r} (end the line with `;`)")
            text = "".join(out.get("text", "")) + plain
            if re.search(r"\b0%\|", text) or "FloatProgress(" in text:
                problems.append(f"cell {k}: a progress bar frozen in the saved output")
    assert not problems, problems


@pytest.mark.parametrize("path", LECTURES, ids=[p.stem for p in LECTURES])
def test_a_widget_cell_also_shows_a_static_figure(path):
    missing = []
    for k, cell in enumerate(_cells(path)):
        outputs = cell.get("outputs", [])
        if any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs):
            if not any("image/png" in o.get("data", {}) for o in outputs):
                missing.append(k)
    assert not missing, f"widget cells {missing} show no figure without a kernel: re-run `make lectures`"


@pytest.mark.parametrize("path", LECTURES, ids=[p.stem for p in LECTURES])
def test_every_check_yourself_question_has_an_answer(path):
    for cell in _cells(path):
        text = "".join(cell["source"])
        if cell["cell_type"] != "markdown" or not re.search(r"^#+ .*Check yourself", text, flags=re.M | re.I):
            continue
        questions = re.findall(r"^\s*\d+\.\s", text, flags=re.M)
        answers = re.findall(r"<details>.*?</details>", text, flags=re.S)
        assert questions, f"{path.name}: a Check yourself cell with no numbered questions"
        assert len(answers) >= len(questions), (
            f"{path.name}: {len(questions)} Check yourself questions but {len(answers)} <details> answers")
