"""Part III's experiments, at small scale, against their predicted trends."""

import numpy as np

import ovptools as ov
import ovptools.experiments.part3 as ex


def test_deep_nets_train_lazily_as_width_grows():
    out = ex.deep_lazy_training(widths=(64, 128, 256, 512), depth=3, steps=200)
    assert np.all(out["train_accuracy"] == 1.0)  # every width fits the separated data
    assert np.all(out["loss"][:, -1] < 0.1 * out["loss"][:, 0])
    # the weights, the patterns and the kernel all move less as m grows
    assert np.all(out["relative_slope"] < -0.3), out["relative_slope"]
    assert np.all(out["pattern_slope"] < -0.2), out["pattern_slope"]
    assert out["ntk_slope"] < -0.5, out["ntk_slope"]
    # the d×m first layer moves like m^(-1/2); the m×m middle layers faster than that
    assert -0.75 < out["relative_slope"][0] < -0.3
    assert np.all(out["relative_slope"][1:] < out["relative_slope"][0])


def test_empirical_ntk_approaches_the_infinite_width_kernel():
    out = ex.ntk_convergence(ov.sphere(8, 5, seed=0), depth=2, widths=(64, 256, 1024), seeds=6)
    assert np.all(np.diff(out["relative_error"]) < 0)
    assert -0.7 < out["slope"] < -0.3, out["slope"]
