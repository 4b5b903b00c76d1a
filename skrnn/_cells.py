"""Recurrent cells: the per-step maths of the Elman RNN, LSTM and GRU.

Every cell is a row of the ``CELLS`` table: a :class:`Cell` of plain functions, with no
state on any object. The recurrent loop (``_recurrent.py``) owns the buffers and calls a
cell's ``forward_step`` / ``backward_step`` once per time step.

Layout shared by all cells (see ``_recurrent.py`` for how it is built):

* A batch is *packed* time-major, like PyTorch's ``PackedSequence``: sequences are sorted
  by decreasing length, and time step ``t`` owns the contiguous rows of the first ``n_t``
  sequences still running. Padded steps therefore never exist in the buffers.
* ``A`` holds the input projection ``x_t W_ih^T + b`` of every real step, computed by one
  GEMM before the loop, in the cell's ``layout`` (see ``LAYOUTS``): ``"rows"``, (N, G*H)
  with a step's gates side by side in each row, or ``"gates"``, (G, N, H) with each gate
  a block of its own, so that every per-gate operation of a step reads and writes
  contiguous memory (numpy is 2-3x slower on a gate's column slice of a row-layout
  step). The forward step overwrites it with the activated gates,
  which is all BPTT needs (derivatives are written in terms of outputs). BPTT in turn
  overwrites each step's gates with the gradient of their pre-activations, the matrix the
  weight-gradient GEMMs read once a chunk of steps is done: a cache is backpropagated
  once. The Elman cell has no buffer of its own for this: its ``A`` is the rows of ``H``
  after the initial ones, activated in place.
* State buffers such as ``H`` and ``C`` have ``n0 + N`` rows: the first ``n0`` rows hold
  the initial state (zeros, or a carried state), so step 0 needs no special case and BPTT
  hands back the gradient with respect to the initial state for free.

Step arguments: ``W`` the weights laid out by :func:`prepare`, ``B`` the buffers, ``D``
their gradients, ``S`` per-step scratch and per-row factors, already cut to the step's
rows (nothing outlives a step but the buffers), ``a`` slices rows of ``A`` (and of other
per-step buffers), ``h`` the same step's rows of the state buffers, ``p`` the previous
step's rows of the state buffers that belong to the sequences still running; ``dh`` and
``dp`` are the same two row sets of the gradient buffers ``D``, which BPTT keeps for one
chunk of steps at a time (see ``_recurrent.backward_chunk``). Weights follow PyTorch:
gates stacked along the first axis of ``weight_ih`` (G*H, D) and ``weight_hh`` (G*H, H),
in the order i, f, g, o (LSTM) and r, z, n (GRU).
"""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np


def relu(x, out):
    return np.maximum(x, 0, out=out)


def _mul_dtanh(d, y, tmp):
    """``d *= 1 - y**2``: the tanh derivative from its output ``y``."""
    np.multiply(y, y, out=tmp)
    np.subtract(1, tmp, out=tmp)
    d *= tmp


def _mul_drelu(d, y, tmp):
    np.greater(y, 0, out=tmp)
    d *= tmp


ACTIVATIONS = {"tanh": np.tanh, "relu": relu}
OUTPUT_DERIVATIVES = {"tanh": _mul_dtanh, "relu": _mul_drelu}


class Cell(NamedTuple):
    """One cell type: its gates, state names and step functions.

    ``gates`` names the activation of each gate block in the order the cell's steps use:
    "sigmoid", "tanh", or "act" for the layer's ``activation``; ``order[k]`` is the
    PyTorch gate (block of ``weight_ih`` / ``weight_hh``) that step gate ``k`` is.
    ``layout`` is the key of :data:`LAYOUTS` the cell's buffers follow. ``state`` names
    the per-step state buffers carried through time (``H`` first); ``extra`` names
    per-step buffers of N rows kept for BPTT besides the gates. ``projection`` names the
    buffer the input projection is written into: ``"A"`` of its own, or ``"H"`` (its rows
    after the initial ones) for a cell whose gates are its output. ``fold_bias(b_ih,
    b_hh)`` returns the bias added to the input projection. ``recurrent_grads(B, D, H,
    rows)`` lists, after BPTT of the packed rows ``rows``, the blocks ``(rows of
    weight_hh, gradient of those recurrent pre-activations)`` of a row-layout cell.
    ``row_factors`` names the per-row arrays of :func:`prepare` the steps read.
    """

    gates: tuple
    order: tuple
    layout: str
    state: tuple
    extra: tuple
    projection: str
    row_factors: tuple
    fold_bias: Callable
    forward_step: Callable
    backward_step: Callable
    recurrent_grads: Callable
    init: Callable

    @property
    def n_gates(self):
        return len(self.gates)


# The logistic function is computed as 0.5 * tanh(x / 2) + 0.5 (no overflow, and numpy's
# tanh is faster than exp). The x / 2 is folded into the weights and biases of the sigmoid
# gates (a power of two, so exactly), which lets one tanh call cover every gate of a step.
GATE_SCALE = {"sigmoid": 0.5, "tanh": 1.0, "act": 1.0}
# with y the gate's output, its derivative is (y + DERIVATIVE_SHIFT) * (1 - y):
# y (1 - y) for the logistic function, (1 + y)(1 - y) for tanh
DERIVATIVE_SHIFT = {"sigmoid": 0.0, "tanh": 1.0, "act": 1.0}


def prepare(cell, p, n_rows):
    """Lay out the weights a direction's loop reads for its GEMMs and per-step calls.

    Sigmoid gates are pre-scaled by 1/2 (see above). Row layout: ``ihT`` / ``hhT``,
    contiguous transposes (GEMMs on a contiguous right operand are faster than on a
    transposed view); ``hh``: the unscaled recurrent weights BPTT multiplies by;
    ``shift``: per-column factors, repeated on ``n_rows`` rows, turning gate outputs
    into derivatives; ``b_hn``: the GRU's recurrent n-gate bias, repeated likewise. A
    row vector broadcast over a step's rows is 3-4x slower in numpy than a same-shape
    operand (one inner loop per row instead of one in all). Gate layout: the same
    weights as stacks of per-gate blocks, ``(G, in, H)`` for the forward GEMMs and
    ``(G, H, in)`` for BPTT, taken from PyTorch's matrices in the cell's gate order.
    """
    H = p["weight_hh"].shape[1]
    dtype = p["weight_hh"].dtype
    rows = [slice(k * H, (k + 1) * H) for k in cell.order]
    scale = np.repeat(np.array([GATE_SCALE[g] for g in cell.gates], dtype=dtype), H)
    # PyTorch's rows in the order of the cell's gates, scaled
    ih = np.concatenate([p["weight_ih"][r] for r in rows]) * scale[:, None]
    hh = np.concatenate([p["weight_hh"][r] for r in rows]) * scale[:, None]
    bias = np.concatenate([cell.fold_bias(p["bias_ih"], p["bias_hh"])[r] for r in rows])
    W = {"H": H}
    W.update(LAYOUTS[cell.layout].prepare(p, ih, hh, bias * scale, rows, cell.n_gates, H))

    def per_column(table):
        return np.repeat(np.array([table[g] for g in cell.gates], dtype=dtype), H)

    factors = {
        "shift": lambda: per_column(DERIVATIVE_SHIFT),
        "b_hn": lambda: p["bias_hh"][-H:],
    }
    for name in cell.row_factors:
        W[name] = np.tile(factors[name](), (n_rows, 1))
    return W


def gate_derivatives(g, shift, out, tmp):
    """``out = dy/dx`` of every gate of a step from the gate outputs ``g``, in 3 calls."""
    np.subtract(1, g, out=tmp)
    np.add(g, shift, out=out)
    out *= tmp


# Recurrent dropout (``S["recurrent_mask"]``, the step's rows of one mask per sequence,
# present in training only): the recurrent weights read the previous state times the
# mask; the state update itself reads it unmasked, as Keras' ``recurrent_dropout`` does.
def recurrent_input(hp, S):
    """Return the previous state ``hp`` as the recurrent weights read it."""
    mask = S.get("recurrent_mask")
    if mask is None:
        return hp
    return np.multiply(hp, mask, out=S["masked"])


def mask_recurrent_grad(d, S):
    """Turn, in place, the gradient w.r.t. what the recurrent weights read into the
    gradient w.r.t. the previous state.
    """
    mask = S.get("recurrent_mask")
    if mask is not None:
        d *= mask


# --------------------------------------------------------------------------- Elman
# The input projection is written straight into the rows of ``H``, which the step
# activates in place; BPTT likewise turns ``dH`` into the pre-activation gradient in place.
def _elman_forward(W, B, S, a, h, p, act):
    out = B["H"][h]
    s = S["hidden"]
    np.matmul(recurrent_input(B["H"][p], S), W["hhT"], out=s)
    out += s
    ACTIVATIONS[act](out, out=out)


def _elman_backward(W, B, D, S, a, h, p, dh, dp, act):
    d = D["H"][dh]
    s = S["hidden"]
    OUTPUT_DERIVATIVES[act](d, B["H"][h], s)
    np.matmul(d, W["hh"], out=s)
    mask_recurrent_grad(s, S)
    D["H"][dp] += s


# --------------------------------------------------------------------------- LSTM
# Gate layout, gates in the order i, f, o, g: the three sigmoid gates are one block.
def _lstm_forward(W, B, S, a, h, p, act):
    g = B["A"][:, a]
    s = S["gates"]
    np.matmul(recurrent_input(B["H"][p], S), W["hh3"], out=s)
    g += s
    np.tanh(g, out=g)
    sigmoid = g[:3]
    sigmoid *= 0.5
    sigmoid += 0.5
    i, f, o, gg = g
    c = B["C"][h]
    np.multiply(i, gg, out=c)
    tmp = S["hidden"]
    np.multiply(f, B["C"][p], out=tmp)
    c += tmp
    tc = B["TC"][a]
    np.tanh(c, out=tc)
    np.multiply(o, tc, out=B["H"][h])


def _lstm_backward(W, B, D, S, a, h, p, dh, dp, act):
    """One BPTT step; the gradient of the gate pre-activations overwrites the gates."""
    g = B["A"][:, a]
    i, f, o, gg = g
    tc, dhid, dc = B["TC"][a], D["H"][dh], D["C"][dh]
    tmp, tmp2 = S["hidden"], S["hidden2"]
    deriv, up = S["deriv"], S["up"]
    # derivatives from the outputs: y (1 - y) for the sigmoid gates, (1 + y)(1 - y) for g
    np.subtract(1, g, out=up)
    np.multiply(g, up, out=deriv)
    deriv[3] += up[3]
    # gradient with respect to each gate output (o's first), then through its activation
    np.multiply(dhid, tc, out=up[2])
    # dc_t = (carried from t+1) + dh * o * (1 - tanh(c)^2), where o tanh(c)^2 = tanh(c) h
    np.multiply(dhid, o, out=tmp)
    np.multiply(up[2], B["H"][h], out=tmp2)
    tmp -= tmp2
    dc += tmp
    # a running sequence's previous cell gradient has no other source: written, not added
    np.multiply(dc, f, out=D["C"][dp])
    np.multiply(dc, gg, out=up[0])
    np.multiply(dc, B["C"][p], out=up[1])
    np.multiply(dc, i, out=up[3])
    np.multiply(up, deriv, out=g)
    back = S["gates"]
    np.matmul(g, W["hh3_back"], out=back)
    np.add.reduce(back, axis=0, out=tmp)  # (np.sum's Python wrapper costs ~2 us a call)
    mask_recurrent_grad(tmp, S)
    D["H"][dp] += tmp


# --------------------------------------------------------------------------- GRU
def _gru_forward(W, B, S, a, h, p, act):
    H = W["H"]
    g = B["A"][a]
    s = S["gates"]
    hp = B["H"][p]
    np.matmul(recurrent_input(hp, S), W["hhT"], out=s)
    rz = g[:, : 2 * H]
    rz += s[:, : 2 * H]
    np.tanh(rz, out=rz)
    rz *= 0.5
    rz += 0.5
    r, z, nn = g[:, :H], g[:, H : 2 * H], g[:, 2 * H :]
    hn = B["HN"][a]
    np.add(s[:, 2 * H :], S["b_hn"], out=hn)
    tmp = S["hidden"]
    np.multiply(r, hn, out=tmp)
    nn += tmp
    np.tanh(nn, out=nn)
    out = B["H"][h]
    np.subtract(hp, nn, out=out)
    out *= z
    out += nn


def _gru_backward(W, B, D, S, a, h, p, dh_rows, dp, act):
    """One BPTT step; the gradient of the input-side pre-activations overwrites the
    gates, that of the n gate's recurrent pre-activation (r * dn) overwrites ``HN``.
    """
    H = W["H"]
    g = B["A"][a]
    r, z, nn = g[:, :H], g[:, H : 2 * H], g[:, 2 * H :]
    hp, hn, dh = B["H"][p], B["HN"][a], D["H"][dh_rows]
    tmp = S["hidden"]
    np.multiply(dh, z, out=tmp)
    D["H"][dp] += tmp
    deriv, up, dah = S["deriv"], S["up"], S["gates"]
    gate_derivatives(g, S["shift"], deriv, up)
    # gradients with respect to z and n: dh * (h_prev - n) and dh * (1 - z)
    np.subtract(hp, nn, out=up[:, H : 2 * H])
    up[:, H : 2 * H] *= dh
    np.subtract(1, z, out=up[:, 2 * H :])
    up[:, 2 * H :] *= dh
    dn = dah[:, 2 * H :]
    np.multiply(up[:, 2 * H :], deriv[:, 2 * H :], out=dn)
    np.multiply(dn, hn, out=up[:, :H])
    np.multiply(dn, r, out=hn)
    np.multiply(up, deriv, out=g)
    dah[:, : 2 * H] = g[:, : 2 * H]
    dah[:, 2 * H :] = hn
    np.matmul(dah, W["hh"], out=tmp)
    mask_recurrent_grad(tmp, S)
    D["H"][dp] += tmp


def _all_gates_recurrent_grads(B, D, H, rows):
    return [(slice(None), D["A"])]


def _gru_recurrent_grads(B, D, H, rows):
    return [(slice(0, 2 * H), D["A"][:, : 2 * H]), (slice(2 * H, 3 * H), B["HN"][rows])]


# --------------------------------------------------------------------------- init
def _glorot(rng, shape, dtype):
    bound = np.sqrt(6.0 / (shape[0] + shape[1]))
    return rng.uniform(-bound, bound, size=shape).astype(dtype, copy=False)


def _orthogonal(rng, n, dtype):
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return (q * np.sign(np.diag(r))).astype(dtype, copy=False)


def _init_gated(n_gates, memory_gate=None, memory_bias=0.0):
    """Glorot input weights, orthogonal recurrent blocks per gate, zero biases.

    The gate that decides how much of the old state is kept (LSTM forget gate, GRU update
    gate) starts with a positive bias, so that memory is kept by default early in
    training and gradients survive long sequences (Jozefowicz et al., 2015; Tallec &
    Ollivier, 2018). ``memory_bias`` is that bias.
    """

    def init(rng, input_size, hidden_size, dtype):
        G, H = n_gates, hidden_size
        params = {
            "weight_ih": np.vstack(
                [_glorot(rng, (H, input_size), dtype) for _ in range(G)]
            ),
            "weight_hh": np.vstack([_orthogonal(rng, H, dtype) for _ in range(G)]),
            "bias_ih": np.zeros(G * H, dtype=dtype),
            "bias_hh": np.zeros(G * H, dtype=dtype),
        }
        if memory_gate is not None:
            params["bias_ih"][memory_gate * H : (memory_gate + 1) * H] = memory_bias
        return params

    return init


def _fold_all(b_ih, b_hh):
    return b_ih + b_hh


def _fold_gru(b_ih, b_hh):
    # the n gate's recurrent bias sits inside r * (W_hn h + b_hn): it cannot be folded
    H = b_ih.shape[0] // 3
    folded = b_ih.copy()
    folded[: 2 * H] += b_hh[: 2 * H]
    return folded


# --------------------------------------------------------------------------- layouts
# How a cell's gate matrices are laid out, and the GEMMs that depend on it: the input
# projection before the loop, the weight gradients and the input gradient after BPTT
# (called once per chunk of steps; ``add`` accumulates into the gradients).
class Layout(NamedTuple):
    prepare: Callable  # (p, ih, hh, bias, rows, G, H) -> weights for the GEMMs
    shape: Callable  # (N, G, H) -> shape of the gate buffer ``A``
    rows: Callable  # (A, rows) -> the gate buffer's packed rows ``rows`` (a slice)
    project: Callable  # (W, X_in, A): A = X_in W_ih^T + bias
    weight_grads: Callable  # (cell, W, B, D, X, H_prev, grads, rows, add)
    input_grad: Callable  # (W, dA, p) -> gradient with respect to X


def _matmul_into(out, a, b, add):
    if add:
        out += a @ b
    else:
        np.matmul(a, b, out=out)


def _sum_rows_into(out, M, add):
    # a GEMV with a ones vector: 3-4x faster than np.sum(M, axis=0) on (N, H) arrays
    _matmul_into(out, np.ones(M.shape[0], dtype=M.dtype), M, add)


def _rows_prepare(p, ih, hh, bias, rows, G, H):
    return {
        "ihT": np.ascontiguousarray(ih.T),
        "hhT": np.ascontiguousarray(hh.T),
        "bias": bias,
        "hh": p["weight_hh"],
    }


def _rows_project(W, X_in, A):
    np.matmul(X_in, W["ihT"], out=A)
    A += W["bias"]


def _rows_weight_grads(cell, W, B, D, X, H_prev, grads, rows, add):
    dA = D["A"]
    _matmul_into(grads["weight_ih"], dA.T, X, add)
    _sum_rows_into(grads["bias_ih"], dA, add)
    for block, dAh in cell.recurrent_grads(B, D, W["H"], rows):
        _matmul_into(grads["weight_hh"][block], dAh.T, H_prev, add)
        _sum_rows_into(grads["bias_hh"][block], dAh, add)


def _rows_input_grad(W, dA, p):
    return np.matmul(dA, p["weight_ih"])


def _gates_prepare(p, ih, hh, bias, rows, G, H):
    def blocks(m):  # (G*H, k) -> (G, H, k)
        return m.reshape(G, H, -1)

    return {
        "ih3": np.ascontiguousarray(blocks(ih).transpose(0, 2, 1)),
        "hh3": np.ascontiguousarray(blocks(hh).transpose(0, 2, 1)),
        "bias3": bias.reshape(G, 1, H),
        "hh3_back": np.stack([p["weight_hh"][r] for r in rows]),
        "ih3_back": np.stack([p["weight_ih"][r] for r in rows]),
    }


def _gates_project(W, X_in, A):
    np.matmul(X_in, W["ih3"], out=A)
    A += W["bias3"]


def _gates_weight_grads(cell, W, B, D, X, H_prev, grads, rows, add):
    # every gate's recurrent pre-activation gradient is its input-side one (the
    # gate-layout cells fold both biases); one batched GEMM per weight for all gates,
    # each gate's block then lands in PyTorch's row order
    dA = D["A"]
    G, n, H = dA.shape
    dAT = dA.transpose(0, 2, 1)
    order = list(cell.order)
    for name, value in (
        ("weight_ih", np.matmul(dAT, X)),
        ("weight_hh", np.matmul(dAT, H_prev)),
        ("bias_ih", np.matmul(np.ones(n, dtype=dA.dtype), dA)),
    ):
        blocks = grads[name].reshape(G, H, -1)
        if add:
            blocks[order] += value.reshape(blocks[order].shape)
        else:
            blocks[order] = value.reshape(blocks[order].shape)
    grads["bias_hh"][...] = grads["bias_ih"]


def _gates_input_grad(W, dA, p):
    dX = np.matmul(dA[0], W["ih3_back"][0])
    tmp = np.empty_like(dX)
    for k in range(1, dA.shape[0]):
        dX += np.matmul(dA[k], W["ih3_back"][k], out=tmp)
    return dX


LAYOUTS = {
    "rows": Layout(
        _rows_prepare, lambda N, G, H: (N, G * H), lambda A, rows: A[rows], _rows_project,
        _rows_weight_grads, _rows_input_grad,
    ),
    "gates": Layout(
        _gates_prepare, lambda N, G, H: (G, N, H), lambda A, rows: A[:, rows],
        _gates_project, _gates_weight_grads, _gates_input_grad,
    ),
}


CELLS = {
    "elman": Cell(
        gates=("act",), order=(0,), layout="rows", state=("H",), extra=(),
        projection="H", row_factors=(), fold_bias=_fold_all, forward_step=_elman_forward,
        backward_step=_elman_backward, recurrent_grads=_all_gates_recurrent_grads,
        init=_init_gated(1),
    ),
    "lstm": Cell(
        # PyTorch's gates are i, f, g, o; the steps read them as i, f, o, g
        gates=("sigmoid", "sigmoid", "sigmoid", "tanh"), order=(0, 1, 3, 2),
        layout="gates", state=("H", "C"), extra=("TC",), projection="A", row_factors=(),
        fold_bias=_fold_all, forward_step=_lstm_forward, backward_step=_lstm_backward,
        recurrent_grads=None, init=_init_gated(4, memory_gate=1, memory_bias=1.0),
    ),
    "gru": Cell(
        gates=("sigmoid", "sigmoid", "tanh"), order=(0, 1, 2), layout="rows",
        state=("H",), extra=("HN",), projection="A", row_factors=("shift", "b_hn"),
        fold_bias=_fold_gru, forward_step=_gru_forward, backward_step=_gru_backward,
        recurrent_grads=_gru_recurrent_grads,
        # z = 0.88 at the start: the state decays slowly enough to learn long memories
        init=_init_gated(3, memory_gate=1, memory_bias=2.0),
    ),
}
