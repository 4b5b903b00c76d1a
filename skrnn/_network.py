"""The network: parameter layout, initialisation and the loss gradient of a whole model.

A model is an optional embedding table, a recurrent stack and a dense output layer. All
its parameters live in *one* flat vector; the structured :class:`Params` is a set of views
into it, so optimizers, clipping and L-BFGS each work on one array, and the backward pass
writes every gradient straight into the matching view of one flat gradient vector.

Pure functions over numpy arrays; nothing here knows about scikit-learn.
"""

import itertools
from typing import NamedTuple

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
    n_tokens: int | None = None  # vocabulary size of a learned embedding
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

    embedding: np.ndarray | None
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
    for li, H in enumerate(spec.hidden_sizes):
        for d in range(spec.n_directions):
            k = li * spec.n_directions + d
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
    """Return views of ``flat`` shaped as :class:`Params`."""
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
    for dst, src in zip(views.recurrent, params.recurrent, strict=True):
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
    """Return a new flat parameter vector: Glorot input and output weights, orthogonal
    recurrent weights, zero biases except the gate that keeps the old state (the cell's
    ``init``: LSTM forget gate 1, GRU update gate 2), N(0, 0.1^2) embeddings with a
    zero padding row.
    """
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
    for li, H in enumerate(spec.hidden_sizes):
        for d in range(spec.n_directions):
            fresh = cell.init(rng, size_in, H, dtype)
            for key in RECURRENT_KEYS:
                views.recurrent[li * spec.n_directions + d][key][...] = fresh[key]
        size_in = H * spec.n_directions
    bound = np.sqrt(6.0 / (size_in + spec.n_outputs))
    views.coef[...] = rng.uniform(-bound, bound, size=views.coef.shape)
    views.intercept[...] = 0.0
    return flat


# --------------------------------------------------------------------------- batches
class Batch(NamedTuple):
    """A packed mini-batch: inputs in packed row order, samples in sorted order."""

    X: np.ndarray  # (N, D) packed features, (N,) packed token ids, or _embedding.Bags
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
    return Batch(emb.batch_ids(seqs.data[rows]), plan, order)


def embed(params, X):
    """Return the recurrent stack's input: ``X`` itself, or the embedding rows of its
    token ids (the mean rows of its bags of ids, see ``_embedding.lookup``).
    """
    if params.embedding is None:
        return X
    return emb.lookup(params.embedding, X)


# --------------------------------------------------------------------------- forward
def forward(params, spec, batch):
    """Output pre-activations ``Z`` (B, n_outputs) of a many-to-one model, sorted order."""
    cache = rec.stack_forward(
        spec.cell_type, params.layers(spec), embed(params, batch.X), batch.plan,
        activation=spec.activation,
    )
    features, _ = POOLINGS[spec.pooling].forward(cache, batch.plan)
    return output_layer(params, features)


def output_layer(params, features):
    """Pre-activations ``features @ coef + intercept`` of the dense output layer."""
    Z = features @ params.coef
    Z += params.intercept
    return Z


def predict_output(params, spec, batch, loss):
    """Return the activated outputs of ``loss``'s canonical link, sorted order."""
    return OUTPUT_ACTIVATIONS[LOSSES[loss][1]](forward(params, spec, batch))


# --------------------------------------------------------------------------- gradient
def output_layer_grad(
    params, grads, features, Y, sw, loss, denominator, rng=None, dropout=0.0
):
    """Loss of the output layer over ``features`` (rows), and the gradient w.r.t. them.

    The one output-layer gradient of every objective: dropout on the features (when
    ``rng`` is given, i.e. training), ``loss`` against ``Y`` with row weights ``sw``,
    and the gradient divided by ``denominator`` *added* to ``grads.coef`` and
    ``grads.intercept``. Returns the loss sum (not divided) and the divided gradient
    w.r.t. ``features``.
    """
    mask = None
    if rng is not None and dropout > 0:
        mask = rec.dropout_mask(rng, features.shape, dropout, features.dtype)
        features = features * mask
    value, dZ = LOSSES[loss][0](Y, output_layer(params, features), sw)
    dZ /= denominator
    coef, intercept = grads.coef, grads.intercept  # views: add in place
    coef += features.T @ dZ
    intercept += dZ.sum(axis=0)
    d_features = dZ @ params.coef.T
    if mask is not None:
        d_features *= mask
    return value, d_features


def backprop_windows(
    params, grads, grad_flat, spec, batch, head, *, dropout=0.0, rng=None,
    bptt_steps=None, workspace=None, initial=None, final=None, noise=None,
):
    """Run (truncated) BPTT of one batch, window by window; the one loop of every
    objective that reads the recurrent stack's outputs.

    Each window of :func:`~skrnn._recurrent.bptt_windows` runs forward from the state
    carried (detached) from the previous window; ``head(cache, window, grads)`` then
    returns ``None`` when no loss falls in the window, or ``(loss sum, gradients)`` with
    ``gradients`` the keywords of :func:`~skrnn._recurrent.stack_backward` (``d_output``
    or ``d_final``), having added its output-layer gradient to ``grads``. The recurrent
    and output-layer gradients of all windows are summed into ``grad_flat`` (``grads``
    are its views); the embedding's block is left to :func:`embedding_and_l2`, which
    receives the returned gradient w.r.t. the embedded input (None without a table).

    ``initial`` (optional, ``[layer][direction]{state name: (B, H)}`` in sorted order)
    gives the batch's initial states, constants of the objective: no gradient flows
    into them (truncated BPTT of a stream carries them detached from the window
    before). ``final``, when a list, receives each sequence's states after its last
    step in the same layout (copies), so a caller can carry them on.

    ``noise`` (a :class:`~skrnn._recurrent.TrainingNoise`, with ``rng``) is drawn once
    per batch: its per-sequence masks stay the same in every window.
    """
    layers = params.layers(spec)
    X, variational = rec.perturb_inputs(
        noise, rng, embed(params, batch.X), layers, len(batch.plan.lengths)
    )
    n_table = emb.table_size(spec)
    windows = rec.bptt_windows(batch.plan, bptt_steps)
    first = next(windows)
    single = first.t1 == len(batch.plan.batch_sizes)
    if single:  # stack_backward writes every recurrent gradient
        window_flat, window_grads = grad_flat, grads
    else:
        grad_flat[n_table:] = 0.0
        window_flat = np.empty_like(grad_flat)
        window_grads = unpack(window_flat, spec)
    dX = np.zeros_like(X) if params.embedding is not None else None
    total, carried = 0.0, initial
    for win in itertools.chain([first], windows):
        cache = rec.stack_forward(
            spec.cell_type, layers, X[win.rows], win.plan, activation=spec.activation,
            dropout=dropout, rng=rng, h0=carried, workspace=workspace,
            variational=variational,
        )
        if final is not None:
            rec.record_final_states(final, cache, win)
        if win.n_next:
            carried = rec.carried_states(cache, win)
        window_grads.coef[...] = 0.0  # the head adds to them
        window_grads.intercept[...] = 0.0
        result = head(cache, win, window_grads)
        if result is None:
            continue
        value, out_grads = result
        total += value
        dX_win, _ = rec.stack_backward(
            spec.cell_type, layers, cache, win.plan, window_grads.layers(spec),
            **out_grads, activation=spec.activation, need_dx=dX is not None,
            workspace=workspace,
        )
        if dX is not None:
            dX[win.rows] += dX_win
        if not single:
            grad_flat[n_table:] += window_flat[n_table:]
    return total, rec.input_gradient(dX, variational)


def loss_grad(
    params, grads, spec, batch, Y, sample_weight, loss, *, alpha=0.0, reg_mask=None,
    flat=None, grad_flat=None, dropout=0.0, rng=None, bptt_steps=None,
    embedding_grad=None, workspace=None, noise=None,
):
    """Loss of one batch and its gradient, written into ``grads`` (views of ``grad_flat``).

    ``Y`` and ``sample_weight`` are in the batch's sorted order. The loss is
    ``sum(w * loss) / sum(w) + alpha / 2 * ||W||^2 / sum(w)`` like ``MLPClassifier``.
    With ``bptt_steps`` smaller than the longest sequence, the gradient is truncated to
    windows of that many steps; the state is carried forward between windows. Only the
    "last" readout (``spec.pooling``) can be truncated; the others raise ValueError.

    ``workspace`` (a :class:`~skrnn._recurrent.Workspace`) lends the recurrent buffers,
    reused from one batch to the next by a training loop. ``noise`` (with ``rng``) is
    the training noise of :func:`backprop_windows`.

    With an embedding, passing ``embedding_grad`` (a :class:`~skrnn._embedding.RowGradient`)
    keeps the table's gradient row-sparse there and leaves ``grads.embedding`` untouched;
    the L2 penalty then covers the table rows the batch reads (the "lazy" penalty whose
    gradient the row-sparse optimizers apply). Without it the gradient is dense.
    """
    check_truncation(spec.pooling, bptt_steps, len(batch.plan.batch_sizes))
    sw_sum = float(len(Y)) if sample_weight is None else float(sample_weight.sum())
    pool = POOLINGS[spec.pooling]

    def head(cache, win, window_grads):
        # only "last" is ever truncated, and the sequences still running past this
        # window have no features yet: ``win.ending`` selects those that end in it
        ending = win.ending
        if ending.start == ending.stop:
            return None
        features, memo = pool.forward(cache, win.plan)
        value, d_features = output_layer_grad(
            params, window_grads, features[ending], Y[ending],
            None if sample_weight is None else sample_weight[ending], loss,
            sw_sum, rng, dropout,
        )
        d_pooled = np.zeros((len(win.plan.lengths), spec.n_features_out), d_features.dtype)
        d_pooled[ending] = d_features
        return value, pool.backward(d_pooled, memo, win.plan)

    total, dX = backprop_windows(
        params, grads, grad_flat, spec, batch, head, dropout=dropout, rng=rng,
        bptt_steps=bptt_steps, workspace=workspace, noise=noise,
    )
    return embedding_and_l2(
        total / sw_sum, params, grads, batch.X, dX, flat, grad_flat, reg_mask, alpha,
        sw_sum, embedding_grad, emb.table_size(spec),
    )


def embedding_and_l2(
    total, params, grads, ids, dX, flat, grad_flat, reg_mask, alpha, denominator,
    embedding_grad, n_table,
):
    """Finish a gradient: the embedding rows read (dense into ``grads``, or row-sparse
    into ``embedding_grad``) and the L2 penalty, lazy on the embedding rows when sparse
    (the convention of :func:`loss_grad`); returns the finished loss.
    """
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
