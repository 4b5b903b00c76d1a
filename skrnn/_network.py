"""The network: parameter layout, initialisation and the loss gradient of a whole model.

A model is an optional embedding table, a recurrent stack and a dense output layer. All
its parameters live in *one* flat vector; the structured :class:`Params` is a set of views
into it, so optimizers, clipping and L-BFGS each work on one array, and the backward pass
writes every gradient straight into the matching view of one flat gradient vector.

Pure functions over numpy arrays; nothing here knows about scikit-learn.
"""

from typing import NamedTuple, Optional

import numpy as np

from . import _embedding as emb
from . import _recurrent as rec
from ._cells import CELLS
from ._losses import LOSSES, OUTPUT_ACTIVATIONS
from ._pooling import POOLINGS, check_truncation

RECURRENT_KEYS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


class NetSpec(NamedTuple):
    """Everything that fixes the parameter shapes, and the many-to-one readout."""

    cell_type: str
    input_size: int  # features per step, or embedding_dim when ``n_tokens`` is set
    hidden_sizes: tuple
    bidirectional: bool
    n_outputs: int
    activation: str = "tanh"
    n_tokens: Optional[int] = None  # vocabulary size of a learned embedding
    pooling: str = "last"  # key of ``_pooling.POOLINGS``: what the output layer reads

    @property
    def n_directions(self):
        return 2 if self.bidirectional else 1

    @property
    def n_features_out(self):
        """Width of what the output layer reads."""
        return self.hidden_sizes[-1] * self.n_directions


class Params(NamedTuple):
    """Structured (view) access to a model's parameters.

    ``recurrent`` is in PyTorch's order: layer 0 forward, layer 0 backward, layer 1 ...
    """

    embedding: Optional[np.ndarray]
    recurrent: list
    coef: np.ndarray  # (n_features_out, n_outputs)
    intercept: np.ndarray  # (n_outputs,)

    def layers(self, spec):
        """``recurrent`` nested as ``[layer][direction]``."""
        k = spec.n_directions
        return [self.recurrent[i : i + k] for i in range(0, len(self.recurrent), k)]


def layout(spec):
    """Ordered ``(path, shape, regularised)`` of every parameter array."""
    G = CELLS[spec.cell_type].n_gates
    entries = []
    if spec.n_tokens is not None:
        entries.append((("embedding",), (spec.n_tokens, spec.input_size), True))
    size_in = spec.input_size
    for l, H in enumerate(spec.hidden_sizes):
        for d in range(spec.n_directions):
            k = l * spec.n_directions + d
            entries += [
                (("recurrent", k, "weight_ih"), (G * H, size_in), True),
                (("recurrent", k, "weight_hh"), (G * H, H), True),
                (("recurrent", k, "bias_ih"), (G * H,), False),
                (("recurrent", k, "bias_hh"), (G * H,), False),
            ]
        size_in = H * spec.n_directions
    entries += [
        (("coef",), (size_in, spec.n_outputs), True),
        (("intercept",), (spec.n_outputs,), False),
    ]
    return entries


def n_params(spec):
    return sum(int(np.prod(shape)) for _, shape, _ in layout(spec))


def unpack(flat, spec):
    """Views of ``flat`` shaped as :class:`Params`."""
    embedding, recurrent, out = None, [], {}
    start = 0
    for path, shape, _ in layout(spec):
        size = int(np.prod(shape))
        view = flat[start : start + size].reshape(shape)
        start += size
        if path[0] == "embedding":
            embedding = view
        elif path[0] == "recurrent":
            if path[1] == len(recurrent):
                recurrent.append({})
            recurrent[path[1]][path[2]] = view
        else:
            out[path[0]] = view
    return Params(embedding, recurrent, out["coef"], out["intercept"])


def pack(params, spec, dtype):
    """Copy structured parameters into one new flat vector."""
    flat = np.empty(n_params(spec), dtype=dtype)
    views = unpack(flat, spec)
    if spec.n_tokens is not None:
        views.embedding[...] = params.embedding
    for dst, src in zip(views.recurrent, params.recurrent):
        for key in RECURRENT_KEYS:
            dst[key][...] = src[key]
    views.coef[...] = params.coef
    views.intercept[...] = params.intercept
    return flat


def regularised_mask(spec, dtype):
    """1 where L2 applies (weights, embedding), 0 on biases."""
    return np.concatenate(
        [
            np.full(int(np.prod(shape)), float(reg), dtype=dtype)
            for _, shape, reg in layout(spec)
        ]
    )


def init_params(spec, rng, dtype):
    """A new flat parameter vector: Glorot input and output weights, orthogonal
    recurrent weights, zero biases (LSTM forget gate 1), N(0, 0.1^2) embeddings with a
    zero padding row."""
    flat = np.empty(n_params(spec), dtype=dtype)
    views = unpack(flat, spec)
    cell = CELLS[spec.cell_type]
    if spec.n_tokens is not None:
        # Adam moves a row by about learning_rate per batch that reads it, so a
        # unit-scale random table would outweigh what a few epochs learn (measured:
        # 5-fold accuracy on Rotten Tomatoes 0.68 with N(0, 1), 0.71 with N(0, 0.1^2))
        views.embedding[...] = emb.INIT_SCALE * rng.standard_normal(views.embedding.shape)
        views.embedding[emb.PADDING_ID] = 0.0
    size_in = spec.input_size
    for l, H in enumerate(spec.hidden_sizes):
        for d in range(spec.n_directions):
            fresh = cell.init(rng, size_in, H, dtype)
            for key in RECURRENT_KEYS:
                views.recurrent[l * spec.n_directions + d][key][...] = fresh[key]
        size_in = H * spec.n_directions
    bound = np.sqrt(6.0 / (size_in + spec.n_outputs))
    views.coef[...] = rng.uniform(-bound, bound, size=views.coef.shape)
    views.intercept[...] = 0.0
    return flat


# --------------------------------------------------------------------------- batches
class Batch(NamedTuple):
    """A packed mini-batch: inputs in packed row order, samples in sorted order."""

    X: np.ndarray  # (N, D) packed features, or (N,) packed token ids
    plan: rec.Plan
    order: np.ndarray  # (B,) sample index (into the data set) of each sorted position


def make_batch(seqs, index):
    """Pack the sequences ``index`` of a :class:`~skrnn._input.Sequences`."""
    index = np.asarray(index, dtype=np.intp)
    lengths = seqs.lengths[index]
    order_in_batch = rec.sort_by_length(lengths)
    order = index[order_in_batch]
    plan = rec.make_plan(lengths[order_in_batch])
    rows = seqs.offsets[order][plan.seq_index] + plan.time_index
    return Batch(seqs.data[rows], plan, order)


def _embed(params, X):
    if params.embedding is None:
        return X
    return params.embedding[X]


# --------------------------------------------------------------------------- forward
def forward(params, spec, batch):
    """Output pre-activations ``Z`` (B, n_outputs) of a many-to-one model, sorted order."""
    cache = rec.stack_forward(
        spec.cell_type, params.layers(spec), _embed(params, batch.X), batch.plan,
        activation=spec.activation,
    )
    features, _ = POOLINGS[spec.pooling].forward(cache, batch.plan)
    Z = features @ params.coef
    Z += params.intercept
    return Z


def predict_output(params, spec, batch, loss):
    """The activated outputs of ``loss``'s canonical link, sorted order."""
    return OUTPUT_ACTIVATIONS[LOSSES[loss][1]](forward(params, spec, batch))


# --------------------------------------------------------------------------- gradient
def loss_grad(
    params, grads, spec, batch, Y, sample_weight, loss, *, alpha=0.0, reg_mask=None,
    flat=None, grad_flat=None, dropout=0.0, rng=None, bptt_steps=None,
    embedding_grad=None, workspace=None,
):
    """Loss of one batch and its gradient, written into ``grads`` (views of ``grad_flat``).

    ``Y`` and ``sample_weight`` are in the batch's sorted order. The loss is
    ``sum(w * loss) / sum(w) + alpha / 2 * ||W||^2 / sum(w)`` like ``MLPClassifier``.
    With ``bptt_steps`` smaller than the longest sequence, the gradient is truncated to
    windows of that many steps; the state is carried forward between windows. Only the
    "last" readout (``spec.pooling``) can be truncated; the others raise ValueError.

    ``workspace`` (a :class:`~skrnn._recurrent.Workspace`) lends the recurrent buffers,
    reused from one batch to the next by a training loop.

    With an embedding, passing ``embedding_grad`` (a :class:`~skrnn._embedding.RowGradient`)
    keeps the table's gradient row-sparse there and leaves ``grads.embedding`` untouched;
    the L2 penalty then covers the table rows the batch reads (the "lazy" penalty whose
    gradient the row-sparse optimizers apply). Without it the gradient is dense.
    """
    plan = batch.plan
    sw_sum = float(len(Y)) if sample_weight is None else float(sample_weight.sum())
    loss_fn = LOSSES[loss][0]
    layers = params.layers(spec)
    X = _embed(params, batch.X)
    T = len(plan.batch_sizes)
    check_truncation(spec.pooling, bptt_steps, T)
    pool = POOLINGS[spec.pooling]
    step = T if bptt_steps is None else min(bptt_steps, T)
    truncated = step < T
    # a generator, not a list: O(T / step) objects would make memory grow with T
    windows = ((t0, min(T, t0 + step)) for t0 in range(0, T, step))
    # the embedding table leads the flat vector; its gradient is written once at the end
    n_table = emb.table_size(spec)
    if truncated:
        grad_flat[n_table:] = 0.0
        window_grad = np.zeros_like(grad_flat)
        window_grads = unpack(window_grad, spec)
    else:
        window_grads = grads

    total, carried = 0.0, None

    def running(t):
        # sequences still running at step t, without an O(T) array: truncated BPTT over
        # a very long sequence keeps memory bounded by the window
        return int(plan.batch_sizes[t]) if t < T else 0

    dX_all = np.zeros_like(X) if params.embedding is not None else None
    for t0, t1 in windows:
        wplan = rec.window(plan, t0, t1) if truncated else plan
        rows = slice(int(plan.offsets[t0]), int(plan.offsets[t1]))
        ending = slice(running(t1), running(t0))
        cache = rec.stack_forward(
            spec.cell_type, layers, X[rows], wplan, activation=spec.activation,
            dropout=dropout, rng=rng, h0=carried, workspace=workspace,
        )
        if t1 < T:
            n_next = running(t1)
            carried = [
                [{k: v[:n_next].copy() for k, v in d.items()} for d in layer]
                for layer in rec.final_states(cache, wplan)
            ]
        if ending.start == ending.stop:
            continue
        # only "last" is ever truncated, and the sequences still running past this
        # window have no features yet: ``ending`` selects those that end in it
        features, memo = pool.forward(cache, wplan)
        features = features[ending]
        mask = None
        if rng is not None and dropout > 0:
            mask = rec._dropout_mask(rng, features.shape, dropout, features.dtype)
            features = features * mask
        Z = features @ params.coef
        Z += params.intercept
        sw = None if sample_weight is None else sample_weight[ending]
        value, dZ = loss_fn(Y[ending], Z, sw)
        total += value
        dZ /= sw_sum
        np.matmul(features.T, dZ, out=window_grads.coef)
        np.sum(dZ, axis=0, out=window_grads.intercept)
        d_features = dZ @ params.coef.T
        if mask is not None:
            d_features *= mask
        d_pooled = np.zeros((len(wplan.lengths), spec.n_features_out), dtype=X.dtype)
        d_pooled[ending] = d_features
        dX, _ = rec.stack_backward(
            spec.cell_type, layers, cache, wplan, window_grads.layers(spec),
            **pool.backward(d_pooled, memo, wplan), activation=spec.activation,
            need_dx=params.embedding is not None, workspace=workspace,
        )
        if dX_all is not None:
            dX_all[rows] += dX
        if truncated:
            grad_flat[n_table:] += window_grad[n_table:]

    return embedding_and_l2(
        total / sw_sum, params, grads, batch.X, dX_all, flat, grad_flat, reg_mask, alpha,
        sw_sum, embedding_grad, n_table,
    )


def embedding_and_l2(
    total, params, grads, ids, dX, flat, grad_flat, reg_mask, alpha, denominator,
    embedding_grad, n_table,
):
    """Finish a gradient: the embedding rows read (dense into ``grads``, or row-sparse
    into ``embedding_grad``) and the L2 penalty, lazy on the embedding rows when sparse
    (the convention of :func:`loss_grad`); returns the finished loss."""
    rows = None
    if params.embedding is not None:
        rows, values = emb.row_gradient(ids, dX)
        if embedding_grad is None:
            emb.scatter_rows(grads.embedding, rows, values)
            rows = None
        else:
            embedding_grad.rows, embedding_grad.values = rows, values
    if not alpha:
        return total
    dense = slice(0 if rows is None else n_table, None)
    weights = flat[dense] * reg_mask[dense]
    penalty = float(weights @ flat[dense])
    grad_flat[dense] += (alpha / denominator) * weights
    if rows is not None:
        read = params.embedding[rows]
        penalty += float(np.vdot(read, read))
        embedding_grad.values += (alpha / denominator) * read
    return total + 0.5 * alpha * penalty / denominator
