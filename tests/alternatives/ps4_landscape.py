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
    "factorization_escape_steps": {
        'a while loop with the loss as a helper, numpy pairs': (
            'def factorization_escape_steps(eta, eps, tol, max_steps=10**6):\n'
            '    if eps == 0:\n'
            "        raise ValueError('eps must be nonzero: (0, 0) is the saddle and GD stays there')\n"
            '    if not tol > 0:\n'
            "        raise ValueError('tol must be > 0')\n"
            '    loss = lambda p: 0.5 * (p[0] * p[1] - 1) ** 2\n'
            '    p = np.array([eps, 0.0])\n'
            '    k = 0\n'
            '    while loss(p) > tol:\n'
            '        if k >= max_steps:\n'
            "            raise RuntimeError(f'still above tol after {max_steps} steps')\n"
            '        r = p[0] * p[1] - 1\n'
            '        p = p - eta * r * p[::-1]\n'
            '        k += 1\n'
            '    return k\n'
        ),
        'torch autograd for the gradient, float64': (
            'import torch\n'
            '\n'
            '\n'
            'def factorization_escape_steps(eta, eps, tol, max_steps=10**6):\n'
            '    if eps == 0:\n'
            "        raise ValueError('eps = 0: GD never leaves the saddle')\n"
            '    if tol <= 0:\n'
            "        raise ValueError('tol has to be positive')\n"
            '    p = torch.tensor([eps, 0.0], dtype=torch.float64)\n'
            '    for k in range(max_steps + 1):\n'
            '        q = p.clone().requires_grad_(True)\n'
            '        f = 0.5 * (q[0] * q[1] - 1) ** 2\n'
            '        if f.item() <= tol:\n'
            '            return k\n'
            '        (g,) = torch.autograd.grad(f, q)\n'
            '        p = (q - eta * g).detach()\n'
            "    raise RuntimeError('max_steps reached')\n"
        ),
        'the symmetric and antisymmetric coordinates s = u + v, t = u - v': (
            'def factorization_escape_steps(eta, eps, tol, max_steps=10**6):\n'
            '    if eps == 0:\n'
            "        raise ValueError('eps == 0 is the saddle point itself')\n"
            '    if tol <= 0:\n'
            "        raise ValueError('tol must be positive')\n"
            '    u, v, k = eps, 0.0, 0\n'
            '    while True:\n'
            '        r = u * v - 1\n'
            '        if r * r / 2 <= tol:\n'
            '            return k\n'
            '        if k == max_steps:\n'
            "            raise RuntimeError('no convergence within max_steps')\n"
            '        s, t = (u + v) * (1 - eta * r), (u - v) * (1 + eta * r)\n'
            '        u, v = (s + t) / 2, (s - t) / 2\n'
            '        k += 1\n'
        ),
    },
    "gd_limit": {
        'least squares on the correction (lstsq)': (
            'def gd_limit(X, y, w0):\n'
            '    delta = np.linalg.lstsq(X, y - X @ w0, rcond=None)[0]\n'
            '    return w0 + delta\n'
        ),
        'min-norm interpolant plus the null-space projection of w0, via X X^T': (
            'def gd_limit(X, y, w0):\n'
            '    G = X @ X.T\n'
            '    min_norm = X.T @ np.linalg.solve(G, y)\n'
            '    null_part = w0 - X.T @ np.linalg.solve(G, X @ w0)\n'
            '    return min_norm + null_part\n'
        ),
        'run GD with the optimal constant step until it stops changing': (
            'def gd_limit(X, y, w0):\n'
            '    ev = np.linalg.eigvalsh(X @ X.T)\n'
            '    eta = 2 / (ev[0] + ev[-1])\n'
            '    w = w0.astype(np.float64).copy()\n'
            '    for _ in range(200_000):\n'
            '        step = eta * (X.T @ (X @ w - y))\n'
            '        w = w - step\n'
            '        if np.linalg.norm(step) <= 1e-13 * max(1.0, np.linalg.norm(w)):\n'
            '            break\n'
            '    return w\n'
        ),
        'torch: QR of X^T': (
            'import torch\n'
            '\n'
            '\n'
            'def gd_limit(X, y, w0):\n'
            '    Xt, yt, wt = (torch.from_numpy(a) for a in (X, y, w0))\n'
            '    Q, R = torch.linalg.qr(Xt.T)\n'
            '    z = torch.linalg.solve_triangular(R.T, (yt - Xt @ wt).unsqueeze(1), upper=False).squeeze(1)\n'
            '    return (wt + Q @ z).numpy()\n'
        ),
    },
    "logistic_gd_path": {
        "torch float64 with autograd on the summed softplus": (
            "import torch\n"
            "\n"
            "\n"
            "def logistic_gd_path(X, y, eta, checkpoints, direction):\n"
            "    Z = torch.from_numpy(X * y[:, None])\n"
            "    u = torch.from_numpy(direction / np.linalg.norm(direction))\n"
            "    w = torch.zeros(X.shape[1], dtype=torch.float64, requires_grad=True)\n"
            "    wanted, norms, angles = set(int(t) for t in checkpoints), [], []\n"
            "    for t in range(1, int(max(checkpoints)) + 1):\n"
            "        loss = torch.nn.functional.softplus(-(Z @ w)).sum()\n"
            "        (g,) = torch.autograd.grad(loss, w)\n"
            "        with torch.no_grad():\n"
            "            w -= eta * g\n"
            "        if t in wanted:\n"
            "            v = w.detach()\n"
            "            norms.append(torch.linalg.vector_norm(v).item())\n"
            "            angles.append(torch.arccos(torch.clamp(v @ u / torch.linalg.vector_norm(v), -1, 1)).item())\n"
            "    return np.array(norms), np.array(angles)\n"
        ),
        "every iterate stored, expit, the angle from arctan2": (
            "from scipy.special import expit\n"
            "\n"
            "\n"
            "def logistic_gd_path(X, y, eta, checkpoints, direction):\n"
            "    checkpoints = np.asarray(checkpoints)\n"
            "    W = np.zeros((checkpoints[-1] + 1, X.shape[1]))\n"
            "    for t in range(checkpoints[-1]):\n"
            "        margins = y * (X @ W[t])\n"
            "        W[t + 1] = W[t] + eta * X.T @ (y * expit(-margins))\n"
            "    W = W[checkpoints]\n"
            "    u = direction / np.sqrt(direction @ direction)\n"
            "    along = W @ u\n"
            "    across = np.linalg.norm(W - along[:, None] * u[None, :], axis=1)\n"
            "    return np.sqrt(np.sum(W ** 2, axis=1)), np.arctan2(across, along)\n"
        ),
        "a loop over the points, the tanh form of the sigmoid": (
            "def logistic_gd_path(X, y, eta, checkpoints, direction):\n"
            "    n, d = X.shape\n"
            "    w = np.zeros(d)\n"
            "    out_n, out_a = np.empty(len(checkpoints)), np.empty(len(checkpoints))\n"
            "    t = 0\n"
            "    for k, target in enumerate(checkpoints):\n"
            "        for _ in range(target - t):\n"
            "            g = np.zeros(d)\n"
            "            for i in range(n):\n"
            "                m = y[i] * np.dot(w, X[i])\n"
            "                g -= 0.5 * (1 - np.tanh(m / 2)) * y[i] * X[i]\n"
            "            w = w - eta * g\n"
            "        t = target\n"
            "        c = np.dot(w, direction) / (np.linalg.norm(w) * np.linalg.norm(direction))\n"
            "        out_n[k], out_a[k] = np.linalg.norm(w), np.arccos(min(1.0, max(-1.0, c)))\n"
            "    return out_n, out_a\n"
        ),
    },
}
