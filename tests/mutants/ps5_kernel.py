MUTANTS = {
    "ntk_prediction": {
        "the NNGP kernel where the NTK is asked": (
            "def ntk_prediction(X_test, X, y, f0_test, f0_train, eta, t):\n"
            "    lam, V = np.linalg.eigh(nngp(X, X))\n"
            "    coef = V @ (-np.expm1(-eta * t * lam) / lam * (V.T @ (y - f0_train)))\n"
            "    return f0_test + nngp(X_test, X) @ coef\n"
        ),
        "exp(-eta Theta t) without the inverse": (
            "from scipy.linalg import expm\n\n\n"
            "def ntk_prediction(X_test, X, y, f0_test, f0_train, eta, t):\n"
            "    K = ntk(X, X)\n"
            "    return f0_test + ntk(X_test, X) @ ((np.eye(len(X)) - expm(-eta * t * K)) @ (y - f0_train))\n"
        ),
        "the f0 terms dropped": (
            "from scipy.linalg import expm\n\n\n"
            "def ntk_prediction(X_test, X, y, f0_test, f0_train, eta, t):\n"
            "    K = ntk(X, X)\n"
            "    return ntk(X_test, X) @ np.linalg.solve(K, (np.eye(len(X)) - expm(-eta * t * K)) @ y)\n"
        ),
        "f0(z) dropped, f0(X) kept": (
            "from scipy.linalg import expm\n\n\n"
            "def ntk_prediction(X_test, X, y, f0_test, f0_train, eta, t):\n"
            "    K = ntk(X, X)\n"
            "    return ntk(X_test, X) @ np.linalg.solve(K, (np.eye(len(X)) - expm(-eta * t * K)) @ (y - f0_train))\n"
        ),
        "the training-set kernel for the test points": (
            "from scipy.linalg import expm\n\n\n"
            "def ntk_prediction(X_test, X, y, f0_test, f0_train, eta, t):\n"
            "    K = ntk(X, X)\n"
            "    return f0_test + K @ np.linalg.solve(K, (np.eye(len(X)) - expm(-eta * t * K)) @ (y - f0_train))\n"
        ),
        "an entrywise exp instead of the matrix exponential": (
            "def ntk_prediction(X_test, X, y, f0_test, f0_train, eta, t):\n"
            "    K = ntk(X, X)\n"
            "    step = np.linalg.solve(K, (np.eye(len(X)) - np.exp(-eta * t * K)) @ (y - f0_train))\n"
            "    return f0_test + ntk(X_test, X) @ step\n"
        ),
        "eta left out": (
            "from scipy.linalg import expm\n\n\n"
            "def ntk_prediction(X_test, X, y, f0_test, f0_train, eta, t):\n"
            "    K = ntk(X, X)\n"
            "    step = np.linalg.solve(K, (np.eye(len(X)) - expm(-t * K)) @ (y - f0_train))\n"
            "    return f0_test + ntk(X_test, X) @ step\n"
        ),
        "calls ovptools (forbidden by the text)": (
            "from ovptools import function_space as _fs\n\n\n"
            "def ntk_prediction(X_test, X, y, f0_test, f0_train, eta, t):\n"
            "    return np.asarray(_fs.kernel_trajectory(ntk(X_test, X), ntk(X, X), y, [t], eta=eta, f0_z=f0_test,\n"
            "                                            f0_x=f0_train))[0]\n"
        ),
    },
    "linearized_step": {
        "the network's own GD step (patterns of W, not W0)": (
            "def linearized_step(W, W0, a, X, y, eta):\n"
            "    m = W.shape[0]\n"
            "    S = (X @ W.T >= 0).astype(float)\n"
            "    u = np.maximum(X @ W.T, 0) @ a / np.sqrt(m)\n"
            "    return W - eta * (S * (u - y)[:, None]).T @ X * (a[:, None] / np.sqrt(m))\n"
        ),
        "the network's output f(W) in the residual": (
            "def linearized_step(W, W0, a, X, y, eta):\n"
            "    m = W.shape[0]\n"
            "    S0 = (X @ W0.T >= 0).astype(float)\n"
            "    u = np.maximum(X @ W.T, 0) @ a / np.sqrt(m)\n"
            "    return W - eta * (S0 * (u - y)[:, None]).T @ X * (a[:, None] / np.sqrt(m))\n"
        ),
        "f(W0) dropped from the Taylor model": (
            "def linearized_step(W, W0, a, X, y, eta):\n"
            "    m = W.shape[0]\n"
            "    S0 = (X @ W0.T >= 0).astype(float)\n"
            "    f_lin = (S0 * (X @ (W - W0).T)) @ a / np.sqrt(m)\n"
            "    return W - eta * (S0 * (f_lin - y)[:, None]).T @ X * (a[:, None] / np.sqrt(m))\n"
        ),
        "the residual frozen at W0": (
            "def linearized_step(W, W0, a, X, y, eta):\n"
            "    m = W.shape[0]\n"
            "    S0 = (X @ W0.T >= 0).astype(float)\n"
            "    f0 = np.maximum(X @ W0.T, 0) @ a / np.sqrt(m)\n"
            "    return W - eta * (S0 * (f0 - y)[:, None]).T @ X * (a[:, None] / np.sqrt(m))\n"
        ),
        "> instead of >= in the frozen patterns": (
            "def linearized_step(W, W0, a, X, y, eta):\n"
            "    m = W.shape[0]\n"
            "    S0 = (X @ W0.T > 0).astype(float)\n"
            "    f_lin = np.maximum(X @ W0.T, 0) @ a / np.sqrt(m) + (S0 * (X @ (W - W0).T)) @ a / np.sqrt(m)\n"
            "    return W - eta * (S0 * (f_lin - y)[:, None]).T @ X * (a[:, None] / np.sqrt(m))\n"
        ),
        "missing 1/sqrt(m) in the gradient": (
            "def linearized_step(W, W0, a, X, y, eta):\n"
            "    m = W.shape[0]\n"
            "    S0 = (X @ W0.T >= 0).astype(float)\n"
            "    f_lin = np.maximum(X @ W0.T, 0) @ a / np.sqrt(m) + (S0 * (X @ (W - W0).T)) @ a / np.sqrt(m)\n"
            "    return W - eta * (S0 * (f_lin - y)[:, None]).T @ X * a[:, None]\n"
        ),
        "modifies W in place": (
            "def linearized_step(W, W0, a, X, y, eta):\n"
            "    m = W.shape[0]\n"
            "    S0 = (X @ W0.T >= 0).astype(float)\n"
            "    f_lin = np.maximum(X @ W0.T, 0) @ a / np.sqrt(m) + (S0 * (X @ (W - W0).T)) @ a / np.sqrt(m)\n"
            "    W -= eta * (S0 * (f_lin - y)[:, None]).T @ X * (a[:, None] / np.sqrt(m))\n"
            "    return W\n"
        ),
    },
    "width_for_distance": {
        "regresses log width on log distance (the other line)": (
            "def width_for_distance(widths, distances, target):\n"
            "    s, c = np.polyfit(np.log(distances), np.log(widths), 1)\n"
            "    if s >= 0:\n"
            "        raise ValueError('the distance does not fall with the width')\n"
            "    return float(np.exp(c + s * np.log(target)))\n"
        ),
        "a line through the first and last points only": (
            "def width_for_distance(widths, distances, target):\n"
            "    lx, ly = np.log(widths), np.log(distances)\n"
            "    s = (ly[-1] - ly[0]) / (lx[-1] - lx[0])\n"
            "    if s >= 0:\n"
            "        raise ValueError('the distance does not fall with the width')\n"
            "    return float(np.exp(lx[0] + (np.log(target) - ly[0]) / s))\n"
        ),
        "a fit on the raw values": (
            "def width_for_distance(widths, distances, target):\n"
            "    s, c = np.polyfit(np.asarray(widths, float), np.asarray(distances, float), 1)\n"
            "    if s >= 0:\n"
            "        raise ValueError('the distance does not fall with the width')\n"
            "    return float((target - c) / s)\n"
        ),
        "rounds the width to an integer (the text asks for a float, not rounded)": (
            "def width_for_distance(widths, distances, target):\n"
            "    s, c = np.polyfit(np.log(widths), np.log(distances), 1)\n"
            "    if s >= 0:\n"
            "        raise ValueError('the distance does not fall with the width')\n"
            "    return float(round(np.exp((np.log(target) - c) / s)))\n"
        ),
        "no error for a slope that is not negative": (
            "def width_for_distance(widths, distances, target):\n"
            "    s, c = np.polyfit(np.log(widths), np.log(distances), 1)\n"
            "    return float(np.exp((np.log(target) - c) / s))\n"
        ),
    },
}

HIDDEN_ONLY = ("ntk_prediction", "the NNGP kernel where the NTK is asked")
LEAF = "linearized_step"
