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
    "factorization_escape_steps": {
        'the linearized escape count': (
            'def factorization_escape_steps(eta, eps, tol, max_steps=10**6):\n'
            '    if eps == 0:\n'
            "        raise ValueError('eps = 0: GD stays at the saddle')\n"
            '    if tol <= 0:\n'
            "        raise ValueError('tol must be positive')\n"
            '    if 0.5 >= tol:\n'
            '        return 0\n'
            '    return int(np.ceil(np.log(2 * np.sqrt(1 - np.sqrt(2 * tol)) / abs(eps)) / np.log(1 + eta)))\n'
        ),
        'v updated from the new u (Gauss-Seidel)': (
            'def factorization_escape_steps(eta, eps, tol, max_steps=10**6):\n'
            '    if eps == 0:\n'
            "        raise ValueError('eps = 0: GD stays at the saddle')\n"
            '    if tol <= 0:\n'
            "        raise ValueError('tol must be positive')\n"
            '    u, v = float(eps), 0.0\n'
            '    for k in range(max_steps + 1):\n'
            '        if 0.5 * (u * v - 1) ** 2 <= tol:\n'
            '            return k\n'
            '        u = u - eta * v * (u * v - 1)\n'
            '        v = v - eta * u * (u * v - 1)\n'
            "    raise RuntimeError('not converged')\n"
        ),
        '|uv - 1| <= tol instead of the loss': (
            'def factorization_escape_steps(eta, eps, tol, max_steps=10**6):\n'
            '    if eps == 0:\n'
            "        raise ValueError('eps = 0: GD stays at the saddle')\n"
            '    if tol <= 0:\n'
            "        raise ValueError('tol must be positive')\n"
            '    u, v = float(eps), 0.0\n'
            '    for k in range(max_steps + 1):\n'
            '        if abs(u * v - 1) <= tol:\n'
            '            return k\n'
            '        r = u * v - 1\n'
            '        u, v = u - eta * v * r, v - eta * u * r\n'
            "    raise RuntimeError('not converged')\n"
        ),
        'off by one (counts the start as step 1)': (
            'def factorization_escape_steps(eta, eps, tol, max_steps=10**6):\n'
            '    if eps == 0:\n'
            "        raise ValueError('eps = 0: GD stays at the saddle')\n"
            '    if tol <= 0:\n'
            "        raise ValueError('tol must be positive')\n"
            '    u, v = float(eps), 0.0\n'
            '    for k in range(max_steps + 1):\n'
            '        r = u * v - 1\n'
            '        if 0.5 * r * r <= tol:\n'
            '            return k + 1 if k else 0\n'
            '        u, v = u - eta * v * r, v - eta * u * r\n'
            "    raise RuntimeError('not converged')\n"
        ),
        '< instead of <=': (
            'def factorization_escape_steps(eta, eps, tol, max_steps=10**6):\n'
            '    if eps == 0:\n'
            "        raise ValueError('eps = 0: GD stays at the saddle')\n"
            '    if tol <= 0:\n'
            "        raise ValueError('tol must be positive')\n"
            '    u, v = float(eps), 0.0\n'
            '    for k in range(max_steps + 1):\n'
            '        r = u * v - 1\n'
            '        if 0.5 * r * r < tol:\n'
            '            return k\n'
            '        u, v = u - eta * v * r, v - eta * u * r\n'
            "    raise RuntimeError('not converged')\n"
        ),
        'the point after max_steps steps not checked (raises one step early)': (
            'def factorization_escape_steps(eta, eps, tol, max_steps=10**6):\n'
            '    if eps == 0:\n'
            "        raise ValueError('eps = 0: GD stays at the saddle')\n"
            '    if tol <= 0:\n'
            "        raise ValueError('tol must be positive')\n"
            '    u, v = float(eps), 0.0\n'
            '    for k in range(max_steps):\n'
            '        r = u * v - 1\n'
            '        if 0.5 * r * r <= tol:\n'
            '            return k\n'
            '        u, v = u - eta * v * r, v - eta * u * r\n'
            "    raise RuntimeError('not converged')\n"
        ),
        'ignores max_steps (returns the cap instead of raising)': (
            'def factorization_escape_steps(eta, eps, tol, max_steps=10**6):\n'
            '    if eps == 0:\n'
            "        raise ValueError('eps = 0: GD stays at the saddle')\n"
            '    if tol <= 0:\n'
            "        raise ValueError('tol must be positive')\n"
            '    u, v, k = float(eps), 0.0, 0\n'
            '    while 0.5 * (u * v - 1) ** 2 > tol and k < max_steps:\n'
            '        r = u * v - 1\n'
            '        u, v = u - eta * v * r, v - eta * u * r\n'
            '        k += 1\n'
            '    return k\n'
        ),
        'no ValueError for eps = 0 or tol <= 0 (runs into the step cap)': (
            'def factorization_escape_steps(eta, eps, tol, max_steps=10**6):\n'
            '    u, v = float(eps), 0.0\n'
            '    for k in range(max_steps + 1):\n'
            '        r = u * v - 1\n'
            '        if 0.5 * r * r <= tol:\n'
            '            return k\n'
            '        u, v = u - eta * v * r, v - eta * u * r\n'
            "    raise RuntimeError('not converged')\n"
        ),
    },
    "gd_limit": {
        'the min-norm interpolant pinv(X) y, whatever w0 is': (
            'def gd_limit(X, y, w0):\n'
            '    return np.linalg.pinv(X) @ y\n'
        ),
        "w0 + pinv(X) y (w0's row-space part not removed)": (
            'def gd_limit(X, y, w0):\n'
            '    return w0 + np.linalg.pinv(X) @ y\n'
        ),
        'the null-space part of w0 alone (pinv(X) y dropped)': (
            'def gd_limit(X, y, w0):\n'
            '    return w0 - np.linalg.pinv(X) @ (X @ w0)\n'
        ),
        '200 GD steps with eta = 1/lambda_max (not converged)': (
            'def gd_limit(X, y, w0):\n'
            '    w, eta = w0.copy(), 1 / np.linalg.eigvalsh(X @ X.T)[-1]\n'
            '    for _ in range(200):\n'
            '        w = w - eta * X.T @ (X @ w - y)\n'
            '    return w\n'
        ),
        'changes w0 in place (w0 += ...)': (
            'def gd_limit(X, y, w0):\n'
            '    w0 += np.linalg.pinv(X) @ (y - X @ w0)\n'
            '    return w0\n'
        ),
    },
    "logistic_gd_path": {
        'the mean loss instead of the sum': (
            'def logistic_gd_path(X, y, eta, checkpoints, direction):\n'
            '    Z = X * y[:, None]\n'
            '    u = direction / np.linalg.norm(direction)\n'
            '    w = np.zeros(X.shape[1])\n'
            '    norms, angles, t = [], [], 0\n'
            '    for target in checkpoints:\n'
            '        while t < target:\n'
            '            w = w + eta * (Z.T @ (1.0 / (1.0 + np.exp(Z @ w)))) / len(y)\n'
            '            t += 1\n'
            '        norm = np.linalg.norm(w)\n'
            '        norms.append(norm)\n'
            '        angles.append(np.arccos(np.clip(w @ u / norm, -1.0, 1.0)))\n'
            '    return np.array(norms), np.array(angles)\n'
        ),
        'the angle in degrees': (
            'def logistic_gd_path(X, y, eta, checkpoints, direction):\n'
            '    Z = X * y[:, None]\n'
            '    u = direction / np.linalg.norm(direction)\n'
            '    w = np.zeros(X.shape[1])\n'
            '    norms, angles, t = [], [], 0\n'
            '    for target in checkpoints:\n'
            '        while t < target:\n'
            '            w = w + eta * (Z.T @ (1.0 / (1.0 + np.exp(Z @ w))))\n'
            '            t += 1\n'
            '        norm = np.linalg.norm(w)\n'
            '        norms.append(norm)\n'
            '        angles.append(np.degrees(np.arccos(np.clip(w @ u / norm, -1.0, 1.0))))\n'
            '    return np.array(norms), np.array(angles)\n'
        ),
        'cos(angle) instead of the angle': (
            'def logistic_gd_path(X, y, eta, checkpoints, direction):\n'
            '    Z = X * y[:, None]\n'
            '    u = direction / np.linalg.norm(direction)\n'
            '    w = np.zeros(X.shape[1])\n'
            '    norms, angles, t = [], [], 0\n'
            '    for target in checkpoints:\n'
            '        while t < target:\n'
            '            w = w + eta * (Z.T @ (1.0 / (1.0 + np.exp(Z @ w))))\n'
            '            t += 1\n'
            '        norm = np.linalg.norm(w)\n'
            '        norms.append(norm)\n'
            '        angles.append(w @ u / norm)\n'
            '    return np.array(norms), np.array(angles)\n'
        ),
        'the labels ignored (x_i instead of y_i x_i)': (
            'def logistic_gd_path(X, y, eta, checkpoints, direction):\n'
            '    Z = X\n'
            '    u = direction / np.linalg.norm(direction)\n'
            '    w = np.zeros(X.shape[1])\n'
            '    norms, angles, t = [], [], 0\n'
            '    for target in checkpoints:\n'
            '        while t < target:\n'
            '            w = w + eta * (Z.T @ (1.0 / (1.0 + np.exp(Z @ w))))\n'
            '            t += 1\n'
            '        norm = np.linalg.norm(w)\n'
            '        norms.append(norm)\n'
            '        angles.append(np.arccos(np.clip(w @ u / norm, -1.0, 1.0)))\n'
            '    return np.array(norms), np.array(angles)\n'
        ),
        'w(t - 1) recorded at checkpoint t': (
            'def logistic_gd_path(X, y, eta, checkpoints, direction):\n'
            '    Z = X * y[:, None]\n'
            '    u = direction / np.linalg.norm(direction)\n'
            '    w = np.zeros(X.shape[1])\n'
            '    norms, angles, t = [], [], 0\n'
            '    for target in checkpoints:\n'
            '        while t < target - 1:\n'
            '            w = w + eta * (Z.T @ (1.0 / (1.0 + np.exp(Z @ w))))\n'
            '            t += 1\n'
            '        norm = np.linalg.norm(w)\n'
            '        norms.append(norm)\n'
            '        angles.append(np.arccos(np.clip(w @ u / norm, -1.0, 1.0)))\n'
            '    return np.array(norms), np.array(angles)\n'
        ),
        'w(t + 1) recorded at checkpoint t': (
            'def logistic_gd_path(X, y, eta, checkpoints, direction):\n'
            '    Z = X * y[:, None]\n'
            '    u = direction / np.linalg.norm(direction)\n'
            '    w = np.zeros(X.shape[1])\n'
            '    norms, angles, t = [], [], 0\n'
            '    for target in checkpoints:\n'
            '        while t <= target:\n'
            '            w = w + eta * (Z.T @ (1.0 / (1.0 + np.exp(Z @ w))))\n'
            '            t += 1\n'
            '        norm = np.linalg.norm(w)\n'
            '        norms.append(norm)\n'
            '        angles.append(np.arccos(np.clip(w @ u / norm, -1.0, 1.0)))\n'
            '    return np.array(norms), np.array(angles)\n'
        ),
        'direction taken as a unit vector': (
            'def logistic_gd_path(X, y, eta, checkpoints, direction):\n'
            '    Z = X * y[:, None]\n'
            '    u = direction\n'
            '    w = np.zeros(X.shape[1])\n'
            '    norms, angles, t = [], [], 0\n'
            '    for target in checkpoints:\n'
            '        while t < target:\n'
            '            w = w + eta * (Z.T @ (1.0 / (1.0 + np.exp(Z @ w))))\n'
            '            t += 1\n'
            '        norm = np.linalg.norm(w)\n'
            '        norms.append(norm)\n'
            '        angles.append(np.arccos(np.clip(w @ u / norm, -1.0, 1.0)))\n'
            '    return np.array(norms), np.array(angles)\n'
        ),
        'the norm of the last step instead of the norm of w': (
            'def logistic_gd_path(X, y, eta, checkpoints, direction):\n'
            '    Z = X * y[:, None]\n'
            '    u = direction / np.linalg.norm(direction)\n'
            '    w = np.zeros(X.shape[1])\n'
            '    norms, angles, t = [], [], 0\n'
            '    for target in checkpoints:\n'
            '        while t < target:\n'
            '            step = eta * (Z.T @ (1.0 / (1.0 + np.exp(Z @ w))))\n'
            '            w = w + step\n'
            '            t += 1\n'
            '        norm = np.linalg.norm(w)\n'
            '        norms.append(np.linalg.norm(step))\n'
            '        angles.append(np.arccos(np.clip(w @ u / norm, -1.0, 1.0)))\n'
            '    return np.array(norms), np.array(angles)\n'
        ),
        'normalizes direction in place': (
            'def logistic_gd_path(X, y, eta, checkpoints, direction):\n'
            '    Z = X * y[:, None]\n'
            '    direction /= np.linalg.norm(direction)\n'
            '    u = direction\n'
            '    w = np.zeros(X.shape[1])\n'
            '    norms, angles, t = [], [], 0\n'
            '    for target in checkpoints:\n'
            '        while t < target:\n'
            '            w = w + eta * (Z.T @ (1.0 / (1.0 + np.exp(Z @ w))))\n'
            '            t += 1\n'
            '        norm = np.linalg.norm(w)\n'
            '        norms.append(norm)\n'
            '        angles.append(np.arccos(np.clip(w @ u / norm, -1.0, 1.0)))\n'
            '    return np.array(norms), np.array(angles)\n'
        ),
    },
}
HIDDEN_ONLY = ("factorization_escape_steps", "v updated from the new u (Gauss-Seidel)")
LEAF = "factorization_escape_steps"
