"""The one estimator base: hyperparameters, validation, the fit entry points and prediction.

The task heads (``_classes.py``) only say how targets become an output layer and back.
"""

import inspect
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from . import _network as net
from ._cells import ACTIVATIONS, CELLS
from ._input import validate_sequences
from ._training import SOLVERS, Problem, make_trainer

# sequences per inference batch: sorted by length first, so batches are near-uniform
PREDICT_BATCH = 256


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
        "cell_type": [StrOptions(set(CELLS))],
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "bidirectional": ["boolean"],
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
    }

    def __init__(
        self,
        *,
        cell_type="gru",
        hidden_layer_sizes=(64,),
        activation="tanh",
        bidirectional=False,
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
    ):
        self.cell_type = cell_type
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.bidirectional = bidirectional
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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags

    # ------------------------------------------------------------------ task hooks
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
        seqs = validate_sequences(
            self, X, reset=first_call,
            n_step_features=None if first_call else previous.input_size,
        )
        Y, loss, stratify, weights = self._encode_targets(y, first_call, classes)
        if len(Y) != seqs.n_samples:
            raise ValueError(
                "Found input variables with inconsistent numbers of samples: "
                f"X has {seqs.n_samples} sequences, y has {len(Y)}."
            )
        dtype = seqs.dtype
        Y = Y.astype(dtype, copy=False)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, np.empty(seqs.n_samples), dtype=dtype
            )
        if weights is not None:
            weights = weights.astype(dtype)
            sample_weight = weights if sample_weight is None else sample_weight * weights

        spec = net.NetSpec(
            self.cell_type, seqs.n_features, hidden, bool(self.bidirectional),
            Y.shape[1], self.activation,
        )
        if first_call:
            self._random_state = check_random_state(self.random_state)
            flat = net.init_params(spec, self._random_state, dtype)
            self._reset_history()
        else:
            if spec != previous:
                raise ValueError(
                    "warm_start / partial_fit need the same network: the fitted one is "
                    f"{previous}, the current parameters give {spec}."
                )
            flat = net.pack(self._params(), spec, dtype)
            if not incremental:
                self._reset_history(keep_counts=True)
        self._spec = spec
        self._loss = loss
        trainer = make_trainer(flat, spec)
        self._set_params_views(trainer.params)
        problem = Problem(seqs, Y, sample_weight, spec, loss, stratify)
        try:
            SOLVERS[self.solver](
                self, trainer, problem, self._random_state, incremental,
                self._validation_score,
            )
        finally:
            # the public attributes are views of the trained vector, also after an error
            self._set_params_views(trainer.params)
        return self

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
        """Activated outputs (n_samples, n_outputs) in sample order."""
        params = self._params()
        out = np.empty((seqs.n_samples, self._spec.n_outputs), dtype=seqs.dtype)
        by_length = np.argsort(-seqs.lengths, kind="stable")
        for start in range(0, seqs.n_samples, PREDICT_BATCH):
            batch = net.make_batch(seqs, by_length[start : start + PREDICT_BATCH])
            out[batch.order] = net.predict_output(params, self._spec, batch, self._loss)
        return out

    def _validated_output(self, X):
        check_is_fitted(self)
        seqs = validate_sequences(
            self, X, reset=False, n_step_features=self._spec.input_size
        )
        return self._raw_output(seqs)

    def _validation_score(self, problem):
        raise NotImplementedError

