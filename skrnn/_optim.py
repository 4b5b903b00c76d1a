"""Optimizers on one flat parameter vector, and gradient clipping by global norm.

The stochastic optimizers follow ``sklearn.neural_network``'s update rules (SGD with
momentum / Nesterov momentum, Adam with bias correction) but update the whole flat vector
in a handful of in-place numpy calls.

An optimizer's state is plain data: a dict of numbers and arrays whose ``"solver"`` entry
names the update rule in :data:`DENSE_UPDATES` (and :data:`ROW_UPDATES` for a leading
embedding table). The estimator keeps that dict, so ``partial_fit`` continues where the
last call stopped, and a saved model holds no function (nothing for ``skops`` to trust).
A learning-rate schedule changes ``state["learning_rate"]``.
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


# --------------------------------------------------------------------------- dense rules
def _sgd_step(state, params, grad, scratch):
    """SGD with (Nesterov) momentum."""
    lr, momentum = state["learning_rate"], state["momentum"]
    v = state["velocity"]
    v *= momentum
    v -= lr * grad
    if state["nesterov"]:
        params += momentum * v
        params -= lr * grad
    else:
        params += v


def _adam_step(state, params, grad, scratch):
    """Adam (Kingma & Ba, 2015) with the bias correction folded into the step size."""
    state["t"] += 1
    b1, b2, t = state["beta_1"], state["beta_2"], state["t"]
    m, v = state["m"], state["v"]
    tmp = np.empty_like(params) if scratch is None else scratch
    m *= b1
    m += (1 - b1) * grad
    np.multiply(grad, grad, out=tmp)
    tmp *= 1 - b2
    v *= b2
    v += tmp
    lr = state["learning_rate"] * np.sqrt(1 - b2**t) / (1 - b1**t)
    np.sqrt(v, out=tmp)
    tmp += state["epsilon"]
    np.divide(m, tmp, out=tmp)
    tmp *= lr
    params -= tmp


# ------------------------------------------------------------------ row-sparse table rules
def _sgd_rows(state, table, rows, grad):
    lr, momentum = state["learning_rate"], state["momentum"]
    velocity = state["table"]["velocity"]
    v = velocity[rows]
    v *= momentum
    v -= lr * grad
    velocity[rows] = v
    if state["nesterov"]:
        table[rows] += momentum * v - lr * grad
    else:
        table[rows] += v


def _adam_rows(state, table, rows, grad):
    # in place on the gathered rows: with subword pieces a batch reads ~10^4 rows, and
    # each pass over them costs as much as a recurrent layer's step
    b1, b2, t = state["beta_1"], state["beta_2"], state["t"]
    moments = state["table"]
    m = moments["m"][rows]
    m -= grad  # b1 * m + (1 - b1) * g == b1 * (m - g) + g
    m *= b1
    m += grad
    moments["m"][rows] = m
    g2 = grad * grad
    v = moments["v"][rows]
    v -= g2
    v *= b2
    v += g2
    moments["v"][rows] = v
    lr = state["learning_rate"] * np.sqrt(1 - b2**t) / (1 - b1**t)
    np.sqrt(v, out=v)
    v += state["epsilon"]
    np.divide(m, v, out=m)
    m *= lr
    table[rows] -= m


# per solver: the update of the dense parameters, the "lazy" update of the embedding rows
# a batch read (a row's moments decay only when it is read, so a step costs what the
# batch reads, not the vocabulary), and the names of the per-parameter state
DENSE_UPDATES = {"sgd": _sgd_step, "adam": _adam_step}
ROW_UPDATES = {"sgd": _sgd_rows, "adam": _adam_rows}
SLOTS = {"sgd": ("velocity",), "adam": ("m", "v")}


def make_optimizer(solver, n, dtype, settings, embedding_shape=None):
    """Create an optimizer state for ``solver`` ("sgd" or "adam") over ``n`` parameters.

    ``settings`` has the estimator's names: ``learning_rate_init``, ``momentum``,
    ``nesterovs_momentum``, ``beta_1``, ``beta_2``, ``epsilon``. With
    ``embedding_shape``, the first ``prod(embedding_shape)`` parameters are an embedding
    table updated row by row from a row-sparse gradient.
    """
    n_dense = n if embedding_shape is None else n - int(np.prod(embedding_shape))
    state = {"solver": solver, "learning_rate": float(settings.learning_rate_init)}
    if solver == "sgd":
        state.update(
            momentum=float(settings.momentum), nesterov=bool(settings.nesterovs_momentum)
        )
    else:
        state.update(
            beta_1=float(settings.beta_1), beta_2=float(settings.beta_2),
            epsilon=float(settings.epsilon), t=0,
        )
    for slot in SLOTS[solver]:
        state[slot] = np.zeros(n_dense, dtype=dtype)
    if embedding_shape is not None:
        state["table_shape"] = tuple(int(s) for s in embedding_shape)
        state["table"] = {
            slot: np.zeros(embedding_shape, dtype=dtype) for slot in SLOTS[solver]
        }
    return state


def optimizer_step(state, params, grad, sparse=None, scratch=None):
    """One update of ``params`` (in place) from ``grad`` and the optimizer ``state``.

    With an embedding table (``state["table_shape"]``), ``sparse`` is its row-sparse
    gradient (a :class:`~skrnn._embedding.RowGradient`) and ``grad``'s table block is
    not read. ``scratch``, a buffer as long as the dense parameters, saves an allocation.
    """
    solver = state["solver"]
    if "table_shape" not in state:
        DENSE_UPDATES[solver](state, params, grad, scratch)
        return
    size = int(np.prod(state["table_shape"]))
    DENSE_UPDATES[solver](state, params[size:], grad[size:], scratch)
    table = params[:size].reshape(state["table_shape"])
    ROW_UPDATES[solver](state, table, sparse.rows, sparse.values)
