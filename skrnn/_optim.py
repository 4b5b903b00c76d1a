"""Optimizers on one flat parameter vector, and gradient clipping by global norm.

The stochastic optimizers follow ``sklearn.neural_network``'s update rules (SGD with
momentum / Nesterov momentum, Adam with bias correction) but update the whole flat vector
in a handful of in-place numpy calls. Their state is kept by the estimator, so
``partial_fit`` continues where the last call stopped.
"""

import numpy as np


def clip_by_global_norm(grad, clip_norm):
    """Scale ``grad`` in place so that its L2 norm is at most ``clip_norm``.

    The norm is that of all gradients concatenated into one vector (Pascanu et al.,
    2013). Returns the norm *before* clipping.
    """
    norm = float(np.sqrt(grad @ grad))
    if clip_norm is not None and norm > clip_norm:
        grad *= clip_norm / norm
    return norm


class SGD:
    """Stochastic gradient descent with (Nesterov) momentum."""

    def __init__(self, n, dtype, learning_rate, momentum=0.9, nesterov=True):
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.nesterov = nesterov
        self.velocity = np.zeros(n, dtype=dtype)

    def step(self, params, grad):
        v = self.velocity
        v *= self.momentum
        v -= self.learning_rate * grad
        if self.nesterov:
            params += self.momentum * v
            params -= self.learning_rate * grad
        else:
            params += v


class Adam:
    """Adam (Kingma & Ba, 2015) with the bias correction folded into the step size."""

    def __init__(self, n, dtype, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        self.learning_rate = learning_rate
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.t = 0
        self.m = np.zeros(n, dtype=dtype)
        self.v = np.zeros(n, dtype=dtype)
        self._tmp = np.empty(n, dtype=dtype)

    def step(self, params, grad):
        self.t += 1
        b1, b2 = self.beta_1, self.beta_2
        m, v, tmp = self.m, self.v, self._tmp
        m *= b1
        m += (1 - b1) * grad
        np.multiply(grad, grad, out=tmp)
        tmp *= 1 - b2
        v *= b2
        v += tmp
        lr = self.learning_rate * np.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        np.sqrt(v, out=tmp)
        tmp += self.epsilon
        np.divide(m, tmp, out=tmp)
        tmp *= lr
        params -= tmp


def make_optimizer(solver, n, dtype, est):
    """The optimizer of ``solver`` for an estimator's hyperparameters."""
    if solver == "sgd":
        return SGD(n, dtype, est.learning_rate_init, est.momentum, est.nesterovs_momentum)
    return Adam(n, dtype, est.learning_rate_init, est.beta_1, est.beta_2, est.epsilon)
