"""Recurrent cells: the per-step maths of the Elman RNN, LSTM and GRU.

Every cell is a row of the ``CELLS`` table: a :class:`Cell` of plain functions, with no
state on any object. The recurrent loop (``_recurrent.py``) owns the buffers and calls a
cell's ``forward_step`` / ``backward_step`` once per time step.

Layout shared by all cells (see ``_recurrent.py`` for how it is built):

* A batch is *packed* time-major, like PyTorch's ``PackedSequence``: sequences are sorted
  by decreasing length, and time step ``t`` owns the contiguous rows of the first ``n_t``
  sequences still running. Padded steps therefore never exist in the buffers.
* ``A`` (N, G*H) holds the input projection ``x_t W_ih^T + b`` of every real step, computed
  by one GEMM before the loop; the forward step overwrites it with the activated gates,
  which is all BPTT needs (derivatives are written in terms of outputs). BPTT in turn
  overwrites each step's gates with the gradient of their pre-activations, the matrix the
  weight-gradient GEMMs read after the loop: a cache is backpropagated once. The Elman
  cell has no buffer of its own for this: its ``A`` is the rows of ``H`` after the
  initial ones, activated in place.
* State buffers such as ``H`` and ``C`` have ``n0 + N`` rows: the first ``n0`` rows hold
  the initial state (zeros, or a carried state), so step 0 needs no special case and BPTT
  hands back the gradient with respect to the initial state for free.

Step arguments: ``W`` the weights laid out by :func:`prepare`, ``B`` the buffers, ``D``
their gradients, ``S`` per-step scratch of ``n0`` rows (nothing outlives a step but the
buffers), ``a`` slices rows of ``A`` (and of other per-step buffers), ``h`` the same
step's rows of the state buffers, ``p`` the previous step's rows of the state buffers that
belong to the sequences still running. Weights follow PyTorch: gates stacked along the
first axis of ``weight_ih`` (G*H, D) and ``weight_hh`` (G*H, H), in the order i, f, g, o
(LSTM) and r, z, n (GRU).
"""

from typing import Callable, NamedTuple

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

    ``gates`` names the activation of each gate block, in PyTorch's order: "sigmoid",
    "tanh", or "act" for the layer's ``activation``. ``state`` names the per-step state
    buffers carried through time (``H`` first); ``extra`` names per-step buffers of N
    rows kept for BPTT besides the gates. ``projection`` names the buffer the input
    projection is written into: ``"A"`` of its own, or ``"H"`` (its rows after the initial
    ones) for a cell whose gates are its output. ``fold_bias(b_ih, b_hh)`` returns the
    bias added to the input projection. ``recurrent_grads(B, D, H)`` lists, after BPTT,
    the blocks ``(rows of weight_hh, (N, rows) gradient of those recurrent
    pre-activations)``. ``row_factors`` names the per-row arrays of :func:`prepare` the
    steps read.
    """

    gates: tuple
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
GATE_OFFSET = {"sigmoid": 0.5, "tanh": 0.0, "act": 0.0}
# with y the gate's output, its derivative is (y + DERIVATIVE_SHIFT) * (1 - y):
# y (1 - y) for the logistic function, (1 + y)(1 - y) for tanh
DERIVATIVE_SHIFT = {"sigmoid": 0.0, "tanh": 1.0, "act": 1.0}


def prepare(cell, p, n_rows):
    """The weights a direction's loop reads, laid out for its GEMMs and per-step calls.

    ``ihT`` / ``hhT``: contiguous transposes with the sigmoid gates pre-scaled by 1/2
    (GEMMs on a contiguous right operand are faster than on a transposed view); ``hh``:
    the unscaled recurrent weights BPTT multiplies by; ``half``, ``offset`` and
    ``shift``: per-column factors, repeated on ``n_rows`` rows, turning tanh outputs into
    gate outputs and gate outputs into derivatives; ``b_hn``: the GRU's recurrent n-gate
    bias, repeated likewise. A row vector broadcast over a step's rows is 3-4x slower in
    numpy than a same-shape operand (one inner loop per row instead of one in all).
    """
    H = p["weight_hh"].shape[1]
    dtype = p["weight_hh"].dtype

    def per_column(table):
        return np.repeat(np.array([table[g] for g in cell.gates], dtype=dtype), H)

    scale = per_column(GATE_SCALE)
    rows = {
        "half": lambda: scale,
        "offset": lambda: per_column(GATE_OFFSET),
        "shift": lambda: per_column(DERIVATIVE_SHIFT),
        "b_hn": lambda: p["bias_hh"][-H:],
    }
    W = {
        "H": H,
        "ihT": np.ascontiguousarray((p["weight_ih"] * scale[:, None]).T),
        "hhT": np.ascontiguousarray((p["weight_hh"] * scale[:, None]).T),
        "bias": cell.fold_bias(p["bias_ih"], p["bias_hh"]) * scale,
        "hh": p["weight_hh"],
    }
    for name in cell.row_factors:
        W[name] = np.tile(rows[name](), (n_rows, 1))
    return W


def gate_derivatives(g, W, out, tmp):
    """``out = dy/dx`` of every gate of a step from the gate outputs ``g``, in 3 calls."""
    np.subtract(1, g, out=tmp)
    np.add(g, W["shift"][: g.shape[0]], out=out)
    out *= tmp


# --------------------------------------------------------------------------- Elman
# The input projection is written straight into the rows of ``H``, which the step
# activates in place; BPTT likewise turns ``dH`` into the pre-activation gradient in place.
def _elman_forward(W, B, S, a, h, p, act):
    out = B["H"][h]
    s = S["hidden"][: out.shape[0]]
    np.matmul(B["H"][p], W["hhT"], out=s)
    out += s
    ACTIVATIONS[act](out, out=out)


def _elman_backward(W, B, D, S, a, h, p, act):
    d = D["H"][h]
    s = S["hidden"][: d.shape[0]]
    OUTPUT_DERIVATIVES[act](d, B["H"][h], s)
    np.matmul(d, W["hh"], out=s)
    D["H"][p] += s


# --------------------------------------------------------------------------- LSTM
def _lstm_forward(W, B, S, a, h, p, act):
    H = W["H"]
    g = B["A"][a]
    n = g.shape[0]
    s = S["gates"][:n]
    np.matmul(B["H"][p], W["hhT"], out=s)
    g += s
    np.tanh(g, out=g)
    g *= W["half"][:n]
    g += W["offset"][:n]
    c = B["C"][h]
    np.multiply(g[:, :H], g[:, 2 * H : 3 * H], out=c)
    tmp = S["hidden"][:n]
    np.multiply(g[:, H : 2 * H], B["C"][p], out=tmp)
    c += tmp
    tc = B["TC"][a]
    np.tanh(c, out=tc)
    np.multiply(g[:, 3 * H :], tc, out=B["H"][h])


def _lstm_backward(W, B, D, S, a, h, p, act):
    """One BPTT step; the gradient of the gate pre-activations overwrites the gates."""
    H = W["H"]
    g = B["A"][a]
    n = g.shape[0]
    i, f, gg, o = g[:, :H], g[:, H : 2 * H], g[:, 2 * H : 3 * H], g[:, 3 * H :]
    tc, dh, dc = B["TC"][a], D["H"][h], D["C"][h]
    tmp, tmp2 = S["hidden"][:n], S["hidden2"][:n]
    deriv, up = S["deriv"][:n], S["up"][:n]
    gate_derivatives(g, W, deriv, up)
    # gradient with respect to each gate output (o's first), then through its activation
    up_o = up[:, 3 * H :]
    np.multiply(dh, tc, out=up_o)
    # dc_t = (carried from t+1) + dh * o * (1 - tanh(c)^2), where o tanh(c)^2 = tanh(c) h
    np.multiply(dh, o, out=tmp)
    np.multiply(up_o, B["H"][h], out=tmp2)
    tmp -= tmp2
    dc += tmp
    # a running sequence's previous cell gradient has no other source: written, not added
    np.multiply(dc, f, out=D["C"][p])
    np.multiply(dc, gg, out=up[:, :H])
    np.multiply(dc, B["C"][p], out=up[:, H : 2 * H])
    np.multiply(dc, i, out=up[:, 2 * H : 3 * H])
    np.multiply(up, deriv, out=g)
    np.matmul(g, W["hh"], out=tmp)
    D["H"][p] += tmp


# --------------------------------------------------------------------------- GRU
def _gru_forward(W, B, S, a, h, p, act):
    H = W["H"]
    g = B["A"][a]
    n = g.shape[0]
    s = S["gates"][:n]
    hp = B["H"][p]
    np.matmul(hp, W["hhT"], out=s)
    rz = g[:, : 2 * H]
    rz += s[:, : 2 * H]
    np.tanh(rz, out=rz)
    rz *= 0.5
    rz += 0.5
    r, z, nn = g[:, :H], g[:, H : 2 * H], g[:, 2 * H :]
    hn = B["HN"][a]
    np.add(s[:, 2 * H :], W["b_hn"][:n], out=hn)
    tmp = S["hidden"][:n]
    np.multiply(r, hn, out=tmp)
    nn += tmp
    np.tanh(nn, out=nn)
    out = B["H"][h]
    np.subtract(hp, nn, out=out)
    out *= z
    out += nn


def _gru_backward(W, B, D, S, a, h, p, act):
    """One BPTT step; the gradient of the input-side pre-activations overwrites the
    gates, that of the n gate's recurrent pre-activation (r * dn) overwrites ``HN``."""
    H = W["H"]
    g = B["A"][a]
    n = g.shape[0]
    r, z, nn = g[:, :H], g[:, H : 2 * H], g[:, 2 * H :]
    hp, hn, dh = B["H"][p], B["HN"][a], D["H"][h]
    tmp = S["hidden"][:n]
    np.multiply(dh, z, out=tmp)
    D["H"][p] += tmp
    deriv, up, dah = S["deriv"][:n], S["up"][:n], S["gates"][:n]
    gate_derivatives(g, W, deriv, up)
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
    D["H"][p] += tmp


def _all_gates_recurrent_grads(B, D, H):
    return [(slice(None), D["A"])]


def _gru_recurrent_grads(B, D, H):
    return [(slice(0, 2 * H), D["A"][:, : 2 * H]), (slice(2 * H, 3 * H), B["HN"])]


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


CELLS = {
    "elman": Cell(
        ("act",), ("H",), (), "H", (), _fold_all, _elman_forward, _elman_backward,
        _all_gates_recurrent_grads, _init_gated(1),
    ),
    "lstm": Cell(
        ("sigmoid", "sigmoid", "tanh", "sigmoid"), ("H", "C"), ("TC",), "A",
        ("half", "offset", "shift"), _fold_all, _lstm_forward, _lstm_backward,
        _all_gates_recurrent_grads, _init_gated(4, memory_gate=1, memory_bias=1.0),
    ),
    "gru": Cell(
        ("sigmoid", "sigmoid", "tanh"), ("H",), ("HN",), "A", ("shift", "b_hn"), _fold_gru,
        _gru_forward, _gru_backward, _gru_recurrent_grads,
        # z = 0.88 at the start: the state decays slowly enough to learn long memories
        _init_gated(3, memory_gate=1, memory_bias=2.0),
    ),
}
