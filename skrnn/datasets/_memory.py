"""Synthetic sequence tasks that can only be solved by remembering across many steps."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "n_timesteps": [Interval(Integral, 2, None, closed="left")],
        "n_classes": [Interval(Integral, 2, None, closed="left")],
        "n_informative": [Interval(Integral, 1, None, closed="left")],
        "noise": [Interval(Real, 0, None, closed="left")],
        "variable_length": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_delayed_label(
    n_samples=500, n_timesteps=60, *, n_classes=2, n_informative=3, noise=1.0,
    variable_length=False, random_state=None,
):
    """Classification with the label written only in the first steps of a noisy sequence.

    Each sequence has two features. During its first ``n_informative`` steps, feature 0
    carries the class code (evenly spaced values in [-1, 1]) plus a little noise and
    feature 1 is a marker equal to 1; for the remaining steps both features are pure noise
    of scale ``noise``. A model that reads the sequence to its end must therefore carry
    the label across ``n_timesteps - n_informative`` steps of distraction: gated cells
    (LSTM, GRU) do, a plain Elman RNN trained by BPTT usually does not (vanishing
    gradients).

    Parameters
    ----------
    n_samples : int, default=500
        Number of sequences.
    n_timesteps : int, default=60
        Length of every sequence (the maximum length if ``variable_length``).
    n_classes : int, default=2
        Number of labels.
    n_informative : int, default=3
        Leading steps that carry the label; fewer than the shortest possible sequence
        (``n_timesteps``, or ``n_timesteps // 2`` if ``variable_length``), so that every
        sequence ends with at least one distracting step.
    noise : float, default=1.0
        Standard deviation of the distracting steps.
    variable_length : bool, default=False
        Draw each length uniformly in ``[n_timesteps // 2, n_timesteps]`` and return a
        list of arrays instead of a 3-D array.
    random_state : int, RandomState instance or None, default=None
        Seed of every draw.

    Returns
    -------
    X : ndarray of shape (n_samples, n_timesteps, 2) or list of (T_i, 2) arrays
        The sequences.
    y : ndarray of shape (n_samples,)
        Labels in ``range(n_classes)``.

    Examples
    --------
    >>> from skrnn.datasets import make_delayed_label
    >>> X, y = make_delayed_label(n_samples=4, n_timesteps=10, random_state=0)
    >>> X.shape, y.shape
    ((4, 10, 2), (4,))
    """
    shortest = n_timesteps // 2 if variable_length else n_timesteps
    if n_informative >= shortest:
        raise ValueError(
            f"n_informative={n_informative} must be smaller than the shortest sequence, "
            f"{shortest} steps (n_timesteps={n_timesteps}"
            + (", variable_length=True)." if variable_length else ").")
        )
    rng = check_random_state(random_state)
    y = rng.randint(n_classes, size=n_samples)
    codes = np.linspace(-1.0, 1.0, n_classes)
    X = noise * rng.standard_normal((n_samples, n_timesteps, 2))
    X[:, :n_informative, 0] = codes[y][:, None] + 0.1 * rng.standard_normal(
        (n_samples, n_informative)
    )
    X[:, :n_informative, 1] = 1.0
    if not variable_length:
        return X, y
    lengths = rng.randint(n_timesteps // 2, n_timesteps + 1, size=n_samples)
    return [x[:n] for x, n in zip(X, lengths, strict=True)], y
