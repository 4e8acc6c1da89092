ALTERNATIVES = {
    "ls_gradient": {
        "a loop over samples": (
            "def ls_gradient(X, y, w):\n"
            "    g = np.zeros(X.shape[1])\n"
            "    for i in range(X.shape[0]):\n"
            "        g += (X[i] @ w - y[i]) * X[i]\n"
            "    return g\n"
        ),
        "einsum": "def ls_gradient(X, y, w):\n    return np.einsum('ij,i->j', X, np.einsum('ij,j->i', X, w) - y)\n",
        "torch inside, numpy out": (
            "def ls_gradient(X, y, w):\n"
            "    Xt, yt, wt = torch.from_numpy(X), torch.from_numpy(y), torch.from_numpy(w)\n"
            "    return (Xt.T @ (Xt @ wt - yt)).numpy()\n"
        ),
    },
    "ls_gd_step": {
        "a copy updated in place": (
            "def ls_gd_step(X, y, w, step):\n"
            "    w_new = w.copy()\n"
            "    w_new -= step * ls_gradient(X, y, w)\n"
            "    return w_new\n"
        ),
        "the gradient written out": "def ls_gd_step(X, y, w, step):\n    return w - step * (X.T @ X @ w - X.T @ y)\n",
    },
    "autograd_gradient": {
        "backward()": (
            "def autograd_gradient(loss_fn, w):\n"
            "    w = torch.tensor(np.array(w) if not torch.is_tensor(w) else w.detach().numpy().copy(),\n"
            "                     requires_grad=True)\n"
            "    loss_fn(w).backward()\n"
            "    return w.grad\n"
        ),
        "torch.func.grad": (
            "def autograd_gradient(loss_fn, w):\n"
            "    from torch.func import grad\n"
            "    return grad(loss_fn)(torch.as_tensor(w).detach().clone())\n"
        ),
    },
}
