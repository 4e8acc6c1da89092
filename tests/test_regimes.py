"""The closing map's quotes: every line Lecture 11 quotes is printed by the lecture it names, the numbers its chart
draws are the ones those lectures print, and a quote that a re-run lecture no longer prints is reported."""

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from ovptools.experiments import regimes

LECTURES = Path(__file__).resolve().parents[1] / "course" / "lectures"


def test_every_quote_is_printed_by_its_lecture():
    missing = regimes.missing_quotes(LECTURES)
    assert not missing, [(q.lecture, q.text) for q in missing]


def test_quotes_are_typed_and_cover_the_four_regimes():
    assert {q.regime for q in regimes.QUOTES} == {"lazy", "PL*", "mean field", "implicit bias"}
    assert len({(q.lecture, q.text) for q in regimes.QUOTES}) == len(regimes.QUOTES)
    with pytest.raises(AttributeError):
        regimes.QUOTES[0].text = "changed"


def test_the_chart_draws_lecture_six_table():
    text = regimes.printed_text(next(LECTURES.glob("06-*.ipynb")))
    rows = {float(m[1]): m[0] for m in re.finditer(r"^\s*(\d+\.\d)\s*\|.*$", text, flags=re.M)}
    for alpha, move in zip(regimes.OUTPUT_SCALE_ALPHAS, regimes.OUTPUT_SCALE_MOVES):
        assert f"{move:.4f}" in rows[alpha], (alpha, rows.get(alpha))
    assert f"m = {regimes.OUTPUT_SCALE_M}," in text


def test_the_chart_reads_lecture_nine_movements():
    lazy = regimes.numbers(regimes.quote(9, "1/√m").text.split("=")[1])
    assert np.allclose(lazy, [0.777, 0.25, 0.149, 0.061])
    assert len(regimes.CHART_M) == len(lazy)
    assert np.allclose(regimes.numbers("slope −1.02 and -0.5, 3e+19"), [-1.02, -0.5, 3e19])


def test_the_closing_lecture_prints_every_quote():
    text = regimes.printed_text(next(LECTURES.glob("11-*.ipynb")))
    assert f"{len(regimes.QUOTES)} of {len(regimes.QUOTES)} quotes found" in text
    for q in regimes.QUOTES:
        assert q.text in text, q.text


def test_a_changed_lecture_output_is_reported(tmp_path):
    for path in LECTURES.glob("[0-9][0-9]-*.ipynb"):
        shutil.copy(path, tmp_path / path.name)
    target = next(tmp_path.glob("08-*.ipynb"))
    nb = json.loads(target.read_text())
    raw = json.dumps(nb).replace("0.945", "0.946")
    target.write_text(raw)
    missing = regimes.missing_quotes(tmp_path)
    assert [q.text for q in missing] == ["along the run min λ_min(K)/μ0 = 0.945"]
    target.unlink()
    with pytest.raises(ValueError, match="lectures"):
        regimes.missing_quotes(tmp_path)


def test_quote_lookup_names_its_argument():
    with pytest.raises(ValueError, match="start"):
        regimes.quote(9, "no such line")
