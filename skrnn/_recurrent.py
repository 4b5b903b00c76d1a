"""The recurrent layer loop: packing, stacking, directions and backpropagation through time.

Pure functions over numpy arrays; nothing here knows about scikit-learn.

A mini-batch of variable-length sequences is described by a :class:`Plan`. Sequences are
sorted by decreasing length and packed time-major (PyTorch's ``PackedSequence`` layout):
step ``t`` owns rows ``offsets[t]:offsets[t + 1]``, the first ``batch_sizes[t]`` sequences.
Padded steps do not exist, so they can neither change a state nor receive a gradient, and a
ragged batch costs time in proportion to its real steps. The backward direction of a
bidirectional layer is the forward loop run on each sequence reversed within its own length
(``Plan.reverse``, a row permutation that is its own inverse), so one loop serves both.
Training noise that must stay the same at every step of a sequence (variational
dropout) is one row per sequence, in the same sorted order: step ``t`` reads its first
``batch_sizes[t]`` rows, as it reads the state buffers.
"""

from typing import NamedTuple

import numpy as np

from ._cells import CELLS, LAYOUTS, prepare


class Plan(NamedTuple):
    """Row bookkeeping of one packed batch (all integer arrays, sorted sequence order)."""

    lengths: np.ndarray  # (B,) decreasing
    batch_sizes: np.ndarray  # (T,) sequences still running at each step
    offsets: np.ndarray  # (T + 1,) first packed row of each step
    a_rows: list  # per step: slice of the packed rows
    h_rows: list  # per step: slice of the state buffers (shifted by n0)
    p_rows: list  # per step: slice of the previous state rows
    prev_index: np.ndarray  # (N,) state-buffer row of each packed row's previous state
    last_rows: np.ndarray  # (B,) packed row of each sequence's last step
    time_index: np.ndarray  # (N,) time step of each packed row
    seq_index: np.ndarray  # (N,) sorted sequence position of each packed row

    @property
    def n_rows(self):
        return int(self.offsets[-1])

    @property
    def n_initial(self):
        return int(self.batch_sizes[0])

    @property
    def reverse(self):
        """Packed row of step ``L_i - 1 - t`` of the same sequence, for every row."""
        flipped = self.lengths[self.seq_index] - 1 - self.time_index
        return self.offsets[flipped] + self.seq_index


def sort_by_length(lengths):
    """Order that sorts sequences by decreasing length (stable: ties keep their order)."""
    return np.argsort(-np.asarray(lengths), kind="stable")


def make_plan(sorted_lengths):
    """Plan for sequences whose lengths are already sorted in decreasing order."""
    lengths = np.asarray(sorted_lengths, dtype=np.intp)
    T = int(lengths[0])
    steps = np.arange(T)
    # -lengths is increasing, so the count of lengths > t is a binary search
    batch_sizes = np.searchsorted(-lengths, -steps, side="left").astype(np.intp)
    return _plan_from_batch_sizes(lengths, batch_sizes)


def _plan_from_batch_sizes(lengths, batch_sizes):
    T = len(batch_sizes)
    offsets = np.zeros(T + 1, dtype=np.intp)
    np.cumsum(batch_sizes, out=offsets[1:])
    n0 = int(batch_sizes[0])
    time_index = np.repeat(np.arange(T, dtype=np.intp), batch_sizes)
    seq_index = np.arange(offsets[-1], dtype=np.intp) - offsets[time_index]
    starts = offsets.tolist()
    sizes = batch_sizes.tolist()
    a_rows = [slice(starts[t], starts[t] + sizes[t]) for t in range(T)]
    h_rows = [slice(n0 + starts[t], n0 + starts[t] + sizes[t]) for t in range(T)]
    p_rows = [slice(0, sizes[0])] + [
        slice(n0 + starts[t - 1], n0 + starts[t - 1] + sizes[t]) for t in range(1, T)
    ]
    prev_index = np.concatenate(
        [np.arange(n0, dtype=np.intp), n0 + offsets[time_index[n0:] - 1] + seq_index[n0:]]
    )
    last_rows = offsets[np.asarray(lengths) - 1] + np.arange(len(lengths), dtype=np.intp)
    return Plan(
        lengths, batch_sizes, offsets, a_rows, h_rows, p_rows, prev_index, last_rows,
        time_index, seq_index,
    )


def window(plan, t0, t1):
    """Plan of steps ``t0:t1`` alone; its packed rows are ``plan.offsets[t0]:offsets[t1]``.

    Used by truncated BPTT: the window's initial state is the carried state of its
    ``batch_sizes[t0]`` running sequences.
    """
    sizes = plan.batch_sizes[t0:t1]
    lengths = np.minimum(plan.lengths[: sizes[0]], t1) - t0
    return _plan_from_batch_sizes(lengths, sizes)


class Window(NamedTuple):
    """Steps ``t0:t1`` of a batch, the unit of (truncated) backpropagation through time."""

    t0: int
    t1: int
    plan: Plan  # the window's own plan (the batch's plan when it is the only window)
    rows: slice  # its packed rows in the batch
    n_next: int  # sequences that run on past ``t1``: the first ``n_next`` of the window

    @property
    def ending(self):
        """Window positions of the sequences whose last step lies in this window."""
        return slice(self.n_next, len(self.plan.lengths))


def bptt_windows(plan, bptt_steps=None):
    """Yield the windows of ``bptt_steps`` steps that BPTT runs through, in time order.

    One window spanning the batch when ``bptt_steps`` is None or not shorter. A
    generator, not a list: O(T / bptt_steps) plans would make memory grow with T.
    """
    T = len(plan.batch_sizes)
    if bptt_steps is None or bptt_steps >= T:
        yield Window(0, T, plan, slice(0, plan.n_rows), 0)
        return
    for t0 in range(0, T, bptt_steps):
        t1 = min(T, t0 + bptt_steps)
        # sequences still running at step t1, read without an O(T) array
        n_next = int(plan.batch_sizes[t1]) if t1 < T else 0
        rows = slice(int(plan.offsets[t0]), int(plan.offsets[t1]))
        yield Window(t0, t1, window(plan, t0, t1), rows, n_next)


def carried_states(cache, win):
    """Return the final states of a window's sequences that run on, detached (copied)
    so the next window starts from them without a gradient path back.
    """
    return [
        [{k: v[: win.n_next].copy() for k, v in d.items()} for d in layer]
        for layer in final_states(cache, win.plan)
    ]


def record_final_states(final, cache, win):
    """Copy the states of the window's sequences that end in it into ``final``.

    ``final`` is a list, empty before the first window of a batch (which holds every
    sequence); it then holds, per layer and direction, a dict of (B, H) arrays.
    """
    states = final_states(cache, win.plan)
    if not final:
        final.extend(
            [{name: np.empty_like(v) for name, v in d.items()} for d in layer]
            for layer in states
        )
    ending = win.ending
    for layer_out, layer in zip(final, states, strict=True):
        for d_out, d in zip(layer_out, layer, strict=True):
            for name, value in d.items():
                d_out[name][ending] = value[ending]


# --------------------------------------------------------------------------- buffers
class Workspace:
    """Large buffers kept from one training batch to the next, reused while they fit.

    Fresh arrays of a few MB come back from the allocator as untouched pages, and every
    4 KiB page then costs a kernel page fault on first touch (~1.5 us on these VMs, a
    tenth of a training step at hidden size 64). A training loop owns one workspace and
    passes it to every batch; a cache computed with it is valid until the next call that
    uses the same workspace. Without a workspace every buffer is a new array.
    """

    def __init__(self):
        self._buffers = {}

    def empty(self, key, shape, dtype):
        size = int(np.prod(shape))
        buf = self._buffers.get(key)
        if buf is None or buf.size < size or buf.dtype != dtype:
            buf = self._buffers[key] = np.empty(size, dtype=dtype)
        return buf[:size].reshape(shape)

    @property
    def nbytes(self):
        return sum(buf.nbytes for buf in self._buffers.values())


def _empty(workspace, key, shape, dtype):
    if workspace is None:
        return np.empty(shape, dtype=dtype)
    return workspace.empty(key, shape, dtype)


# --------------------------------------------------------------------------- one direction
def _initial_state(B, name, n0, h0):
    if h0 is None or name not in h0:
        B[name][:n0] = 0.0
    else:
        B[name][:n0] = h0[name][:n0]


def direction_forward(
    cell_type, p, X_in, plan, activation="tanh", h0=None, workspace=None, key=(),
    recurrent_mask=None,
):
    """Run one direction of one layer over a packed batch; returns its buffers.

    ``B["H"][plan.n_initial:]`` is the (N, H) output, row-aligned with ``X_in``. With a
    :class:`Workspace`, the buffers are its arrays named ``key + (buffer name,)``.
    ``recurrent_mask`` (at least ``plan.n_initial`` rows of H, sorted order) multiplies
    the previous state where the recurrent weights read it, the same row of it at every
    step of a sequence (see :func:`variational_masks`).
    """
    cell = CELLS[cell_type]
    layout = LAYOUTS[cell.layout]
    n0, N = plan.n_initial, plan.n_rows
    W = prepare(cell, p, n0)
    H, G = W["H"], cell.n_gates
    dtype = X_in.dtype
    B = {}
    for name in cell.state:
        B[name] = _empty(workspace, key + (name,), (n0 + N, H), dtype)
        _initial_state(B, name, n0, h0)
    for name in cell.extra:
        B[name] = _empty(workspace, key + (name,), (N, H), dtype)
    if cell.projection == "A":
        B["A"] = _empty(workspace, key + ("A",), layout.shape(N, G, H), dtype)
    else:
        B["A"] = B[cell.projection][n0:]
    # one GEMM projects the inputs of every step
    layout.project(W, X_in, B["A"])
    S = {
        "gates": np.empty(layout.shape(n0, G, H), dtype=dtype),
        "hidden": np.empty((n0, H), dtype=dtype),
    }
    S.update((name, W[name]) for name in cell.row_factors)
    if recurrent_mask is not None:
        S["recurrent_mask"] = recurrent_mask[:n0]
        S["masked"] = np.empty((n0, H), dtype=dtype)
    step = cell.forward_step
    cuts = step_rows(S, plan.batch_sizes.tolist())
    for a, h, prev, S_t in zip(plan.a_rows, plan.h_rows, plan.p_rows, cuts, strict=True):
        step(W, B, S_t, a, h, prev, activation)
    return B


def step_rows(S, sizes):
    """For each step of ``sizes`` rows, the arrays of ``S`` (rows on their second-to-last
    axis) cut to the step's rows; cut once for every run of equal sizes, which saves
    a handful of views per step.
    """
    cut, last = None, -1
    for n in sizes:
        if n != last:
            cut, last = {k: v[..., :n, :] for k, v in S.items()}, n
        yield cut


def final_state(B, plan, name="H"):
    """Each sequence's state after its last real step, (B, H), sorted order."""
    return B[name][plan.n_initial + plan.last_rows]


# BPTT walks the steps backward in chunks of about this many packed rows: the gradients of
# the states live in a buffer of one chunk (not of the whole batch), and the weight
# gradients are one GEMM per chunk, as fast as one over all rows from ~1,000 rows; fewer
# chunks save their fixed costs (measured: 1,024 rows was 3-8 % slower at T = 50).
CHUNK_ROWS = 2048


def chunks(plan, max_rows):
    """``(t0, t1)`` step ranges of at most ``max_rows`` packed rows (at least one step),
    as few as that allows and of about equal size (no small GEMM for a short tail).
    """
    offsets, T, N = plan.offsets, len(plan.batch_sizes), plan.n_rows
    n_chunks = -(-N // max_rows)
    # cut at the step boundary nearest to each equal share of the rows
    ideal = np.arange(1, n_chunks) * (N / n_chunks)
    after = np.searchsorted(offsets, ideal)
    nearer_before = ideal - offsets[after - 1] < offsets[after] - ideal
    cuts = np.where(nearer_before, after - 1, after)
    bounds = np.unique(np.concatenate([[0], cuts, [T]]))
    sizes = np.diff(offsets[bounds])
    if np.any((sizes > max_rows) & (np.diff(bounds) > 1)):
        # a cut moved to the nearer boundary overfilled a chunk: fill them greedily
        bounds, t0 = [0], 0
        while t0 < T:
            t1 = int(np.searchsorted(offsets, offsets[t0] + max_rows, side="right")) - 1
            t0 = min(max(t1, t0 + 1), T)
            bounds.append(t0)
    return [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def direction_backward(
    cell_type, p, X_in, B, plan, grads, dH=None, d_final=None, activation="tanh",
    need_dx=True, workspace=None, max_rows=None, recurrent_mask=None,
):
    """BPTT through one direction of one layer.

    ``dH`` (N, H) is the loss gradient with respect to the direction's outputs, ``d_final``
    a dict of gradients with respect to each sequence's final states. Parameter gradients
    are written into the arrays of ``grads`` (same keys as ``p``). Returns the gradient
    with respect to ``X_in`` (or None) and a dict of gradients w.r.t. the initial states.
    The gate buffers of ``B`` are overwritten by their gradients: a cache is
    backpropagated once.

    The steps are walked backward in chunks of at most ``max_rows`` (default
    ``CHUNK_ROWS``) packed rows (see :func:`chunks` and :func:`backward_chunk`). The
    result does not depend on ``max_rows`` beyond rounding. ``recurrent_mask`` is the
    one the forward pass used.
    """
    run = BackwardRun(
        cell_type, p, X_in, B, plan, grads, d_final, activation, need_dx, workspace,
        recurrent_mask,
    )
    dX = np.empty((plan.n_rows, X_in.shape[1]), dtype=X_in.dtype) if need_dx else None
    for t0, t1 in reversed(chunks(plan, max_rows or CHUNK_ROWS)):
        rows = _rows(plan, t0, t1)
        dx = backward_chunk(run, t0, t1, None if dH is None else dH[rows])
        if need_dx:
            dX[rows] = dx
    return dX, run.carry


class BackwardRun:
    """What BPTT through one direction of one layer carries from chunk to chunk: the
    step weights and scratch, the state gradients at the chunk boundary (``carry``; the
    initial-state gradients once the first chunk is done) and whether the parameter
    gradients were written yet.
    """

    def __init__(self, cell_type, p, X_in, B, plan, grads, d_final, activation, need_dx,
                 workspace, recurrent_mask=None):
        self.cell = CELLS[cell_type]
        self.layout = LAYOUTS[self.cell.layout]
        n0 = plan.n_initial
        self.W = prepare(self.cell, p, n0)
        H, G = self.W["H"], self.cell.n_gates
        dtype = X_in.dtype
        self.S = {
            name: np.empty(self.layout.shape(n0, G, H), dtype=dtype)
            for name in ("gates", "deriv", "up")
        }
        self.S["hidden"] = np.empty((n0, H), dtype=dtype)
        self.S["hidden2"] = np.empty((n0, H), dtype=dtype)
        self.S.update((name, self.W[name]) for name in self.cell.row_factors)
        self.recurrent_mask = None
        if recurrent_mask is not None:
            self.recurrent_mask = self.S["recurrent_mask"] = recurrent_mask[:n0]
        self.p, self.X_in, self.B, self.plan, self.grads = p, X_in, B, plan, grads
        self.d_final, self.activation, self.need_dx = d_final, activation, need_dx
        self.workspace = workspace
        self.carry = None
        self.written = False


def _rows(plan, t0, t1):
    return slice(int(plan.offsets[t0]), int(plan.offsets[t1]))


def backward_chunk(run, t0, t1, dH):
    """BPTT through steps ``t0:t1`` of ``run``, after every later chunk.

    ``dH`` holds the output gradients of the chunk's packed rows (or None). The chunk's
    state gradients are laid out like the buffers of its :func:`window` plan: the first
    rows belong to the state the chunk starts from, and what they hold at the end is
    carried into the last step of the chunk before it. Adds the chunk's share to the
    parameter gradients; returns the gradient with respect to the chunk's input rows
    (or None).
    """
    cell, layout, plan, B = run.cell, run.layout, run.plan, run.B
    H = run.W["H"]
    wp = window(plan, t0, t1)
    n0w, rows = wp.n_initial, _rows(plan, t0, t1)
    D = {}
    for name in cell.state:
        # one buffer per state for all chunks, layers and directions; filled rather than
        # np.zeros: calloc's lazily zeroed pages fault twice (read, then write) in the
        # loop's read-modify-write
        D[name] = _empty(run.workspace, ("grad", name), (n0w + wp.n_rows, H), B["H"].dtype)
        if name == "H" and dH is not None:
            D[name][:n0w] = 0
            D[name][n0w:] = dH
        else:
            D[name].fill(0)
    # the rows of each sequence's last step in the chunk: its final-state gradient if it
    # ends here, the gradient carried back from the next chunk if it goes on
    last = n0w + wp.last_rows
    if run.d_final is not None:
        ends = plan.lengths[:n0w] <= t1
        for name, value in run.d_final.items():
            D[name][last[ends]] += value[:n0w][ends]
    if run.carry is not None:
        for name, value in run.carry.items():
            D[name][last[: len(value)]] += value
    # each step turns its gates (or, for a cell whose gates are its output, its output
    # gradient) into the gradient of its pre-activations, in place
    step, W, act = cell.backward_step, run.W, run.activation
    steps = range(t1 - 1, t0 - 1, -1)
    cuts = step_rows(run.S, [int(plan.batch_sizes[t]) for t in steps])
    for t, S_t in zip(steps, cuts, strict=True):
        k = t - t0
        step(W, B, D, S_t, plan.a_rows[t], plan.h_rows[t], plan.p_rows[t], wp.h_rows[k],
             wp.p_rows[k], act)
    D["A"] = layout.rows(B["A"], rows) if cell.projection == "A" else D["H"][n0w:]
    # the weight gradients: one GEMM each (per gate block) over the chunk's steps
    previous = _previous_states(B["H"], plan, rows)
    if run.recurrent_mask is not None:
        # the recurrent weights read each sequence's state times its mask row
        previous = previous * run.recurrent_mask[plan.seq_index[rows]]
    layout.weight_grads(
        cell, W, B, D, run.X_in[rows], previous, run.grads, rows, run.written,
    )
    run.written = True
    run.carry = {name: D[name][:n0w].copy() for name in cell.state}
    return layout.input_grad(W, D["A"], run.p) if run.need_dx else None


def _previous_states(H_buffer, plan, rows):
    """Return the state each packed row of ``rows`` (a slice) started from."""
    if plan.batch_sizes[-1] == plan.n_initial:
        # every sequence runs every step: row r started from buffer row r, no copy needed
        return H_buffer[rows]
    return H_buffer[plan.prev_index[rows]]


# --------------------------------------------------------------------------- the stack
class StackCache(NamedTuple):
    inputs: list  # per layer: the (N, D_l) input the layer read (after dropout)
    buffers: list  # per layer: list of per-direction buffer dicts
    masks: list  # per layer: dropout mask applied to its input, or None
    recurrent_masks: list | None = None  # [layer][direction]: see VariationalMasks


def dropout_mask(rng, shape, rate, dtype):
    """Inverted-dropout mask: 0 with probability ``rate``, else ``1 / (1 - rate)``."""
    keep = rng.random(shape) >= rate
    return keep.astype(dtype) / dtype.type(1.0 - rate)


class VariationalMasks(NamedTuple):
    """Dropout masks drawn once per sequence and applied at every one of its steps
    (variational dropout, Gal & Ghahramani 2016), rows in the batch's sorted order.

    ``inputs`` (B, D) multiplies the stack's input (every step of sequence ``i`` by
    row ``i``), or is None; ``recurrent[l][d]`` (B, H_l) multiplies the previous state
    where the recurrent weights of layer ``l``, direction ``d`` read it (the state
    itself, the gates' other inputs and the LSTM cell are not masked), or is None. A
    window of truncated BPTT reads the first rows: its sequences are the batch's first.
    """

    inputs: np.ndarray | None
    recurrent: list | None
    # (N, 1) multipliers of the stack's input rows, in the batch's packed order (token
    # dropout), already applied to the input :func:`perturb_inputs` returns: the
    # caller multiplies the gradient w.r.t. that input by them (None: no token dropout)
    steps: np.ndarray | None = None


class TrainingNoise(NamedTuple):
    """What training perturbs besides the per-step ``dropout``: the rates of the
    :class:`VariationalMasks`, the standard deviation of Gaussian noise added to
    every input value (a new draw at every step), and the rate of token dropout (a
    step's whole input vector, a token's embedding, zeroed).
    """

    input_dropout: float = 0.0
    recurrent_dropout: float = 0.0
    input_noise: float = 0.0
    token_dropout: float = 0.0


def perturb_inputs(noise, rng, X, layers, n_sequences):
    """Draw a batch's training noise: return the stack's input ``X`` plus Gaussian noise
    and with its dropped tokens' rows zeroed (a new array; ``X`` itself when there is
    neither) and its :class:`VariationalMasks` (or None). ``noise`` None, or all of it
    0, draws nothing.

    Token dropout zeroes each packed row (one step of one sequence: a token's
    embedding) with probability ``noise.token_dropout`` and scales the others by
    ``1 / (1 - rate)``; the multipliers are returned as the masks' ``steps``, and the
    gradient w.r.t. ``X`` is the gradient w.r.t. the returned input times them.
    """
    if noise is None or rng is None:
        return X, None
    masks = variational_masks(
        rng, layers, n_sequences, X.shape[1], noise.input_dropout,
        noise.recurrent_dropout, X.dtype,
    )
    if noise.input_noise:
        X = X + (noise.input_noise * rng.standard_normal(X.shape)).astype(X.dtype)
    if noise.token_dropout:
        keep = dropout_mask(rng, (len(X), 1), noise.token_dropout, X.dtype)
        X = X * keep
        masks = (masks or VariationalMasks(None, None))._replace(steps=keep)
    return X, masks


def input_gradient(dX, masks):
    """Turn ``dX``, the gradient w.r.t. the input :func:`perturb_inputs` returned, into
    the gradient w.r.t. the input it was given (in place; None stays None).
    """
    if dX is not None and masks is not None and masks.steps is not None:
        dX *= masks.steps
    return dX


def variational_masks(rng, layers, n_sequences, input_size, input_rate, recurrent_rate,
                      dtype):
    """Draw the :class:`VariationalMasks` of a batch of ``n_sequences``; None when both
    rates are 0 (nothing is drawn, so the random stream is that of a model without).
    """
    if not (input_rate or recurrent_rate):
        return None
    dtype = np.dtype(dtype)
    inputs = None
    if input_rate:
        inputs = dropout_mask(rng, (n_sequences, input_size), input_rate, dtype)
    recurrent = None
    if recurrent_rate:
        recurrent = [
            [dropout_mask(rng, (n_sequences, p["weight_hh"].shape[1]), recurrent_rate,
                          dtype) for p in directions]
            for directions in layers
        ]
    return VariationalMasks(inputs, recurrent)


def stack_forward(
    cell_type, layers, X, plan, *, activation="tanh", dropout=0.0, rng=None, h0=None,
    reverse=None, workspace=None, variational=None,
):
    """Forward through stacked (and possibly bidirectional) layers.

    ``layers[l][d]`` holds the parameters of layer ``l``, direction ``d`` (0 forward,
    1 backward). Dropout (when ``rng`` is given, i.e. training) is applied to the input of
    every layer above the first, a new mask at every step. ``variational`` (optional
    :class:`VariationalMasks`, training only) masks the stack's input and the recurrent
    connections with one mask per sequence. ``h0[l][d]`` optionally gives initial states.
    Returns the cache; :func:`stack_output` and :func:`stack_final` read it. With a
    :class:`Workspace`, the cache lives in its buffers (valid until its next use).
    """
    n_dirs = len(layers[0])
    if n_dirs == 2 and reverse is None:
        reverse = plan.reverse
    inputs, buffers, masks = [], [], []
    recurrent = None if variational is None else variational.recurrent
    x = X
    for li, directions in enumerate(layers):
        mask = None
        if li > 0 and rng is not None and dropout > 0:
            mask = dropout_mask(rng, x.shape, dropout, x.dtype)
            x = x * mask
        if li == 0 and variational is not None and variational.inputs is not None:
            mask = variational.inputs[plan.seq_index]  # each row: its sequence's mask
            x = x * mask
        runs = []
        for d, p in enumerate(directions):
            x_d = x if d == 0 else x[reverse]
            h0_ld = None if h0 is None else h0[li][d]
            runs.append(direction_forward(
                cell_type, p, x_d, plan, activation, h0_ld, workspace, ("layer", li, d),
                None if recurrent is None else recurrent[li][d],
            ))
        inputs.append(x)
        buffers.append(runs)
        masks.append(mask)
        x = _direction_outputs(runs, plan, reverse)
    return StackCache(inputs, buffers, masks, recurrent)


def _direction_outputs(runs, plan, reverse):
    n0 = plan.n_initial
    if len(runs) == 1:
        return runs[0]["H"][n0:]
    return np.concatenate([runs[0]["H"][n0:], runs[1]["H"][n0:][reverse]], axis=1)


def stack_output(cache, plan, reverse=None):
    """(N, H * n_dirs) outputs of the top layer, row-aligned with the packed input."""
    runs = cache.buffers[-1]
    if len(runs) == 2 and reverse is None:
        reverse = plan.reverse
    return _direction_outputs(runs, plan, reverse)


def stack_final(cache, plan):
    """(B, H * n_dirs) top-layer states a many-to-one head reads.

    Forward direction: the state after each sequence's last real step; backward
    direction: the state after reading the sequence back to its first step.
    """
    return np.concatenate([final_state(B, plan) for B in cache.buffers[-1]], axis=1)


def final_states(cache, plan):
    """Per layer and direction, a dict of every state after each sequence's last step."""
    return [
        [{name: final_state(B, plan, name) for name in B if name in ("H", "C")}
         for B in runs]
        for runs in cache.buffers
    ]


def stack_backward(
    cell_type, layers, cache, plan, grads, *, d_output=None, d_final=None,
    activation="tanh", need_dx=False, reverse=None, d_states=None, workspace=None,
):
    """BPTT through the whole stack.

    ``d_output`` (N, H * n_dirs): gradient w.r.t. the top layer's outputs; ``d_final``
    (B, H * n_dirs): gradient w.r.t. the top states read by :func:`stack_final`.
    ``d_states[l][d]`` (optional): a dict of gradients w.r.t. the final states of
    every layer and direction, shaped like :func:`final_states` (an encoder whose
    states initialise a decoder receives the decoder's initial-state gradients here).
    ``grads[l][d]`` receives the parameter gradients. Returns the gradient w.r.t. the
    stack's input (if ``need_dx``) and, per layer and direction, w.r.t. initial states.
    """
    n_dirs = len(layers[0])
    d_finals = []
    for li in range(len(layers)):
        H = layers[li][0]["weight_hh"].shape[1]
        per_direction = []
        for d in range(n_dirs):
            dfin = None
            if d_final is not None and li == len(layers) - 1:
                dfin = {"H": d_final[:, d * H : (d + 1) * H]}
            if d_states is not None and d_states[li][d]:
                dfin = _add_state_grads(dfin, d_states[li][d])
            per_direction.append(dfin)
        d_finals.append(per_direction)
    if n_dirs == 1:
        return _stack_backward_by_chunks(
            cell_type, layers, cache, plan, grads, d_output, d_finals, activation,
            need_dx, workspace,
        )
    if reverse is None:
        reverse = plan.reverse
    d_out = d_output
    d_initial = [None] * len(layers)
    dX = None
    for li in range(len(layers) - 1, -1, -1):
        H = layers[li][0]["weight_hh"].shape[1]
        x = cache.inputs[li]
        dx_total = None
        d_initial[li] = []
        for d, p in enumerate(layers[li]):
            cols = slice(d * H, (d + 1) * H)
            dH = None
            if d_out is not None:
                dH = d_out[:, cols] if d == 0 else d_out[:, cols][reverse]
            x_d = x if d == 0 else x[reverse]
            want_dx = need_dx or li > 0
            dx, d0 = direction_backward(
                cell_type, p, x_d, cache.buffers[li][d], plan, grads[li][d], dH,
                d_finals[li][d], activation, want_dx, workspace,
                recurrent_mask=_recurrent_mask(cache, li, d),
            )
            d_initial[li].append(d0)
            if want_dx:
                dx = dx if d == 0 else dx[reverse]
                dx_total = dx if dx_total is None else dx_total + dx
        if cache.masks[li] is not None and dx_total is not None:
            dx_total *= cache.masks[li]
        d_out = dx_total
        dX = dx_total
    return dX, d_initial


def _stack_backward_by_chunks(
    cell_type, layers, cache, plan, grads, d_output, d_finals, activation, need_dx,
    workspace,
):
    """BPTT through a stack of one-directional layers, chunk by chunk across layers.

    All layers walk the same chunks of steps backward, and a chunk goes through the
    whole stack before the next: the gradient a layer passes to the one below lives for
    one chunk, so no (N, H) gradient array exists between layers. (A backward direction
    reads its steps in the other order, so bidirectional stacks go layer by layer.)
    """
    runs = [
        BackwardRun(
            cell_type, layers[li][0], cache.inputs[li], cache.buffers[li][0], plan,
            grads[li][0], d_finals[li][0], activation, need_dx or li > 0, workspace,
            _recurrent_mask(cache, li, 0),
        )
        for li in range(len(layers))
    ]
    dX = None
    if need_dx:
        dX = np.empty_like(cache.inputs[0])
    for t0, t1 in reversed(chunks(plan, CHUNK_ROWS)):
        rows = _rows(plan, t0, t1)
        d = None if d_output is None else d_output[rows]
        for li in range(len(layers) - 1, -1, -1):
            d = backward_chunk(runs[li], t0, t1, d)
            if d is not None and cache.masks[li] is not None:
                d *= cache.masks[li][rows]
        if need_dx:
            dX[rows] = d
    return dX, [[run.carry] for run in runs]


def _recurrent_mask(cache, layer, direction):
    masks = cache.recurrent_masks
    return None if masks is None else masks[layer][direction]


def _add_state_grads(d_final, d_states):
    """Sum two dicts of final-state gradients (either may lack a state)."""
    if d_final is None:
        return dict(d_states)
    out = dict(d_final)
    for name, value in d_states.items():
        out[name] = out[name] + value if name in out else value
    return out
