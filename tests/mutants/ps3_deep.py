MUTANTS = {
    "deep_relu_forward": {
        "missing ReLU between layers": (
            "def deep_relu_forward(Ws, v, X):\n"
            "    h = X\n"
            "    for W in Ws:\n"
            "        h = h @ W\n"
            "    return np.maximum(h, 0) @ v\n"
        ),
        "ReLU on the output too": (
            "def deep_relu_forward(Ws, v, X):\n"
            "    h = X\n"
            "    for W in Ws:\n"
            "        h = np.maximum(h @ W, 0)\n"
            "    return np.maximum(h @ v, 0)\n"
        ),
        "a 1/sqrt(m) factor as in problem set 2": (
            "def deep_relu_forward(Ws, v, X):\n"
            "    h = X\n"
            "    for W in Ws:\n"
            "        h = np.maximum(h @ W, 0)\n"
            "    return h @ v / np.sqrt(len(v))\n"
        ),
        "forgets v": (
            "def deep_relu_forward(Ws, v, X):\n"
            "    h = X\n"
            "    for W in Ws:\n"
            "        h = np.maximum(h @ W, 0)\n"
            "    return h.sum(axis=1)\n"
        ),
        "computes in float32": (
            "def deep_relu_forward(Ws, v, X):\n"
            "    h = X.astype(np.float32)\n"
            "    for W in Ws:\n"
            "        h = np.maximum(h @ W.astype(np.float32), 0)\n"
            "    return h @ v.astype(np.float32)\n"
        ),
        "calls ovptools (forbidden by the text)": (
            "from ovptools.models import deep_relu_forward as course_forward\n\n\n"
            "def deep_relu_forward(Ws, v, X):\n    return np.asarray(course_forward(Ws, v, X))\n"
        ),
    },
    "logistic_sgd_step": {
        "the sum instead of the mean over the batch": (
            "def logistic_sgd_step(Ws, v, X, y, lr):\n"
            "    hs, zs = [X], []\n"
            "    for W in Ws:\n"
            "        zs.append(hs[-1] @ W)\n"
            "        hs.append(np.maximum(zs[-1], 0))\n"
            "    g = -y / (1 + np.exp(y * (hs[-1] @ v)))\n"
            "    delta = np.outer(g, v) * (zs[-1] >= 0)\n"
            "    new = list(Ws)\n"
            "    for l in range(len(Ws) - 1, -1, -1):\n"
            "        new[l] = Ws[l] - lr * hs[l].T @ delta\n"
            "        if l:\n"
            "            delta = (delta @ Ws[l].T) * (zs[l - 1] >= 0)\n"
            "    return new\n"
        ),
        "only the last layer updated": (
            "def logistic_sgd_step(Ws, v, X, y, lr):\n"
            "    hs = [X]\n"
            "    for W in Ws:\n"
            "        hs.append(np.maximum(hs[-1] @ W, 0))\n"
            "    g = -y / (1 + np.exp(y * (hs[-1] @ v))) / len(y)\n"
            "    delta = np.outer(g, v) * (hs[-2] @ Ws[-1] >= 0)\n"
            "    return [W.copy() for W in Ws[:-1]] + [Ws[-1] - lr * hs[-2].T @ delta]\n"
        ),
        "ReLU derivative 0 at 0 (the mask z > 0)": (
            "def logistic_sgd_step(Ws, v, X, y, lr):\n"
            "    hs, zs = [X], []\n"
            "    for W in Ws:\n"
            "        zs.append(hs[-1] @ W)\n"
            "        hs.append(np.maximum(zs[-1], 0))\n"
            "    g = -y / (1 + np.exp(y * (hs[-1] @ v))) / len(y)\n"
            "    delta = np.outer(g, v) * (zs[-1] > 0)\n"
            "    new = list(Ws)\n"
            "    for l in range(len(Ws) - 1, -1, -1):\n"
            "        new[l] = Ws[l] - lr * hs[l].T @ delta\n"
            "        if l:\n"
            "            delta = (delta @ Ws[l].T) * (zs[l - 1] > 0)\n"
            "    return new\n"
        ),
        "ReLU derivative 0 at 0 (the mask h > 0, with expit)": (
            "from scipy.special import expit\n\n\n"
            "def logistic_sgd_step(Ws, v, X, y, lr):\n"
            "    hs = [X]\n"
            "    for W in Ws:\n"
            "        hs.append(np.maximum(hs[-1] @ W, 0))\n"
            "    g = -y * expit(-y * (hs[-1] @ v)) / len(y)\n"
            "    delta = g[:, None] * v[None, :] * (hs[-1] > 0)\n"
            "    new = [None] * len(Ws)\n"
            "    for l in range(len(Ws), 0, -1):\n"
            "        new[l - 1] = Ws[l - 1] - lr * np.einsum('ia,ib->ab', hs[l - 1], delta)\n"
            "        delta = np.einsum('ib,ab->ia', delta, Ws[l - 1]) * (hs[l - 1] > 0)\n"
            "    return new\n"
        ),
        "updates the weights in place": (
            "def logistic_sgd_step(Ws, v, X, y, lr):\n"
            "    hs, zs = [X], []\n"
            "    for W in Ws:\n"
            "        zs.append(hs[-1] @ W)\n"
            "        hs.append(np.maximum(zs[-1], 0))\n"
            "    g = -y / (1 + np.exp(y * (hs[-1] @ v))) / len(y)\n"
            "    delta = np.outer(g, v) * (zs[-1] >= 0)\n"
            "    grads = [None] * len(Ws)\n"
            "    for l in range(len(Ws) - 1, -1, -1):\n"
            "        grads[l] = hs[l].T @ delta\n"
            "        if l:\n"
            "            delta = (delta @ Ws[l].T) * (zs[l - 1] >= 0)\n"
            "    for W, G in zip(Ws, grads):\n"
            "        W -= lr * G\n"
            "    return list(Ws)\n"
        ),
        "no ReLU mask in the backward pass": (
            "def logistic_sgd_step(Ws, v, X, y, lr):\n"
            "    hs = [X]\n"
            "    for W in Ws:\n"
            "        hs.append(np.maximum(hs[-1] @ W, 0))\n"
            "    g = -y / (1 + np.exp(y * (hs[-1] @ v))) / len(y)\n"
            "    delta = np.outer(g, v)\n"
            "    new = list(Ws)\n"
            "    for l in range(len(Ws) - 1, -1, -1):\n"
            "        new[l] = Ws[l] - lr * hs[l].T @ delta\n"
            "        delta = delta @ Ws[l].T\n"
            "    return new\n"
        ),
        "l'(s) evaluated at -s": (
            "def logistic_sgd_step(Ws, v, X, y, lr):\n"
            "    hs, zs = [X], []\n"
            "    for W in Ws:\n"
            "        zs.append(hs[-1] @ W)\n"
            "        hs.append(np.maximum(zs[-1], 0))\n"
            "    g = -y / (1 + np.exp(-y * (hs[-1] @ v))) / len(y)\n"
            "    delta = np.outer(g, v) * (zs[-1] >= 0)\n"
            "    new = list(Ws)\n"
            "    for l in range(len(Ws) - 1, -1, -1):\n"
            "        new[l] = Ws[l] - lr * hs[l].T @ delta\n"
            "        if l:\n"
            "            delta = (delta @ Ws[l].T) * (zs[l - 1] >= 0)\n"
            "    return new\n"
        ),
        "the mask of the layer above instead of the layer below": (
            "def logistic_sgd_step(Ws, v, X, y, lr):\n"
            "    hs, zs = [X], []\n"
            "    for W in Ws:\n"
            "        zs.append(hs[-1] @ W)\n"
            "        hs.append(np.maximum(zs[-1], 0))\n"
            "    g = -y / (1 + np.exp(y * (hs[-1] @ v))) / len(y)\n"
            "    delta = np.outer(g, v) * (zs[-1] >= 0)\n"
            "    new = list(Ws)\n"
            "    for l in range(len(Ws) - 1, -1, -1):\n"
            "        new[l] = Ws[l] - lr * hs[l].T @ delta\n"
            "        if l:\n"
            "            delta = (delta * (zs[l] >= 0)) @ Ws[l].T\n"
            "    return new\n"
        ),
    },
    "empirical_ntk": {
        "the last layer's term alone": (
            "def empirical_ntk(Ws, v, X):\n"
            "    h, pre = X, None\n"
            "    for W in Ws:\n"
            "        prev, pre = h, h @ W\n"
            "        h = np.maximum(pre, 0)\n"
            "    gamma = (pre >= 0) * v\n"
            "    return (prev @ prev.T) * (gamma @ gamma.T)\n"
        ),
        "v counted as trained": (
            "def empirical_ntk(Ws, v, X):\n"
            "    hs, masks = [X], []\n"
            "    for W in Ws:\n"
            "        masks.append((hs[-1] @ W >= 0).astype(float))\n"
            "        hs.append(np.maximum(hs[-1] @ W, 0))\n"
            "    gamma = masks[-1] * v\n"
            "    K = hs[-1] @ hs[-1].T\n"
            "    for l in range(len(Ws) - 1, -1, -1):\n"
            "        K = K + (hs[l] @ hs[l].T) * (gamma @ gamma.T)\n"
            "        if l:\n"
            "            gamma = (gamma @ Ws[l].T) * masks[l - 1]\n"
            "    return K\n"
        ),
        "ReLU derivative 0 at 0 (torch.relu under autograd)": (
            "import torch\n\n\n"
            "def empirical_ntk(Ws, v, X):\n"
            "    Wt = [torch.tensor(W, requires_grad=True) for W in Ws]\n"
            "    rows = []\n"
            "    for x in torch.from_numpy(X):\n"
            "        h = x\n"
            "        for W in Wt:\n"
            "            h = torch.relu(h @ W)\n"
            "        grads = torch.autograd.grad(h @ torch.from_numpy(v), Wt)\n"
            "        rows.append(torch.cat([g.flatten() for g in grads]))\n"
            "    J = torch.stack(rows)\n"
            "    return (J @ J.T).numpy()\n"
        ),
        "ReLU derivative 0 at 0 (the mask h > 0, with einsum)": (
            "def empirical_ntk(Ws, v, X):\n"
            "    hs = [X]\n"
            "    for W in Ws:\n"
            "        hs.append(np.maximum(hs[-1] @ W, 0))\n"
            "    g = (hs[-1] > 0) * v\n"
            "    K = 0\n"
            "    for l in range(len(Ws), 0, -1):\n"
            "        grads = np.einsum('ia,ib->iab', hs[l - 1], g)\n"
            "        K = K + np.einsum('iab,jab->ij', grads, grads)\n"
            "        g = (g @ Ws[l - 1].T) * (hs[l - 1] > 0)\n"
            "    return K\n"
        ),
        "no ReLU mask in the backward pass": (
            "def empirical_ntk(Ws, v, X):\n"
            "    hs = [X]\n"
            "    for W in Ws:\n"
            "        hs.append(np.maximum(hs[-1] @ W, 0))\n"
            "    gamma = (hs[-2] @ Ws[-1] >= 0) * v\n"
            "    K = np.zeros((len(X), len(X)))\n"
            "    for l in range(len(Ws) - 1, -1, -1):\n"
            "        K = K + (hs[l] @ hs[l].T) * (gamma @ gamma.T)\n"
            "        gamma = gamma @ Ws[l].T\n"
            "    return K\n"
        ),
        "the normalized (2/m) K": (
            "def empirical_ntk(Ws, v, X):\n"
            "    hs, masks = [X], []\n"
            "    for W in Ws:\n"
            "        masks.append((hs[-1] @ W >= 0).astype(float))\n"
            "        hs.append(np.maximum(hs[-1] @ W, 0))\n"
            "    gamma = masks[-1] * v\n"
            "    K = np.zeros((len(X), len(X)))\n"
            "    for l in range(len(Ws) - 1, -1, -1):\n"
            "        K = K + (hs[l] @ hs[l].T) * (gamma @ gamma.T)\n"
            "        if l:\n"
            "            gamma = (gamma @ Ws[l].T) * masks[l - 1]\n"
            "    return 2 * K / Ws[0].shape[1]\n"
        ),
        "calls ovptools (forbidden by the text)": (
            "import ovptools\n\n\n"
            "def empirical_ntk(Ws, v, X):\n    return np.asarray(ovptools.empirical_ntk(Ws, v, X))\n"
        ),
    },
    "relu_ntk_infinite": {
        "the recursion one layer off (depth + 1 layers)": (
            "def relu_ntk_infinite(X, depth):\n"
            "    S = X @ X.T\n"
            "    T = np.zeros_like(S)\n"
            "    for _ in range(depth + 1):\n"
            "        rho = np.clip(S, -1, 1)\n"
            "        T = (T + S) * (np.pi - np.arccos(rho)) / np.pi\n"
            "        S = (np.sqrt(1 - rho**2) + (np.pi - np.arccos(rho)) * rho) / np.pi\n"
            "    return T\n"
        ),
        "the NNGP kernel Sigma^(L) instead of the NTK": (
            "def relu_ntk_infinite(X, depth):\n"
            "    S = X @ X.T\n"
            "    for _ in range(depth):\n"
            "        rho = np.clip(S, -1, 1)\n"
            "        S = (np.sqrt(1 - rho**2) + (np.pi - np.arccos(rho)) * rho) / np.pi\n"
            "    return S\n"
        ),
        "the last layer's term only": (
            "def relu_ntk_infinite(X, depth):\n"
            "    S = X @ X.T\n"
            "    for _ in range(depth - 1):\n"
            "        rho = np.clip(S, -1, 1)\n"
            "        S = (np.sqrt(1 - rho**2) + (np.pi - np.arccos(rho)) * rho) / np.pi\n"
            "    rho = np.clip(S, -1, 1)\n"
            "    return S * (np.pi - np.arccos(rho)) / np.pi\n"
        ),
        "problem set 2's normalization (pi - arccos) / (2 pi)": (
            "def relu_ntk_infinite(X, depth):\n"
            "    S = X @ X.T\n"
            "    T = np.zeros_like(S)\n"
            "    for _ in range(depth):\n"
            "        rho = np.clip(S, -1, 1)\n"
            "        T = (T + S) * (np.pi - np.arccos(rho)) / (2 * np.pi)\n"
            "        S = (np.sqrt(1 - rho**2) + (np.pi - np.arccos(rho)) * rho) / np.pi\n"
            "    return T\n"
        ),
        "no clipping": (
            "def relu_ntk_infinite(X, depth):\n"
            "    S = X @ X.T\n"
            "    T = np.zeros_like(S)\n"
            "    for _ in range(depth):\n"
            "        T = (T + S) * (np.pi - np.arccos(S)) / np.pi\n"
            "        S = (np.sqrt(1 - S**2) + (np.pi - np.arccos(S)) * S) / np.pi\n"
            "    return T\n"
        ),
        "clips to [0, 1]": (
            "def relu_ntk_infinite(X, depth):\n"
            "    S = X @ X.T\n"
            "    T = np.zeros_like(S)\n"
            "    for _ in range(depth):\n"
            "        rho = np.clip(S, 0, 1)\n"
            "        T = (T + S) * (np.pi - np.arccos(rho)) / np.pi\n"
            "        S = (np.sqrt(1 - rho**2) + (np.pi - np.arccos(rho)) * rho) / np.pi\n"
            "    return T\n"
        ),
        "computes in float32": (
            "def relu_ntk_infinite(X, depth):\n"
            "    S = (X @ X.T).astype(np.float32)\n"
            "    T = np.zeros_like(S)\n"
            "    for _ in range(depth):\n"
            "        rho = np.clip(S, -1, 1)\n"
            "        T = (T + S) * (np.float32(np.pi) - np.arccos(rho)) / np.float32(np.pi)\n"
            "        S = (np.sqrt(1 - rho**2) + (np.float32(np.pi) - np.arccos(rho)) * rho) / np.float32(np.pi)\n"
            "    return T\n"
        ),
        "calls ovptools (forbidden by the text)": (
            "def relu_ntk_infinite(X, depth):\n"
            "    from ovptools.kernels import relu_ntk_infinite as course_ntk\n"
            "    return np.asarray(course_ntk(X, depth))\n"
        ),
    },
    "relative_layer_change": {
        "normalized by the final weights": (
            "def relative_layer_change(Ws0, Wsk):\n"
            "    return np.array([np.linalg.norm(Wk - W0) / np.linalg.norm(Wk) for W0, Wk in zip(Ws0, Wsk)])\n"
        ),
        "not normalized": (
            "def relative_layer_change(Ws0, Wsk):\n"
            "    return np.array([np.linalg.norm(Wk - W0) for W0, Wk in zip(Ws0, Wsk)])\n"
        ),
        "the spectral norm instead of the Frobenius norm": (
            "def relative_layer_change(Ws0, Wsk):\n"
            "    return np.array([np.linalg.norm(Wk - W0, 2) / np.linalg.norm(W0, 2) for W0, Wk in zip(Ws0, Wsk)])\n"
        ),
        "one number for all layers together": (
            "def relative_layer_change(Ws0, Wsk):\n"
            "    num = sum(np.sum((Wk - W0) ** 2) for W0, Wk in zip(Ws0, Wsk))\n"
            "    return float(np.sqrt(num / sum(np.sum(W0**2) for W0 in Ws0)))\n"
        ),
    },
    "ntk_drift": {
        'the drift not normalized': (
            'def ntk_drift(Ws0, Wsk, v, X):\n'
            '    K0, K1 = empirical_ntk(Ws0, v, X), empirical_ntk(Wsk, v, X)\n'
            '    if not np.any(K0):\n'
            "        raise ValueError('K(0) is zero')\n"
            '    return float(np.linalg.norm(K1 - K0))\n'
        ),
        'normalized by the trained kernel K(k)': (
            'def ntk_drift(Ws0, Wsk, v, X):\n'
            '    K0, K1 = empirical_ntk(Ws0, v, X), empirical_ntk(Wsk, v, X)\n'
            '    if not np.any(K0):\n'
            "        raise ValueError('K(0) is zero')\n"
            '    return float(np.linalg.norm(K1 - K0) / np.linalg.norm(K1))\n'
        ),
        'the spectral norm instead of the Frobenius norm': (
            'def ntk_drift(Ws0, Wsk, v, X):\n'
            '    K0, K1 = empirical_ntk(Ws0, v, X), empirical_ntk(Wsk, v, X)\n'
            '    if not np.any(K0):\n'
            "        raise ValueError('K(0) is zero')\n"
            '    return float(np.linalg.norm(K1 - K0, 2) / np.linalg.norm(K0, 2))\n'
        ),
        'the mean of the entrywise relative changes': (
            'def ntk_drift(Ws0, Wsk, v, X):\n'
            '    K0, K1 = empirical_ntk(Ws0, v, X), empirical_ntk(Wsk, v, X)\n'
            '    if not np.any(K0):\n'
            "        raise ValueError('K(0) is zero')\n"
            '    return float(np.mean(np.abs(K1 - K0) / np.abs(K0)))\n'
        ),
        "the last layer's kernel term alone": (
            'def _last_layer_kernel(Ws, v, X):\n'
            '    h = X\n'
            '    for W in Ws[:-1]:\n'
            '        h = np.maximum(h @ W, 0.0)\n'
            '    g = (h @ Ws[-1] >= 0) * v\n'
            '    return (h @ h.T) * (g @ g.T)\n'
            '\n'
            '\n'
            'def ntk_drift(Ws0, Wsk, v, X):\n'
            '    K0, K1 = _last_layer_kernel(Ws0, v, X), _last_layer_kernel(Wsk, v, X)\n'
            '    if not np.any(K0):\n'
            "        raise ValueError('K(0) is zero')\n"
            '    return float(np.linalg.norm(K1 - K0) / np.linalg.norm(K0))\n'
        ),
        'no ValueError when K(0) = 0 (nan)': (
            'def ntk_drift(Ws0, Wsk, v, X):\n'
            '    K0, K1 = empirical_ntk(Ws0, v, X), empirical_ntk(Wsk, v, X)\n'
            "    with np.errstate(divide='ignore', invalid='ignore'):\n"
            '        return float(np.linalg.norm(K1 - K0) / np.linalg.norm(K0))\n'
        ),
    },
}

HIDDEN_ONLY = ("relative_layer_change", "normalized by the final weights")
LEAF = "relu_ntk_infinite"
