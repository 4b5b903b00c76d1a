"""Learned token embeddings: id conventions, unknown-id mapping, row-sparse gradients.

An embedding is a table with one row per token id. Id 0 is padding: its row is zero and
never trained, so an id 0 inside a sequence reads as an all-zero input. Id 1 is the
unknown token: ids beyond the fitted table, and ids that never occurred in the training
data, are read as 1.

A step may also be a *bag* of ids (subword pieces: a word id and hashed character
n-gram ids, as fastText reads a word): token sequences are then ``(T, P)`` integer
arrays whose rows are zero-padded bags, and a step's input is the mean of the rows of
its non-zero ids (:func:`lookup`). Inside a bag, ids unseen in training are dropped
(their rows were never trained); a bag left empty reads as the unknown id.

A mini-batch touches only a few rows of the table, so its gradient is kept as those rows
(:class:`RowGradient`) and the optimizers update only them; nothing per training step
costs time in proportion to the vocabulary.

Pure functions over numpy arrays; nothing here knows about scikit-learn.
"""

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

PADDING_ID = 0
UNKNOWN_ID = 1
N_RESERVED = 2  # ids below this are the padding and unknown rows
INIT_SCALE = 0.1  # standard deviation of the initial table (see _network.init_params)


class RowGradient:
    """The gradient of an embedding table as the rows one mini-batch touched.

    The table is the leading block of the flat parameter vector (``_network.layout``
    puts it first), so the rest of the flat gradient is ``grad_flat[size:]``.

    Attributes
    ----------
    shape : tuple of int
        ``(n_tokens, embedding_dim)`` of the table.
    rows : ndarray of shape (K,)
        Sorted, distinct ids of the rows with a gradient (padding excluded).
    values : ndarray of shape (K, embedding_dim)
        Their gradients.
    """

    def __init__(self, shape, dtype):
        self.shape = tuple(shape)
        self.rows = np.empty(0, dtype=np.intp)
        self.values = np.empty((0, self.shape[1]), dtype=dtype)

    @property
    def size(self):
        """Number of entries of the table inside the flat vector."""
        return self.shape[0] * self.shape[1]

    def squared_norm(self):
        return float(np.vdot(self.values, self.values))


def table_size(spec):
    """Entries of ``spec``'s embedding table (0 without one)."""
    return 0 if spec.n_tokens is None else spec.n_tokens * spec.input_size


def vocabulary_size(ids):
    """Rows a table needs for the token ids ``ids``: the largest id plus one, and at
    least the reserved padding and unknown rows.
    """
    return max(N_RESERVED, int(ids.max()) + 1 if ids.size else 0)


def mark_seen(seen, ids):
    """Set ``seen[i]`` for every id in ``ids`` that falls inside the table (in place)."""
    if ids.ndim == 2:  # bags: mostly padding
        ids = ids[ids != PADDING_ID]
    seen[ids[ids < len(seen)]] = True
    seen[:N_RESERVED] = True
    return seen


def known_ids(ids, seen):
    """``ids`` with each id outside the table or not ``seen`` replaced by the unknown id.

    In bags (2-D ``ids``), such ids are dropped (set to padding) instead, and a bag
    with no id left reads as the unknown id.
    """
    inside = ids < len(seen)
    keep = inside.copy()
    keep[inside] = seen[ids[inside]]
    if keep.all():
        return ids
    if ids.ndim == 1:
        return np.where(keep, ids, UNKNOWN_ID)
    bags = np.where(keep, ids, PADDING_ID)
    emptied = ~bags.any(axis=1) & ids.any(axis=1)
    bags[emptied, 0] = UNKNOWN_ID
    return bags


class Bags(NamedTuple):
    """A mini-batch's bags of ids as the sparse matrix that averages their rows.

    ``matrix[i, k]`` is ``1 / n_i`` when bag ``i`` (of ``n_i`` non-zero ids) holds
    ``rows[k]``, counted as often as it holds it; an all-zero bag is a zero row.
    Built once per batch (:func:`batch_ids`), read by the forward pass
    (:func:`lookup`) and the backward pass (:func:`row_gradient`).
    """

    matrix: sp.csr_matrix  # (N, K) float64
    rows: np.ndarray  # (K,) the sorted distinct non-zero ids


def make_bags(bags):
    """Return the :class:`Bags` of the (N, P) zero-padded bags of ids ``bags``.

    Costs O(N P + nnz log nnz), nothing in the vocabulary.
    """
    nonzero = bags != PADDING_ID
    counts = nonzero.sum(axis=1)
    ids = bags[nonzero]  # row-major: the ids of bag 0, then of bag 1, ...
    rows, columns = np.unique(ids, return_inverse=True)
    weights = np.repeat(1.0 / np.maximum(counts, 1), counts)
    indptr = np.zeros(len(bags) + 1, dtype=np.intp)
    np.cumsum(counts, out=indptr[1:])
    matrix = sp.csr_matrix(
        (weights, columns.astype(np.intp, copy=False), indptr), shape=(len(bags), len(rows))
    )
    return Bags(matrix, rows)


def batch_ids(X):
    """Return a mini-batch's inputs as the network reads them: bags of token ids (2-D
    integers) as :class:`Bags`, anything else (features, one id per step) unchanged.
    """
    if X.ndim == 2 and X.dtype.kind in "iu":
        return make_bags(X)
    return X


def lookup(table, ids):
    """Return the embedded input of token ids: ``table[ids]`` for one id per step
    (N,), the mean of the rows of each bag's non-zero ids for bags (:class:`Bags` or
    an (N, P) array).
    """
    if not isinstance(ids, Bags):
        if ids.ndim == 1:
            return table[ids]
        ids = make_bags(ids)
    return np.asarray(ids.matrix.astype(table.dtype) @ table[ids.rows])


def row_gradient(ids, d_embedded):
    """Sum the gradients ``d_embedded`` (N, D) of the looked-up rows ``ids`` (N,) per id.

    Returns ``(rows, values)``: the sorted distinct ids other than padding, and the
    (K, D) summed gradient of each. Costs O(N log N) in the batch, nothing in the
    vocabulary. For bags (``ids`` of shape (N, P), read by :func:`lookup`) each id's
    gradient is the sum, over the bags holding it, of the bag's gradient over its size.
    """
    if not isinstance(ids, Bags) and ids.ndim == 2:
        ids = make_bags(ids)
    if isinstance(ids, Bags):
        values = np.asarray(ids.matrix.T.astype(d_embedded.dtype) @ d_embedded)
        return ids.rows, values
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    starts = np.flatnonzero(np.diff(sorted_ids, prepend=-1))
    rows = sorted_ids[starts]
    values = np.add.reduceat(d_embedded[order], starts, axis=0)
    if rows.size and rows[0] == PADDING_ID:
        rows, values = rows[1:], values[1:]
    return rows, values


def scatter_rows(table_grad, rows, values):
    """Write a row-sparse gradient into the dense ``table_grad`` (zero elsewhere)."""
    table_grad[...] = 0.0
    table_grad[rows] = values


# --------------------------------------------------------------------------- pretrained
def check_embedding_init(init, embedding_dim, freeze):
    """Return the estimator's ``embedding_init`` as a finite float64 (n, D) array, or
    None; raise a ValueError naming the problem.

    Row ``j`` starts the embedding row of id ``j + 2`` (ids 0 and 1 are padding and
    unknown), as ``TextSequencer(vocabulary=words)`` numbers ``words``.
    """
    if init is None:
        if freeze:
            raise ValueError(
                "freeze_embedding=True keeps the rows of embedding_init fixed, but "
                "embedding_init is None; give the pretrained rows or set "
                "freeze_embedding=False."
            )
        return None
    if embedding_dim is None:
        raise ValueError(
            "embedding_init starts an embedding table, but embedding_dim is None (X "
            "would be read as features); set embedding_dim to its number of columns."
        )
    try:
        rows = np.asarray(init, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"embedding_init must be a 2-D array of numbers (one row per id from 2 on): "
            f"{exc}"
        ) from None
    if rows.ndim != 2 or rows.shape[0] == 0:
        raise ValueError(
            f"embedding_init must be a non-empty 2-D array (n_words, embedding_dim), row "
            f"j starting the row of id j + 2; got shape {rows.shape}."
        )
    if rows.shape[1] != embedding_dim:
        raise ValueError(
            f"embedding_init has {rows.shape[1]} columns but embedding_dim="
            f"{embedding_dim}; they must be equal."
        )
    if not np.isfinite(rows).all():
        bad = int(np.flatnonzero(~np.isfinite(rows).all(axis=1))[0])
        raise ValueError(f"embedding_init[{bad}] holds NaN or infinity.")
    return rows


def pretrained_rows(init):
    """Return the ``(start, stop)`` ids whose rows ``init`` gives: 2 to 2 + len(init)."""
    return (N_RESERVED, N_RESERVED + len(init))


def initial_seen(ids, init=None):
    """Return the "seen" flags of a first fit: a table sized by the largest id and the
    pretrained rows, with the pretrained rows seen (their ids read as themselves even
    when training never reads them).
    """
    size = vocabulary_size(ids)
    if init is None:
        return np.zeros(size, dtype=bool)
    start, stop = pretrained_rows(init)
    seen = np.zeros(max(size, stop), dtype=bool)
    seen[start:stop] = True
    return seen


def start_from(flat, spec, init):
    """Write the pretrained rows ``init`` into the embedding table leading ``flat``."""
    table = flat[: table_size(spec)].reshape(spec.n_tokens, spec.input_size)
    start, stop = pretrained_rows(init)
    table[start:stop] = init


def freeze_rows(gradient, frozen, table_grad):
    """Drop the gradient of the ids ``frozen[0] <= id < frozen[1]`` (in place): from
    the row-sparse ``gradient`` when given, else from the dense ``table_grad``.
    """
    start, stop = frozen
    if gradient is None:
        table_grad[start:stop] = 0.0
        return
    keep = (gradient.rows < start) | (gradient.rows >= stop)
    if not keep.all():
        gradient.rows, gradient.values = gradient.rows[keep], gradient.values[keep]
