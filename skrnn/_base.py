"""The one estimator base: hyperparameters, validation, the fit entry points and prediction.

The task heads (``_classes.py``) only say how targets become an output layer and back.
"""

import functools
import inspect
import threading
import time
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import ThreadpoolController

from . import _embedding as emb
from . import _network as net
from . import _reservoir as esn
from ._cells import ACTIVATIONS, CELLS
from ._input import (
    check_sample_weight,
    check_score_weight,
    target_errors,
    validate_sequences,
    validate_token_sequences,
)
from ._persistence import check_version, stamp_version
from ._pooling import POOLINGS, check_truncation
from ._training import SOLVERS, Problem, architecture, make_trainer

# sequences per inference batch: sorted by length first, so batches are near-uniform
PREDICT_BATCH = 256

class _OneBlasThread:
    """Context in which BLAS runs on one thread; reentrant and shared by threads.

    A threaded BLAS splits some sums (dot products, some matrix-product shapes) between
    its threads, so the last bits of a result, and then trained weights, would depend on
    the number of threads. Training is sequential over time steps with small products
    where extra BLAS threads buy little; parallelism belongs to ``n_jobs``. The limit is
    process-wide, so it is set when the first skrnn computation starts and restored when
    the last one still running (in any thread) ends.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._running = 0
        self._blas = None  # found on first use, once numpy's BLAS is loaded
        self._saved = ()

    def __enter__(self):
        with self._lock:
            if self._running == 0:
                if self._blas is None:
                    # the libraries' own controls: threadpoolctl's limit() context
                    # re-inspects every loaded library, ~0.1 ms per prediction
                    found = ThreadpoolController().select(user_api="blas")
                    self._blas = found.lib_controllers
                self._saved = [lib.get_num_threads() for lib in self._blas]
                for lib in self._blas:
                    lib.set_num_threads(1)
            self._running += 1

    def __exit__(self, *exc_info):
        with self._lock:
            self._running -= 1
            if self._running == 0:
                for lib, n_threads in zip(self._blas, self._saved):
                    lib.set_num_threads(n_threads)


one_blas_thread = _OneBlasThread()


def finite_prediction(method):
    """Decorate a predict-like method: one BLAS thread, no numpy overflow warnings, and a
    ValueError instead of a non-finite output.

    Huge inputs may overflow inside a network; saturated gates give the right limit, but
    ``inf - inf`` gives NaN, so the output alone is judged.
    """

    @functools.wraps(method)
    def predict(self, *args, **kwargs):
        with one_blas_thread, np.errstate(over="ignore", invalid="ignore"):
            out = method(self, *args, **kwargs)
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
        return out

    return predict


def stochastic_solver(est):
    """``available_if`` test of ``partial_fit``: one epoch needs a stochastic solver.

    The echo state network streams its readout's normal equations, whatever the solver.
    """
    if est.cell_type != "esn" and est.solver not in ("sgd", "adam"):
        raise AttributeError(
            f"partial_fit is only available for stochastic optimizers (or "
            f"cell_type='esn'); {est.solver!r} is not stochastic."
        )
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


class BaseRNN(BaseEstimator):
    """Shared hyperparameters and training of the recurrent estimators."""

    _parameter_constraints = {
        "cell_type": [StrOptions({*CELLS, "esn"})],
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "embedding_dim": [Interval(Integral, 1, None, closed="left"), None],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "bidirectional": ["boolean"],
        "pooling": [StrOptions(set(POOLINGS))],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "clip_norm": [Interval(Real, 0, None, closed="neither"), None],
        "solver": [StrOptions(set(SOLVERS))],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
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
        activation="tanh",
        bidirectional=False,
        pooling="last",
        dropout=0.0,
        clip_norm=5.0,
        solver="adam",
        alpha=1e-4,
        batch_size="auto",
        learning_rate_init=0.005,
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
        self.activation = activation
        self.bidirectional = bidirectional
        self.pooling = pooling
        self.dropout = dropout
        self.clip_norm = clip_norm
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
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
        """The network a task trains, given the stack ``spec`` built from the data.

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
        if self.bidirectional and self.bptt_steps is not None:
            raise ValueError(
                "bptt_steps (truncated BPTT) cannot be combined with bidirectional=True: "
                "the backward direction needs the whole sequence."
            )
        if self.cell_type == "esn":
            if self._objective not in esn.OBJECTIVES:
                raise ValueError(
                    f"cell_type='esn' is not available for {type(self).__name__} with "
                    f"{self._objective!r} outputs: a decoder that reads its own outputs "
                    "has no closed-form readout. Use one output per sequence or "
                    "mode='aligned'."
                )
            unsupported = {
                "hidden_layer_sizes": (len(hidden) > 1, "one reservoir: give one size"),
                "bidirectional": (self.bidirectional, "set it to False"),
                "embedding_dim": (self.embedding_dim is not None, "set it to None"),
            }
            for name, (bad, fix) in unsupported.items():
                if bad:
                    raise ValueError(
                        f"cell_type='esn' does not support {name}={getattr(self, name)!r}; "
                        f"{fix}."
                    )
        return hidden

    def _is_fitted(self):
        return hasattr(self, "output_coef_")

    def _fit(self, X, y, sample_weight=None, incremental=False, classes=None):
        hidden = self._check_hyperparameters()
        first_call = not ((incremental or self.warm_start) and self._is_fitted())
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        previous = None if first_call else self._spec
        if self.embedding_dim is None:
            seqs = validate_sequences(
                self, X, reset=first_call,
                n_step_features=None if first_call else previous.input_size,
            )
            input_size, token_seen = seqs.n_features, None
        else:
            seqs, token_seen = self._fit_token_sequences(X, previous)
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
        if sample_weight is not None:
            # checked in float64: weights beyond float32 must not overflow in a cast
            sample_weight = check_sample_weight(
                sample_weight, seqs.n_samples, non_negative=True
            )
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
        if self.cell_type == "esn":
            with one_blas_thread:
                return self._fit_reservoir(
                    seqs, Y, loss, sample_weight, hidden, first_call, incremental
                )

        spec = net.NetSpec(
            self.cell_type, input_size, hidden, bool(self.bidirectional),
            Y.shape[1], self.activation,
            n_tokens=None if token_seen is None else len(token_seen),
        )
        spec = self._task_spec(spec)
        # before any training: a later mini-batch holding a longer sequence would fail
        # mid-fit. Specs without a readout (an encoder–decoder) read the last states.
        check_truncation(
            getattr(spec, "pooling", "last"), self.bptt_steps, int(seqs.lengths.max())
        )
        if first_call:
            self._random_state = check_random_state(self.random_state)
            flat = architecture(spec).init_params(spec, self._random_state, dtype)
            self._reset_history()
        else:
            if spec != previous:
                raise ValueError(
                    "warm_start / partial_fit need the same network: the fitted one is "
                    f"{previous}, the current parameters give {spec}."
                )
            flat = architecture(spec).pack(self._params(), spec, dtype)
            if not incremental:
                self._reset_history(keep_counts=True)
        self._spec = spec
        self._loss = loss
        self._token_seen = token_seen
        trainer = make_trainer(flat, spec)
        self._set_params_views(trainer.params)
        problem = Problem(seqs, Y, sample_weight, spec, loss, stratify, self._objective)
        try:
            with one_blas_thread:
                SOLVERS[self.solver](
                    self, trainer, problem, self._random_state, incremental,
                    self._validation_score,
                )
        finally:
            # the public attributes are views of the trained vector, also after an error
            self._set_params_views(trainer.params)
        return self

    # ------------------------------------------------------------------ echo state network
    def _fit_reservoir(self, seqs, Y, loss, sample_weight, hidden, first_call, incremental):
        """Closed-form fit of ``cell_type="esn"``: run the reservoir, solve the readout.

        The first call draws the reservoir; ``partial_fit`` adds the new sequences to the
        readout's normal equations and solves again; ``fit`` with ``warm_start`` keeps the
        reservoir and solves on the new data alone.
        """
        start = time.perf_counter()
        config = esn.ReservoirConfig(
            float(self.leak_rate), self.activation, int(self.washout)
        )
        spec = net.NetSpec(
            "esn", seqs.n_features, hidden, False, Y.shape[1], self.activation
        )
        density = self.reservoir_density
        if density == "auto":
            density = esn.auto_density(hidden[0])
        build = (spec, float(self.spectral_radius), float(density), float(self.input_scaling))
        # the estimator's attributes change only once the readout is solved, so a fit
        # that fails (overflow) or is interrupted leaves the previous model whole
        if first_call:
            self._random_state = check_random_state(self.random_state)
            reservoir = esn.make_reservoir(
                seqs.n_features, hidden[0], spectral_radius_target=build[1],
                density=build[2], input_scaling=build[3], rng=self._random_state,
            )
        else:
            reservoir = self.reservoir_
        if not first_call and (build, config) != (self._esn_build, self._esn_config):
            raise ValueError(
                "warm_start / partial_fit need the same reservoir: the fitted one is "
                f"{self._esn_build + tuple(self._esn_config)}, the current parameters "
                f"give {build + tuple(config)}."
            )
        objective = esn.OBJECTIVES[self._objective]
        if first_call or not incremental:
            moments = esn.empty_moments(objective.features_per_unit * hidden[0], Y.shape[1])
        else:
            moments = self._moments
        # huge inputs saturate tanh harmlessly but may overflow on the way; judge the
        # result instead of warning mid-way
        with np.errstate(over="ignore", invalid="ignore"):
            moments = objective.accumulate(
                moments, reservoir, config, seqs, Y, sample_weight, PREDICT_BATCH
            )
            finite = all(np.isfinite(part).all() for part in moments)
            if finite:
                coef, intercept = esn.fit_readout(moments, float(self.alpha), loss)
                finite = np.isfinite(coef).all() and np.isfinite(intercept).all()
        if not finite:
            raise ValueError(
                "The echo state network's readout overflows float64: X, y or "
                "sample_weight hold values too large for it. Scale them (e.g. with "
                "sklearn.preprocessing.StandardScaler)."
            )
        for stale in ("recurrent_coefs_", "embedding_"):
            self.__dict__.pop(stale, None)
        if first_call:
            self._reset_history()
        self.reservoir_ = reservoir
        self.output_coef_, self.output_intercept_ = coef, intercept
        self._moments, self._spec, self._loss = moments, spec, loss
        self._esn_build, self._esn_config, self._token_seen = build, config, None
        self.n_iter_ += 1
        self.t_ += seqs.n_samples
        self.validation_scores_ = self.best_validation_score_ = None
        if self.verbose:
            print(
                f"Echo state network: {seqs.n_samples} sequences, {len(seqs.data)} steps "
                f"through {hidden[0]} units, readout solved in "
                f"{time.perf_counter() - start:.2f}s"
            )
        return self

    def _reservoir_output(self, seqs):
        """The ESN's activated outputs in the fitted objective's layout (an array of one
        row per sequence, or a list of per-step blocks)."""
        with np.errstate(over="ignore", invalid="ignore"):
            out = esn.OBJECTIVES[self._objective].output(
                self.reservoir_, self._esn_config, self.output_coef_,
                self.output_intercept_, self._loss, seqs, PREDICT_BATCH,
            )
        if not isinstance(out, list):
            return out.astype(seqs.dtype, copy=False)  # _raw_output judges finiteness
        if not all(np.isfinite(block).all() for block in out):
            raise ValueError(
                "The echo state network's prediction overflows float64: X holds values "
                "too large for it. Scale X (e.g. with sklearn.preprocessing.StandardScaler)."
            )
        return [block.astype(seqs.dtype, copy=False) for block in out]

    def _fit_token_sequences(self, X, previous):
        """Token-id input of a fit: the ids the network reads, and the ids seen so far.

        The first fit sizes the table by the largest id; later (warm-start, partial)
        fits keep it, reading ids beyond it as the unknown id.
        """
        seqs = validate_token_sequences(self, X, reset=previous is None)
        if previous is None or previous.n_tokens is None:
            seen = np.zeros(emb.vocabulary_size(seqs.data), dtype=bool)
        else:
            seen = self._token_seen.copy()
        emb.mark_seen(seen, seqs.data)
        return seqs._replace(data=emb.known_ids(seqs.data, seen)), seen

    def _reset_history(self, keep_counts=False):
        if not keep_counts:
            self.n_iter_ = 0
            self.t_ = 0
            self._optimizer = None
        self.loss_curve_ = []
        self.grad_norm_curve_ = []
        self.best_loss_ = np.inf
        self._no_improvement_count = 0

    def _set_params_views(self, params):
        if params.embedding is None:
            self.__dict__.pop("embedding_", None)
        else:
            self.embedding_ = params.embedding
        self.__dict__.pop("reservoir_", None)
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

        Huge inputs may overflow inside the network; saturated gates then give the
        right limit, but ``inf - inf`` gives NaN. Overflow is therefore let through
        silently and judged by the output alone: a non-finite float32 output is
        recomputed in float64, and one that stays non-finite is a ValueError.
        """
        if self._spec.cell_type == "esn":
            with one_blas_thread, np.errstate(over="ignore", invalid="ignore"):
                out = self._reservoir_output(seqs)
        else:
            out = self._forward_all(seqs, self._params())
        if not np.isfinite(out).all():
            out = self._recomputed_or_raise(seqs, out)
        return out

    def _forward_all(self, seqs, params):
        out = np.empty((seqs.n_samples, self._spec.n_outputs), dtype=seqs.dtype)
        by_length = np.argsort(-seqs.lengths, kind="stable")
        with one_blas_thread, np.errstate(over="ignore", invalid="ignore"):
            for start in range(0, seqs.n_samples, PREDICT_BATCH):
                batch = net.make_batch(seqs, by_length[start : start + PREDICT_BATCH])
                out[batch.order] = net.predict_output(params, self._spec, batch, self._loss)
        return out

    def _recomputed_or_raise(self, seqs, out):
        limit = np.finfo(seqs.dtype).max
        if seqs.data.dtype == np.float32 and self._spec.cell_type != "esn":
            params = self._params()
            wide = net.Params(
                None if params.embedding is None else params.embedding.astype(np.float64),
                [{k: v.astype(np.float64) for k, v in p.items()} for p in params.recurrent],
                params.coef.astype(np.float64), params.intercept.astype(np.float64),
            )
            out = self._forward_all(seqs._replace(data=seqs.data.astype(np.float64)), wide)
            if (np.abs(out) <= limit).all():  # finite, and fits float32 again
                return out.astype(np.float32)
        with np.errstate(invalid="ignore"):
            bad = int(np.flatnonzero(~(np.abs(out) <= limit).all(axis=1))[0])
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

