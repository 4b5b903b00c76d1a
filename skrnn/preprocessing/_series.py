"""Transformers of numeric sequences: per-step transformers, frames and resampling.

Every transformer here reads ``X`` by the input contract (:mod:`skrnn._input`: a 2-D
``(n_samples, n_timesteps)`` array of univariate sequences, a 3-D ``(n_samples,
n_timesteps, n_features)`` array or a list of ``(T_i, n_features)`` or ``(T_i,)``
arrays) and gives its output back in the form it was given, so that it can stand in
front of a recurrent estimator in a :class:`~sklearn.pipeline.Pipeline`:

* 2-D in, 2-D out while the output has one feature per step; 3-D when it has more;
* 3-D in, 3-D out;
* list in, list of 2-D ``(T_i', n_features_out)`` arrays out (1-D ``(T_i',)`` arrays
  where every input sequence was 1-D and the output has one feature per step).

The one exception is :class:`Resampler`, whose output sequences all have the same
length: it returns a 3-D array for 3-D and list input, a 2-D array for 2-D input.

Inside, all time steps of all sequences are stacked in one ``(total_steps,
n_features)`` array (:class:`skrnn._input.Sequences`); frames and resampling are
gathers of rows of that array, computed for every sequence at once.
"""

from numbers import Integral
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context, clone
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from .._input import Sequences, is_sequence_list, stacked, validate_sequences


# ------------------------------------------------------------------------ input forms
class _Form(NamedTuple):
    """Validated sequences and the form ``X`` came in: ``"2d"``, ``"3d"`` or ``"list"``."""

    seqs: Sequences
    kind: str
    one_d: bool  # a list whose sequences are all 1-D (T_i,)


def _step_features(estimator):
    """Features per time step seen in fit: one for 2-D (univariate) input."""
    return 1 if estimator._fit_input_2d else estimator.n_features_in_


def _read(estimator, X, *, reset=False, check_features=True):
    """``X`` validated by the input contract, with the form to give the output back in.

    With ``check_features``, 3-D and list input must have the number of features per
    step seen in fit (2-D input follows scikit-learn's column rule either way).
    """
    n_step = None if reset or not check_features else _step_features(estimator)
    seqs = validate_sequences(estimator, X, reset=reset, n_step_features=n_step)
    if is_sequence_list(X):
        return _Form(seqs, "list", all(_ndim(x) == 1 for x in X))
    return _Form(seqs, "3d" if _ndim(X) == 3 else "2d", False)


def _ndim(x):
    """Dimensions of a validated array-like, read as the input check reads them."""
    ndim = getattr(x, "ndim", None)
    return np.asarray(x).ndim if ndim is None else ndim


def _in_form(form, data, lengths, *, squeeze=True):
    """Stacked output rows ``data`` (``lengths[i]`` rows per sequence) in ``form``.

    Sequences of one output feature become 1-D (list form) or the columns of a 2-D
    array (2-D form) when ``squeeze`` allows it.
    """
    n_out = data.shape[1]
    flat = squeeze and n_out == 1
    if form.kind == "list":
        pieces = np.split(data, stacked(lengths)[1:])
        return [p[:, 0] for p in pieces] if flat and form.one_d else pieces
    n, steps = len(lengths), int(lengths[0])
    if flat and form.kind == "2d":
        return data.reshape(n, steps)
    return data.reshape(n, steps, n_out)


def _as_step_rows(out, n_rows, method, owner):
    """Return the inner transformer's output as a dense 2-D array, one row per step."""
    if sp.issparse(out):
        out = out.toarray()
    out = np.asarray(out)
    if out.ndim == 1:
        out = out[:, None]
    if out.ndim != 2 or out.shape[0] != n_rows:
        raise ValueError(
            f"{owner}'s transformer returned an array of shape {out.shape} from "
            f"{method} on {n_rows} time steps; it must return one row per time step "
            "(a transformer of rows, such as StandardScaler or PCA)."
        )
    return out


# ------------------------------------------------------------------- per-step transform
def _inner_has(method):
    """``available_if`` check: the fitted (or else the given) transformer has ``method``."""

    def check(self):
        return hasattr(getattr(self, "transformer_", self.transformer), method)

    return check


class StepwiseTransformer(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    """Apply a scikit-learn transformer to every time step of every sequence.

    :meth:`fit` stacks all the real time steps of all sequences into one
    ``(total_steps, n_features)`` array and fits a clone of ``transformer`` on it;
    :meth:`transform` applies it to each step and returns the sequences in the form
    they were given (see Notes). Scaling every feature with statistics of the whole
    training set, instead of per sequence or per time step, is what
    ``StepwiseTransformer(StandardScaler())`` does in front of a recurrent network.

    The number of output features may differ from the input's (``PCA``,
    ``SplineTransformer``); the number of time steps may not.

    Parameters
    ----------
    transformer : estimator object
        A transformer of 2-D arrays with ``fit`` and ``transform``, for instance
        :class:`~sklearn.preprocessing.StandardScaler`. It is cloned; its parameters
        are reached as ``transformer__<name>`` in ``set_params`` and grid searches.

    Attributes
    ----------
    transformer_ : estimator object
        The clone of ``transformer`` fitted on the stacked time steps.
    n_features_in_ : int
        Features per time step for 3-D and list input; the number of columns (time
        steps) for 2-D input, as for every skrnn estimator.
    feature_names_in_ : ndarray of str
        Column names of a DataFrame passed to :meth:`fit`.

    See Also
    --------
    FrameStacker : Shorten sequences by stacking consecutive steps into one.
    Resampler : Interpolate every sequence to one length.

    Notes
    -----
    Output forms: a 3-D array gives a 3-D array and a list gives a list of
    ``(T_i, n_features_out)`` arrays (1-D arrays where the input sequences were 1-D
    and one feature comes out). A 2-D array of univariate sequences gives a 2-D array
    when one feature per step comes out, and a 3-D array otherwise.

    ``y`` is ignored: a transformer that needs targets has one per time step, which
    sequence labels are not. Sparse output of the inner transformer is made dense.
    NaN and infinite values are refused, as by every skrnn estimator.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skrnn.preprocessing import StepwiseTransformer
    >>> X = [np.array([[0.0, 10.0], [2.0, 10.0]]), np.array([[4.0, 40.0]])]
    >>> scaler = StepwiseTransformer(StandardScaler()).fit(X)
    >>> scaler.transform(X)
    [array([[-1.22474487, -0.70710678],
           [ 0.        , -0.70710678]]), array([[1.22474487, 1.41421356]])]
    >>> scaler.transformer_.mean_
    array([ 2., 20.])
    """

    _parameter_constraints = {"transformer": [HasMethods(["fit", "transform"])]}

    def __init__(self, transformer):
        self.transformer = transformer

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        if hasattr(self.transformer, "__sklearn_tags__"):
            inner = get_tags(self.transformer)
            tags.transformer_tags.preserves_dtype = inner.transformer_tags.preserves_dtype
            tags.non_deterministic = inner.non_deterministic
        return tags

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Fit a clone of ``transformer`` on all time steps of ``X``, stacked.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays
            Sequences, by the input contract.
        y : None
            Ignored.

        Returns
        -------
        self : StepwiseTransformer
            The fitted transformer.
        """
        form = _read(self, X, reset=True)
        self.transformer_ = clone(self.transformer).fit(form.seqs.data)
        return self

    @_fit_context(prefer_skip_nested_validation=False)
    def fit_transform(self, X, y=None):
        """Fit on the stacked time steps of ``X`` and return them transformed.

        Uses the inner transformer's own ``fit_transform``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays
            Sequences, by the input contract.
        y : None
            Ignored.

        Returns
        -------
        X_out : ndarray or list of ndarray
            The transformed sequences, in the form of ``X`` (see Notes of the class).
        """
        form = _read(self, X, reset=True)
        self.transformer_ = clone(self.transformer)
        out = self.transformer_.fit_transform(form.seqs.data)
        return self._output(form, out, "fit_transform")

    @available_if(_inner_has("partial_fit"))
    @_fit_context(prefer_skip_nested_validation=False)
    def partial_fit(self, X, y=None):
        """Update the inner transformer with the time steps of one more batch.

        The first call clones ``transformer``; later calls continue it and need the
        features per step (the columns, for 2-D input) of the first.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays
            A batch of sequences, by the input contract.
        y : None
            Ignored.

        Returns
        -------
        self : StepwiseTransformer
            The fitted transformer.
        """
        first_call = not hasattr(self, "transformer_")
        form = _read(self, X, reset=first_call)
        if first_call:
            self.transformer_ = clone(self.transformer)
        self.transformer_.partial_fit(form.seqs.data)
        return self

    def transform(self, X):
        """Transform every time step with the fitted inner transformer.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays
            Sequences with the features per step seen in :meth:`fit`; their lengths may
            differ from those of the training sequences (except for 2-D input, whose
            columns are its time steps).

        Returns
        -------
        X_out : ndarray or list of ndarray
            The transformed sequences, in the form of ``X`` (see Notes of the class).
        """
        check_is_fitted(self)
        form = _read(self, X)
        return self._output(form, self.transformer_.transform(form.seqs.data), "transform")

    @available_if(_inner_has("inverse_transform"))
    def inverse_transform(self, X):
        """Map transformed sequences back with the inner ``inverse_transform``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features_out]) or list
            Transformed sequences, such as the output of :meth:`transform`.

        Returns
        -------
        X_original : ndarray or list of ndarray
            The sequences in the input space, in the form of ``X``.
        """
        check_is_fitted(self)
        form = _read(self, X, check_features=False)
        out = self.transformer_.inverse_transform(form.seqs.data)
        return self._output(form, out, "inverse_transform")

    @available_if(_inner_has("get_feature_names_out"))
    def get_feature_names_out(self, input_features=None):
        """Get the names of the last axis of the output of :meth:`transform`.

        For 3-D and list input these are the inner transformer's names of the features
        of each step. For 2-D input transformed into 2-D output, whose columns are
        time steps, the column names pass through.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Names of the input features per step (of the columns, for 2-D input);
            by default ``feature_names_in_`` or ``x0, x1, ...``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            The feature names.
        """
        check_is_fitted(self)
        input_features = _check_feature_names_in(self, input_features)
        if not self._fit_input_2d:
            return np.asarray(
                self.transformer_.get_feature_names_out(input_features), dtype=object
            )
        step_names = np.asarray(self.transformer_.get_feature_names_out(), dtype=object)
        return input_features if len(step_names) == 1 else step_names

    def _output(self, form, out, method):
        out = _as_step_rows(out, len(form.seqs.data), method, type(self).__name__)
        return _in_form(form, out, form.seqs.lengths)


# --------------------------------------------------------------------- frames of steps
_PARTIAL_FRAME = ("keep", "drop")


def _frame_counts(lengths, frame_length, stride, keep_partial, owner):
    """Frames per sequence: the complete ones, and with ``keep_partial`` the first that
    reaches past the last step if it starts inside the sequence.
    """
    if keep_partial:
        to_last_step = 1 + -(-np.maximum(lengths - frame_length, 0) // stride)
        return np.minimum(to_last_step, -(-lengths // stride))
    short = np.flatnonzero(lengths < frame_length)
    if short.size:
        i = short[0]
        raise ValueError(
            f"X[{i}] has {lengths[i]} time steps, fewer than {owner}'s "
            f"frame_length={frame_length}, so it has no complete frame; pass "
            "partial_frame='keep' or a smaller frame_length."
        )
    return 1 + (lengths - frame_length) // stride


def _frame_rows(seqs, counts, frame_length, stride):
    """Rows of ``seqs.data`` in each frame, clipped to the last step, and their mask.

    Returns ``rows`` and ``real`` of shape ``(total_frames, frame_length)``: ``real``
    is False where a frame runs past the end of its sequence (those rows repeat its
    last step).
    """
    sequence = np.repeat(np.arange(len(counts)), counts)
    frame = np.arange(counts.sum()) - np.repeat(stacked(counts), counts)
    steps = frame[:, None] * stride + np.arange(frame_length)
    last = (seqs.lengths[sequence] - 1)[:, None]
    return seqs.offsets[sequence][:, None] + np.minimum(steps, last), steps <= last


class _SequenceTransformer(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    """Shared by the transformers whose fit only records the input's shape."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check ``X`` and record its number of features per step; nothing is learnt.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays
            Sequences, by the input contract.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The transformer (nothing is learned from ``X``).
        """
        form = _read(self, X, reset=True)
        self._check_params()
        self._learn(form)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None):
        """Fit to ``X`` (nothing is learnt) and return it transformed.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays
            Sequences, by the input contract.
        y : None
            Ignored.

        Returns
        -------
        X_out : ndarray or list of ndarray
            The transformed sequences.
        """
        form = _read(self, X, reset=True)
        self._check_params()
        self._learn(form)
        return self._transform_form(form)

    def transform(self, X):
        """Transform the sequences of ``X`` (see the class description).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays
            Sequences with the features per step seen in :meth:`fit`.

        Returns
        -------
        X_out : ndarray or list of ndarray
            The transformed sequences.
        """
        check_is_fitted(self)
        form = _read(self, X)
        self._check_params()
        return self._transform_form(form)

    def _check_params(self):
        """Check the parameters beyond ``_parameter_constraints``."""

    def _learn(self, form):
        """Record what fit learns from the data besides its shape (nothing by default)."""

    def _transform_form(self, form):
        raise NotImplementedError


# frame_length="auto": the longest training sequence becomes at most this many frames
AUTO_FRAMES = 64


class _FrameTransformer(_SequenceTransformer):
    """Frames of ``frame_length`` steps every ``stride`` steps, one output step each."""

    _parameter_constraints = {
        "frame_length": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "stride": [Interval(Integral, 1, None, closed="left"), None],
        "partial_frame": [StrOptions(set(_PARTIAL_FRAME))],
    }

    def _learn(self, form):
        if self.frame_length == "auto":
            longest = int(form.seqs.lengths.max())
            self.frame_length_ = max(1, -(-longest // AUTO_FRAMES))
        else:
            self.frame_length_ = self.frame_length

    def _frames(self, seqs):
        """Gathered frames ``(total_frames, frame_length, n_features)``, mask, counts."""
        frame_length = self.frame_length_
        stride = frame_length if self.stride is None else self.stride
        counts = _frame_counts(
            seqs.lengths, frame_length, stride, self.partial_frame == "keep",
            type(self).__name__,
        )
        rows, real = _frame_rows(seqs, counts, frame_length, stride)
        return seqs.data[rows], real, counts


class FrameStacker(_FrameTransformer):
    """Stack consecutive time steps into one step: shorter sequences, wider steps.

    Frame ``j`` of a sequence holds its steps ``j*stride`` to ``j*stride +
    frame_length - 1``, laid side by side: one output step of ``frame_length *
    n_features`` features (those of the frame's first step, then its second, ...).
    With the default stride (``None``: ``frame_length``) frames do not overlap and a
    sequence of ``T`` steps becomes ``ceil(T / frame_length)`` steps: a recurrent
    network then runs ``frame_length`` times fewer steps over long series and reads
    the fine detail in the features of each step.

    Parameters
    ----------
    frame_length : int or "auto", default=4
        Time steps per frame. "auto": the fewest steps per frame that turn the longest
        sequence seen in ``fit`` into at most 64 frames (1, no framing, for sequences of
        up to 64 steps), recorded as ``frame_length_``.
    stride : int or None, default=None
        Steps from the start of one frame to the start of the next; ``None`` means
        ``frame_length`` (no overlap). A stride below ``frame_length`` makes frames
        overlap; one above it skips the steps between frames.
    partial_frame : {"keep", "drop"}, default="keep"
        What happens to a last frame that starts inside a sequence but runs past its
        end. ``"keep"`` pads it by repeating the sequence's last step, so that no
        step is lost: with ``stride <= frame_length`` every step is in some frame, and
        a sequence shorter than ``frame_length`` becomes one padded frame. ``"drop"``
        leaves it out, and with it the steps only it holds (at most ``stride - 1``
        at the end of each sequence); a sequence shorter than ``frame_length`` is
        then an error.

    Attributes
    ----------
    frame_length_ : int
        The time steps per frame used (``frame_length``, or what "auto" chose).
    n_features_in_ : int
        Features per time step for 3-D and list input; the number of columns (time
        steps) for 2-D input.
    feature_names_in_ : ndarray of str
        Column names of a DataFrame passed to :meth:`fit`.

    See Also
    --------
    FrameSummarizer : Summary statistics of each frame instead of its raw steps.
    Resampler : Interpolate every sequence to one length.

    Notes
    -----
    The output is 3-D for 2-D and 3-D input (univariate sequences gain
    ``frame_length`` features per step) and a list of 2-D arrays for list input.
    Padding repeats the last step rather than writing zeros, which would read as real
    values.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn.preprocessing import FrameStacker
    >>> X = np.array([[1.0, 2.0, 3.0, 4.0, 5.0]])   # one univariate sequence
    >>> FrameStacker(frame_length=2).fit_transform(X)  # the last frame is padded
    array([[[1., 2.],
            [3., 4.],
            [5., 5.]]])
    >>> FrameStacker(frame_length=2, partial_frame="drop").fit_transform(X)
    array([[[1., 2.],
            [3., 4.]]])
    >>> FrameStacker(frame_length=3, stride=2).fit_transform(X)  # overlapping frames
    array([[[1., 2., 3.],
            [3., 4., 5.]]])
    """

    def __init__(self, frame_length=4, *, stride=None, partial_frame="keep"):
        self.frame_length = frame_length
        self.stride = stride
        self.partial_frame = partial_frame

    def _transform_form(self, form):
        frames, _, counts = self._frames(form.seqs)
        stacked_steps = frames.reshape(len(frames), -1)
        return _in_form(form, stacked_steps, counts, squeeze=False)


def _masked_mean(frames, real, count):
    return np.where(real, frames, 0).sum(axis=1) / count


def _masked_std(frames, real, count):
    centred = frames - _masked_mean(frames, real, count)[:, None]
    return np.sqrt(np.where(real, centred * centred, 0).sum(axis=1) / count)


# statistics of the real steps of a frame: (frames, real mask, count) -> (frames, d)
FRAME_STATS = {
    "mean": _masked_mean,
    "std": _masked_std,
    # rows past the end repeat the last step, so they cannot change a minimum or maximum
    "min": lambda frames, real, count: frames.min(axis=1),
    "max": lambda frames, real, count: frames.max(axis=1),
    "first": lambda frames, real, count: frames[:, 0],
    "last": lambda frames, real, count: frames[:, -1],
}


class FrameSummarizer(_FrameTransformer):
    """Summarise frames of consecutive steps by statistics: one step per frame.

    Frames are those of :class:`FrameStacker` (frame ``j`` starts at step
    ``j*stride``); each becomes one output step holding, for every statistic in
    ``stats`` in turn, its value for every input feature. A long series becomes a
    short sequence of local means, spreads and extremes; several summarizers with
    different ``frame_length`` give views at several scales.

    Parameters
    ----------
    frame_length : int or "auto", default=4
        Time steps per frame; "auto" as in :class:`FrameStacker` (at most 64 frames
        from the longest sequence seen in ``fit``), recorded as ``frame_length_``.
    stride : int or None, default=None
        Steps from the start of one frame to the next; ``None`` means
        ``frame_length`` (no overlap).
    stats : tuple of str, default=("mean", "std", "min", "max")
        Statistics of each frame, from "mean", "std" (population standard deviation,
        0 for one step), "min", "max", "first" and "last".
    partial_frame : {"keep", "drop"}, default="keep"
        ``"keep"`` summarises a last frame that runs past the end of a sequence over
        the steps it has (a sequence shorter than ``frame_length`` is one such frame);
        ``"drop"`` leaves it out, and then a sequence shorter than ``frame_length`` is
        an error.

    Attributes
    ----------
    frame_length_ : int
        The time steps per frame used (``frame_length``, or what "auto" chose).
    n_features_in_ : int
        Features per time step for 3-D and list input; the number of columns (time
        steps) for 2-D input.
    feature_names_in_ : ndarray of str
        Column names of a DataFrame passed to :meth:`fit`.

    See Also
    --------
    FrameStacker : The raw steps of each frame side by side.

    Notes
    -----
    The output has ``len(stats) * n_features`` features per step; it is 3-D for 2-D
    and 3-D input and a list of 2-D arrays for list input.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn.preprocessing import FrameSummarizer
    >>> X = np.array([[1.0, 3.0, 2.0, 6.0, 7.0]])
    >>> FrameSummarizer(frame_length=2, stats=("mean", "max")).fit_transform(X)
    array([[[2., 3.],
            [4., 6.],
            [7., 7.]]])
    """

    _parameter_constraints = {
        **_FrameTransformer._parameter_constraints,
        "stats": [tuple, list],
    }

    def __init__(
        self, frame_length=4, *, stride=None, stats=("mean", "std", "min", "max"),
        partial_frame="keep",
    ):
        self.frame_length = frame_length
        self.stride = stride
        self.stats = stats
        self.partial_frame = partial_frame

    def _check_params(self):
        if len(self.stats) == 0:
            raise ValueError("FrameSummarizer needs at least one statistic in stats.")
        for stat in self.stats:
            if stat not in FRAME_STATS:
                raise ValueError(
                    f"FrameSummarizer got the unknown statistic {stat!r} in stats; "
                    f"choose from {', '.join(map(repr, FRAME_STATS))}."
                )

    def _transform_form(self, form):
        frames, real, counts = self._frames(form.seqs)
        real = real[:, :, None]
        count = real.sum(axis=1).astype(frames.dtype)
        summaries = [FRAME_STATS[stat](frames, real, count) for stat in self.stats]
        return _in_form(form, np.concatenate(summaries, axis=1), counts, squeeze=False)


# ------------------------------------------------------------------------ resampling
def _resample(seqs, n_timesteps):
    """Linear interpolation of each sequence at ``n_timesteps`` evenly spaced points.

    The first and last points are the sequence's first and last steps; a one-step
    sequence is repeated. Returns ``(n_samples, n_timesteps, n_features)``.
    """
    last = (seqs.lengths - 1)[:, None]
    position = np.arange(n_timesteps) * last / (n_timesteps - 1)
    below = np.floor(position).astype(np.intp)
    above = np.minimum(below + 1, last)
    weight = (position - below).astype(seqs.data.dtype)[:, :, None]
    start = seqs.offsets[:, None]
    return (1 - weight) * seqs.data[start + below] + weight * seqs.data[start + above]


class Resampler(_SequenceTransformer):
    """Interpolate every sequence linearly to ``n_timesteps`` evenly spaced steps.

    Step ``j`` of the output of a sequence of ``T`` steps is read at position
    ``j * (T - 1) / (n_timesteps - 1)`` of the original, between its two nearest
    steps: the first and last steps are kept, and sequences of any length come out
    with the same length. Long series are shortened (a recurrent network then runs
    fewer steps) and ragged ones become one 3-D array.

    Parameters
    ----------
    n_timesteps : int, default=100
        Length of every output sequence, at least 2.

    Attributes
    ----------
    n_features_in_ : int
        Features per time step for 3-D and list input; the number of columns (time
        steps) for 2-D input.
    feature_names_in_ : ndarray of str
        Column names of a DataFrame passed to :meth:`fit`.

    See Also
    --------
    FrameSummarizer : Shorten sequences by summarising frames of steps.

    Notes
    -----
    The output is a 2-D array ``(n_samples, n_timesteps)`` for 2-D input and a 3-D
    array ``(n_samples, n_timesteps, n_features)`` for 3-D and list input.
    Shortening by interpolation reads the series at points only (no averaging):
    detail between them is lost; :class:`FrameSummarizer` keeps it in statistics.
    A sequence of one step is repeated ``n_timesteps`` times.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn.preprocessing import Resampler
    >>> X = [np.array([0.0, 10.0]), np.array([0.0, 1.0, 4.0, 9.0, 16.0])]
    >>> Resampler(n_timesteps=3).fit_transform(X)[..., 0]
    array([[ 0.,  5., 10.],
           [ 0.,  4., 16.]])
    """

    _parameter_constraints = {"n_timesteps": [Interval(Integral, 2, None, closed="left")]}

    def __init__(self, n_timesteps=100):
        self.n_timesteps = n_timesteps

    def _transform_form(self, form):
        out = _resample(form.seqs, self.n_timesteps)
        return out[:, :, 0] if form.kind == "2d" else out
