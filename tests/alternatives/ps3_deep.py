ALTERNATIVES = {
    "deep_relu_forward": {
        "loops over inputs and units": (
            "def deep_relu_forward(Ws, v, X):\n"
            "    out = np.zeros(X.shape[0])\n"
            "    for i in range(X.shape[0]):\n"
            "        h = X[i]\n"
            "        for W in Ws:\n"
            "            h = np.array([max(0.0, sum(h[a] * W[a, b] for a in range(W.shape[0])))\n"
            "                          for b in range(W.shape[1])])\n"
            "        out[i] = h @ v\n"
            "    return out\n"
        ),
        "einsum and a boolean mask": (
            "def deep_relu_forward(Ws, v, X):\n"
            "    h = X\n"
            "    for W in Ws:\n"
            "        z = np.einsum('ia,ab->ib', h, W)\n"
            "        h = z * (z > 0)\n"
            "    return np.einsum('ib,b->i', h, v)\n"
        ),
        "torch inside, numpy out": (
            "import torch\n\n\n"
            "def deep_relu_forward(Ws, v, X):\n"
            "    h = torch.from_numpy(X)\n"
            "    for W in Ws:\n"
            "        h = torch.relu(h @ torch.from_numpy(W))\n"
            "    return (h @ torch.from_numpy(v)).numpy()\n"
        ),
        "functools.reduce over the layers, one column per input": (
            "from functools import reduce\n\n\n"
            "def deep_relu_forward(Ws, v, X):\n"
            "    H = reduce(lambda h, W: np.maximum(W.T @ h, 0), Ws, X.T)\n"
            "    return v @ H\n"
        ),
    },
    "logistic_sgd_step": {
        "a loop over samples, per-sample outer products": (
            "def logistic_sgd_step(Ws, v, X, y, lr):\n"
            "    L, n = len(Ws), len(X)\n"
            "    grads = [np.zeros_like(W) for W in Ws]\n"
            "    for i in range(n):\n"
            "        hs, zs = [X[i]], []\n"
            "        for W in Ws:\n"
            "            zs.append(hs[-1] @ W)\n"
            "            hs.append(np.maximum(zs[-1], 0))\n"
            "        s = y[i] * (hs[-1] @ v)\n"
            "        dfi = y[i] * (-np.exp(-s) / (1 + np.exp(-s))) / n\n"
            "        d = dfi * v * (zs[-1] >= 0)\n"
            "        for l in reversed(range(L)):\n"
            "            grads[l] += np.outer(hs[l], d)\n"
            "            if l > 0:\n"
            "                d = (Ws[l] @ d) * (zs[l - 1] >= 0)\n"
            "    return [W - lr * G for W, G in zip(Ws, grads)]\n"
        ),
        "scipy's expit, einsum and np.heaviside(z, 1) as the mask": (
            "from scipy.special import expit\n\n\n"
            "def logistic_sgd_step(Ws, v, X, y, lr):\n"
            "    hs, ds = [X], []\n"
            "    for W in Ws:\n"
            "        z = hs[-1] @ W\n"
            "        ds.append(np.heaviside(z, 1.0))\n"
            "        hs.append(np.maximum(z, 0))\n"
            "    g = -y * expit(-y * (hs[-1] @ v)) / len(y)\n"
            "    delta = g[:, None] * v[None, :] * ds[-1]\n"
            "    new = [None] * len(Ws)\n"
            "    for l in range(len(Ws), 0, -1):\n"
            "        new[l - 1] = Ws[l - 1] - lr * np.einsum('ia,ib->ab', hs[l - 1], delta)\n"
            "        if l > 1:\n"
            "            delta = np.einsum('ib,ab->ia', delta, Ws[l - 1]) * ds[l - 2]\n"
            "    return new\n"
        ),
        "backprop written in torch float64, numpy out": (
            "import torch\n\n\n"
            "def logistic_sgd_step(Ws, v, X, y, lr):\n"
            "    Wt = [torch.from_numpy(W) for W in Ws]\n"
            "    hs, zs = [torch.from_numpy(X)], []\n"
            "    for W in Wt:\n"
            "        zs.append(hs[-1] @ W)\n"
            "        hs.append(zs[-1].clamp(min=0))\n"
            "    yt = torch.from_numpy(y)\n"
            "    g = -yt * torch.sigmoid(-yt * (hs[-1] @ torch.from_numpy(v))) / len(y)\n"
            "    delta = torch.outer(g, torch.from_numpy(v)) * (zs[-1] >= 0)\n"
            "    out = []\n"
            "    for l in range(len(Wt) - 1, -1, -1):\n"
            "        out.insert(0, (Wt[l] - lr * hs[l].T @ delta).numpy())\n"
            "        if l:\n"
            "            delta = (delta @ Wt[l].T) * (zs[l - 1] >= 0)\n"
            "    return out\n"
        ),
    },
    "empirical_ntk": {
        "the Jacobian built row by row, then J J^T": (
            "def empirical_ntk(Ws, v, X):\n"
            "    rows = []\n"
            "    for x in X:\n"
            "        hs, zs = [x], []\n"
            "        for W in Ws:\n"
            "            zs.append(hs[-1] @ W)\n"
            "            hs.append(np.maximum(zs[-1], 0))\n"
            "        d = v * (zs[-1] >= 0)\n"
            "        parts = []\n"
            "        for l in reversed(range(len(Ws))):\n"
            "            parts.insert(0, np.outer(hs[l], d).ravel())\n"
            "            if l:\n"
            "                d = (Ws[l] @ d) * (zs[l - 1] >= 0)\n"
            "        rows.append(np.concatenate(parts))\n"
            "    J = np.array(rows)\n"
            "    return J @ J.T\n"
        ),
        "einsum over the layers' outer products, masks from z >= 0": (
            "def empirical_ntk(Ws, v, X):\n"
            "    hs, zs = [X], []\n"
            "    for W in Ws:\n"
            "        zs.append(hs[-1] @ W)\n"
            "        hs.append(np.where(zs[-1] >= 0, zs[-1], 0.0))\n"
            "    g = (zs[-1] >= 0) * v\n"
            "    K = 0\n"
            "    for l in range(len(Ws), 0, -1):\n"
            "        grads = np.einsum('ia,ib->iab', hs[l - 1], g)\n"
            "        K = K + np.einsum('iab,jab->ij', grads, grads)\n"
            "        if l > 1:\n"
            "            g = (g @ Ws[l - 1].T) * (zs[l - 2] >= 0)\n"
            "    return K\n"
        ),
        "torch autograd per input through torch.where(z >= 0, z, 0) (derivative 1 at 0)": (
            "import torch\n\n\n"
            "def empirical_ntk(Ws, v, X):\n"
            "    Wt = [torch.tensor(W, requires_grad=True) for W in Ws]\n"
            "    rows = []\n"
            "    for x in torch.from_numpy(X):\n"
            "        h = x\n"
            "        for W in Wt:\n"
            "            z = h @ W\n"
            "            h = torch.where(z >= 0, z, 0)\n"
            "        grads = torch.autograd.grad(h @ torch.from_numpy(v), Wt)\n"
            "        rows.append(torch.cat([g.flatten() for g in grads]))\n"
            "    J = torch.stack(rows)\n"
            "    return (J @ J.T).numpy()\n"
        ),
        "torch.func.jacrev through clamp(min=0) (derivative 1 at 0)": (
            "import torch\n\n\n"
            "def empirical_ntk(Ws, v, X):\n"
            "    vt = torch.from_numpy(v)\n"
            "    params = tuple(torch.from_numpy(W) for W in Ws)\n"
            "\n"
            "    def f(params, Xt):\n"
            "        h = Xt\n"
            "        for W in params:\n"
            "            h = (h @ W).clamp(min=0)\n"
            "        return h @ vt\n"
            "\n"
            "    jac = torch.func.jacrev(f)(params, torch.from_numpy(X))\n"
            "    J = torch.cat([j.reshape(len(X), -1) for j in jac], dim=1)\n"
            "    return (J @ J.T).numpy()\n"
        ),
    },
    "relu_ntk_infinite": {
        "a loop over pairs with the angle": (
            "import math\n\n\n"
            "def relu_ntk_infinite(X, depth):\n"
            "    n = len(X)\n"
            "    T = np.zeros((n, n))\n"
            "    for i in range(n):\n"
            "        for j in range(n):\n"
            "            s, t = float(X[i] @ X[j]), 0.0\n"
            "            for _ in range(depth):\n"
            "                a = math.acos(max(-1.0, min(1.0, s)))\n"
            "                t = (t + s) * (1 - a / math.pi)\n"
            "                s = (math.sin(a) + (math.pi - a) * math.cos(a)) / math.pi\n"
            "            T[i, j] = t\n"
            "    return T\n"
        ),
        "all Sigma and Sigma_dot first, then the sum of products": (
            "def relu_ntk_infinite(X, depth):\n"
            "    sig, dots = [X @ X.T], []\n"
            "    for h in range(depth):\n"
            "        rho = np.clip(sig[-1], -1, 1)\n"
            "        dots.append(1 - np.arccos(rho) / np.pi)\n"
            "        sig.append((np.sqrt(1 - rho * rho) + (np.pi - np.arccos(rho)) * rho) / np.pi)\n"
            "    total = np.zeros_like(sig[0])\n"
            "    for h in range(1, depth + 1):\n"
            "        term = sig[h - 1].copy()\n"
            "        for k in range(h, depth + 1):\n"
            "            term = term * dots[k - 1]\n"
            "        total += term\n"
            "    return total\n"
        ),
        "torch float64 inside, numpy out": (
            "import torch\n\n\n"
            "def relu_ntk_infinite(X, depth):\n"
            "    Xt = torch.from_numpy(X)\n"
            "    S = Xt @ Xt.T\n"
            "    T = torch.zeros_like(S)\n"
            "    for _ in range(depth):\n"
            "        r = S.clamp(-1, 1)\n"
            "        a = torch.arccos(r)\n"
            "        T = (T + S) * (torch.pi - a) / torch.pi\n"
            "        S = (torch.sin(a) + (torch.pi - a) * torch.cos(a)) / torch.pi\n"
            "    return T.numpy()\n"
        ),
        "rows re-normalized first": (
            "def relu_ntk_infinite(X, depth):\n"
            "    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)\n"
            "    S = Xn @ Xn.T\n"
            "    T = 0 * S\n"
            "    for _ in range(depth):\n"
            "        S = np.minimum(np.maximum(S, -1), 1)\n"
            "        a = np.arccos(S)\n"
            "        T = T * (np.pi - a) / np.pi + S * (np.pi - a) / np.pi\n"
            "        S = (np.sqrt(1 - S**2) + (np.pi - a) * S) / np.pi\n"
            "    return T\n"
        ),
    },
    "relative_layer_change": {
        "loops with sums of squares": (
            "def relative_layer_change(Ws0, Wsk):\n"
            "    out = []\n"
            "    for A, B in zip(Ws0, Wsk):\n"
            "        out.append(np.sqrt(((B - A) ** 2).sum()) / np.sqrt((A**2).sum()))\n"
            "    return np.array(out)\n"
        ),
        "torch inside, numpy out": (
            "import torch\n\n\n"
            "def relative_layer_change(Ws0, Wsk):\n"
            "    r = [torch.linalg.norm(torch.from_numpy(B - A)) / torch.linalg.norm(torch.from_numpy(A))\n"
            "         for A, B in zip(Ws0, Wsk)]\n"
            "    return torch.stack(r).numpy()\n"
        ),
        "np.fromiter with the 'fro' norm": (
            "def relative_layer_change(Ws0, Wsk):\n"
            "    ratios = (np.linalg.norm(B - A, 'fro') / np.linalg.norm(A, 'fro') for A, B in zip(Ws0, Wsk))\n"
            "    return np.fromiter(ratios, dtype=float, count=len(Ws0))\n"
        ),
    },
    "ntk_drift": {
        'its own Jacobian, row by row in numpy, no call to empirical_ntk': (
            'def ntk_drift(Ws0, Wsk, v, X):\n'
            '    def kernel(Ws):\n'
            '        J = []\n'
            '        for x in X:\n'
            '            hs, ds = [x], []\n'
            '            for W in Ws:\n'
            '                z = hs[-1] @ W\n'
            '                ds.append((z >= 0).astype(float))\n'
            '                hs.append(np.maximum(z, 0.0))\n'
            '            g = ds[-1] * v\n'
            '            row = [np.outer(hs[-2], g)]\n'
            '            for l in range(len(Ws) - 2, -1, -1):\n'
            '                g = (Ws[l + 1] @ g) * ds[l]\n'
            '                row.insert(0, np.outer(hs[l], g))\n'
            '            J.append(np.concatenate([r.ravel() for r in row]))\n'
            '        J = np.array(J)\n'
            '        return J @ J.T\n'
            '    K0 = kernel(Ws0)\n'
            '    d0 = np.sqrt(np.sum(K0 ** 2))\n'
            '    if d0 == 0:\n'
            "        raise ValueError('ntk_drift: K at Ws0 is 0, the relative drift is undefined')\n"
            '    return np.sqrt(np.sum((kernel(Wsk) - K0) ** 2)) / d0\n'
        ),
        'torch autograd with clamp(min=0), float64': (
            'import torch\n'
            '\n'
            '\n'
            'def ntk_drift(Ws0, Wsk, v, X):\n'
            '    def kernel(Ws):\n'
            '        Wt = [torch.tensor(W, requires_grad=True) for W in Ws]\n'
            '        rows = []\n'
            '        for x in torch.tensor(X):\n'
            '            h = x\n'
            '            for W in Wt:\n'
            '                h = torch.clamp(h @ W, min=0)\n'
            '            grads = torch.autograd.grad(h @ torch.tensor(v), Wt, allow_unused=True)\n'
            '            grads = [torch.zeros_like(W) if g is None else g for g, W in zip(grads, Wt)]\n'
            '            rows.append(torch.cat([g.reshape(-1) for g in grads]))\n'
            '        J = torch.stack(rows)\n'
            '        return J @ J.T\n'
            '    K0 = kernel(Ws0)\n'
            '    if torch.count_nonzero(K0) == 0:\n'
            "        raise ValueError('ntk_drift needs a nonzero kernel at Ws0')\n"
            '    return (torch.linalg.matrix_norm(kernel(Wsk) - K0) / torch.linalg.matrix_norm(K0)).item()\n'
        ),
    },
}
