"""Finite-difference checks of the analytic gradient of the whole model (float64)."""

import numpy as np
import pytest

from skrnn import _network as net
from skrnn._input import check_sequence_list

from ._gradcheck import numerical_gradient, relative_error

CELL_TYPES = ["elman", "lstm", "gru"]


def _problem(rng, lengths, n_features, n_outputs, loss):
    seqs = check_sequence_list([rng.normal(size=(n, n_features)) for n in lengths])
    if loss == "squared_error":
        Y = rng.normal(size=(len(lengths), n_outputs))
    elif loss == "binary_log_loss":
        Y = rng.randint(0, 2, size=(len(lengths), 1)).astype(float)
    else:
        Y = np.eye(n_outputs)[rng.randint(0, n_outputs, size=len(lengths))]
    return seqs, Y


def _check(spec, seqs, Y, loss, sample_weight=None, alpha=0.0, bptt_steps=None, seed=0):
    rng = np.random.RandomState(seed)
    flat = net.init_params(spec, rng, np.float64)
    # random biases so every bias gradient is exercised away from zero
    flat += 0.1 * rng.normal(size=flat.shape)
    params = net.unpack(flat, spec)
    grad_flat = np.empty_like(flat)
    grads = net.unpack(grad_flat, spec)
    reg_mask = net.regularised_mask(spec, np.float64)
    batch = net.make_batch(seqs, np.arange(seqs.n_samples))
    Yb = Y[batch.order]
    sw = None if sample_weight is None else sample_weight[batch.order]

    def loss_value(store=None):
        g = np.empty_like(flat) if store is None else store
        return net.loss_grad(
            params, net.unpack(g, spec), spec, batch, Yb, sw, loss, alpha=alpha,
            reg_mask=reg_mask, flat=flat, grad_flat=g, bptt_steps=bptt_steps,
        )

    loss_value(grad_flat)
    numeric = numerical_gradient(loss_value, flat)
    assert relative_error(grad_flat, numeric) <= 1e-6
    return grads


@pytest.mark.parametrize("cell_type", CELL_TYPES)
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("hidden", [(3,), (3, 2)])
def test_gradient_cells_stacks_directions(cell_type, bidirectional, hidden):
    rng = np.random.RandomState(1)
    # unequal lengths: packing, final states and padding all enter the gradient
    seqs, Y = _problem(rng, [5, 2, 4, 1, 5], 2, 3, "log_loss")
    spec = net.NetSpec(cell_type, 2, hidden, bidirectional, 3)
    _check(spec, seqs, Y, "log_loss")


@pytest.mark.parametrize("loss,n_outputs", [
    ("squared_error", 2), ("binary_log_loss", 1), ("log_loss", 3),
])
@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_gradient_losses_with_sample_weight_and_alpha(loss, n_outputs, cell_type):
    rng = np.random.RandomState(2)
    seqs, Y = _problem(rng, [4, 3, 6, 2], 3, n_outputs, loss)
    spec = net.NetSpec(cell_type, 3, (4,), False, n_outputs)
    _check(spec, seqs, Y, loss, sample_weight=rng.uniform(0.1, 3, size=4), alpha=0.3)


def test_gradient_relu_elman():
    rng = np.random.RandomState(3)
    seqs, Y = _problem(rng, [4, 3, 5], 2, 1, "squared_error")
    spec = net.NetSpec("elman", 2, (4,), True, 1, activation="relu")
    _check(spec, seqs, Y, "squared_error")


@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_gradient_truncated_bptt(cell_type):
    """Truncated BPTT is the exact gradient of the loss with a stop-gradient on the
    carried state; the finite differences see through that stop, so compare against
    full BPTT of the single window a one-window truncation reduces to."""
    rng = np.random.RandomState(4)
    seqs, Y = _problem(rng, [6, 3, 5], 2, 2, "squared_error")
    spec = net.NetSpec(cell_type, 2, (3, 2), False, 2)
    _check(spec, seqs, Y, "squared_error", bptt_steps=6)
