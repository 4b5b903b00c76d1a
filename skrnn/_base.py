"""The one estimator base: hyperparameters, validation, the fit entry points and prediction.

The task heads (``_classes.py``) only say how targets become an output layer and back.
"""

import functools
import inspect
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from . import _embedding as emb
from . import _network as net
from ._backends import BACKENDS, CELL_TYPES, FitData
from ._blas import one_blas_thread
from ._callbacks import MIXINS, fit_tasks
from ._cells import ACTIVATIONS
from ._input import (
    check_sample_weight,
    check_score_weight,
    target_errors,
    validate_sequences,
    validate_token_sequences,
)
from ._persistence import check_version, stamp_version
from ._pooling import POOLINGS
from ._training import SCHEDULES, SOLVERS, Events, History


def finite_prediction(method):
    """Decorate a predict-like method: one BLAS thread, no numpy overflow warnings, and a
    ValueError instead of a non-finite output.

    Huge inputs may overflow inside a network; saturated gates give the right limit, but
    ``inf - inf`` gives NaN, so the output alone is judged.
    """

    @functools.wraps(method)
    def predict(self, *args, **kwargs):
        with one_blas_thread, np.errstate(over="ignore", invalid="ignore"):
            result = method(self, *args, **kwargs)
        # the stream methods return (output, state): the output is judged
        out = result[0] if isinstance(result, tuple) else result
        blocks = out if isinstance(out, list) else [out]
        for i, block in enumerate(blocks):
            block = np.asarray(block)
            if block.dtype.kind in "fc" and not np.isfinite(block).all():
                where = f"X[{i}]" if isinstance(out, list) else "X"
                raise ValueError(
                    f"The {method.__name__} output for {where} overflows {block.dtype}: "
                    "the input holds values too large for the network. Scale the input "
                    "(e.g. with sklearn.preprocessing.StandardScaler)."
                )
        return result

    return predict


def stochastic_solver(est):
    """``available_if`` test of ``partial_fit``: one epoch needs a stochastic solver.

    The echo state network streams its readout's normal equations, whatever the solver.
    """
    error = BACKENDS[CELL_TYPES[est.cell_type]].partial_fit_error(est)
    if error is not None:
        raise AttributeError(error)
    return True


def finite_score(method):
    """Decorate a ``score`` method: a ValueError instead of a non-finite score."""

    @functools.wraps(method)
    def score(self, X, y, sample_weight=None):
        if sample_weight is not None:
            sample_weight = check_score_weight(sample_weight)
        with one_blas_thread, np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            value = method(self, X, y, sample_weight)
        if not np.isfinite(value):
            raise ValueError(
                f"The score is {value}: y, sample_weight or the predictions hold values "
                "too large to square and sum in float64, or there are too few targets to "
                "define it."
            )
        return value

    return score


def with_extra_params(**extra):
    """Class decorator: an ``__init__`` taking the base's keywords plus ``extra``.

    scikit-learn reads hyperparameters from the ``__init__`` signature, so a subclass
    with one more parameter would have to repeat every keyword of the base. This writes
    that ``__init__`` (and its signature) from the base's instead.
    """

    def decorate(cls):
        base_init = next(k.__init__ for k in cls.__mro__[1:] if "__init__" in vars(k))
        signature = inspect.signature(base_init)
        added = [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default)
            for name, default in extra.items()
        ]

        def __init__(self, **params):
            for name, default in extra.items():
                setattr(self, name, params.pop(name, default))
            base_init(self, **params)

        __init__.__signature__ = signature.replace(
            parameters=[*signature.parameters.values(), *added]
        )
        __init__.__doc__ = base_init.__doc__
        __init__.__qualname__ = f"{cls.__name__}.__init__"
        cls.__init__ = __init__
        return cls

    return decorate


class BaseRNN(*MIXINS, BaseEstimator):
    """Shared hyperparameters and training of the recurrent estimators.

    With scikit-learn >= 1.9 it takes scikit-learn's callbacks (``set_callbacks``; see
    ``_callbacks``).
    """

    _parameter_constraints = {
        "cell_type": [StrOptions(set(CELL_TYPES))],
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "embedding_dim": [Interval(Integral, 1, None, closed="left"), None],
        "embedding_init": ["array-like", None],
        "freeze_embedding": ["boolean"],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "bidirectional": ["boolean"],
        "pooling": [StrOptions(set(POOLINGS))],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "input_dropout": [Interval(Real, 0, 1, closed="left")],
        "recurrent_dropout": [Interval(Real, 0, 1, closed="left")],
        "input_noise": [Interval(Real, 0, None, closed="left")],
        "token_dropout": [Interval(Real, 0, 1, closed="left")],
        "clip_norm": [Interval(Real, 0, None, closed="neither"), None],
        "solver": [StrOptions(set(SOLVERS))],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions(set(SCHEDULES))],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "learning_rate_min": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "bptt_steps": [Interval(Integral, 1, None, closed="left"), None],
        "spectral_radius": [Interval(Real, 0, None, closed="neither")],
        "leak_rate": [Interval(Real, 0, 1, closed="right")],
        "input_scaling": [Interval(Real, 0, None, closed="neither")],
        "reservoir_density": [Interval(Real, 0, 1, closed="right"), StrOptions({"auto"})],
        "washout": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        cell_type="gru",
        hidden_layer_sizes=(64,),
        embedding_dim=None,
        embedding_init=None,
        freeze_embedding=False,
        activation="tanh",
        bidirectional=False,
        pooling="last",
        dropout=0.0,
        input_dropout=0.0,
        recurrent_dropout=0.0,
        input_noise=0.0,
        token_dropout=0.0,
        clip_norm=5.0,
        solver="adam",
        alpha=1e-4,
        batch_size="auto",
        learning_rate="adaptive",
        learning_rate_init=0.005,
        learning_rate_min=1e-6,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        bptt_steps=None,
        spectral_radius=0.9,
        leak_rate=1.0,
        input_scaling=1.0,
        reservoir_density="auto",
        washout=0,
    ):
        self.cell_type = cell_type
        self.hidden_layer_sizes = hidden_layer_sizes
        self.embedding_dim = embedding_dim
        self.embedding_init = embedding_init
        self.freeze_embedding = freeze_embedding
        self.activation = activation
        self.bidirectional = bidirectional
        self.pooling = pooling
        self.dropout = dropout
        self.input_dropout = input_dropout
        self.recurrent_dropout = recurrent_dropout
        self.input_noise = input_noise
        self.token_dropout = token_dropout
        self.clip_norm = clip_norm
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.learning_rate_min = learning_rate_min
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.bptt_steps = bptt_steps
        self.spectral_radius = spectral_radius
        self.leak_rate = leak_rate
        self.input_scaling = input_scaling
        self.reservoir_density = reservoir_density
        self.washout = washout

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags

    # pickle, copy and skops.io carry the skrnn version; loading another one warns
    def __getstate__(self):
        return stamp_version(super().__getstate__())

    def __setstate__(self, state):
        super().__setstate__(check_version(self, state))

    # ------------------------------------------------------------------ task hooks
    # key of ``_training.OBJECTIVES``: how a batch's loss and gradient are computed
    _objective = "many_to_one"

    def _check_targets(self, seqs, Y):
        """Raise if the encoded targets ``Y`` do not fit the sequences ``seqs``."""

    def _task_spec(self, spec):
        """Return the network a task trains, given the stack ``spec`` built from the data.

        A many-to-one head trains ``spec`` with its ``pooling`` readout; an
        encoder–decoder wraps it.
        """
        return spec._replace(pooling=self.pooling)

    def _encode_targets(self, y, first_call, classes=None):
        """Return ``(Y, loss, stratify, weights)``.

        ``Y`` is the (n, n_outputs) float target matrix of ``loss``; ``stratify`` the
        labels a validation split keeps in proportion (or None); ``weights`` per-sample
        factors such as class weights (or None).
        """
        raise NotImplementedError

    # ------------------------------------------------------------------ fitting
    def _hidden_sizes(self):
        sizes = np.atleast_1d(np.asarray(self.hidden_layer_sizes))
        if sizes.ndim != 1 or sizes.size == 0 or sizes.dtype.kind not in "iu":
            raise ValueError(
                "hidden_layer_sizes must be a positive int or a non-empty sequence of "
                f"positive ints, got {self.hidden_layer_sizes!r}."
            )
        if (sizes < 1).any():
            raise ValueError(
                f"hidden_layer_sizes must be > 0, got {self.hidden_layer_sizes!r}."
            )
        return tuple(int(h) for h in sizes)

    def _check_hyperparameters(self):
        hidden = self._hidden_sizes()
        BACKENDS[CELL_TYPES[self.cell_type]].check(self, hidden)
        return hidden

    def _is_fitted(self):
        return hasattr(self, "output_coef_")

    def _fit(self, X, y, sample_weight=None, incremental=False, classes=None):
        hidden = self._check_hyperparameters()
        backend = CELL_TYPES[self.cell_type]
        first_call = not ((incremental or self.warm_start) and self._is_fitted())
        if not first_call and backend != self._backend:
            raise ValueError(
                "warm_start / partial_fit continue the fitted model, "
                f"{BACKENDS[self._backend].description}, which cell_type="
                f"{self.cell_type!r} cannot continue: fit it afresh (fit with "
                "warm_start=False) or set cell_type back."
            )
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        previous = None if first_call else self._spec
        embedding_init = emb.check_embedding_init(
            self.embedding_init, self.embedding_dim, self.freeze_embedding
        )
        if self.embedding_dim is None:
            seqs = validate_sequences(
                self, X, reset=first_call,
                n_step_features=None if first_call else previous.input_size,
            )
            input_size, token_seen = seqs.n_features, None
        else:
            seqs, token_seen = self._fit_token_sequences(X, previous, embedding_init)
            input_size = self.embedding_dim
        with target_errors():
            Y, loss, stratify, weights = self._encode_targets(y, first_call, classes)
        if len(Y) != seqs.n_samples:
            raise ValueError(
                "Found input variables with inconsistent numbers of samples: "
                f"X has {seqs.n_samples} sequences, y has {len(Y)}."
            )
        self._check_targets(seqs, Y)
        dtype = seqs.dtype
        values = Y if isinstance(Y, np.ndarray) else getattr(Y, "data", None)
        if dtype == np.float32 and values is not None and values.size:
            if not float(np.abs(values).max()) <= float(np.finfo(np.float32).max):
                raise ValueError(
                    "y holds values beyond the range of float32, the dtype of X; pass X "
                    "as float64 or scale y."
                )
        Y = Y.astype(dtype, copy=False)
        sample_weight = self._fit_weights(sample_weight, weights, seqs.n_samples, dtype)
        data = FitData(
            seqs, Y, loss, sample_weight, stratify, hidden, input_size, token_seen,
            embedding_init,
        )
        n_epochs = BACKENDS[backend].n_epochs(self, incremental)
        try:
            with fit_tasks(self, X, y, sample_weight, n_epochs) as tasks:
                events = self._fit_events().merged(tasks)
                BACKENDS[backend].fit(self, data, first_call, incremental, events)
        finally:
            # a backend sets _backend once it changes the model (a trained fit at its
            # start, a reservoir once solved): then drop what another kind had left
            if self.__dict__.get("_backend") == backend:
                for other in set(BACKENDS) - {backend}:
                    for name in BACKENDS[other].attributes:
                        self.__dict__.pop(name, None)
        return self

    @staticmethod
    def _fit_weights(sample_weight, weights, n_samples, dtype):
        """``sample_weight`` checked, cast to ``dtype`` and multiplied by the task's
        per-sample ``weights`` (class weights), or None.
        """
        if sample_weight is not None:
            # checked in float64: weights beyond float32 must not overflow in a cast
            sample_weight = check_sample_weight(sample_weight, n_samples, non_negative=True)
            with np.errstate(over="ignore"):  # an overflowing sum is refused below
                total = float(sample_weight.sum())
            if not total <= float(np.finfo(dtype).max):  # compared in float64
                raise ValueError(
                    f"sample_weight sums to {total:.3g}, beyond the range of {dtype}; "
                    "rescale the weights (only their ratios matter)."
                )
            sample_weight = sample_weight.astype(dtype, copy=False)
            if not sample_weight.any():
                raise ValueError(
                    f"sample_weight is 0 for every sample once cast to {dtype}, the dtype "
                    "of X; rescale the weights (only their ratios matter)."
                )
        if weights is not None:
            weights = weights.astype(dtype)
            sample_weight = weights if sample_weight is None else sample_weight * weights
        return sample_weight

    def _fit_events(self):
        """Return the callables the training loop calls at its event points, besides
        those of scikit-learn's callbacks.
        """
        return Events()

    # ------------------------------------------------------------------ history
    # fitted attribute <- History field
    _HISTORY_ATTRIBUTES = {
        "n_iter_": "n_iter", "t_": "t", "loss_curve_": "loss_curve",
        "grad_norm_curve_": "grad_norm_curve", "loss_": "loss", "best_loss_": "best_loss",
        "validation_scores_": "validation_scores",
        "best_validation_score_": "best_validation_score",
        "_no_improvement_count": "no_improvement_count", "_optimizer": "optimizer",
    }

    def _history(self):
        """Return the training record of the fitted model, for a fit that continues it."""
        return History(**{
            field: getattr(self, name) for name, field in self._HISTORY_ATTRIBUTES.items()
            if hasattr(self, name)
        })

    def _record_history(self, history):
        for name, field in self._HISTORY_ATTRIBUTES.items():
            setattr(self, name, getattr(history, field))

    def _fit_token_sequences(self, X, previous, embedding_init=None):
        """Token-id input of a fit: the ids the network reads, and the ids seen so far.

        The first fit sizes the table by the largest id (and the rows of
        ``embedding_init``, which count as seen); later (warm-start, partial) fits keep
        it, reading ids beyond it as the unknown id.
        """
        seqs = validate_token_sequences(self, X, reset=previous is None)
        if previous is None or previous.n_tokens is None:
            seen = emb.initial_seen(seqs.data, embedding_init)
        else:
            seen = self._token_seen.copy()
        emb.mark_seen(seen, seqs.data)
        return seqs._replace(data=emb.known_ids(seqs.data, seen)), seen

    def _set_params_views(self, params):
        if params.embedding is None:
            self.__dict__.pop("embedding_", None)
        else:
            self.embedding_ = params.embedding
        self.recurrent_coefs_ = params.recurrent
        self.output_coef_ = params.coef
        self.output_intercept_ = params.intercept

    def _params(self):
        return net.Params(
            getattr(self, "embedding_", None), self.recurrent_coefs_, self.output_coef_,
            self.output_intercept_,
        )

    # ------------------------------------------------------------------ prediction
    def _raw_output(self, seqs):
        """Activated outputs (n_samples, n_outputs) in sample order, always finite.

        Huge inputs may overflow inside a network; saturated gates then give the right
        limit, but ``inf - inf`` gives NaN. Overflow is therefore let through silently
        and judged by the output alone (a trained float32 model first tries again in
        float64): an output that stays non-finite is a ValueError naming the sequence.
        """
        out = BACKENDS[self._backend].output(self, seqs)
        limit = np.finfo(seqs.dtype).max
        with np.errstate(invalid="ignore"):
            within = (np.abs(out) <= limit).all(axis=1)
        if within.all():
            return out
        bad = int(np.flatnonzero(~within)[0])
        start = seqs.offsets[bad]
        peak = float(np.abs(seqs.data[start : start + seqs.lengths[bad]]).max())
        raise ValueError(
            f"The prediction for X[{bad}] overflows {seqs.dtype} (its largest absolute "
            f"value is {peak:.3g}): the network cannot compute a finite output for it. "
            "Scale the input (e.g. with sklearn.preprocessing.StandardScaler)"
            + (" or pass it as float64." if seqs.dtype == np.float32 else ".")
        )

    def _validated_output(self, X):
        return self._raw_output(self._validated_sequences(X))

    def _validated_sequences(self, X):
        """``X`` checked against the fitted input, as :class:`~skrnn._input.Sequences`."""
        check_is_fitted(self)
        if self._spec.n_tokens is None:
            seqs = validate_sequences(
                self, X, reset=False, n_step_features=self._spec.input_size
            )
        else:
            seqs = validate_token_sequences(self, X, reset=False)
            seqs = seqs._replace(data=emb.known_ids(seqs.data, self._token_seen))
        return seqs

    def _validation_score(self, problem):
        raise NotImplementedError

