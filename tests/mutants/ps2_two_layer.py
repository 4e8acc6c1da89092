MUTANTS = {
    "gram_empirical": {
        "missing 1/m": (
            "def gram_empirical(W, X):\n"
            "    S = (X @ W.T >= 0).astype(float)\n"
            "    return (X @ X.T) * (S @ S.T)\n"
        ),
        "> instead of >=": (
            "def gram_empirical(W, X):\n"
            "    S = (X @ W.T > 0).astype(float)\n"
            "    return (X @ X.T) * (S @ S.T) / W.shape[0]\n"
        ),
        "active for x_i or x_j": (
            "def gram_empirical(W, X):\n"
            "    S = (X @ W.T >= 0).astype(float)\n"
            "    both = S @ S.T\n"
            "    either = S.sum(1)[:, None] + S.sum(1)[None, :] - both\n"
            "    return (X @ X.T) * either / W.shape[0]\n"
        ),
        "calls ovptools (forbidden by the text)": (
            "from ovptools.kernels import gram_empirical as course_gram\n\n\n"
            "def gram_empirical(W, X):\n    return np.asarray(course_gram(W, X))\n"
        ),
    },
    "gram_infinite": {
        "no clipping before arccos": (
            "def gram_infinite(X):\n"
            "    G = X @ X.T\n"
            "    return G * (np.pi - np.arccos(G)) / (2 * np.pi)\n"
        ),
        "pi + arccos": (
            "def gram_infinite(X):\n"
            "    G = np.clip(X @ X.T, -1, 1)\n"
            "    return G * (np.pi + np.arccos(G)) / (2 * np.pi)\n"
        ),
        "probability only, no x_i^T x_j": (
            "def gram_infinite(X):\n"
            "    G = np.clip(X @ X.T, -1, 1)\n"
            "    return (np.pi - np.arccos(G)) / (2 * np.pi)\n"
        ),
        "clips to [0, 1]": (
            "def gram_infinite(X):\n"
            "    G = np.clip(X @ X.T, 0, 1)\n"
            "    return G * (np.pi - np.arccos(G)) / (2 * np.pi)\n"
        ),
        "computes in float32": (
            "def gram_infinite(X):\n"
            "    G = np.clip(X.astype(np.float32) @ X.T.astype(np.float32), -1, 1)\n"
            "    return G * (np.float32(np.pi) - np.arccos(G)) / np.float32(2 * np.pi)\n"
        ),
        "calls ovptools (forbidden by the text)": (
            "def gram_infinite(X):\n"
            "    import ovptools\n"
            "    return np.asarray(ovptools.gram_infinite(X))\n"
        ),
    },
    "gd_step": {
        "wrong sign": (
            "def gd_step(W, a, X, y, eta):\n"
            "    m = W.shape[0]\n"
            "    u = np.maximum(X @ W.T, 0) @ a / np.sqrt(m)\n"
            "    S = (X @ W.T >= 0).astype(float)\n"
            "    return W + eta * ((S * (u - y)[:, None]).T @ X) * (a[:, None] / np.sqrt(m))\n"
        ),
        "mean instead of sum": (
            "def gd_step(W, a, X, y, eta):\n"
            "    m = W.shape[0]\n"
            "    u = np.maximum(X @ W.T, 0) @ a / np.sqrt(m)\n"
            "    S = (X @ W.T >= 0).astype(float)\n"
            "    return W - eta * ((S * (u - y)[:, None]).T @ X) * (a[:, None] / np.sqrt(m)) / len(y)\n"
        ),
        "> instead of >= in the gradient": (
            "def gd_step(W, a, X, y, eta):\n"
            "    m = W.shape[0]\n"
            "    u = np.maximum(X @ W.T, 0) @ a / np.sqrt(m)\n"
            "    S = (X @ W.T > 0).astype(float)\n"
            "    return W - eta * ((S * (u - y)[:, None]).T @ X) * (a[:, None] / np.sqrt(m))\n"
        ),
        "updates W in place": (
            "def gd_step(W, a, X, y, eta):\n"
            "    m = W.shape[0]\n"
            "    u = np.maximum(X @ W.T, 0) @ a / np.sqrt(m)\n"
            "    S = (X @ W.T >= 0).astype(float)\n"
            "    W -= eta * ((S * (u - y)[:, None]).T @ X) * (a[:, None] / np.sqrt(m))\n"
            "    return W\n"
        ),
    },
    "lambda_min_along_gd": {
        "never updates W (lambda_min(H(0)) repeated)": (
            "def lambda_min_along_gd(W0, a, X, y, eta, steps):\n"
            "    return np.full(steps + 1, np.linalg.eigvalsh(gram_empirical(W0, X))[0])\n"
        ),
        "leaves out k = 0": (
            "def lambda_min_along_gd(W0, a, X, y, eta, steps):\n"
            "    W, out = W0.copy(), []\n"
            "    for _ in range(steps):\n"
            "        W = gd_step(W, a, X, y, eta)\n"
            "        out.append(np.linalg.eigvalsh(gram_empirical(W, X))[0])\n"
            "    return np.array(out)\n"
        ),
        "the largest eigenvalue": (
            "def lambda_min_along_gd(W0, a, X, y, eta, steps):\n"
            "    W, out = W0.copy(), []\n"
            "    for k in range(steps + 1):\n"
            "        out.append(np.linalg.eigvalsh(gram_empirical(W, X))[-1])\n"
            "        W = gd_step(W, a, X, y, eta)\n"
            "    return np.array(out)\n"
        ),
        "np.linalg.eig's first eigenvalue (unsorted)": (
            "def lambda_min_along_gd(W0, a, X, y, eta, steps):\n"
            "    W, out = W0.copy(), []\n"
            "    for k in range(steps + 1):\n"
            "        out.append(np.real(np.linalg.eig(gram_empirical(W, X))[0][0]))\n"
            "        W = gd_step(W, a, X, y, eta)\n"
            "    return np.array(out)\n"
        ),
        "updates W0 in place": (
            "def lambda_min_along_gd(W0, a, X, y, eta, steps):\n"
            "    W, out = W0, []\n"
            "    for k in range(steps + 1):\n"
            "        out.append(np.linalg.eigvalsh(gram_empirical(W, X))[0])\n"
            "        if k < steps:\n"
            "            W -= W - gd_step(W, a, X, y, eta)\n"
            "    return np.array(out)\n"
        ),
        "the minimum over k as one float": (
            "def lambda_min_along_gd(W0, a, X, y, eta, steps):\n"
            "    W, out = W0.copy(), []\n"
            "    for k in range(steps + 1):\n"
            "        out.append(np.linalg.eigvalsh(gram_empirical(W, X))[0])\n"
            "        W = gd_step(W, a, X, y, eta)\n"
            "    return float(min(out))\n"
        ),
    },
    "steps_to_accuracy": {
        "truncates instead of rounding up": (
            "def steps_to_accuracy(eta, lam0, loss0, eps):\n"
            "    return max(0, int(np.log(eps / loss0) / np.log(1 - eta * lam0 / 2)))\n"
        ),
        "the factor without the 1/2": (
            "def steps_to_accuracy(eta, lam0, loss0, eps):\n"
            "    if loss0 <= eps:\n"
            "        return 0\n"
            "    return int(np.ceil(np.log(eps / loss0) / np.log(1 - eta * lam0)))\n"
        ),
        "log(1 - x) replaced by -x": (
            "def steps_to_accuracy(eta, lam0, loss0, eps):\n"
            "    if loss0 <= eps:\n"
            "        return 0\n"
            "    return int(np.ceil(np.log(loss0 / eps) / (eta * lam0 / 2)))\n"
        ),
        "negative when loss0 < eps": (
            "def steps_to_accuracy(eta, lam0, loss0, eps):\n"
            "    return int(np.ceil(np.log(eps / loss0) / np.log(1 - eta * lam0 / 2)))\n"
        ),
        "returns a float": (
            "def steps_to_accuracy(eta, lam0, loss0, eps):\n"
            "    return max(0.0, float(np.ceil(np.log(eps / loss0) / np.log(1 - eta * lam0 / 2))))\n"
        ),
    },
    "energy_fractions": {
        "increasing order (the bottom k eigenvectors)": (
            "def energy_fractions(H, y):\n"
            "    lam, V = np.linalg.eigh(H)\n"
            "    return np.cumsum((V.T @ y) ** 2) / (y @ y)\n"
        ),
        "projections on the rows of V": (
            "def energy_fractions(H, y):\n"
            "    lam, V = np.linalg.eigh(H)\n"
            "    return np.cumsum((V[::-1] @ y) ** 2) / (y @ y)\n"
        ),
        "not normalized by ||y||^2": (
            "def energy_fractions(H, y):\n"
            "    lam, V = np.linalg.eigh(H)\n"
            "    return np.cumsum((V[:, ::-1].T @ y) ** 2)\n"
        ),
        "per-component fractions, no cumulative sum": (
            "def energy_fractions(H, y):\n"
            "    lam, V = np.linalg.eigh(H)\n"
            "    return (V[:, ::-1].T @ y) ** 2 / (y @ y)\n"
        ),
        "np.linalg.eig, unsorted": (
            "def energy_fractions(H, y):\n"
            "    lam, V = np.linalg.eig(H)\n"
            "    return np.cumsum(np.real(V.T @ y) ** 2) / (y @ y)\n"
        ),
    },
    "initial_output_covariance": {
        "H_inf's formula (the Gram matrix) instead of the outputs' covariance": (
            "def initial_output_covariance(X):\n"
            "    n = np.linalg.norm(X, axis=1)\n"
            "    c = np.clip(X @ X.T / np.outer(n, n), -1, 1)\n"
            "    return np.outer(n, n) * c * (np.pi - np.arccos(c)) / (2 * np.pi)\n"
        ),
        "1/pi instead of 1/(2 pi)": (
            "def initial_output_covariance(X):\n"
            "    n = np.linalg.norm(X, axis=1)\n"
            "    c = np.clip(X @ X.T / np.outer(n, n), -1, 1)\n"
            "    return np.outer(n, n) * (np.sqrt(1 - c**2) + (np.pi - np.arccos(c)) * c) / np.pi\n"
        ),
        "rows taken as unit-norm (no |x_i| |x_j|)": (
            "def initial_output_covariance(X):\n"
            "    c = np.clip(X @ X.T, -1, 1)\n"
            "    return (np.sqrt(1 - c**2) + (np.pi - np.arccos(c)) * c) / (2 * np.pi)\n"
        ),
        "a diagonal matrix (outputs on different inputs taken as independent)": (
            "def initial_output_covariance(X):\n"
            "    return np.diag(np.sum(X**2, axis=1) / 2)\n"
        ),
        "no clipping of the cosine": (
            "def initial_output_covariance(X):\n"
            "    n = np.linalg.norm(X, axis=1)\n"
            "    c = X @ X.T / np.outer(n, n)\n"
            "    return np.outer(n, n) * (np.sqrt(1 - c**2) + (np.pi - np.arccos(c)) * c) / (2 * np.pi)\n"
        ),
        "returns a torch tensor (the text asks for numpy)": (
            "import torch\n\n\n"
            "def initial_output_covariance(X):\n"
            "    Xt = torch.from_numpy(X)\n"
            "    n = Xt.norm(dim=1)\n"
            "    c = (Xt @ Xt.T / torch.outer(n, n)).clamp(-1, 1)\n"
            "    K = torch.sqrt(1 - c**2) + (torch.pi - torch.arccos(c)) * c\n"
            "    return torch.outer(n, n) * K / (2 * torch.pi)\n"
        ),
        "calls ovptools (forbidden by the text)": (
            "import ovptools\n\n\n"
            "def initial_output_covariance(X):\n"
            "    n = np.linalg.norm(X, axis=1)\n"
            "    return np.asarray(ovptools.nngp_infinite(X / n[:, None])) * np.outer(n, n)\n"
        ),
    },
    "flippable_fraction": {
        "rows taken as unit-norm (R instead of R |x_i|)": (
            "def flippable_fraction(W0, X, R):\n"
            "    Z = X @ W0.T\n"
            "    return float(np.mean(np.where(Z >= 0, Z - R < 0, Z + R >= 0)))\n"
        ),
        "only active neurons can change": (
            "def flippable_fraction(W0, X, R):\n"
            "    Z = X @ W0.T\n"
            "    reach = R * np.linalg.norm(X, axis=1)[:, None]\n"
            "    return float(np.mean((Z >= 0) & (Z - reach < 0)))\n"
        ),
        "|w^T x| <= R |x| on both sides": (
            "def flippable_fraction(W0, X, R):\n"
            "    Z = X @ W0.T\n"
            "    return float(np.mean(np.abs(Z) <= R * np.linalg.norm(X, axis=1)[:, None]))\n"
        ),
        "|w^T x| < R |x| on both sides": (
            "def flippable_fraction(W0, X, R):\n"
            "    Z = X @ W0.T\n"
            "    return float(np.mean(np.abs(Z) < R * np.linalg.norm(X, axis=1)[:, None]))\n"
        ),
        "the Gaussian probability erf(R / sqrt 2) instead of this W0's fraction": (
            "from math import erf\n\n\n"
            "def flippable_fraction(W0, X, R):\n"
            "    return erf(R / np.sqrt(2))\n"
        ),
        "a fraction over n instead of n * m": (
            "def flippable_fraction(W0, X, R):\n"
            "    Z = X @ W0.T\n"
            "    reach = R * np.linalg.norm(X, axis=1)[:, None]\n"
            "    return float(np.sum(np.where(Z >= 0, Z - reach < 0, Z + reach >= 0)) / len(X))\n"
        ),
    },
    "expected_sq_residual": {
        "K left out (Lecture 5's u(0) = 0 prediction, squared)": (
            "def expected_sq_residual(H, K, y, eta, k):\n"
            "    lam, V = np.linalg.eigh(H)\n"
            "    return float(np.sum((1 - eta * lam) ** (2 * k) * (V.T @ y) ** 2))\n"
        ),
        "trace(K) added without its decay": (
            "def expected_sq_residual(H, K, y, eta, k):\n"
            "    lam, V = np.linalg.eigh(H)\n"
            "    return float(np.sum((1 - eta * lam) ** (2 * k) * (V.T @ y) ** 2) + np.trace(K))\n"
        ),
        "K's own diagonal K_ii in place of v_i^T K v_i": (
            "def expected_sq_residual(H, K, y, eta, k):\n"
            "    lam, V = np.linalg.eigh(H)\n"
            "    return float(np.sum((1 - eta * lam) ** (2 * k) * ((V.T @ y) ** 2 + np.diag(K))))\n"
        ),
        "exponent k instead of 2k": (
            "def expected_sq_residual(H, K, y, eta, k):\n"
            "    lam, V = np.linalg.eigh(H)\n"
            "    return float(np.sum((1 - eta * lam) ** k * ((V.T @ y) ** 2 + np.diag(V.T @ K @ V))))\n"
        ),
        "the square root (a norm) instead of the expected square": (
            "def expected_sq_residual(H, K, y, eta, k):\n"
            "    lam, V = np.linalg.eigh(H)\n"
            "    return float(np.sqrt(np.sum((1 - eta * lam) ** (2 * k) * ((V.T @ y) ** 2 + np.diag(V.T @ K @ V)))))\n"
        ),
        "np.linalg.eig (eigenvectors not orthogonal at a repeated eigenvalue)": (
            "def expected_sq_residual(H, K, y, eta, k):\n"
            "    lam, V = np.linalg.eig(H)\n"
            "    lam, V = np.real(lam), np.real(V)\n"
            "    return float(np.sum((1 - eta * lam) ** (2 * k) * ((V.T @ y) ** 2 + np.diag(V.T @ K @ V))))\n"
        ),
        "calls ovptools (forbidden by the text)": (
            "import ovptools\n\n\n"
            "def expected_sq_residual(H, K, y, eta, k):\n"
            "    lam, proj = (np.asarray(t) for t in ovptools.eigen_projections(H, y))\n"
            "    V = np.linalg.eigh(H)[1][:, ::-1]\n"
            "    return float(np.sum((1 - eta * lam) ** (2 * k) * (proj**2 + np.diag(V.T @ K @ V))))\n"
        ),
    },
}

HIDDEN_ONLY = ("gram_empirical", "> instead of >=")
LEAF = "steps_to_accuracy"
