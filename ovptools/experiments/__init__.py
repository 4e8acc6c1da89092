"""The lectures' experiments, one module per part of the course; each function returns data
(the notebooks only print and plot). ``import ovptools.experiments.part2 as ex`` in a lecture.

- :mod:`.part1` — GD against SGD on logistic regression, the step-size recipe (Lectures 1–3);
- :mod:`.part2` — Du et al.'s Figure 1, Lemma 3.1, λ₀ against the angle, Arora et al. on digits (Lectures 4–5);
- :mod:`.part3` — deep nets in the lazy regime: per-layer weight and pattern changes and the NTK's
  drift against width, and the empirical NTK's convergence to the infinite-width one (Lecture 6).
"""
