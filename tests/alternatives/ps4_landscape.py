ALTERNATIVES = {
    "normalized_margin": {
        "a loop over the points": (
            "def normalized_margin(w, X, y):\n"
            "    norm = np.sqrt(np.sum(w ** 2))\n"
            "    if norm == 0:\n"
            "        raise ValueError('normalized_margin: w must be nonzero')\n"
            "    best = np.inf\n"
            "    for x, t in zip(X, y):\n"
            "        best = min(best, t * np.dot(w, x) / norm)\n"
            "    return best\n"
        ),
        "normalize w first (a copy), then the margins": (
            "def normalized_margin(w, X, y):\n"
            "    if np.linalg.norm(w) == 0:\n"
            "        raise ValueError('w must be nonzero')\n"
            "    u = w / np.linalg.norm(w)\n"
            "    return np.min(np.einsum('i,ij,j->i', y, X, u))\n"
        ),
        "torch float64 inside, float out": (
            "import torch\n\n\n"
            "def normalized_margin(w, X, y):\n"
            "    wt, Xt, yt = (torch.from_numpy(a) for a in (w, X, y))\n"
            "    if torch.linalg.vector_norm(wt) == 0:\n"
            "        raise ValueError('normalized_margin needs w != 0')\n"
            "    return (yt * (Xt @ wt)).min().item() / torch.linalg.vector_norm(wt).item()\n"
        ),
    },
    "svm_direction": {
        "projected gradient ascent on the dual, accelerated (FISTA), duality-gap stop": (
            "def svm_direction(X, y):\n"
            "    Z = X * y[:, None]\n"
            "    Q = Z @ Z.T\n"
            "    step = 1 / np.linalg.eigvalsh(Q)[-1]\n"
            "    alpha = prev = np.zeros(len(y))\n"
            "    for k in range(1, 200_000):\n"
            "        beta = alpha + (k - 1) / (k + 2) * (alpha - prev)\n"
            "        prev, alpha = alpha, np.maximum(0.0, beta + step * (1 - Q @ beta))\n"
            "        if k % 20 == 0 and alpha.sum() > 0:\n"
            "            w = Z.T @ alpha\n"
            "            # margin of w/|w| against the upper bound |w| / sum(alpha) on the best margin\n"
            "            if np.min(Z @ w) >= (1 - 1e-5) * (w @ w) / alpha.sum():\n"
            "                break\n"
            "    w = Z.T @ alpha\n"
            "    return w / np.linalg.norm(w)\n"
        ),
        "logistic GD with normalized steps, a fixed budget justified by the margin bound": (
            "def svm_direction(X, y):\n"
            "    Z = X * y[:, None]\n"
            "    w = np.zeros(X.shape[1])\n"
            "    # normalized GD on the logistic loss: each step moves w by 1 along -grad/|grad|; the softmax\n"
            "    # weights q of the gradient give the bound gamma* <= |Z^T q|, checked every 500 steps; at most\n"
            "    # 60000 steps\n"
            "    for k in range(60_000):\n"
            "        m = Z @ w\n"
            "        q = np.exp(-(m - m.min()))\n"
            "        q /= q.sum()\n"
            "        g = Z.T @ q\n"
            "        if k % 500 == 499 and m.min() / np.linalg.norm(w) >= (1 - 1e-5) * np.linalg.norm(g):\n"
            "            break\n"
            "        w = w + g / np.linalg.norm(g)\n"
            "    return w / np.linalg.norm(w)\n"
        ),
        "torch: coordinate ascent on the dual, a fixed number of sweeps": (
            "import torch\n\n\n"
            "def svm_direction(X, y):\n"
            "    Z = torch.from_numpy(X * y[:, None])\n"
            "    alpha = torch.zeros(len(y), dtype=torch.float64)\n"
            "    w = torch.zeros(X.shape[1], dtype=torch.float64)\n"
            "    sq = (Z * Z).sum(1)\n"
            "    for sweep in range(5000):\n"
            "        for i in range(len(y)):\n"
            "            a = torch.clamp(alpha[i] + (1 - Z[i] @ w) / sq[i], min=0.0)\n"
            "            w = w + (a - alpha[i]) * Z[i]\n"
            "            alpha[i] = a\n"
            "        if sweep % 10 == 9 and (Z @ w).min() >= (1 - 1e-6) * (w @ w) / alpha.sum():\n"
            "            break\n"
            "    return (w / torch.linalg.vector_norm(w)).numpy()\n"
        ),
    },
    "saddle_escape_steps": {
        "the factored update y (1 + eta - eta y^2), symmetry |eps|": (
            "def saddle_escape_steps(eta, eps, threshold, max_steps=10**6):\n"
            "    if eps == 0:\n"
            "        raise ValueError('eps = 0 is the saddle itself: GD never escapes')\n"
            "    y = abs(eps)\n"
            "    for k in range(max_steps + 1):\n"
            "        if y >= threshold:\n"
            "            return k\n"
            "        y = y * (1 + eta - eta * y * y)\n"
            "    raise RuntimeError('no escape within max_steps')\n"
        ),
        "GD on the 2-D point with numpy": (
            "def saddle_escape_steps(eta, eps, threshold, max_steps=10**6):\n"
            "    if eps == 0:\n"
            "        raise ValueError('eps must be nonzero')\n"
            "    p = np.array([0.0, eps])\n"
            "    grad = lambda p: np.array([p[0], p[1] ** 3 - p[1]])\n"
            "    steps = 0\n"
            "    while abs(p[1]) < threshold:\n"
            "        if steps >= max_steps:\n"
            "            raise RuntimeError('max_steps reached')\n"
            "        p = p - eta * grad(p)\n"
            "        steps += 1\n"
            "    return steps\n"
        ),
        "torch autograd for the gradient, float64": (
            "import torch\n\n\n"
            "def saddle_escape_steps(eta, eps, threshold, max_steps=10**6):\n"
            "    if eps == 0:\n"
            "        raise ValueError('GD from eps = 0 stays at the saddle')\n"
            "    p = torch.tensor([0.0, eps], dtype=torch.float64)\n"
            "    k = 0\n"
            "    while abs(p[1].item()) < threshold:\n"
            "        if k == max_steps:\n"
            "            raise RuntimeError('no escape')\n"
            "        q = p.clone().requires_grad_(True)\n"
            "        f = 0.5 * q[0] ** 2 + 0.25 * q[1] ** 4 - 0.5 * q[1] ** 2\n"
            "        (g,) = torch.autograd.grad(f, q)\n"
            "        p = (q - eta * g).detach()\n"
            "        k += 1\n"
            "    return k\n"
        ),
    },
}
