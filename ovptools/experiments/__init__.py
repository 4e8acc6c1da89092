"""The lectures' experiments, one module or package per part of the course; each function returns data
(the notebooks only print and plot). ``import ovptools.experiments.part2 as ex`` in a lecture.

- :mod:`.part1` — GD against SGD on logistic regression, the step-size recipe, the kernel along GD (Lectures 1–3);
- :mod:`.part2` — Du et al.'s Figure 1, Lemma 3.1, λ₀ against the angle (Lecture 4);
- :mod:`.fine_grained` — Arora et al. on digits: the spectrum predicts the training curve, label noise (Lecture 5);
- :mod:`.kernel_regime` — the network as a kernel machine: ensembles against the NTK prediction, linearization,
  the output scale (Lecture 6);
- :mod:`.part3` — deep nets in the lazy regime, practical sizes and PL* (Lectures 7–8);
- :mod:`.part4` — landscapes, saddles, non-smooth training, mean field, implicit bias (Lectures 9–10);
- :mod:`.opening` — the opening puzzle: one net fits true and random digit labels (Lecture 0);
- :mod:`.regimes` — the closing map: the numbers it quotes from the lectures, checked against them (Lecture 11);
- :mod:`.common` — the log–log slope they share (the thread limit is :func:`ovptools._device.few_threads`).
"""
