ALTERNATIVES = {
    "ntk_prediction": {
        "scipy's matrix exponential and a linear solve": (
            "from scipy.linalg import expm\n\n\n"
            "def ntk_prediction(X_test, X, y, f0_test, f0_train, eta, t):\n"
            "    K = ntk(X, X)\n"
            "    step = np.linalg.solve(K, (np.eye(len(X)) - expm(-eta * t * K)) @ (y - f0_train))\n"
            "    return f0_test + ntk(X_test, X) @ step\n"
        ),
        "eigen-decomposition with exp, not expm1, and an explicit inverse": (
            "def ntk_prediction(X_test, X, y, f0_test, f0_train, eta, t):\n"
            "    lam, V = np.linalg.eigh(ntk(X, X))\n"
            "    inv = V @ np.diag(1 / lam) @ V.T\n"
            "    decay = V @ np.diag(np.exp(-eta * t * lam)) @ V.T\n"
            "    return f0_test + ntk(X_test, X) @ inv @ (np.eye(len(lam)) - decay) @ (y - f0_train)\n"
        ),
        "torch inside, numpy out": (
            "import torch\n\n\n"
            "def ntk_prediction(X_test, X, y, f0_test, f0_train, eta, t):\n"
            "    K = torch.from_numpy(ntk(X, X))\n"
            "    E = torch.linalg.matrix_exp(-eta * t * K)\n"
            "    r = torch.from_numpy(y - f0_train)\n"
            "    step = torch.linalg.solve(K, r - E @ r)\n"
            "    return f0_test + ntk(X_test, X) @ step.numpy()\n"
        ),
    },
    "linearized_step": {
        "homogeneity: f_lin(W) = J(W0) W": (
            "def linearized_step(W, W0, a, X, y, eta):\n"
            "    m = W.shape[0]\n"
            "    S0 = (X @ W0.T >= 0).astype(float)\n"
            "    f_lin = (S0 * (X @ W.T)) @ a / np.sqrt(m)  # f(W0) = J(W0) W0 for a ReLU net without bias\n"
            "    G = np.einsum('ir,i,id->rd', S0, f_lin - y, X) * a[:, None] / np.sqrt(m)\n"
            "    return W - eta * G\n"
        ),
        "loops over neurons and samples": (
            "def linearized_step(W, W0, a, X, y, eta):\n"
            "    m, n = W.shape[0], X.shape[0]\n"
            "    active = [[W0[r] @ X[i] >= 0 for r in range(m)] for i in range(n)]\n"
            "    f_lin = np.zeros(n)\n"
            "    for i in range(n):\n"
            "        for r in range(m):\n"
            "            if active[i][r]:\n"
            "                f_lin[i] += a[r] * (W0[r] @ X[i] + (W[r] - W0[r]) @ X[i]) / np.sqrt(m)\n"
            "    new = W.copy()\n"
            "    for r in range(m):\n"
            "        for i in range(n):\n"
            "            if active[i][r]:\n"
            "                new[r] -= eta * a[r] / np.sqrt(m) * (f_lin[i] - y[i]) * X[i]\n"
            "    return new\n"
        ),
        "torch autograd on the Taylor model": (
            "import torch\n\n\n"
            "def linearized_step(W, W0, a, X, y, eta):\n"
            "    Wt = torch.tensor(W, requires_grad=True)\n"
            "    W0t, at, Xt, yt = (torch.from_numpy(v) for v in (W0, a, X, y))\n"
            "    m = W.shape[0]\n"
            "    S0 = (Xt @ W0t.T >= 0).double()\n"
            "    f0 = torch.clamp(Xt @ W0t.T, min=0) @ at / m ** 0.5\n"
            "    f_lin = f0 + (S0 * (Xt @ (Wt - W0t).T)) @ at / m ** 0.5\n"
            "    loss = 0.5 * ((f_lin - yt) ** 2).sum()\n"
            "    loss.backward()\n"
            "    return (Wt - eta * Wt.grad).detach().numpy()\n"
        ),
    },
    "width_for_distance": {
        "log10 and np.linalg.lstsq": (
            "def width_for_distance(widths, distances, target):\n"
            "    lx, ly = np.log10(np.asarray(widths, float)), np.log10(np.asarray(distances, float))\n"
            "    A = np.stack([np.ones_like(lx), lx], axis=1)\n"
            "    (c, s), *_ = np.linalg.lstsq(A, ly, rcond=None)\n"
            "    if not s < 0:\n"
            "        raise ValueError('fitted slope >= 0: the distance does not fall with the width')\n"
            "    return float(10 ** ((np.log10(target) - c) / s))\n"
        ),
        "scipy.stats.linregress": (
            "from scipy import stats\n\n\n"
            "def width_for_distance(widths, distances, target):\n"
            "    fit = stats.linregress(np.log(widths), np.log(distances))\n"
            "    if fit.slope >= 0:\n"
            "        raise ValueError('the distance does not fall with the width')\n"
            "    return float(np.exp((np.log(target) - fit.intercept) / fit.slope))\n"
        ),
        "the closed-form least-squares slope by hand, log2": (
            "def width_for_distance(widths, distances, target):\n"
            "    lx = [float(np.log2(w)) for w in widths]\n"
            "    ly = [float(np.log2(d)) for d in distances]\n"
            "    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)\n"
            "    s = sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sum((a - mx) ** 2 for a in lx)\n"
            "    if s >= 0:\n"
            "        raise ValueError('slope must be negative')\n"
            "    return 2.0 ** (mx + (np.log2(target) - my) / s)\n"
        ),
    },
}
