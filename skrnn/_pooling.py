"""Many-to-one readouts: how a sequence's top-layer outputs become one feature vector.

``POOLINGS`` maps each ``pooling`` to a :class:`Pooling`, a pair of pure functions on a
packed batch (see :mod:`skrnn._recurrent`):

* ``forward(cache, plan) -> (features, memo)``: the (B, H * n_dirs) features of the
  batch's sequences, in sorted order, and whatever the backward pass needs;
* ``backward(d_features, memo, plan) -> dict``: the gradient with respect to the
  features, turned into the keyword arguments of
  :func:`~skrnn._recurrent.stack_backward` (``d_final`` for the last state,
  ``d_output`` for a readout of every step).

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
    forward: Callable  # (cache, plan) -> (features (B, F), memo)
    backward: Callable  # (d_features (B, F), memo, plan) -> stack_backward keywords
    # whether the features depend on the last step's state alone; only then can the
    # gradient be truncated (the carried state between windows is a constant)
    last_state_only: bool


# --------------------------------------------------------------------------- last
def _last_forward(cache, plan):
    return rec.stack_final(cache, plan), None


def _last_backward(d_features, memo, plan):
    return {"d_final": d_features}


# --------------------------------------------------------------------------- mean
def _mean_forward(cache, plan):
    outputs = rec.stack_output(cache, plan)
    total = np.zeros((len(plan.lengths), outputs.shape[1]), dtype=outputs.dtype)
    for rows in plan.a_rows:
        total[: rows.stop - rows.start] += outputs[rows]
    total /= plan.lengths[:, None].astype(outputs.dtype)
    return total, None


def _mean_backward(d_features, memo, plan):
    # every real step of sequence i receives 1 / L_i of its feature gradient
    per_step = d_features / plan.lengths[:, None].astype(d_features.dtype)
    return {"d_output": per_step[plan.seq_index]}


# --------------------------------------------------------------------------- max
def _max_forward(cache, plan):
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


def _max_backward(d_features, argmax_row, plan):
    d_output = np.zeros((plan.n_rows, d_features.shape[1]), dtype=d_features.dtype)
    # the chosen rows of different sequences are different rows, so no two gradients
    # land in the same cell and an assignment is a sum
    np.put_along_axis(d_output, argmax_row, d_features, axis=0)
    return {"d_output": d_output}


POOLINGS = {
    "last": Pooling(_last_forward, _last_backward, last_state_only=True),
    "mean": Pooling(_mean_forward, _mean_backward, last_state_only=False),
    "max": Pooling(_max_forward, _max_backward, last_state_only=False),
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
