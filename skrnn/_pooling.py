"""Many-to-one readouts: how a sequence's top-layer outputs become one feature vector.

``POOLINGS`` maps each ``pooling`` to a :class:`Pooling`, a pair of pure functions on a
packed batch (see :mod:`skrnn._recurrent`):

* ``forward(cache, plan, params) -> (features, memo)``: the (B, H * n_dirs) features
  of the batch's sequences, in sorted order, and whatever the backward pass needs;
* ``backward(d_features, memo, plan, grads) -> dict``: the gradient with respect to
  the features, turned into the keyword arguments of
  :func:`~skrnn._recurrent.stack_backward` (``d_final`` for the last state,
  ``d_output`` for a readout of every step); a readout with parameters of its own
  ("attention") *adds* their gradient to ``grads`` (``_network.Params`` views).

``params`` is the model's ``_network.Params``; only "attention" reads it (its
``attention`` vector).

Step ``t`` of a packed batch owns the rows of the first ``batch_sizes[t]`` sequences, in
order, so a reduction over time is one slice operation per step and never touches a
padded step.

Pure functions over numpy arrays; nothing here knows about scikit-learn.
"""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from . import _recurrent as rec


class Pooling(NamedTuple):
    forward: Callable  # (cache, plan, params) -> (features (B, F), memo)
    backward: Callable  # (d_features (B, F), memo, plan, grads) -> stack_backward kw
    # whether the features depend on the last step's state alone; only then can the
    # gradient be truncated (the carried state between windows is a constant)
    last_state_only: bool
    # whether the readout has a parameter vector of its own (``Params.attention``)
    has_params: bool = False


# --------------------------------------------------------------------------- last
def _last_forward(cache, plan, params=None):
    return rec.stack_final(cache, plan), None


def _last_backward(d_features, memo, plan, grads=None):
    return {"d_final": d_features}


# --------------------------------------------------------------------------- mean
def _mean_forward(cache, plan, params=None):
    outputs = rec.stack_output(cache, plan)
    total = np.zeros((len(plan.lengths), outputs.shape[1]), dtype=outputs.dtype)
    for rows in plan.a_rows:
        total[: rows.stop - rows.start] += outputs[rows]
    total /= plan.lengths[:, None].astype(outputs.dtype)
    return total, None


def _mean_backward(d_features, memo, plan, grads=None):
    # every real step of sequence i receives 1 / L_i of its feature gradient
    per_step = d_features / plan.lengths[:, None].astype(d_features.dtype)
    return {"d_output": per_step[plan.seq_index]}


# --------------------------------------------------------------------------- max
def _max_forward(cache, plan, params=None):
    outputs = rec.stack_output(cache, plan)
    # every sequence has a step 0 (the first n_initial rows), which seeds the maximum;
    # ``argmax_row`` remembers the packed row each maximum came from
    first = plan.a_rows[0]
    best = outputs[first].copy()
    argmax_row = np.empty(best.shape, dtype=np.intp)
    argmax_row[...] = np.arange(first.start, first.stop)[:, None]
    for rows in plan.a_rows[1:]:
        n = rows.stop - rows.start
        step = outputs[rows]
        # strictly greater: a tie keeps the earliest step, so exactly one row is chosen
        higher = step > best[:n]
        np.copyto(best[:n], step, where=higher)
        np.copyto(argmax_row[:n], np.arange(rows.start, rows.stop)[:, None], where=higher)
    return best, argmax_row


def _max_backward(d_features, argmax_row, plan, grads=None):
    d_output = np.zeros((plan.n_rows, d_features.shape[1]), dtype=d_features.dtype)
    # the chosen rows of different sequences are different rows, so no two gradients
    # land in the same cell and an assignment is a sum
    np.put_along_axis(d_output, argmax_row, d_features, axis=0)
    return {"d_output": d_output}


# --------------------------------------------------------------------------- attention
def softmax_per_sequence(scores, plan):
    """Softmax of the packed ``scores`` (N,) over the steps of each sequence."""
    # each sequence's largest score, subtracted before exp (step 0 seeds it)
    first = plan.a_rows[0]
    top = scores[first].copy()
    for rows in plan.a_rows[1:]:
        n = rows.stop - rows.start
        np.maximum(top[:n], scores[rows], out=top[:n])
    weights = np.exp(scores - top[plan.seq_index])
    total = np.bincount(plan.seq_index, weights, minlength=len(plan.lengths))
    weights /= total[plan.seq_index].astype(weights.dtype)
    return weights


def _attention_forward(cache, plan, params):
    # features_i = sum_t a_it o_it, a_i. = softmax over the steps of o_it . v: a learnt
    # score per step (Yang et al., 2016, without their extra tanh layer); v = 0 (the
    # initial value) weighs every step alike, as "mean" does
    outputs = rec.stack_output(cache, plan)
    weights = softmax_per_sequence(outputs @ params.attention, plan)
    features = np.zeros((len(plan.lengths), outputs.shape[1]), dtype=outputs.dtype)
    for rows in plan.a_rows:
        features[: rows.stop - rows.start] += weights[rows, None] * outputs[rows]
    return features, (outputs, weights, features, params.attention)


def _attention_backward(d_features, memo, plan, grads):
    outputs, weights, features, v = memo
    g = d_features[plan.seq_index]  # each packed row: its sequence's feature gradient
    # d features_i / d score_it = a_it (o_it - features_i)
    d_scores = weights * (
        np.einsum("nf,nf->n", g, outputs)
        - np.einsum("bf,bf->b", d_features, features)[plan.seq_index]
    )
    attention = grads.attention  # a view: add in place
    attention += d_scores @ outputs
    d_output = weights[:, None] * g
    d_output += d_scores[:, None] * v
    return {"d_output": d_output}


POOLINGS = {
    "last": Pooling(_last_forward, _last_backward, last_state_only=True),
    "mean": Pooling(_mean_forward, _mean_backward, last_state_only=False),
    "max": Pooling(_max_forward, _max_backward, last_state_only=False),
    "attention": Pooling(
        _attention_forward, _attention_backward, last_state_only=False, has_params=True
    ),
}


def check_truncation(pooling, bptt_steps, longest):
    """Raise if ``bptt_steps`` would truncate the gradient of a readout of every step.

    Truncated BPTT treats the state carried into a window as a constant, which is exact
    for a head that reads the last state only; a mean or max over every step would lose
    the gradient reaching earlier windows' outputs.
    """
    if POOLINGS[pooling].last_state_only or bptt_steps is None or bptt_steps >= longest:
        return
    raise ValueError(
        f"pooling={pooling!r} reads the output of every step, so its gradient cannot be "
        f"truncated: bptt_steps={bptt_steps} is shorter than the longest sequence "
        f"({longest} steps). Use bptt_steps=None (full BPTT) or pooling='last'."
    )
