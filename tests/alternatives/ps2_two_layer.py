ALTERNATIVES = {
    "two_layer_forward": {
        "loops": (
            "def two_layer_forward(W, a, X):\n"
            "    m = W.shape[0]\n"
            "    u = np.zeros(X.shape[0])\n"
            "    for i in range(X.shape[0]):\n"
            "        for r in range(m):\n"
            "            u[i] += a[r] * max(W[r] @ X[i], 0.0)\n"
            "    return u / np.sqrt(m)\n"
        ),
        "torch inside, numpy out": (
            "import torch\n\n\n"
            "def two_layer_forward(W, a, X):\n"
            "    Wt, at, Xt = (torch.from_numpy(t) for t in (W, a, X))\n"
            "    return (torch.relu(Xt @ Wt.T) @ at / Wt.shape[0] ** 0.5).numpy()\n"
        ),
        "einsum": (
            "def two_layer_forward(W, a, X):\n"
            "    return np.einsum('ir,r->i', np.maximum(np.einsum('rd,id->ir', W, X), 0), a) / np.sqrt(len(W))\n"
        ),
    },
    "gram_empirical": {
        "einsum over neurons": (
            "def gram_empirical(W, X):\n"
            "    S = (X @ W.T >= 0).astype(float)\n"
            "    return np.einsum('ij,ir,jr->ij', X @ X.T, S, S) / W.shape[0]\n"
        ),
        "a sum of outer products over neurons": (
            "def gram_empirical(W, X):\n"
            "    H = np.zeros((len(X), len(X)))\n"
            "    for w in W:\n"
            "        s = (X @ w >= 0).astype(float)\n"
            "        H += np.outer(s, s)\n"
            "    return H * (X @ X.T) / len(W)\n"
        ),
    },
    "gram_infinite": {
        "einsum, clipped": (
            "def gram_infinite(X):\n"
            "    G = np.clip(np.einsum('ik,jk->ij', X, X), -1, 1)\n"
            "    return G * (np.pi - np.arccos(G)) / (2 * np.pi)\n"
        ),
        "a loop over pairs": (
            "def gram_infinite(X):\n"
            "    n = len(X)\n"
            "    H = np.zeros((n, n))\n"
            "    for i in range(n):\n"
            "        for j in range(n):\n"
            "            rho = min(1.0, max(-1.0, float(np.dot(X[i], X[j]))))\n"
            "            H[i, j] = rho * (np.pi - np.arccos(rho)) / (2 * np.pi)\n"
            "    return H\n"
        ),
        "torch float64 inside, numpy out": (
            "import torch\n\n\n"
            "def gram_infinite(X):\n"
            "    Xt = torch.from_numpy(X)\n"
            "    G = (Xt @ Xt.T).clamp(-1, 1)\n"
            "    return (G * (torch.pi - torch.arccos(G)) / (2 * torch.pi)).numpy()\n"
        ),
        "rows re-normalized first": (
            "def gram_infinite(X):\n"
            "    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)\n"
            "    G = np.clip(Xn @ Xn.T, -1, 1)\n"
            "    return G * (np.pi - np.arccos(G)) / (2 * np.pi)\n"
        ),
    },
    "gd_step": {
        "loops": (
            "def gd_step(W, a, X, y, eta):\n"
            "    m = W.shape[0]\n"
            "    u = two_layer_forward(W, a, X)\n"
            "    G = np.zeros_like(W)\n"
            "    for r in range(m):\n"
            "        for i in range(len(X)):\n"
            "            if W[r] @ X[i] >= 0:\n"
            "                G[r] += a[r] * (u[i] - y[i]) * X[i] / np.sqrt(m)\n"
            "    return W - eta * G\n"
        ),
        "einsum": (
            "def gd_step(W, a, X, y, eta):\n"
            "    S = (X @ W.T >= 0).astype(float)\n"
            "    r = np.maximum(X @ W.T, 0) @ a / np.sqrt(len(W)) - y\n"
            "    return W - eta * np.einsum('i,ir,r,id->rd', r, S, a, X) / np.sqrt(len(W))\n"
        ),
    },
    "pattern_change_fraction": {
        "count_nonzero over the size": (
            "def pattern_change_fraction(W0, Wk, X):\n"
            "    changed = (X @ W0.T >= 0) ^ (X @ Wk.T >= 0)\n"
            "    return np.count_nonzero(changed) / changed.size\n"
        ),
        "loops": (
            "def pattern_change_fraction(W0, Wk, X):\n"
            "    flips = 0\n"
            "    for x in X:\n"
            "        for w0, wk in zip(W0, Wk):\n"
            "            flips += (w0 @ x >= 0) != (wk @ x >= 0)\n"
            "    return flips / (len(X) * len(W0))\n"
        ),
    },
    "max_weight_distance": {
        "square root of row sums": (
            "def max_weight_distance(W0, Wk):\n    return np.sqrt(((Wk - W0) ** 2).sum(axis=1)).max()\n"
        ),
        "torch inside": (
            "import torch\n\n\n"
            "def max_weight_distance(W0, Wk):\n"
            "    return torch.linalg.norm(torch.from_numpy(Wk - W0), dim=1).max().item()\n"
        ),
    },
    "predicted_loss_bound": {
        "np.power": (
            "def predicted_loss_bound(eta, lam0, k, loss0):\n    return loss0 * np.power(1 - eta * lam0 / 2, k)\n"
        ),
        "exp of k log": (
            "def predicted_loss_bound(eta, lam0, k, loss0):\n"
            "    return loss0 * np.exp(np.asarray(k) * np.log(1 - eta * lam0 / 2))\n"
        ),
    },
    "projection_convergence": {
        "SVD of the symmetric PSD H": (
            "def projection_convergence(H, y, eta, k):\n"
            "    U, s, _ = np.linalg.svd(H)\n"
            "    return float(np.linalg.norm((1 - eta * s) ** k * (U.T @ y)))\n"
        ),
        "the matrix power (I - eta H)^k y": (
            "def projection_convergence(H, y, eta, k):\n"
            "    return float(np.linalg.norm(np.linalg.matrix_power(np.eye(len(y)) - eta * H, k) @ y))\n"
        ),
        "a loop over eigenpairs": (
            "def projection_convergence(H, y, eta, k):\n"
            "    lam, V = np.linalg.eigh(H)\n"
            "    total = 0.0\n"
            "    for i in range(len(lam)):\n"
            "        total += (1 - eta * lam[i]) ** (2 * k) * (V[:, i] @ y) ** 2\n"
            "    return total ** 0.5\n"
        ),
    },
}
