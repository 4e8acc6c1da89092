r"""The closing map of the regimes (Lecture 11): the numbers it quotes from the lectures' printed outputs, each
with the lecture that printed it, checked against the committed notebooks, and the numbers its chart draws.

Lecture 11 runs no experiment of its own: it places the measurements of Lectures 2–10 side by side. Every quoted
line is a substring of one printed output of that lecture, so :func:`missing_quotes` can tell when a re-run lecture
no longer prints what the map quotes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Quote:
    """One line the map quotes.

    lecture (int): the lecture whose printed output contains ``text``.
    regime (str): ``"lazy"``, ``"PL*"``, ``"mean field"`` or ``"implicit bias"``.
    what (str): what the number measures, in a few words.
    text (str): the quoted part of the printed line, character for character.
    """

    lecture: int
    regime: str
    what: str
    text: str


QUOTES: tuple[Quote, ...] = (
    Quote(4, "lazy", "Du et al.'s Figure 1 at n = d = 200: pattern changes and neuron movement against m",
          "fitted slope vs m at k = 100: pattern changes -0.515, max distance -0.522 (theory −0.5)"),
    Quote(4, "lazy", "the width Thm 4.1 asks for against the width that fits",
          "the theorem asks for 6.1e+17 times more neurons than needed here"),
    Quote(4, "lazy", "the practical step against the theorem's step",
          "η = 1/λ_max(H∞) = 0.618 is 11,000 times the theorem's η = λ₀/n² = 5.62e-05"),
    Quote(6, "lazy", "an ensemble of trained nets against the NTK prediction",
          "-0.46 (predicted −0.50)"),
    Quote(6, "lazy", "neuron movement against the output scale α at m = 128",
          "fitted slopes for α ≥ 1: weight movement -1.02"),
    Quote(7, "lazy", "the empirical NTK of a deep net against the arc-cosine limit",
          "fitted slope -0.497 (prediction −0.5)"),
    Quote(7, "lazy", "Zou et al.'s width bound against the working width, depth 3",
          "the bound exceeds the working width by a factor 1e+65"),
    Quote(2, "PL*", "the fitted rate of GD on a PL quadratic",
          "fitted per-step factor 0.8100; exact for this quadratic (1 - μ/β)^2 = 0.8100"),
    Quote(8, "PL*", "λ_min of the tangent kernel along GD at m = 256, relative to its start",
          "along the run min λ_min(K)/μ0 = 0.945"),
    Quote(8, "PL*", "the minima form a manifold: zero eigenvalues of the Hessian",
          "77 near zero (|λ| ≤ 1e-7·λ_max) — predicted p − n = 77"),
    Quote(8, "PL*", "GD's time scale against the kernel's condition number",
          "log–log slope of the measured time scale against κ(θ0): 0.67 (predicted 1)"),
    Quote(9, "mean field", "mean neuron movement, 1/√m scaling, m = 100, 400, 1600, 6400",
          "1/√m scaling: mean ‖w_r(T) − w_r(0)‖ = [0.777 0.25  0.149 0.061]"),
    Quote(9, "mean field", "mean neuron movement, 1/m scaling, m = 100, 400, 1600, 6400",
          "1/m  scaling: mean ‖w_r(T) − w_r(0)‖ = [2.701 2.797 2.758 2.753]"),
    Quote(9, "mean field", "slope of the lazy movement against m", "slope vs m -0.59 (predicted -0.5)"),
    Quote(9, "mean field", "slope of the mean-field movement against m", "slope vs m 0.00 (predicted 0.0)"),
    Quote(9, "mean field", "neuron paths in the plane, m = 200, lazy (α = √m)",
          "lazy, α = √m      : mean ‖w_r(T) − w_r(0)‖ = 0.30"),
    Quote(9, "mean field", "neuron paths in the plane, m = 200, mean field (α = 1)",
          "mean field, α = 1 : mean ‖w_r(T) − w_r(0)‖ = 1.89"),
    Quote(10, "implicit bias", "‖w(t)‖ against ln t on the asymmetric data (predicted ‖ŵ‖ = 0.8240)",
          "slope of ‖w‖ against ln t (last decade) = 0.7799"),
    Quote(10, "implicit bias", "the angle to the SVM direction after 5·10⁵ steps, asymmetric data",
          "angle(w(t), ŵ) = 7.750°"),
    Quote(10, "implicit bias", "the smoothed margin of a two-layer net once the summed loss is below ln 2",
          "γ̃ fell on 0 of the 1058 steps"),
    Quote(10, "implicit bias", "test error after the training error reached 0 (two-layer net, digits)",
          "test error 0.0534"),
    Quote(10, "implicit bias", "the norm-based capacity measure across widths 4 … 1024",
          "capacity measure ×5.4 (log-log slope against m: 0.28)"),
    Quote(5, "implicit bias", "Arora et al.'s complexity yᵀ(H∞)⁻¹y, true against random digit labels",
          "yᵀ(H∞)⁻¹y: true 153.5, random 4003.2 (ratio 26.1)"),
)
"""Every line the map quotes, in the order the notebook shows them."""

CHART_M = (100, 400, 1600, 6400)
"""The widths of Lecture 9's movement sweep."""
OUTPUT_SCALE_M = 128
"""The width of Lecture 6's output-scale sweep."""
OUTPUT_SCALE_ALPHAS = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
"""Lecture 6's output scales α (its model α·h with h the 1/√m net: α·√m in the (α/m)-parametrization of Lecture 9)."""
OUTPUT_SCALE_MOVES = (3.4802, 1.3367, 0.4216, 0.1350, 0.0410, 0.0132, 0.0039)
"""Lecture 6's largest neuron movement max_r ‖w_r(T) − w_r(0)‖ at each α (its printed table)."""


def numbers(text: str) -> np.ndarray:
    """The numbers written in ``text`` (decimal, optionally signed with − or -), in order."""
    return np.array([float(s.replace("−", "-")) for s in re.findall(r"[−-]?\d+(?:\.\d+)?(?:e[+-]?\d+)?", text)])


def quote(lecture: int, start: str) -> Quote:
    """The quote of ``lecture`` whose text starts with ``start``."""
    found = [q for q in QUOTES if q.lecture == lecture and q.text.startswith(start)]
    if len(found) != 1:
        raise ValueError(f"start: expected one quote of Lecture {lecture} starting with {start!r}, found {len(found)}")
    return found[0]


def printed_text(path: str | Path) -> str:
    """Everything a notebook's code cells printed (streams and plain-text results), one string."""
    cells = json.loads(Path(path).read_text())["cells"]
    parts = []
    for cell in cells:
        for out in cell.get("outputs", []):
            text = out.get("text") or out.get("data", {}).get("text/plain") or ""
            parts.append("".join(text) if isinstance(text, list) else text)
    return "\n".join(parts)


def missing_quotes(lectures: str | Path) -> list[Quote]:
    """The quotes that the committed lecture notebooks in the folder ``lectures`` (``NN-*.ipynb``) no longer print.
    Raises ``ValueError`` naming the lecture when its notebook is not in the folder."""
    folder = Path(lectures)
    missing = []
    for q in QUOTES:
        found = sorted(folder.glob(f"{q.lecture:02d}-*.ipynb"))
        if len(found) != 1:
            raise ValueError(f"lectures: expected one notebook {q.lecture:02d}-*.ipynb in {folder}, found {len(found)}")
        if q.text not in printed_text(found[0]):
            missing.append(q)
    return missing


__all__ = ["CHART_M", "OUTPUT_SCALE_ALPHAS", "OUTPUT_SCALE_M", "OUTPUT_SCALE_MOVES", "QUOTES", "Quote",
           "missing_quotes", "numbers", "printed_text", "quote"]
