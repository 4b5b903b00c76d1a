"""Output activations and losses, with sample weights.

Every loss pairs with its canonical output activation, so the gradient with respect to
the output layer's pre-activation ``Z`` is ``w * (activation(Z) - Y) / sum(w)``. Losses
return the weighted *sum* over samples, the caller divides by ``sum(w)`` (so truncated
BPTT can add up windows before normalising).
"""

import numpy as np
from scipy.special import log_softmax, softmax


def _identity(Z):
    return Z


def _logistic(Z):
    # 0.5 * tanh(0.5 z) + 0.5 is the logistic function without overflow in exp
    return 0.5 * np.tanh(0.5 * Z) + 0.5


def _softmax(Z):
    return softmax(Z, axis=1)


OUTPUT_ACTIVATIONS = {"identity": _identity, "logistic": _logistic, "softmax": _softmax}


def _weighted_sum(per_sample, sample_weight):
    if sample_weight is None:
        return float(per_sample.sum())
    return float(per_sample @ sample_weight)


def _weighted_delta(delta, sample_weight):
    if sample_weight is not None:
        delta *= sample_weight[:, None]
    return delta


def squared_error(Y, Z, sample_weight=None):
    """Half the mean (over outputs) squared error per sample, as ``MLPRegressor``."""
    delta = Z - Y
    per_sample = 0.5 * np.mean(delta**2, axis=1)
    delta /= Y.shape[1]
    return _weighted_sum(per_sample, sample_weight), _weighted_delta(delta, sample_weight)


def binary_log_loss(Y, Z, sample_weight=None):
    """Logistic cross-entropy of one logit column, computed from the logits."""
    # log(1 + exp(-|z|)) + max(z, 0) - y z, the stable form of the cross-entropy
    per_sample = (np.logaddexp(0, Z) - Y * Z).sum(axis=1)
    delta = _logistic(Z) - Y
    return _weighted_sum(per_sample, sample_weight), _weighted_delta(delta, sample_weight)


def log_loss(Y, Z, sample_weight=None):
    """Softmax cross-entropy over one-hot ``Y``, computed from the logits."""
    logp = log_softmax(Z, axis=1)
    per_sample = -(Y * logp).sum(axis=1)
    delta = np.exp(logp) - Y
    return _weighted_sum(per_sample, sample_weight), _weighted_delta(delta, sample_weight)


def class_log_loss(Y, Z, sample_weight=None):
    """Softmax cross-entropy of the class indices ``Y[:, 0]``, computed from the logits.

    The loss of :func:`log_loss` on the one-hot rows of those classes, without an
    (n, n_classes) target array: with 10,000 classes (a word-level language model) the
    one-hot targets of a text would not fit in memory. ``Z`` is overwritten by the
    gradient, in four passes over it (the logits of a large softmax are the largest
    array of a training step).
    """
    rows, k = np.arange(len(Z)), Y[:, 0].astype(np.intp)
    Z -= Z.max(axis=1, keepdims=True)
    picked = Z[rows, k]
    np.exp(Z, out=Z)
    total = Z.sum(axis=1)
    per_sample = np.log(total) - picked
    Z /= total[:, None]
    Z[rows, k] -= 1.0
    return _weighted_sum(per_sample, sample_weight), _weighted_delta(Z, sample_weight)


LOSSES = {
    "squared_error": (squared_error, "identity"),
    "binary_log_loss": (binary_log_loss, "logistic"),
    "log_loss": (log_loss, "softmax"),
    "class_log_loss": (class_log_loss, "softmax"),
}
