ALTERNATIVES = {
    "gradient_descent": {
        "a preallocated array": (
            "def gradient_descent(grad, w0, step, iters):\n"
            "    W = np.zeros((iters + 1, len(w0)))\n"
            "    W[0] = w0\n"
            "    for k in range(iters):\n"
            "        W[k + 1] = W[k] - step * grad(W[k])\n"
            "    return W\n"
        ),
        "in place on a copy, storing copies": (
            "def gradient_descent(grad, w0, step, iters):\n"
            "    w = w0.copy()\n"
            "    out = [w.copy()]\n"
            "    for _ in range(iters):\n"
            "        w -= step * grad(w)\n"
            "        out.append(w.copy())\n"
            "    return np.vstack(out)\n"
        ),
    },
    "pl_constant": {
        "a loop with an infinite start": (
            "def pl_constant(f_vals, grad_sq_norms, f_star):\n"
            "    mu = float('inf')\n"
            "    for f, g in zip(f_vals, grad_sq_norms):\n"
            "        if f > f_star:\n"
            "            mu = min(mu, g / (2 * (f - f_star)))\n"
            "    return mu\n"
        ),
        "np.divide with where": (
            "def pl_constant(f_vals, grad_sq_norms, f_star):\n"
            "    gap = np.asarray(f_vals) - f_star\n"
            "    ratio = np.divide(np.asarray(grad_sq_norms) / 2, gap, out=np.full(gap.shape, np.inf), where=gap > 0)\n"
            "    return float(ratio.min()) if ratio.size else float('inf')\n"
        ),
    },
    "linear_rate": {
        "lstsq on [k, 1]": (
            "def linear_rate(f_vals, f_star):\n"
            "    gap = np.asarray(f_vals, dtype=float) - f_star\n"
            "    k = np.flatnonzero(gap > 0)\n"
            "    A = np.column_stack([k, np.ones(len(k))])\n"
            "    slope = np.linalg.lstsq(A, np.log(gap[k]), rcond=None)[0][0]\n"
            "    return float(np.exp(slope))\n"
        ),
        "the closed-form slope": (
            "def linear_rate(f_vals, f_star):\n"
            "    ks, logs = [], []\n"
            "    for k, f in enumerate(f_vals):\n"
            "        if f > f_star:\n"
            "            ks.append(k)\n"
            "            logs.append(np.log(f - f_star))\n"
            "    ks, logs = np.array(ks, dtype=float), np.array(logs)\n"
            "    slope = np.sum((ks - ks.mean()) * (logs - logs.mean())) / np.sum((ks - ks.mean()) ** 2)\n"
            "    return float(np.exp(slope))\n"
        ),
    },
    "least_squares_kernel_min_eig": {
        "SVD, padded with zeros when n > d": (
            "def least_squares_kernel_min_eig(X):\n"
            "    s = np.linalg.svd(X, compute_uv=False)\n"
            "    return float(np.min(s) ** 2) if X.shape[0] <= X.shape[1] else 0.0\n"
        ),
        "eigvals, sorted": (
            "def least_squares_kernel_min_eig(X):\n"
            "    return float(np.sort(np.real(np.linalg.eigvals(X @ X.T)))[0])\n"
        ),
        "torch.linalg.eigvalsh": (
            "def least_squares_kernel_min_eig(X):\n"
            "    Xt = torch.from_numpy(X)\n"
            "    return torch.linalg.eigvalsh(Xt @ Xt.T)[0].item()\n"
        ),
    },
    "jacobian_linear_net": {
        "np.kron per sample": "def jacobian_linear_net(v, X):\n    return np.array([np.kron(v, x) for x in X])\n",
        "broadcasting": (
            "def jacobian_linear_net(v, X):\n"
            "    return (v[None, :, None] * X[:, None, :]).reshape(len(X), -1)\n"
        ),
    },
    "jacobian_leaky_relu_net": {
        "loops over samples and neurons": (
            "def jacobian_leaky_relu_net(W, v, X, slope):\n"
            "    k, d = W.shape\n"
            "    J = np.zeros((len(X), k * d))\n"
            "    for i, x in enumerate(X):\n"
            "        for a in range(k):\n"
            "            s = 1.0 if W[a] @ x >= 0 else slope\n"
            "            J[i, a * d:(a + 1) * d] = v[a] * s * x\n"
            "    return J\n"
        ),
        "torch.func.jacrev inside, numpy out": (
            "def jacobian_leaky_relu_net(W, v, X, slope):\n"
            "    from torch.func import jacrev\n"
            "    Xt, vt, k = torch.from_numpy(X), torch.from_numpy(v), W.shape[0]\n"
            "    h = lambda Wf: torch.where(Xt @ Wf.reshape(k, -1).T >= 0, Xt @ Wf.reshape(k, -1).T,\n"
            "                               slope * (Xt @ Wf.reshape(k, -1).T)) @ vt\n"
            "    return jacrev(h)(torch.from_numpy(W).ravel()).numpy()\n"
        ),
    },    "sgd_floor": {
        "normal equations and the quadratic form, preallocated": (
            "def sgd_floor(X, y, step, batches):\n"
            "    n = X.shape[0]\n"
            "    w_star = np.linalg.solve(X.T @ X, X.T @ y)\n"
            "    H = X.T @ X / n\n"
            "    gaps = np.empty(len(batches))\n"
            "    e = np.zeros(X.shape[1])\n"
            "    for k, b in enumerate(batches):\n"
            "        Xb, yb = X[b, :], y[b]\n"
            "        e = e - step * Xb.T @ (Xb @ (w_star + e) - yb) / Xb.shape[0]\n"
            "        gaps[k] = e @ H @ e / 2\n"
            "    return gaps.mean()\n"
        ),
        "torch, pinv, loss differences": (
            "def sgd_floor(X, y, step, batches):\n"
            "    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)\n"
            "    w_star = torch.linalg.pinv(Xt) @ yt\n"
            "    loss = lambda w: ((Xt @ w - yt) ** 2).mean() / 2\n"
            "    f_star, w, total = loss(w_star), w_star.clone(), 0.0\n"
            "    for b in torch.from_numpy(np.asarray(batches)):\n"
            "        w = w - step * Xt[b].T @ (Xt[b] @ w - yt[b]) / len(b)\n"
            "        total += (loss(w) - f_star).item()\n"
            "    return total / len(batches)\n"
        ),
    },
}
