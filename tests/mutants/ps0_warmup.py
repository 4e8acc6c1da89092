MUTANTS = {
    "ls_gradient": {
        "mean instead of sum": "def ls_gradient(X, y, w):\n    return X.T @ (X @ w - y) / len(y)\n",
        "wrong sign": "def ls_gradient(X, y, w):\n    return X.T @ (y - X @ w)\n",
        "missing the factor from the square (2x)": "def ls_gradient(X, y, w):\n    return 2 * X.T @ (X @ w - y)\n",
    },
    "ls_gd_step": {
        "updates w in place": (
            "def ls_gd_step(X, y, w, step):\n    w -= step * ls_gradient(X, y, w)\n    return w\n"
        ),
        "step in the + direction": "def ls_gd_step(X, y, w, step):\n    return w + step * ls_gradient(X, y, w)\n",
        "step size ignored": "def ls_gd_step(X, y, w, step):\n    return w - 0.1 * ls_gradient(X, y, w)\n",
    },
    "autograd_gradient": {
        "closed-form least-squares gradient": (
            "def autograd_gradient(loss_fn, w):\n"
            "    w = torch.as_tensor(w, dtype=torch.float64)\n"
            "    return Xt.T @ (Xt @ w - yt)\n"
        ),
        "modifies the caller's tensor": (
            "def autograd_gradient(loss_fn, w):\n"
            "    w.requires_grad_(True)\n"
            "    loss_fn(w).backward()\n"
            "    return w.grad\n"
        ),
        "torch tensors only": (
            "def autograd_gradient(loss_fn, w):\n"
            "    w = w.detach().clone().requires_grad_(True)\n"
            "    return torch.autograd.grad(loss_fn(w), w)[0]\n"
        ),
    },
}

# For tests/test_bad_submissions.py: a wrong answer that passes the visible tests but not the hidden
# ones, and a function no other answer calls (safe to break without breaking the rest).
HIDDEN_ONLY = ("autograd_gradient", "torch tensors only")
LEAF = "autograd_gradient"
