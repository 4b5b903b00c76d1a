"""Optimizers on one flat parameter vector, and gradient clipping by global norm.

The stochastic optimizers follow ``sklearn.neural_network``'s update rules (SGD with
momentum / Nesterov momentum, Adam with bias correction) but update the whole flat vector
in a handful of in-place numpy calls. Their state is kept by the estimator, so
``partial_fit`` continues where the last call stopped.
"""

import numpy as np


def clip_by_global_norm(grad, clip_norm, sparse=None):
    """Scale ``grad`` in place so that its L2 norm is at most ``clip_norm``.

    The norm is that of all gradients concatenated into one vector (Pascanu et al.,
    2013). With ``sparse`` (a :class:`~skrnn._embedding.RowGradient`) the embedding
    table's gradient is its rows, and ``grad[:sparse.size]`` is not read. Returns the
    norm *before* clipping.
    """
    if sparse is not None:
        return _clip_row_sparse(grad, clip_norm, sparse)
    norm = float(np.sqrt(grad @ grad))
    if clip_norm is not None and norm > clip_norm:
        grad *= clip_norm / norm
    return norm


def _clip_row_sparse(grad, clip_norm, sparse):
    dense = grad[sparse.size :]
    norm = float(np.sqrt(dense @ dense + sparse.squared_norm()))
    if clip_norm is not None and norm > clip_norm:
        dense *= clip_norm / norm
        sparse.values *= clip_norm / norm
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


def _sgd_rows(opt, state, table, rows, grad):
    velocity = state["velocity"]
    v = velocity[rows]
    v *= opt.momentum
    v -= opt.learning_rate * grad
    velocity[rows] = v
    if opt.nesterov:
        table[rows] += opt.momentum * v - opt.learning_rate * grad
    else:
        table[rows] += v


def _adam_rows(opt, state, table, rows, grad):
    b1, b2 = opt.beta_1, opt.beta_2
    m = state["m"][rows]
    m *= b1
    m += (1 - b1) * grad
    v = state["v"][rows]
    v *= b2
    v += (1 - b2) * grad * grad
    state["m"][rows], state["v"][rows] = m, v
    lr = opt.learning_rate * np.sqrt(1 - b2**opt.t) / (1 - b1**opt.t)
    np.sqrt(v, out=v)
    v += opt.epsilon
    table[rows] -= lr * m / v


# per optimizer: the row update and the names of its per-parameter state
ROW_UPDATES = {SGD: (_sgd_rows, ("velocity",)), Adam: (_adam_rows, ("m", "v"))}


class RowSparse:
    """A stochastic optimizer whose leading embedding table is updated row by row.

    The wrapped optimizer owns every parameter after the table; the table's rows are
    updated only in the steps whose batch read them, with the same rule and their own
    state ("lazy" Adam / momentum: a row's moments decay only when it is read). Step
    cost depends on the batch, not on the vocabulary.
    """

    def __init__(self, inner, table_shape, dtype):
        self.inner = inner
        self.table_shape = tuple(table_shape)
        self.update, names = ROW_UPDATES[type(inner)]
        self.state = {name: np.zeros(self.table_shape, dtype=dtype) for name in names}

    def step(self, params, grad, sparse):
        size = sparse.size
        self.inner.step(params[size:], grad[size:])
        table = params[:size].reshape(self.table_shape)
        self.update(self.inner, self.state, table, sparse.rows, sparse.values)


def make_optimizer(solver, n, dtype, est, embedding_shape=None):
    """The optimizer of ``solver`` for an estimator's hyperparameters.

    With ``embedding_shape``, the first ``prod(embedding_shape)`` parameters are an
    embedding table trained with row-sparse gradients (:class:`RowSparse`).
    """
    n_dense = n if embedding_shape is None else n - int(np.prod(embedding_shape))
    if solver == "sgd":
        inner = SGD(
            n_dense, dtype, est.learning_rate_init, est.momentum, est.nesterovs_momentum
        )
    else:
        inner = Adam(
            n_dense, dtype, est.learning_rate_init, est.beta_1, est.beta_2, est.epsilon
        )
    return inner if embedding_shape is None else RowSparse(inner, embedding_shape, dtype)
