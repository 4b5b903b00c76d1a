"""Finite-difference gradient checking shared by the test modules."""

import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    """Central differences of the scalar ``f`` at every coordinate of ``x``."""
    grad = np.empty_like(x)
    for i in range(x.size):
        old = x[i]
        x[i] = old + eps
        up = f()
        x[i] = old - eps
        down = f()
        x[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad


def relative_error(a, b):
    """``||a - b|| / max(||a||, ||b||)``: one number for the whole gradient."""
    scale = max(np.linalg.norm(a), np.linalg.norm(b), 1e-12)
    return np.linalg.norm(a - b) / scale
