"""Numerical gradients by central differences, to check backpropagation.

df/dx_i ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps), with error O(eps^2).
Run it in float64: in float32 the rounding error of f swamps the difference.
"""
import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    """The gradient of the scalar function f() with respect to the array x,
    which f reads and this function perturbs in place (and restores)."""
    if x.dtype != np.float64:
        raise ValueError(f"gradient checks need float64 arrays, got {x.dtype}")
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        saved = flat[i]
        flat[i] = saved + eps
        f_plus = f()
        flat[i] = saved - eps
        f_minus = f()
        flat[i] = saved
        gflat[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a, b):
    """max |a - b| / max(|a| + |b|), 0 when both are zero."""
    scale = np.abs(a).max() + np.abs(b).max()
    return 0.0 if scale == 0 else float(np.abs(a - b).max() / scale)
