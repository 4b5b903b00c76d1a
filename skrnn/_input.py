"""The input contract: what an estimator accepts as ``X``, and its validation.

Accepted forms (the same for every estimator):

* 2-D array-like ``(n_samples, n_timesteps)``: univariate sequences of equal length
  (pandas DataFrames included). sklearn's column rule applies: ``n_features_in_`` is the
  number of columns, and predicting needs the same number.
* 3-D array ``(n_samples, n_timesteps, n_features)``.
* A list, tuple or 1-D object array of arrays shaped ``(T_i, n_features)`` or ``(T_i,)``:
  sequences of any lengths.

3-D and list inputs may have other lengths at predict time than at fit time, never another
number of features per step. Every form becomes a :class:`Sequences`: all time steps of all
sequences stacked in one ``(total_steps, n_features)`` array, plus lengths and offsets, so
mini-batches are packed by one gather (``_network.make_batch``).
"""

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_array, validate_data

FLOAT_DTYPES = (np.float64, np.float32)


class Sequences(NamedTuple):
    """Validated sequences: ``data[offsets[i]:offsets[i] + lengths[i]]`` is sample ``i``."""

    data: np.ndarray
    lengths: np.ndarray
    offsets: np.ndarray

    @property
    def n_samples(self):
        return len(self.lengths)

    @property
    def n_features(self):
        return self.data.shape[1]

    @property
    def dtype(self):
        return self.data.dtype


def _from_equal_length(X):
    n, T, D = X.shape
    lengths = np.full(n, T, dtype=np.intp)
    offsets = np.arange(n, dtype=np.intp) * T
    return Sequences(np.ascontiguousarray(X).reshape(n * T, D), lengths, offsets)


def is_sequence_list(X):
    """True for the list form: a list/tuple holding arrays, or a 1-D object array.

    A list of plain lists of numbers with equal lengths is an ordinary array-like (the
    scikit-learn convention); one with unequal lengths is a list of sequences.
    """
    if isinstance(X, np.ndarray):
        return X.dtype == object and X.ndim == 1
    if not isinstance(X, (list, tuple)) or len(X) == 0:
        return False
    if any(isinstance(x, np.ndarray) for x in X):
        return True
    try:
        np.asarray(X, dtype=float)
    except ValueError as exc:
        return "inhomogeneous" in str(exc) or "sequence" in str(exc)
    except TypeError:
        return False
    return False


def _check_one_sequence(x, i, name):
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name}[{i}] could not be read as an array: {exc}") from None
    if arr.dtype == object:
        try:
            arr = arr.astype(np.float64)
        except (ValueError, TypeError):
            raise ValueError(
                f"{name}[{i}] holds non-numeric values; sequences must be numbers "
                "(use skrnn.preprocessing.TextSequencer for text)."
            ) from None
    if arr.dtype.kind == "c":
        raise ValueError(f"Complex data not supported: {name}[{i}] is complex.")
    if arr.dtype.kind not in "biuf":
        raise ValueError(
            f"{name}[{i}] has dtype {arr.dtype}, not numbers; sequences must be numeric "
            "(use skrnn.preprocessing.TextSequencer for text)."
        )
    if arr.ndim == 1:
        arr = arr[:, None]
    elif arr.ndim != 2:
        raise ValueError(
            f"{name}[{i}] has {arr.ndim} dimensions; each sequence must be 1-D (T_i,) or "
            "2-D (T_i, n_features)."
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name}[{i}] is an empty sequence (zero time steps).")
    if arr.shape[1] == 0:
        raise ValueError(f"{name}[{i}] has 0 features per time step.")
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise ValueError(f"Input {name}[{i}] contains NaN or infinity.")
    return arr


def check_sequence_list(X, name="X"):
    """Validate the list form and stack it into :class:`Sequences`."""
    if len(X) == 0:
        raise ValueError(f"{name} holds no sequences: found 0 samples.")
    arrays = [_check_one_sequence(x, i, name) for i, x in enumerate(X)]
    n_features = arrays[0].shape[1]
    for i, arr in enumerate(arrays):
        if arr.shape[1] != n_features:
            raise ValueError(
                f"{name}[{i}] has {arr.shape[1]} features per time step, but {name}[0] "
                f"has {n_features}; every sequence needs the same number."
            )
    all_float32 = all(a.dtype in (np.float32, np.float16) for a in arrays)
    dtype = np.float32 if all_float32 else np.float64
    lengths = np.array([a.shape[0] for a in arrays], dtype=np.intp)
    offsets = np.zeros(len(arrays), dtype=np.intp)
    np.cumsum(lengths[:-1], out=offsets[1:])
    data = np.concatenate(arrays, axis=0).astype(dtype, copy=False)
    return Sequences(data, lengths, offsets)


def _forget_feature_names(estimator):
    if hasattr(estimator, "feature_names_in_"):
        del estimator.feature_names_in_


def validate_sequences(estimator, X, *, reset, n_step_features=None):
    """Check ``X`` against the input contract and return :class:`Sequences`.

    With ``reset`` the estimator's ``n_features_in_`` (and ``feature_names_in_`` for
    DataFrames) are set and ``estimator._fit_input_2d`` records whether the columns were
    time steps. Otherwise ``n_step_features`` is the number of features per step the
    fitted network reads, and the sklearn column rule is enforced for 2-D input.
    """
    name = type(estimator).__name__
    if sp.issparse(X):
        raise TypeError(
            f"{name} does not accept sparse matrices: sequences must be dense (a 2-D or "
            "3-D array, or a list of arrays)."
        )
    if is_sequence_list(X):
        seqs = check_sequence_list(X)
        _record_or_check(estimator, seqs.n_features, reset, n_step_features, False)
        return seqs
    ndim = getattr(X, "ndim", None)
    if ndim is None:
        try:
            ndim = np.asarray(X).ndim
        except (ValueError, TypeError):
            ndim = None  # left to check_array, whose message names the problem
    if ndim == 3:
        arr = check_array(X, allow_nd=True, dtype=FLOAT_DTYPES, input_name="X")
        if arr.shape[1] == 0 or arr.shape[2] == 0:
            raise ValueError(
                f"Found array with shape {arr.shape}: sequences need at least one time "
                "step and one feature."
            )
        _record_or_check(estimator, arr.shape[2], reset, n_step_features, False)
        return _from_equal_length(arr)
    if ndim is not None and ndim > 3:
        raise ValueError(
            f"Found array with dim {ndim}; {name} accepts 2-D (n_samples, n_timesteps), "
            "3-D (n_samples, n_timesteps, n_features) arrays or a list of sequences."
        )
    if reset or getattr(estimator, "_fit_input_2d", False):
        arr = validate_data(estimator, X, reset=reset, dtype=FLOAT_DTYPES)
        if reset:
            estimator._fit_input_2d = True
    else:
        arr = check_array(X, dtype=FLOAT_DTYPES, input_name="X")
        _record_or_check(estimator, 1, False, n_step_features, True)
    return _from_equal_length(arr[:, :, None])


def _record_or_check(estimator, n_features, reset, n_step_features, from_2d):
    if reset:
        estimator.n_features_in_ = n_features
        estimator._fit_input_2d = False
        _forget_feature_names(estimator)
    elif n_step_features is not None and n_features != n_step_features:
        what = "a 2-D (univariate) X" if from_2d else f"X with {n_features} features per step"
        raise ValueError(
            f"{type(estimator).__name__} was fitted with {n_step_features} features per "
            f"time step; got {what}."
        )

