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
  which is all BPTT needs (derivatives are written in terms of outputs).
* State buffers such as ``H`` and ``C`` have ``n0 + N`` rows: the first ``n0`` rows hold
  the initial state (zeros, or a carried state), so step 0 needs no special case and BPTT
  hands back the gradient with respect to the initial state for free.

Step arguments: ``a`` slices rows of ``A`` (and of other per-step buffers), ``h`` the same
step's rows of the state buffers, ``p`` the previous step's rows of the state buffers that
belong to the sequences still running. Weights follow PyTorch: gates stacked along the
first axis of ``weight_ih`` (G*H, D) and ``weight_hh`` (G*H, H), in the order i, f, g, o
(LSTM) and r, z, n (GRU).
"""

from typing import Callable, NamedTuple

import numpy as np


def sigmoid(x, out):
    """Logistic function, in place safe, without overflow warnings.

    ``0.5 * tanh(0.5 x) + 0.5`` equals ``1 / (1 + exp(-x))`` and is faster than the
    exp form with numpy's vectorised tanh; it saturates instead of overflowing.
    """
    np.multiply(x, 0.5, out=out)
    np.tanh(out, out=out)
    out *= 0.5
    out += 0.5
    return out


def relu(x, out):
    return np.maximum(x, 0, out=out)


def _mul_dtanh(d, y, tmp):
    """``d *= 1 - y**2``: the tanh derivative from its output ``y``."""
    np.multiply(y, y, out=tmp)
    np.subtract(1, tmp, out=tmp)
    d *= tmp


def _mul_dsigmoid(d, s, tmp):
    """``d *= s * (1 - s)``: the logistic derivative from its output ``s``."""
    np.subtract(1, s, out=tmp)
    tmp *= s
    d *= tmp


def _mul_drelu(d, y, tmp):
    d *= y > 0


ACTIVATIONS = {"tanh": np.tanh, "relu": relu}
OUTPUT_DERIVATIVES = {"tanh": _mul_dtanh, "relu": _mul_drelu}


class Cell(NamedTuple):
    """One cell type: its gate count, state names and step functions.

    ``state`` names the per-step state buffers carried through time (``H`` first).
    ``extra`` names per-step buffers of N rows kept for BPTT besides the gates.
    ``fold_bias(b_ih, b_hh)`` returns the bias added to the input projection.
    ``hh_grad`` names the gradient buffer of the recurrent pre-activations: the same as
    the input side's (``"A"``) except for the GRU, whose n gate scales it by r.
    """

    n_gates: int
    state: tuple
    extra: tuple
    hh_grad: str
    fold_bias: Callable
    forward_step: Callable
    backward_step: Callable
    init: Callable


# --------------------------------------------------------------------------- Elman
def _elman_forward(B, a, h, p, W_hhT, b_hh, S, act):
    s = S["gates"][: a.stop - a.start]
    np.matmul(B["H"][p], W_hhT, out=s)
    out = B["H"][h]
    np.add(B["A"][a], s, out=out)
    ACTIVATIONS[act](out, out=out)


def _elman_backward(B, D, a, h, p, W_hh, S, act):
    n = a.stop - a.start
    da = D["A"][a]
    np.copyto(da, D["H"][h])
    OUTPUT_DERIVATIVES[act](da, B["H"][h], S["hidden"][:n])
    s = S["hidden"][:n]
    np.matmul(da, W_hh, out=s)
    D["H"][p] += s


# --------------------------------------------------------------------------- LSTM
def _lstm_forward(B, a, h, p, W_hhT, b_hh, S, act):
    n = a.stop - a.start
    H = W_hhT.shape[0]
    g = B["A"][a]
    s = S["gates"][:n]
    np.matmul(B["H"][p], W_hhT, out=s)
    g += s
    sigmoid(g[:, : 2 * H], out=g[:, : 2 * H])
    np.tanh(g[:, 2 * H : 3 * H], out=g[:, 2 * H : 3 * H])
    sigmoid(g[:, 3 * H :], out=g[:, 3 * H :])
    i, f, gg, o = g[:, :H], g[:, H : 2 * H], g[:, 2 * H : 3 * H], g[:, 3 * H :]
    c = B["C"][h]
    np.multiply(i, gg, out=c)
    tmp = S["hidden"][:n]
    np.multiply(f, B["C"][p], out=tmp)
    c += tmp
    tc = B["TC"][a]
    np.tanh(c, out=tc)
    np.multiply(o, tc, out=B["H"][h])


def _lstm_backward(B, D, a, h, p, W_hh, S, act):
    n = a.stop - a.start
    H = W_hh.shape[1]
    g = B["A"][a]
    i, f, gg, o = g[:, :H], g[:, H : 2 * H], g[:, 2 * H : 3 * H], g[:, 3 * H :]
    tc = B["TC"][a]
    dh = D["H"][h]
    d = D["A"][a]
    di, df, dg, do = d[:, :H], d[:, H : 2 * H], d[:, 2 * H : 3 * H], d[:, 3 * H :]
    tmp = S["hidden"][:n]
    # dc_t = (carried from t+1) + dh * o * (1 - tanh(c)^2)
    dc = D["C"][h]
    np.multiply(dh, o, out=di)
    _mul_dtanh(di, tc, tmp)
    dc += di
    np.multiply(dh, tc, out=do)
    np.multiply(dc, gg, out=di)
    np.multiply(dc, i, out=dg)
    np.multiply(dc, B["C"][p], out=df)
    np.multiply(dc, f, out=tmp)
    D["C"][p] += tmp
    _mul_dsigmoid(di, i, tmp)
    _mul_dsigmoid(df, f, tmp)
    _mul_dtanh(dg, gg, tmp)
    _mul_dsigmoid(do, o, tmp)
    s = S["hidden"][:n]
    np.matmul(d, W_hh, out=s)
    D["H"][p] += s


# --------------------------------------------------------------------------- GRU
def _gru_forward(B, a, h, p, W_hhT, b_hh, S, act):
    n = a.stop - a.start
    H = W_hhT.shape[0]
    g = B["A"][a]
    s = S["gates"][:n]
    hp = B["H"][p]
    np.matmul(hp, W_hhT, out=s)
    rz = g[:, : 2 * H]
    rz += s[:, : 2 * H]
    sigmoid(rz, out=rz)
    r, z, nn = g[:, :H], g[:, H : 2 * H], g[:, 2 * H :]
    hn = B["HN"][a]
    np.add(s[:, 2 * H :], b_hh[2 * H :], out=hn)
    tmp = S["hidden"][:n]
    np.multiply(r, hn, out=tmp)
    nn += tmp
    np.tanh(nn, out=nn)
    out = B["H"][h]
    np.subtract(hp, nn, out=out)
    out *= z
    out += nn


def _gru_backward(B, D, a, h, p, W_hh, S, act):
    n = a.stop - a.start
    H = W_hh.shape[1]
    g = B["A"][a]
    r, z, nn = g[:, :H], g[:, H : 2 * H], g[:, 2 * H :]
    hp = B["H"][p]
    hn = B["HN"][a]
    dh = D["H"][h]
    d = D["A"][a]
    dr, dz, dn = d[:, :H], d[:, H : 2 * H], d[:, 2 * H :]
    dah = D["AH"][a]
    tmp = S["hidden"][:n]
    # dn_pre = dh * (1 - z) * (1 - n^2)
    np.subtract(1, z, out=dn)
    dn *= dh
    _mul_dtanh(dn, nn, tmp)
    # dz_pre = dh * (h_prev - n) * z (1 - z)
    np.subtract(hp, nn, out=dz)
    dz *= dh
    _mul_dsigmoid(dz, z, tmp)
    # dr_pre = dn_pre * hn * r (1 - r)
    np.multiply(dn, hn, out=dr)
    _mul_dsigmoid(dr, r, tmp)
    # the recurrent pre-activations: r and z as above, n scaled by r
    dah[:, : 2 * H] = d[:, : 2 * H]
    np.multiply(dn, r, out=dah[:, 2 * H :])
    np.matmul(dah, W_hh, out=tmp)
    D["H"][p] += tmp
    np.multiply(dh, z, out=tmp)
    D["H"][p] += tmp


# --------------------------------------------------------------------------- init
def _glorot(rng, shape, dtype):
    bound = np.sqrt(6.0 / (shape[0] + shape[1]))
    return rng.uniform(-bound, bound, size=shape).astype(dtype, copy=False)


def _orthogonal(rng, n, dtype):
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return (q * np.sign(np.diag(r))).astype(dtype, copy=False)


def _init_gated(n_gates, forget_gate=None):
    """Glorot input weights, orthogonal recurrent blocks per gate, zero biases.

    The LSTM's forget-gate bias starts at 1 (Jozefowicz et al., 2015) so that memory is
    kept by default early in training.
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
        if forget_gate is not None:
            params["bias_ih"][forget_gate * H : (forget_gate + 1) * H] = 1.0
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
    "elman": Cell(1, ("H",), (), "A", _fold_all, _elman_forward, _elman_backward, _init_gated(1)),
    "lstm": Cell(
        4, ("H", "C"), ("TC",), "A", _fold_all, _lstm_forward, _lstm_backward, _init_gated(4, 1)
    ),
    "gru": Cell(3, ("H",), ("HN",), "AH", _fold_gru, _gru_forward, _gru_backward, _init_gated(3)),
}
