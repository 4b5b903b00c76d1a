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

import contextlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from numbers import Real
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import _check_sample_weight, check_array, validate_data

FLOAT_DTYPES = (np.float64, np.float32)
# scikit-learn's finiteness check first sums the array, which overflows (inf - inf) on
# huge finite float32 values before its exact check runs; only that warning is silenced
def _finite_check_errstate():
    return np.errstate(over="ignore", invalid="ignore")


def check_sample_weight(sample_weight, n_samples, *, non_negative=False):
    """``sample_weight`` as a float64 array of ``n_samples`` finite weights.

    scikit-learn's check, with the overflow of its first-pass sum (``inf - inf``)
    silenced so that its ValueError naming the non-finite weights is what surfaces.
    """
    check_container(sample_weight, "sample_weight", "weights")
    with _finite_check_errstate():
        return _check_sample_weight(
            sample_weight, np.empty(n_samples), dtype=np.float64,
            ensure_non_negative=non_negative,
        )


def check_score_weight(sample_weight):
    """Check the weights of a score: finite, with a finite sum that is not 0.

    Their count is checked against y by the metric. Negative weights are the metric's
    business, as in scikit-learn; weights whose sum overflows or cancels would turn
    the weighted mean into NaN or 0/0 and are refused here, naming the problem.
    """
    check_container(sample_weight, "sample_weight", "weights")
    with _finite_check_errstate():
        weights = check_array(
            sample_weight, ensure_2d=False, dtype=np.float64, input_name="sample_weight"
        )
    if weights.ndim != 1:
        raise ValueError(
            "sample_weight must be 1-D, one weight per sequence; "
            f"got shape {weights.shape}."
        )
    with np.errstate(over="ignore"):
        total = float(weights.sum())
    if not np.isfinite(total) or total == 0:
        raise ValueError(
            f"sample_weight sums to {total:.3g}; a weighted score needs a finite, non-zero "
            "total (only the ratios of the weights matter, so rescale them)."
        )
    return weights


# --------------------------------------------------------------------------- containers
NESTED_FRAME_HINT = (
    "{name} is a nested DataFrame (sktime's format: one column per channel, each cell a "
    "pd.Series), which skrnn does not read; pass a list of (T_i, n_channels) arrays "
    "instead: [np.column_stack([cell.to_numpy() for cell in row]) for row in "
    "df.itertuples(index=False)]."
)


# what numpy always reads itself, checked first because it is the common case
READABLE = (np.ndarray, list, tuple, str, bytes, Real, np.generic)


def _is_nested_frame(X):
    """Return True for a DataFrame holding a Series or an array in an object column."""
    if not (hasattr(X, "columns") and hasattr(X, "iloc") and getattr(X, "ndim", 0) == 2):
        return False
    if 0 in X.shape or not any(getattr(dt, "kind", "") == "O" for dt in X.dtypes):
        return False
    return any(np.ndim(cell) > 0 for cell in X.iloc[0])


def _is_series_of_sequences(X):
    """Return True for a pandas Series whose first cell is an array, list or Series."""
    if not (hasattr(X, "iloc") and getattr(X, "ndim", 0) == 1 and len(X) > 0):
        return False
    return getattr(X.dtype, "kind", "") == "O" and np.ndim(X.iloc[0]) > 0


def _container_problem(X, name, items="sequences"):
    """Return what is wrong with ``X`` as a collection of ``items``, or None.

    numpy reads a generator, an iterator, a dict or a set as one opaque object and a
    nested DataFrame as an array of Series, and then fails in its own words; each gets
    a message that names the container and says what to pass.
    """
    if isinstance(X, READABLE):
        return None
    kind = type(X).__name__
    if isinstance(X, Mapping):
        return (
            f"{name} is a {kind}; pass the {items} as a list or an array, e.g. "
            f"list({name}.values()) (the order of the list is the order of the samples)."
        )
    if isinstance(X, Iterator):
        return (
            f"{name} is a {kind} (an iterator), which can be read only once and cannot "
            f"be indexed; pass a list instead, e.g. list({name})."
        )
    if _is_nested_frame(X):
        return NESTED_FRAME_HINT.format(name=name)
    if _is_series_of_sequences(X):
        return (
            f"{name} is a pandas Series of sequences; pass them as a list of arrays, "
            f"{name}.tolist()."
        )
    if (
        isinstance(X, Iterable) and not isinstance(X, (Sequence, str, bytes))
        and not hasattr(X, "__array__") and not hasattr(X, "shape")
    ):  # a set, a dict view and other unordered or unindexable collections
        return (
            f"{name} is a {kind}, which is not an ordered collection of {items}; pass a "
            f"list or an array instead, e.g. list({name})."
        )
    return None


def check_container(X, name="X", items="sequences"):
    """Refuse ``X`` and the items of a list ``X`` when numpy cannot read them.

    Parameters
    ----------
    X : object
        The argument, such as ``X`` or ``sample_weight``.
    name : str, default="X"
        Its name in messages; item ``i`` of a list is ``name[i]``.
    items : str, default="sequences"
        What the argument holds, for messages.

    Raises
    ------
    TypeError
        For a generator or iterator, a dict, a set, a nested (sktime) DataFrame or a
        pandas Series of sequences, or a list holding one of these as an item (named
        ``X[i]``).
    """
    problem = _container_problem(X, name, items)
    if problem is None and isinstance(X, (list, tuple)):
        problem = next(
            (p for i, x in enumerate(X) if (p := _container_problem(x, f"{name}[{i}]"))),
            None,
        )
    if problem is not None:
        raise TypeError(problem)


def _describe(value):
    """How an element that is not a real number is named in a message."""
    if isinstance(value, (str, bytes, np.str_, np.bytes_)):
        return f"the string {str(value)[:20]!r}"
    if isinstance(value, (complex, np.complexfloating)):
        return f"the complex number {value} (complex data is not supported)"
    if value is None:
        return "None"
    if np.ndim(value) > 0:
        return f"a nested {type(value).__name__} where a number was expected"
    return f"a {type(value).__name__}"


def _first_non_number(X):
    """``(index, value)`` of the first element of ``X`` that is not a real number.

    The index is ``()`` when ``X`` itself is that element.
    """
    if isinstance(getattr(X, "dtype", None), np.dtype) and X.dtype.kind in "biufc":
        return None  # numbers throughout: the error has another cause
    try:
        arr = np.asarray(X, dtype=object)
    except (ValueError, TypeError):
        return None
    for index, value in np.ndenumerate(arr):
        if not isinstance(value, (Real, np.bool_)) or np.ndim(value) > 0:
            return index, value
    return None


@contextlib.contextmanager
def numeric_errors(X, name="X"):
    """Reword numpy's conversion errors when reading ``X`` as numbers, to name the sample.

    On a failure, the first element of ``X`` that is not a real number (a string, a
    complex number, None, a nested list) is named with its sample, ``X[i]``; errors that
    have another cause pass through unchanged. Only the failure path pays for the search.
    """
    try:
        with _finite_check_errstate():
            yield
    except (ValueError, TypeError):
        found = _first_non_number(X)
        if found is None:
            raise
        raise _not_a_number(name, *found) from None


def _not_a_number(name, index, value):
    """Make the error for ``value``, found at ``index`` of ``X``, that is not a real number.

    Strings and None are values of the wrong kind (ValueError); other objects are of
    the wrong type (TypeError, worded as scikit-learn's ``check_dtype_object`` expects).
    """
    what = (
        f"{name}[{index[0]}] holds {_describe(value)}{_position(index[1:])}" if index
        else f"{name} is {_describe(value)}, not a collection of sequences"
    )
    if isinstance(value, (str, bytes)):
        return ValueError(
            f"{what}; sequences must hold real numbers (use "
            "skrnn.preprocessing.TextSequencer for text)."
        )
    if value is None:
        return ValueError(
            f"{what}; sequences must hold real numbers (missing values are not supported)."
        )
    return TypeError(
        f"{what}; every element of the {name} argument must be a real number, not a string "
        "or another object (sequences are numbers)."
    )


def _position(index):
    """Where in a sample an element sits: `` at step t`` or `` at step t, feature f``."""
    if len(index) == 1:
        return f" at step {index[0]}"
    if len(index) == 2:
        return f" at step {index[0]}, feature {index[1]}"
    return f" at position {index}" if index else ""


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
        return 1 if self.data.ndim == 1 else self.data.shape[1]

    @property
    def dtype(self):
        """The computation dtype: the data's float type; for token ids float32 when
        they came as int32 (the opt-in of large-vocabulary models), else float64.
        """
        if self.data.dtype.kind == "f":
            return self.data.dtype
        return np.dtype(np.float32 if self.data.dtype == np.int32 else np.float64)


def stacked(lengths):
    """Offsets of sequences of ``lengths`` stacked one after another in one array."""
    offsets = np.zeros(len(lengths), dtype=np.intp)
    np.cumsum(lengths[:-1], out=offsets[1:])
    return offsets


def _from_equal_length(X):
    n, T, D = X.shape
    lengths = np.full(n, T, dtype=np.intp)
    offsets = np.arange(n, dtype=np.intp) * T
    return Sequences(np.ascontiguousarray(X).reshape(n * T, D), lengths, offsets)


def is_sequence_list(X):
    """Return True for the list form: a list/tuple holding arrays, or a 1-D object array.

    A list of plain lists of numbers with equal lengths is an ordinary array-like (the
    scikit-learn convention); one with unequal lengths is a list of sequences.
    """
    if isinstance(X, np.ndarray):
        return X.dtype == object and X.ndim == 1
    if not isinstance(X, (list, tuple)):
        return False
    if len(X) == 0:
        return True  # so that the error names an empty collection of sequences
    if any(isinstance(x, np.ndarray) for x in X):
        return True
    try:
        np.asarray(X, dtype=float)
    except ValueError as exc:
        return "inhomogeneous" in str(exc) or "sequence" in str(exc)
    except TypeError:
        return False
    return False


def read_array(x, where, expected):
    """``np.asarray(x)``, or a ValueError saying ``where`` is not ``expected``."""
    try:
        return np.asarray(x)
    except (ValueError, TypeError) as exc:
        if "inhomogeneous" in str(exc):  # numpy's words for a ragged nested list
            raise ValueError(
                f"{where} nests lists of different lengths; {expected}."
            ) from None
        raise ValueError(f"{where} could not be read as an array: {exc}") from None


def _check_one_sequence(x, i, name):
    arr = read_array(
        x, f"{name}[{i}]", "each sequence must be a (T_i,) or (T_i, n_features) array of "
        "numbers"
    )
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
    offsets = stacked(lengths)
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
    check_container(X)
    _reject_text(X, name)
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
        with numeric_errors(X):
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
        with numeric_errors(X):
            arr = validate_data(estimator, X, reset=reset, dtype=FLOAT_DTYPES)
        if reset:
            estimator._fit_input_2d = True
    else:
        with numeric_errors(X):
            arr = check_array(X, dtype=FLOAT_DTYPES, input_name="X")
        _record_or_check(estimator, 1, False, n_step_features, True)
    return _from_equal_length(arr[:, :, None])


def _record_or_check(estimator, n_features, reset, n_step_features, from_2d):
    if reset:
        estimator.n_features_in_ = n_features
        estimator._fit_input_2d = False
        _forget_feature_names(estimator)
    elif n_step_features is not None and n_features != n_step_features:
        what = (
            "a 2-D (univariate) X" if from_2d else f"X with {n_features} features per step"
        )
        raise ValueError(
            f"{type(estimator).__name__} was fitted with {n_step_features} features per "
            f"time step; got {what}."
        )


# --------------------------------------------------------------------------- token ids
TEXT_HINT = (
    "put a skrnn.preprocessing.TextSequencer in front of it, e.g. "
    "make_pipeline(TextSequencer(), {name}(embedding_dim=32))"
)


def _is_text(X):
    """Return True for a string, or a 1-D collection whose first element is a string."""
    if isinstance(X, (str, bytes)):
        return True
    if not isinstance(X, (list, tuple, np.ndarray)):
        if getattr(X, "ndim", None) != 1:  # a pandas Series of documents, say
            return False
        X = np.asarray(X)
    if isinstance(X, np.ndarray):
        if X.dtype.kind in "US":
            return True
        if X.dtype != object or X.ndim != 1:
            return False
    return len(X) > 0 and isinstance(X[0], (str, bytes))


def _reject_text(X, name):
    if _is_text(X):
        first = "" if isinstance(X, (str, bytes)) else " (X[0] is a string)"
        raise TypeError(
            f"{name} got raw text{first}, but reads sequences of numbers or token ids: "
            + TEXT_HINT.format(name=name)
            + "."
        )


def _as_token_ids(arr, where, name, hint):
    """``arr`` as an integer array, or a TypeError saying why it holds no token ids."""
    if arr.dtype == object:
        try:
            arr = np.array(arr.tolist())
        except (ValueError, TypeError):
            pass
    kind = arr.dtype.kind
    if kind in "iu":
        return arr
    if kind in "US" or (kind == "O" and any(isinstance(v, (str, bytes)) for v in arr.flat)):
        raise TypeError(
            f"{where} holds strings, but {name} reads integer token ids: "
            + TEXT_HINT.format(name=name)
            + "."
        )
    names = {"f": "floats", "b": "booleans", "c": "complex numbers"}
    what = names.get(kind, str(arr.dtype))
    raise TypeError(
        f"{where} holds {what}, but {name} reads integer token ids (0 for padding, 1 "
        f"for unknown tokens) here. Convert the ids to an integer dtype{hint}."
    )


def _check_non_negative(ids, where):
    if ids.size and ids.min() < 0:
        raise ValueError(
            f"{where} holds the negative token id {int(ids.min())}; token ids are >= 0 "
            "(0 is padding, 1 the unknown token)."
        )


def _trailing_padding_removed(ids, where):
    """``ids`` (T,) or bags (T, P) without the trailing padding steps (all-zero rows)."""
    steps = ids if ids.ndim == 1 else ids.any(axis=1)
    nonzero = np.flatnonzero(steps)
    if nonzero.size == 0:
        raise ValueError(
            f"{where} holds only padding (token id 0): every sequence needs at least one "
            "token."
        )
    return ids[: nonzero[-1] + 1]


def _padded_bags(arrays):
    """Return the (T_i, P_i) bags of ``arrays`` stacked, zero-padded to one width."""
    width = max(a.shape[1] for a in arrays)
    out = np.zeros((sum(len(a) for a in arrays), width), dtype=_id_dtype(arrays))
    start = 0
    for a in arrays:
        out[start : start + len(a), : a.shape[1]] = a
        start += len(a)
    return out


def check_token_list(X, name, estimator_name, hint=""):
    """Validate a list of token-id sequences into :class:`Sequences` of ids.

    Each sequence is 1-D (one id per step) or 2-D ``(T_i, P_i)`` (a zero-padded bag of
    ids per step, see ``_embedding``); every sequence of ``X`` has the same form. Bags
    are zero-padded to the widest one.
    """
    if len(X) == 0:
        raise ValueError(f"{name} holds no sequences: found 0 samples.")
    arrays = []
    for i, x in enumerate(X):
        where = f"{name}[{i}]"
        ids = _as_token_ids(
            read_array(x, where, "each sequence of token ids must be 1-D, or 2-D bags"),
            where, estimator_name, hint,
        )
        if ids.ndim not in (1, 2) or (arrays and ids.ndim != arrays[0].ndim):
            first = arrays[0].ndim if arrays else ids.ndim
            raise ValueError(
                f"{where} has shape {ids.shape}; each sequence of token ids must be 1-D "
                "(one id per step) or 2-D (T_i, P_i) (a zero-padded bag of ids per step, "
                f"e.g. subword pieces), the same for every sequence ({name}[0] is "
                f"{first}-D)."
            )
        if ids.ndim == 2 and ids.shape[1] == 0:
            raise ValueError(f"{where} has shape {ids.shape}: bags of 0 ids.")
        _check_non_negative(ids, where)
        arrays.append(_trailing_padding_removed(ids, where))
    lengths = np.array([len(a) for a in arrays], dtype=np.intp)
    offsets = stacked(lengths)
    if arrays[0].ndim == 2:
        data = _padded_bags(arrays)
    else:
        data = np.concatenate(arrays).astype(_id_dtype(arrays), copy=False)
    return Sequences(data, lengths, offsets)


def _id_dtype(arrays):
    """int32 when every id array is int32 (the network then computes in float32),
    else the platform's index type.
    """
    return np.int32 if all(a.dtype == np.int32 for a in arrays) else np.intp


def check_token_array(X, name, estimator_name, hint=""):
    """Validate a 2-D array of token ids padded with trailing zeros into :class:`Sequences`.

    Row ``i`` is read up to its last non-zero id; an all-zero row is an error. A 3-D
    array ``(n_samples, max_length, P)`` holds bags of ids (see ``_embedding``), read up
    to the last bag holding a non-zero id. ``hint`` ends the message about non-integer
    ids.
    """
    ids = _as_token_ids(
        read_array(X, name, "token ids form a 2-D array or a list of 1-D arrays"), name,
        estimator_name, hint,
    )
    if ids.ndim not in (2, 3):
        raise ValueError(
            f"{estimator_name} reads token ids as a 2-D array (n_samples, max_length) "
            f"padded with 0, or as a list of 1-D id arrays (or bags of ids per step: a "
            f"3-D array or a list of 2-D arrays); got an array with {ids.ndim} "
            "dimension(s)."
        )
    if 0 in ids.shape:
        raise ValueError(f"Found {name} with shape {ids.shape}: no token ids.")
    negative = np.flatnonzero((ids < 0).reshape(len(ids), -1).any(axis=1))
    if negative.size:
        _check_non_negative(ids[negative[0]], f"{name}[{negative[0]}]")
    nonzero = ids != 0 if ids.ndim == 2 else (ids != 0).any(axis=2)
    empty = np.flatnonzero(~nonzero.any(axis=1))
    if empty.size:
        raise ValueError(
            f"{name}[{empty[0]}] holds only padding (token id 0): every sequence needs at "
            "least one token."
        )
    lengths = ids.shape[1] - np.argmax(nonzero[:, ::-1], axis=1).astype(np.intp)
    offsets = stacked(lengths)
    data = ids[np.arange(ids.shape[1]) < lengths[:, None]].astype(
        _id_dtype([ids]), copy=False
    )
    return Sequences(data, lengths, offsets)


def validate_token_sequences(estimator, X, *, reset):
    """Check token-id input (estimators with ``embedding_dim``) into :class:`Sequences`.

    ``X`` is a 2-D integer array padded with trailing zeros, or a list of 1-D integer
    arrays; or the same with a bag of ids per step (3-D array, list of 2-D arrays).
    The returned ``data`` is the 1-D array of all ids (2-D: all bags). With ``reset``,
    ``n_features_in_`` is set to 1: one token id per time step.
    """
    name = type(estimator).__name__
    if sp.issparse(X):
        raise TypeError(
            f"{name} does not accept sparse matrices: token ids must be a dense 2-D array "
            "or a list of 1-D arrays."
        )
    check_container(X)
    _reject_text(X, name)
    hint = ", or leave embedding_dim=None to read X as numeric features"
    if is_sequence_list(X):
        seqs = check_token_list(X, "X", name, hint)
    else:
        seqs = check_token_array(X, "X", name, hint)
    if reset:
        _record_or_check(estimator, 1, True, None, False)
    return seqs


# numpy's and scikit-learn's words when reading y fails, and what they mean for y
TARGET_ERRORS = (
    (
        ("could not convert", "float() argument must be", "invalid literal for"),
        ValueError,
        "y holds values that are not real numbers (such as strings, complex numbers or "
        "None among numbers), but these targets must be numbers.",
    ),
    (
        ("inhomogeneous", "array element"),
        ValueError,
        "y could not be read as an array of targets: it nests sequences or lists of "
        "different lengths, or holds arrays or pandas Series where numbers were expected.",
    ),
    (
        ("truth value of a",),  # pandas Series where single labels were expected
        ValueError,
        "y holds arrays or pandas Series where one target per sequence was expected; "
        "pass y as a 1-D array of targets, or (SeqToSeqRNN) a list of target arrays.",
    ),
    (
        # scikit-learn reads a generator, an iterator, a dict or a set as a 0-d array
        ("should have at least 1 dimension",),
        TypeError,
        "y is a single object, not a collection of targets (one per sequence): make a "
        "generator or iterator a list first (list(y)), pass a dict as list(y.values()); "
        "y must be a list, an array or a pandas Series.",
    ),
    (
        ("not supported between instances",),
        TypeError,
        "y holds labels of types that cannot be sorted together (such as None and "
        "strings); use labels of one type.",
    ),
)


@contextlib.contextmanager
def target_errors():
    """Reword numpy's, scikit-learn's and sorting's errors on reading ``y`` to name ``y``.

    Also silences the cast warnings ``type_of_target`` raises when it tests huge floats
    for integer values: they are not the user's concern.
    """
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            yield
    except (ValueError, TypeError) as exc:
        for words, error, message in TARGET_ERRORS:
            if any(w in str(exc) for w in words):
                raise error(message) from None
        raise
