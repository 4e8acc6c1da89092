MUTANTS = {
    "gradient_descent": {
        "appends the same array updated in place": (
            "def gradient_descent(grad, w0, step, iters):\n"
            "    w = np.array(w0, dtype=float)\n"
            "    out = [w]\n"
            "    for _ in range(iters):\n"
            "        w -= step * grad(w)\n"
            "        out.append(w)\n"
            "    return np.array(out)\n"
        ),
        "w0 missing from the output": (
            "def gradient_descent(grad, w0, step, iters):\n"
            "    w, out = np.array(w0, dtype=float), []\n"
            "    for _ in range(iters):\n"
            "        w = w - step * grad(w)\n"
            "        out.append(w)\n"
            "    return np.array(out)\n"
        ),
        "modifies w0": (
            "def gradient_descent(grad, w0, step, iters):\n"
            "    out = [np.array(w0, dtype=float)]\n"
            "    for _ in range(iters):\n"
            "        w0 -= step * grad(w0)\n"
            "        out.append(np.array(w0, dtype=float))\n"
            "    return np.array(out)\n"
        ),
        "calls ovptools (forbidden by the text)": (
            "import ovptools\n\n\n"
            "def gradient_descent(grad, w0, step, iters):\n"
            "    return np.asarray(ovptools.gd(lambda w: 0.0, grad, w0, eta=step, steps=iters).w)\n"
        ),
        "computes in float32": (
            "def gradient_descent(grad, w0, step, iters):\n"
            "    w = np.array(w0, dtype=np.float32)\n"
            "    out = [w.copy()]\n"
            "    for _ in range(iters):\n"
            "        w = w - np.float32(step) * grad(w).astype(np.float32)\n"
            "        out.append(w.copy())\n"
            "    return np.array(out)\n"
        ),
    },
    "pl_constant": {
        "forgets the 1/2": (
            "def pl_constant(f_vals, grad_sq_norms, f_star):\n"
            "    gap = np.asarray(f_vals) - f_star\n"
            "    keep = gap > 0\n"
            "    return float(np.min(np.asarray(grad_sq_norms)[keep] / gap[keep]))\n"
        ),
        "mean instead of min": (
            "def pl_constant(f_vals, grad_sq_norms, f_star):\n"
            "    gap = np.asarray(f_vals) - f_star\n"
            "    keep = gap > 0\n"
            "    return float(np.mean(0.5 * np.asarray(grad_sq_norms)[keep] / gap[keep]))\n"
        ),
        "ignores f_star": (
            "def pl_constant(f_vals, grad_sq_norms, f_star):\n"
            "    f = np.asarray(f_vals)\n"
            "    keep = f > 0\n"
            "    return float(np.min(0.5 * np.asarray(grad_sq_norms)[keep] / f[keep]))\n"
        ),
        "divides by zero at f*": (
            "def pl_constant(f_vals, grad_sq_norms, f_star):\n"
            "    gap = np.asarray(f_vals) - f_star\n"
            "    return float(np.nanmin(0.5 * np.asarray(grad_sq_norms) / gap))\n"
        ),
        "nan when no iterate has f > f*": (
            "def pl_constant(f_vals, grad_sq_norms, f_star):\n"
            "    gap = np.asarray(f_vals) - f_star\n"
            "    keep = gap > 0\n"
            "    return float(np.min(0.5 * np.asarray(grad_sq_norms)[keep] / gap[keep], initial=np.nan))\n"
        ),
        "calls ovptools (forbidden by the text)": (
            "from ovptools import pl_ratios\n\n\n"
            "def pl_constant(f_vals, grad_sq_norms, f_star):\n"
            "    r = pl_ratios(f_vals, grad_sq_norms, f_star)\n"
            "    return float(np.min(r)) if len(r) else float('inf')\n"
        ),
    },
    "linear_rate": {
        "ratio of the last two gaps": (
            "def linear_rate(f_vals, f_star):\n"
            "    gap = np.asarray(f_vals) - f_star\n"
            "    gap = gap[gap > 0]\n"
            "    return float(gap[-1] / gap[-2])\n"
        ),
        "returns the log-slope": (
            "def linear_rate(f_vals, f_star):\n"
            "    gap = np.asarray(f_vals) - f_star\n"
            "    k = np.arange(len(gap))\n"
            "    keep = gap > 0\n"
            "    return float(np.polyfit(k[keep], np.log(gap[keep]), 1)[0])\n"
        ),
        "renumbers after dropping zero gaps": (
            "def linear_rate(f_vals, f_star):\n"
            "    gap = np.asarray(f_vals) - f_star\n"
            "    gap = gap[gap > 0]\n"
            "    return float(np.exp(np.polyfit(np.arange(len(gap)), np.log(gap), 1)[0]))\n"
        ),
        "calls ovptools (forbidden by the text)": (
            "def linear_rate(f_vals, f_star):\n"
            "    from ovptools.objectives import fitted_rate\n"
            "    return fitted_rate(np.asarray(f_vals) - f_star)\n"
        ),
    },
    "least_squares_kernel_min_eig": {
        "the d x d matrix X^T X": (
            "def least_squares_kernel_min_eig(X):\n    return float(np.linalg.eigvalsh(X.T @ X)[0])\n"
        ),
        "smallest singular value of X": (
            "def least_squares_kernel_min_eig(X):\n    return float(np.linalg.svd(X, compute_uv=False)[-1])\n"
        ),
        "np.linalg.eig, first eigenvalue": (
            "def least_squares_kernel_min_eig(X):\n    return float(np.real(np.linalg.eig(X @ X.T)[0][0]))\n"
        ),
        "calls ovptools (forbidden by the text)": (
            "import ovptools\n\n\n"
            "def least_squares_kernel_min_eig(X):\n    return float(ovptools.lambda_min(X @ X.T))\n"
        ),
    },
    "jacobian_linear_net": {
        "transposed": "def jacobian_linear_net(v, X):\n    return np.stack([np.outer(v, x).ravel() for x in X]).T\n",
        "flattened column by column": (
            "def jacobian_linear_net(v, X):\n    return np.stack([np.outer(x, v).ravel() for x in X])\n"
        ),
        "forgets v": (
            "def jacobian_linear_net(v, X):\n"
            "    return np.stack([np.outer(np.ones_like(v), x).ravel() for x in X])\n"
        ),
        "calls ovptools (forbidden by the text)": (
            "import ovptools\n\n\n"
            "def jacobian_linear_net(v, X):\n"
            "    net = ovptools.OneLayerNet(np.zeros((len(v), X.shape[1])), v)\n"
            "    return np.asarray(ovptools.jacobian(net, X).detach().numpy(), dtype=float)\n"
        ),
    },
    "jacobian_leaky_relu_net": {
        "> instead of >= at ties": (
            "def jacobian_leaky_relu_net(W, v, X, slope):\n"
            "    D = np.where(X @ W.T > 0, 1.0, slope)\n"
            "    return np.stack([np.outer(D[i] * v, X[i]).ravel() for i in range(len(X))])\n"
        ),
        "plain ReLU (slope ignored)": (
            "def jacobian_leaky_relu_net(W, v, X, slope):\n"
            "    D = np.where(X @ W.T >= 0, 1.0, 0.0)\n"
            "    return np.stack([np.outer(D[i] * v, X[i]).ravel() for i in range(len(X))])\n"
        ),
        "forgets v": (
            "def jacobian_leaky_relu_net(W, v, X, slope):\n"
            "    D = np.where(X @ W.T >= 0, 1.0, slope)\n"
            "    return np.stack([np.outer(D[i], X[i]).ravel() for i in range(len(X))])\n"
        ),
        "calls ovptools (forbidden by the text)": (
            "import ovptools\n\n\n"
            "def jacobian_leaky_relu_net(W, v, X, slope):\n"
            "    net = ovptools.OneLayerNet(W, v, slope=slope)\n"
            "    return np.asarray(ovptools.jacobian(net, X).detach().numpy(), dtype=float)\n"
        ),
    },
    "sgd_floor": {
        "starts at w = 0 instead of w*": (
            "def sgd_floor(X, y, step, batches):\n"
            "    w_star = np.linalg.lstsq(X, y, rcond=None)[0]\n"
            "    f = lambda w: 0.5 * np.mean((X @ w - y) ** 2)\n"
            "    w, gaps = np.zeros(X.shape[1]), []\n"
            "    for b in batches:\n"
            "        w = w - step * X[b].T @ (X[b] @ w - y[b]) / len(b)\n"
            "        gaps.append(f(w) - f(w_star))\n"
            "    return float(np.mean(gaps))\n"
        ),
        "the full-batch gradient (batches ignored)": (
            "def sgd_floor(X, y, step, batches):\n"
            "    w_star = np.linalg.lstsq(X, y, rcond=None)[0]\n"
            "    f = lambda w: 0.5 * np.mean((X @ w - y) ** 2)\n"
            "    w, gaps = w_star.copy(), []\n"
            "    for _ in batches:\n"
            "        w = w - step * X.T @ (X @ w - y) / len(X)\n"
            "        gaps.append(f(w) - f(w_star))\n"
            "    return float(np.mean(gaps))\n"
        ),
        "the last gap instead of the mean": (
            "def sgd_floor(X, y, step, batches):\n"
            "    w_star = np.linalg.lstsq(X, y, rcond=None)[0]\n"
            "    f = lambda w: 0.5 * np.mean((X @ w - y) ** 2)\n"
            "    w = w_star.copy()\n"
            "    for b in batches:\n"
            "        w = w - step * X[b].T @ (X[b] @ w - y[b]) / len(b)\n"
            "    return float(f(w) - f(w_star))\n"
        ),
        "counts w_0 = w* in the mean": (
            "def sgd_floor(X, y, step, batches):\n"
            "    w_star = np.linalg.lstsq(X, y, rcond=None)[0]\n"
            "    f = lambda w: 0.5 * np.mean((X @ w - y) ** 2)\n"
            "    w = w_star.copy()\n"
            "    gaps = [0.0]\n"
            "    for b in batches:\n"
            "        w = w - step * X[b].T @ (X[b] @ w - y[b]) / len(b)\n"
            "        gaps.append(f(w) - f(w_star))\n"
            "    return float(np.mean(gaps))\n"
        ),
        "f(w_k) without subtracting f(w*)": (
            "def sgd_floor(X, y, step, batches):\n"
            "    w = np.linalg.lstsq(X, y, rcond=None)[0]\n"
            "    gaps = []\n"
            "    for b in batches:\n"
            "        w = w - step * X[b].T @ (X[b] @ w - y[b]) / len(b)\n"
            "        gaps.append(0.5 * np.mean((X @ w - y) ** 2))\n"
            "    return float(np.mean(gaps))\n"
        ),
        "minibatch gradient divided by n instead of B": (
            "def sgd_floor(X, y, step, batches):\n"
            "    w_star = np.linalg.lstsq(X, y, rcond=None)[0]\n"
            "    f = lambda w: 0.5 * np.mean((X @ w - y) ** 2)\n"
            "    w, gaps = w_star.copy(), []\n"
            "    for b in batches:\n"
            "        w = w - step * X[b].T @ (X[b] @ w - y[b]) / len(X)\n"
            "        gaps.append(f(w) - f(w_star))\n"
            "    return float(np.mean(gaps))\n"
        ),
        "f evaluated on the minibatch only": (
            "def sgd_floor(X, y, step, batches):\n"
            "    w_star = np.linalg.lstsq(X, y, rcond=None)[0]\n"
            "    w, gaps = w_star.copy(), []\n"
            "    for b in batches:\n"
            "        w = w - step * X[b].T @ (X[b] @ w - y[b]) / len(b)\n"
            "        fb = lambda v: 0.5 * np.mean((X[b] @ v - y[b]) ** 2)\n"
            "        gaps.append(fb(w) - fb(w_star))\n"
            "    return float(np.mean(gaps))\n"
        ),
    },
}

HIDDEN_ONLY = ("linear_rate", "renumbers after dropping zero gaps")
LEAF = "least_squares_kernel_min_eig"
