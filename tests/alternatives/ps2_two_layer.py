ALTERNATIVES = {
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
    "lambda_min_along_gd": {
        "everything inline, preallocated, no calls to the other answers": (
            "def lambda_min_along_gd(W0, a, X, y, eta, steps):\n"
            "    m = W0.shape[0]\n"
            "    W = np.array(W0, dtype=float)\n"
            "    lam = np.empty(steps + 1)\n"
            "    for k in range(steps + 1):\n"
            "        Z = X @ W.T\n"
            "        S = (Z >= 0) * 1.0\n"
            "        lam[k] = np.linalg.eigvalsh((X @ X.T) * (S @ S.T) / m).min()\n"
            "        if k == steps:\n"
            "            break\n"
            "        r = np.maximum(Z, 0) @ a / np.sqrt(m) - y\n"
            "        W = W - eta * (a[:, None] / np.sqrt(m)) * ((S * r[:, None]).T @ X)\n"
            "    return lam\n"
        ),
        "torch eigvalsh on the student's own Gram matrix": (
            "import torch\n\n\n"
            "def lambda_min_along_gd(W0, a, X, y, eta, steps):\n"
            "    Ws = [W0.copy()]\n"
            "    for _ in range(steps):\n"
            "        Ws.append(gd_step(Ws[-1], a, X, y, eta))\n"
            "    Hs = torch.from_numpy(np.stack([gram_empirical(W, X) for W in Ws]))\n"
            "    return torch.linalg.eigvalsh(Hs)[:, 0].numpy()\n"
        ),
    },
    "steps_to_accuracy": {
        "a loop": (
            "def steps_to_accuracy(eta, lam0, loss0, eps):\n"
            "    k, bound = 0, loss0\n"
            "    while bound > eps:\n"
            "        k += 1\n"
            "        bound *= 1 - eta * lam0 / 2\n"
            "    return k\n"
        ),
        "math.log1p and math.ceil": (
            "import math\n\n\n"
            "def steps_to_accuracy(eta, lam0, loss0, eps):\n"
            "    return max(0, math.ceil(math.log(eps / loss0) / math.log1p(-eta * lam0 / 2)))\n"
        ),
    },
    "energy_fractions": {
        "eig sorted by argsort, a loop for the sums": (
            "def energy_fractions(H, y):\n"
            "    lam, V = np.linalg.eig(H)\n"
            "    order = np.argsort(-np.real(lam))\n"
            "    total, out = float(np.dot(y, y)), []\n"
            "    acc = 0.0\n"
            "    for i in order:\n"
            "        acc += float(np.real(V[:, i]) @ y) ** 2\n"
            "        out.append(acc / total)\n"
            "    return np.array(out)\n"
        ),
        "torch eigh, flipped": (
            "import torch\n\n\n"
            "def energy_fractions(H, y):\n"
            "    lam, V = torch.linalg.eigh(torch.from_numpy(H))\n"
            "    p = (torch.flip(V, dims=[1]).T @ torch.from_numpy(y)) ** 2\n"
            "    return (torch.cumsum(p, 0) / p.sum()).numpy()\n"
        ),
    },
    "initial_output_covariance": {
        "loops, the angle by math.atan2": (
            "import math\n\n\n"
            "def initial_output_covariance(X):\n"
            "    n = len(X)\n"
            "    K = np.zeros((n, n))\n"
            "    for i in range(n):\n"
            "        for j in range(n):\n"
            "            ni, nj = math.sqrt(X[i] @ X[i]), math.sqrt(X[j] @ X[j])\n"
            "            c = float(X[i] @ X[j]) / (ni * nj)\n"
            "            s = math.sqrt(max(0.0, 1 - c * c))\n"
            "            t = math.atan2(s, c)\n"
            "            K[i, j] = ni * nj * (math.sin(t) + (math.pi - t) * math.cos(t)) / (2 * math.pi)\n"
            "    return K\n"
        ),
        "torch float64 inside, numpy out": (
            "import torch\n\n\n"
            "def initial_output_covariance(X):\n"
            "    Xt = torch.from_numpy(X)\n"
            "    n = Xt.norm(dim=1)\n"
            "    c = (Xt @ Xt.T / torch.outer(n, n)).clamp(-1, 1)\n"
            "    K = torch.outer(n, n) * (torch.sqrt(1 - c**2) + (torch.pi - torch.arccos(c)) * c) / (2 * torch.pi)\n"
            "    return K.numpy()\n"
        ),
        "rows normalized first, sin of the arccos, einsum": (
            "def initial_output_covariance(X):\n"
            "    n = np.linalg.norm(X, axis=1)\n"
            "    U = X / n[:, None]\n"
            "    theta = np.arccos(np.clip(np.einsum('ik,jk->ij', U, U), -1, 1))\n"
            "    return np.outer(n, n) * (np.sin(theta) + (np.pi - theta) * np.cos(theta)) / (2 * np.pi)\n"
        ),
    },
    "flippable_fraction": {
        "loops over pairs": (
            "def flippable_fraction(W0, X, R):\n"
            "    count = 0\n"
            "    for x in X:\n"
            "        reach = R * np.linalg.norm(x)\n"
            "        for w in W0:\n"
            "            z = float(w @ x)\n"
            "            count += (z < reach) if z >= 0 else (z >= -reach)\n"
            "    return count / (len(X) * len(W0))\n"
        ),
        "rows normalized first, the two cases as boolean algebra": (
            "def flippable_fraction(W0, X, R):\n"
            "    G = (X / np.linalg.norm(X, axis=1, keepdims=True)) @ W0.T\n"
            "    on = G >= 0\n"
            "    return np.count_nonzero((on & (G < R)) | (~on & (G >= -R))) / G.size\n"
        ),
        "torch inside, a float out": (
            "import torch\n\n\n"
            "def flippable_fraction(W0, X, R):\n"
            "    Z = torch.from_numpy(X) @ torch.from_numpy(W0).T\n"
            "    reach = R * torch.linalg.vector_norm(torch.from_numpy(X), dim=1, keepdim=True)\n"
            "    return torch.where(Z >= 0, Z - reach < 0, Z + reach >= 0).double().mean().item()\n"
        ),
    },
    "expected_sq_residual": {
        "matrix power: |A y|^2 + trace(A K A)": (
            "def expected_sq_residual(H, K, y, eta, k):\n"
            "    A = np.linalg.matrix_power(np.eye(len(y)) - eta * H, k)\n"
            "    return float(np.sum((A @ y) ** 2) + np.trace(A @ K @ A))\n"
        ),
        "the mean and covariance of the residual, step by step": (
            "def expected_sq_residual(H, K, y, eta, k):\n"
            "    M = np.eye(len(y)) - eta * H\n"
            "    mean, cov = np.array(y, dtype=float), np.array(K, dtype=float)\n"
            "    for _ in range(k):\n"
            "        mean, cov = M @ mean, M @ cov @ M.T\n"
            "    return float(mean @ mean + np.trace(cov))\n"
        ),
        "torch eigh, a loop over eigenpairs": (
            "import torch\n\n\n"
            "def expected_sq_residual(H, K, y, eta, k):\n"
            "    lam, V = torch.linalg.eigh(torch.from_numpy(H))\n"
            "    Kt, yt = torch.from_numpy(K), torch.from_numpy(y)\n"
            "    total = 0.0\n"
            "    for i in range(len(lam)):\n"
            "        v = V[:, i]\n"
            "        total += float((1 - eta * lam[i]) ** (2 * k) * ((v @ yt) ** 2 + v @ Kt @ v))\n"
            "    return total\n"
        ),
    },
}
