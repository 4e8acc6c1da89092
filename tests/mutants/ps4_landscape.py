MUTANTS = {
    "normalized_margin": {
        "not divided by ||w||": (
            "def normalized_margin(w, X, y):\n"
            "    if not np.any(w):\n"
            "        raise ValueError('w must be nonzero')\n"
            "    return float(np.min(y * (X @ w)))\n"
        ),
        "mean margin instead of the minimum": (
            "def normalized_margin(w, X, y):\n"
            "    if not np.any(w):\n"
            "        raise ValueError('w must be nonzero')\n"
            "    return float(np.mean(y * (X @ w)) / np.linalg.norm(w))\n"
        ),
        "|<w, x>| with the labels ignored": (
            "def normalized_margin(w, X, y):\n"
            "    if not np.any(w):\n"
            "        raise ValueError('w must be nonzero')\n"
            "    return float(np.min(np.abs(X @ w)) / np.linalg.norm(w))\n"
        ),
        "divided by ||w||^2": (
            "def normalized_margin(w, X, y):\n"
            "    if not np.any(w):\n"
            "        raise ValueError('w must be nonzero')\n"
            "    return float(np.min(y * (X @ w)) / (w @ w))\n"
        ),
        "no ValueError for w = 0 (returns NaN)": (
            "def normalized_margin(w, X, y):\n"
            "    with np.errstate(divide='ignore', invalid='ignore'):\n"
            "        return float(np.min(y * (X @ w)) / np.linalg.norm(w))\n"
        ),
        "normalizes w in place": (
            "def normalized_margin(w, X, y):\n"
            "    if not np.any(w):\n"
            "        raise ValueError('w must be nonzero')\n"
            "    w /= np.linalg.norm(w)\n"
            "    return float(np.min(y * (X @ w)))\n"
        ),
    },
    "svm_direction": {
        "the class-mean direction": (
            "def svm_direction(X, y):\n"
            "    w = X[y > 0].mean(axis=0) - X[y < 0].mean(axis=0)\n"
            "    return w / np.linalg.norm(w)\n"
        ),
        "the least-squares direction": (
            "def svm_direction(X, y):\n"
            "    w = np.linalg.lstsq(X, y, rcond=None)[0]\n"
            "    return w / np.linalg.norm(w)\n"
        ),
        "the first separating perceptron": (
            "def svm_direction(X, y):\n"
            "    w = np.zeros(X.shape[1])\n"
            "    for _ in range(10_000):\n"
            "        mistakes = 0\n"
            "        for x, t in zip(X, y):\n"
            "            if t * (w @ x) <= 0:\n"
            "                w = w + t * x\n"
            "                mistakes += 1\n"
            "        if mistakes == 0:\n"
            "            break\n"
            "    return w / np.linalg.norm(w)\n"
        ),
        "the unnormalized w* (dual coordinate ascent)": (
            "def svm_direction(X, y):\n"
            "    Z = X * y[:, None]\n"
            "    alpha, w = np.zeros(len(y)), np.zeros(X.shape[1])\n"
            "    for _ in range(3000):\n"
            "        for i in range(len(y)):\n"
            "            new = max(0.0, alpha[i] + (1 - Z[i] @ w) / (Z[i] @ Z[i]))\n"
            "            w += (new - alpha[i]) * Z[i]\n"
            "            alpha[i] = new\n"
            "    return w\n"
        ),
        "1000 steps of plain logistic GD": (
            "def svm_direction(X, y):\n"
            "    Z = X * y[:, None]\n"
            "    w = np.zeros(X.shape[1])\n"
            "    for _ in range(1000):\n"
            "        w = w + Z.T @ (1 / (1 + np.exp(Z @ w))) / len(y)\n"
            "    return w / np.linalg.norm(w)\n"
        ),
        "a column of ones appended (a bias, regularized)": (
            "def svm_direction(X, y):\n"
            "    Xb = np.hstack([X, np.ones((len(X), 1))])\n"
            "    Z = Xb * y[:, None]\n"
            "    alpha, w = np.zeros(len(y)), np.zeros(Xb.shape[1])\n"
            "    for _ in range(3000):\n"
            "        for i in range(len(y)):\n"
            "            new = max(0.0, alpha[i] + (1 - Z[i] @ w) / (Z[i] @ Z[i]))\n"
            "            w += (new - alpha[i]) * Z[i]\n"
            "            alpha[i] = new\n"
            "    return w[:-1] / np.linalg.norm(w[:-1])\n"
        ),
        "scikit-learn's SVC (forbidden by the text)": (
            "from sklearn.svm import SVC\n\n\n"
            "def svm_direction(X, y):\n"
            "    clf = SVC(kernel='linear', C=1e8, tol=1e-12).fit(np.vstack([X, -X]), np.concatenate([y, -y]))\n"
            "    w = clf.coef_.ravel()\n"
            "    return w / np.linalg.norm(w)\n"
        ),
        "scipy.optimize on the primal (forbidden by the text)": (
            "def svm_direction(X, y):\n"
            "    from scipy.optimize import minimize\n"
            "    Z = X * y[:, None]\n"
            "    res = minimize(lambda w: 0.5 * w @ w, np.ones(X.shape[1]), jac=lambda w: w, method='SLSQP',\n"
            "                   constraints=[{'type': 'ineq', 'fun': lambda w: Z @ w - 1, 'jac': lambda w: Z}],\n"
            "                   options={'ftol': 1e-12, 'maxiter': 1000})\n"
            "    return res.x / np.linalg.norm(res.x)\n"
        ),
    },
    "saddle_escape_steps": {
        "the linearized count log(threshold/eps)/log(1+eta)": (
            "def saddle_escape_steps(eta, eps, threshold, max_steps=10**6):\n"
            "    if eps == 0:\n"
            "        raise ValueError('eps = 0: GD stays at the saddle')\n"
            "    if abs(eps) >= threshold:\n"
            "        return 0\n"
            "    return int(np.ceil(np.log(threshold / abs(eps)) / np.log(1 + eta)))\n"
        ),
        "off by one (counts y_0 as a step)": (
            "def saddle_escape_steps(eta, eps, threshold, max_steps=10**6):\n"
            "    if eps == 0:\n"
            "        raise ValueError('eps = 0: GD stays at the saddle')\n"
            "    y, k = eps, 1\n"
            "    while abs(y) < threshold and k <= max_steps:\n"
            "        y = y - eta * (y**3 - y)\n"
            "        k += 1\n"
            "    if abs(y) < threshold:\n"
            "        raise RuntimeError('not escaped')\n"
            "    return k if k > 1 else 0\n"
        ),
        "y_k >= threshold without the absolute value": (
            "def saddle_escape_steps(eta, eps, threshold, max_steps=10**6):\n"
            "    if eps == 0:\n"
            "        raise ValueError('eps = 0: GD stays at the saddle')\n"
            "    y, k = eps, 0\n"
            "    while y < threshold:\n"
            "        if k == max_steps:\n"
            "            raise RuntimeError('not escaped')\n"
            "        y = y - eta * (y**3 - y)\n"
            "        k += 1\n"
            "    return k\n"
        ),
        "> instead of >=": (
            "def saddle_escape_steps(eta, eps, threshold, max_steps=10**6):\n"
            "    if eps == 0:\n"
            "        raise ValueError('eps = 0: GD stays at the saddle')\n"
            "    y, k = eps, 0\n"
            "    while abs(y) <= threshold:\n"
            "        if k == max_steps:\n"
            "            raise RuntimeError('not escaped')\n"
            "        y = y - eta * (y**3 - y)\n"
            "        k += 1\n"
            "    return k\n"
        ),
        "a step taken before the first test (never returns 0)": (
            "def saddle_escape_steps(eta, eps, threshold, max_steps=10**6):\n"
            "    if eps == 0:\n"
            "        raise ValueError('eps = 0: GD stays at the saddle')\n"
            "    y, k = eps, 0\n"
            "    while True:\n"
            "        y = y - eta * (y**3 - y)\n"
            "        k += 1\n"
            "        if abs(y) >= threshold:\n"
            "            return k\n"
            "        if k >= max_steps:\n"
            "            raise RuntimeError('not escaped')\n"
        ),
        "no ValueError for eps = 0 (runs into the step cap)": (
            "def saddle_escape_steps(eta, eps, threshold, max_steps=10**6):\n"
            "    y, k = eps, 0\n"
            "    while abs(y) < threshold:\n"
            "        if k == max_steps:\n"
            "            raise RuntimeError('not escaped')\n"
            "        y = y - eta * (y**3 - y)\n"
            "        k += 1\n"
            "    return k\n"
        ),
        "ignores max_steps (returns the cap instead of raising)": (
            "def saddle_escape_steps(eta, eps, threshold, max_steps=10**6):\n"
            "    if eps == 0:\n"
            "        raise ValueError('eps = 0: GD stays at the saddle')\n"
            "    y, k = eps, 0\n"
            "    while abs(y) < threshold and k < max_steps:\n"
            "        y = y - eta * (y**3 - y)\n"
            "        k += 1\n"
            "    return k\n"
        ),
    },
}
HIDDEN_ONLY = ("saddle_escape_steps", "> instead of >=")
LEAF = "saddle_escape_steps"
