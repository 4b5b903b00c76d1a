"""Learned token embeddings: id conventions, unknown-id mapping, row-sparse gradients.

An embedding is a table with one row per token id. Id 0 is padding: its row is zero and
never trained, so an id 0 inside a sequence reads as an all-zero input. Id 1 is the
unknown token: ids beyond the fitted table, and ids that never occurred in the training
data, are read as 1.

A mini-batch touches only a few rows of the table, so its gradient is kept as those rows
(:class:`RowGradient`) and the optimizers update only them; nothing per training step
costs time in proportion to the vocabulary.

Pure functions over numpy arrays; nothing here knows about scikit-learn.
"""

import numpy as np

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
    seen[ids[ids < len(seen)]] = True
    seen[:N_RESERVED] = True
    return seen


def known_ids(ids, seen):
    """``ids`` with each id outside the table or not ``seen`` replaced by the unknown id."""
    inside = ids < len(seen)
    keep = inside.copy()
    keep[inside] = seen[ids[inside]]
    if keep.all():
        return ids
    return np.where(keep, ids, UNKNOWN_ID)


def row_gradient(ids, d_embedded):
    """Sum the gradients ``d_embedded`` (N, D) of the looked-up rows ``ids`` (N,) per id.

    Returns ``(rows, values)``: the sorted distinct ids other than padding, and the
    (K, D) summed gradient of each. Costs O(N log N) in the batch, nothing in the
    vocabulary.
    """
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
