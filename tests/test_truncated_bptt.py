"""Truncated BPTT over several windows, through the public estimators, against oracles.

``bptt_steps`` shorter than the sequences splits time into windows ``[0, k)``, ``[k, 2k)``,
...; the state is carried from one window into the next, but the gradient stops at
every window boundary. That is the exact gradient of the *windowed objective*: the
same loss in which each window's initial state is a constant, computed by a forward
pass with the current weights. Two oracles compute it here, independently of skrnn:

* always on: central finite differences of the windowed objective, evaluated by a small
  numpy forward of PyTorch's cell equations written in this file (one sequence at a
  time, no packing), with the carried states frozen at the current weights;
* with PyTorch installed: ``torch.nn.RNN`` / ``LSTM`` / ``GRU`` with the same weights,
  window by window, the carried state ``.detach()``-ed, gradients by autograd.

skrnn's gradient is read through public behaviour only: one full-batch SGD step
without momentum, L2 or clipping moves every weight by ``-learning_rate * gradient``,
so ``gradient = (before - after) / learning_rate`` (``recurrent_coefs_``,
``output_coef_``, ``output_intercept_``). Ragged lengths put sequence ends inside
windows and on their boundaries, and targets (aligned mode) in every window.
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skrnn import RNNClassifier, SeqToSeqRNN

from ._gradcheck import numerical_gradient, relative_error

CELL_TYPES = ["elman", "lstm", "gru"]
N_GATES = {"elman": 1, "lstm": 4, "gru": 3}
RECURRENT_KEYS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
BPTT_STEPS = 3
# ends inside windows (1, 2, 5, 7, 8) and on boundaries (3, 6, 9); the longest has 3
# windows of 3 steps
LENGTHS = [9, 3, 7, 2, 6, 5, 8, 1, 9]
# aligned targets: the last K_i steps of each sequence, so some sequences have targets
# in every window and others only in their last
TARGET_LENGTHS = [9, 1, 4, 2, 3, 5, 2, 1, 6]
N_FEATURES, N_CLASSES, N_OUTPUTS = 2, 3, 2
# a power of two: the step ``lr * grad`` and its division back are exact scalings
LEARNING_RATE = 1.0


def _sigmoid(x):
    return 0.5 * np.tanh(0.5 * x) + 0.5


# ------------------------------------------------------------------ numpy reference model
def _cell_step(cell_type, p, x, state):
    """One step of PyTorch's equations; ``state`` is ``(h,)`` or ``(h, c)`` (LSTM)."""
    h = state[0]
    gi = p["weight_ih"] @ x + p["bias_ih"]
    gh = p["weight_hh"] @ h + p["bias_hh"]
    if cell_type == "elman":
        return (np.tanh(gi + gh),)
    if cell_type == "lstm":
        i, f, g, o = np.split(gi + gh, 4)
        c = _sigmoid(f) * state[1] + _sigmoid(i) * np.tanh(g)
        return (_sigmoid(o) * np.tanh(c), c)
    i_r, i_z, i_n = np.split(gi, 3)
    h_r, h_z, h_n = np.split(gh, 3)
    r, z = _sigmoid(i_r + h_r), _sigmoid(i_z + h_z)
    n = np.tanh(i_n + r * h_n)
    return ((1 - z) * n + z * h,)


def _zero_state(cell_type, hidden):
    k = 2 if cell_type == "lstm" else 1
    return [tuple(np.zeros(H) for _ in range(k)) for H in hidden]


def _run(cell_type, layers, x, states):
    """Run the stack over the steps ``x`` from ``states``; top outputs and final states."""
    states, outputs = list(states), []
    for x_t in x:
        inp = x_t
        for k, p in enumerate(layers):
            states[k] = _cell_step(cell_type, p, inp, states[k])
            inp = states[k][0]
        outputs.append(inp)
    return np.array(outputs), states


def _windows(length, bptt_steps):
    step = length if bptt_steps is None else bptt_steps
    return [(t0, min(length, t0 + step)) for t0 in range(0, length, step)]


def _carried_states(cell_type, layers, hidden, X, bptt_steps):
    """Per sequence, the state entering each window, computed with ``layers``."""
    carried = []
    for x in X:
        states, entering = _zero_state(cell_type, hidden), []
        for t0, t1 in _windows(len(x), bptt_steps):
            entering.append([tuple(s.copy() for s in layer) for layer in states])
            _, states = _run(cell_type, layers, x[t0:t1], states)
        carried.append(entering)
    return carried


def _objective(task, cell_type, hidden, params, X, Y, bptt_steps, frozen=None):
    """The estimator's loss. With ``frozen`` (the states entering every window), each
    window starts from those constants: the windowed objective whose exact gradient is
    truncated BPTT. Without it, the state flows through (full BPTT's objective)."""
    layers, coef, intercept = params["recurrent"], params["coef"], params["intercept"]
    total, denominator = 0.0, 0
    for i, x in enumerate(X):
        states = _zero_state(cell_type, hidden)
        outputs = []
        for w, (t0, t1) in enumerate(_windows(len(x), bptt_steps)):
            if frozen is not None:
                states = frozen[i][w]
            out, states = _run(cell_type, layers, x[t0:t1], states)
            outputs.append(out)
        outputs = np.vstack(outputs)
        if task == "classifier":
            z = outputs[-1] @ coef + intercept  # softmax cross-entropy of the last state
            total += np.logaddexp.reduce(z) - z[Y[i]]
            denominator += 1
        else:  # aligned: half the mean squared error over outputs, per target step
            z = outputs[len(x) - len(Y[i]) :] @ coef + intercept
            total += 0.5 * np.mean((z - Y[i]) ** 2, axis=1).sum()
            denominator += len(Y[i])
    return total / denominator


# ---------------------------------------------------------------- parameters as one vector
def _shapes(cell_type, hidden, n_outputs):
    G, shapes, size_in = N_GATES[cell_type], [], N_FEATURES
    for H in hidden:
        shapes.append({"weight_ih": (G * H, size_in), "weight_hh": (G * H, H),
                       "bias_ih": (G * H,), "bias_hh": (G * H,)})
        size_in = H
    return shapes, (size_in, n_outputs), (n_outputs,)


def _views(flat, cell_type, hidden, n_outputs):
    """``recurrent`` / ``coef`` / ``intercept`` views of one flat vector."""
    layer_shapes, coef_shape, intercept_shape = _shapes(cell_type, hidden, n_outputs)
    start, recurrent = 0, []

    def take(shape):
        nonlocal start
        size = int(np.prod(shape))
        view = flat[start : start + size].reshape(shape)
        start += size
        return view

    for shapes in layer_shapes:
        recurrent.append({key: take(shapes[key]) for key in RECURRENT_KEYS})
    params = {"recurrent": recurrent, "coef": take(coef_shape),
              "intercept": take(intercept_shape)}
    assert start == flat.size
    return params


def _n_params(cell_type, hidden, n_outputs):
    layer_shapes, coef_shape, intercept_shape = _shapes(cell_type, hidden, n_outputs)
    sizes = [np.prod(s) for shapes in layer_shapes for s in shapes.values()]
    return int(sum(sizes) + np.prod(coef_shape) + np.prod(intercept_shape))


def _flat_of(est):
    """The fitted weights of ``est`` in the order of :func:`_views`."""
    parts = [est.recurrent_coefs_[k][key].ravel()
             for k in range(len(est.recurrent_coefs_)) for key in RECURRENT_KEYS]
    return np.concatenate(parts + [est.output_coef_.ravel(), est.output_intercept_.ravel()])


# -------------------------------------------------------------- data and skrnn's gradient
def _data(task, seed=0):
    rng = np.random.RandomState(seed)
    X = [rng.normal(size=(n, N_FEATURES)) for n in LENGTHS]
    if task == "classifier":
        Y = np.arange(len(X)) % N_CLASSES  # every class present
        rng.shuffle(Y)
    else:
        Y = [rng.normal(size=(k, N_OUTPUTS)) for k in TARGET_LENGTHS]
    return X, Y


def _estimator(task, cell_type, hidden, bptt_steps):
    common = {
        "cell_type": cell_type, "hidden_layer_sizes": hidden, "bptt_steps": bptt_steps,
        "solver": "sgd", "momentum": 0.0, "learning_rate_init": LEARNING_RATE,
        "max_iter": 1, "batch_size": len(LENGTHS), "shuffle": False, "alpha": 0.0,
        "clip_norm": None, "warm_start": True, "random_state": 0,
    }
    if task == "classifier":
        return RNNClassifier(**common)
    return SeqToSeqRNN(mode="aligned", target_type="numeric", **common)


def _skrnn_gradient(task, cell_type, hidden, bptt_steps, flat, X, Y):
    """(loss, gradient) of one SGD step of the estimator from the weights ``flat``."""
    est = _estimator(task, cell_type, hidden, bptt_steps)
    n_outputs = N_CLASSES if task == "classifier" else N_OUTPUTS
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, Y)  # sizes the network; its weights are replaced below
        # written into the fitted arrays, which warm_start continues from (the loss
        # checks of the callers confirm the step started from these weights)
        params = _views(flat.copy(), cell_type, hidden, n_outputs)
        for fitted, p in zip(est.recurrent_coefs_, params["recurrent"], strict=True):
            for key in RECURRENT_KEYS:
                fitted[key][...] = p[key]
        est.output_coef_[...] = params["coef"]
        est.output_intercept_[...] = params["intercept"]
        np.testing.assert_array_equal(_flat_of(est), flat)
        est.fit(X, Y)  # warm start: exactly one step from ``flat``
    assert est.n_iter_ == 2 and len(est.loss_curve_) == 1
    after = _flat_of(est)
    return est.loss_curve_[-1], (flat - after) / LEARNING_RATE


def _weights(task, cell_type, hidden, seed=1):
    """Random weights and biases, large enough that every gate and window matters."""
    n_outputs = N_CLASSES if task == "classifier" else N_OUTPUTS
    rng = np.random.RandomState(seed)
    return 0.6 * rng.normal(size=_n_params(cell_type, hidden, n_outputs))


CASES = [
    pytest.param(task, cell_type, hidden, id=f"{task}-{cell_type}-{len(hidden)}layer")
    for task in ("classifier", "aligned")
    for cell_type in CELL_TYPES
    for hidden in ((3,), (3, 2))
]


# ------------------------------------------------------------------ always-on oracle
@pytest.mark.parametrize("task, cell_type, hidden", CASES)
def test_truncated_gradient_equals_finite_differences_of_the_windowed_objective(
    task, cell_type, hidden
):
    X, Y = _data(task)
    flat0 = _weights(task, cell_type, hidden)
    n_outputs = N_CLASSES if task == "classifier" else N_OUTPUTS
    loss, grad = _skrnn_gradient(task, cell_type, hidden, BPTT_STEPS, flat0, X, Y)

    flat = flat0.copy()
    params = _views(flat, cell_type, hidden, n_outputs)
    # the carried states are constants: computed once, with the weights of the step
    frozen = _carried_states(cell_type, params["recurrent"], hidden, X, BPTT_STEPS)

    def windowed():
        return _objective(task, cell_type, hidden, params, X, Y, BPTT_STEPS, frozen)

    def full():
        return _objective(task, cell_type, hidden, params, X, Y, None)

    # the windowed objective has the value of the full one at the current weights
    assert loss == pytest.approx(full(), rel=1e-12)
    assert loss == pytest.approx(windowed(), rel=1e-12)
    truncated = numerical_gradient(windowed, flat)
    assert relative_error(grad, truncated) <= 1e-7
    # and the windows matter: full BPTT's gradient is another one, which the
    # estimator's would equal if bptt_steps were ignored
    assert relative_error(numerical_gradient(full, flat), truncated) > 1e-2


@pytest.mark.parametrize("task", ["classifier", "aligned"])
@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_full_bptt_equals_finite_differences_of_the_same_reference(task, cell_type):
    """The reference forward itself, checked where no truncation is involved: with
    ``bptt_steps=None`` the estimator's gradient is that of the full objective."""
    hidden = (3,)
    X, Y = _data(task, seed=2)
    flat0 = _weights(task, cell_type, hidden, seed=3)
    n_outputs = N_CLASSES if task == "classifier" else N_OUTPUTS
    loss, grad = _skrnn_gradient(task, cell_type, hidden, None, flat0, X, Y)
    flat = flat0.copy()
    params = _views(flat, cell_type, hidden, n_outputs)

    def full():
        return _objective(task, cell_type, hidden, params, X, Y, None)

    assert loss == pytest.approx(full(), rel=1e-12)
    assert relative_error(grad, numerical_gradient(full, flat)) <= 1e-7


# ------------------------------------------------------------------ PyTorch oracle
def _torch_loss_grad(task, cell_type, hidden, flat, X, Y, bptt_steps):
    """The windowed objective in PyTorch: one module per layer holding the same weights,
    window by window, the state carried into the next window ``.detach()``-ed."""
    torch = pytest.importorskip("torch")
    n_outputs = N_CLASSES if task == "classifier" else N_OUTPUTS
    params = _views(flat.copy(), cell_type, hidden, n_outputs)
    module = {"elman": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell_type]
    layers, size_in = [], N_FEATURES
    for H, p in zip(hidden, params["recurrent"], strict=True):
        layer = module(size_in, H, dtype=torch.float64)
        with torch.no_grad():
            for key in RECURRENT_KEYS:
                getattr(layer, key + "_l0").copy_(torch.from_numpy(p[key]))
        layers.append(layer)
        size_in = H
    coef = torch.tensor(params["coef"], requires_grad=True)
    intercept = torch.tensor(params["intercept"], requires_grad=True)

    total, denominator = 0.0, 0
    for i, x in enumerate(X):
        states = [None] * len(layers)
        outputs = []
        for t0, t1 in _windows(len(x), bptt_steps):
            inp = torch.from_numpy(x[t0:t1][:, None, :])  # (steps, batch 1, features)
            for k, layer in enumerate(layers):
                inp, final = layer(inp, states[k])
                # the gradient stops at the window boundary; the value flows on
                states[k] = (tuple(s.detach() for s in final) if isinstance(final, tuple)
                             else final.detach())
            outputs.append(inp[:, 0])
        outputs = torch.cat(outputs)
        if task == "classifier":
            z = outputs[-1:] @ coef + intercept
            total = total + torch.nn.functional.cross_entropy(
                z, torch.tensor([int(Y[i])]), reduction="sum")
            denominator += 1
        else:
            z = outputs[len(x) - len(Y[i]) :] @ coef + intercept
            diff = z - torch.from_numpy(Y[i])
            total = total + 0.5 * (diff**2).mean(dim=1).sum()
            denominator += len(Y[i])
    loss = total / denominator
    loss.backward()
    grads = [getattr(layer, key + "_l0").grad.numpy().ravel()
             for layer in layers for key in RECURRENT_KEYS]
    grads += [coef.grad.numpy().ravel(), intercept.grad.numpy().ravel()]
    return float(loss.detach()), np.concatenate(grads)


@pytest.mark.parametrize("task, cell_type, hidden", CASES)
def test_truncated_gradient_matches_torch_with_detached_windows(task, cell_type, hidden):
    pytest.importorskip("torch")
    X, Y = _data(task, seed=4)
    flat = _weights(task, cell_type, hidden, seed=5)
    loss, grad = _skrnn_gradient(task, cell_type, hidden, BPTT_STEPS, flat, X, Y)
    torch_loss, torch_grad = _torch_loss_grad(task, cell_type, hidden, flat, X, Y,
                                              BPTT_STEPS)
    np.testing.assert_allclose(loss, torch_loss, rtol=1e-12)
    np.testing.assert_allclose(grad, torch_grad, rtol=1e-9, atol=1e-13)
    # the detach is what the estimator matches: without it PyTorch's gradient differs
    _, undetached = _torch_loss_grad(task, cell_type, hidden, flat, X, Y, None)
    assert relative_error(undetached, torch_grad) > 1e-2


def test_truncation_leaves_predictions_whole():
    """Truncation changes the gradient, never the forward pass: a model trained with
    windows predicts every step from the whole sequence before it, as the reference
    forward over the whole sequence does (the training forward's carried state is
    checked by the loss values above)."""
    X, Y = _data("aligned", seed=6)
    est = _estimator("aligned", "gru", (3,), BPTT_STEPS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, Y)
    params = _views(_flat_of(est), "gru", (3,), N_OUTPUTS)
    for x, pred in zip(X, est.predict(X), strict=True):
        out, _ = _run("gru", params["recurrent"], x, _zero_state("gru", (3,)))
        np.testing.assert_allclose(np.reshape(pred, (len(x), -1)),
                                   out @ params["coef"] + params["intercept"],
                                   rtol=1e-12, atol=1e-14)
