"""Training contracts, checked through public behaviour only.

* Early stopping keeps the weights that scored best on the held-out samples: the
  held-out samples are found from the estimator's behaviour (perturbing one held-out
  sequence cannot change the weights of the first epoch), and every score is recomputed
  from predictions, not read from the bookkeeping.
* A diverging run raises :class:`skrnn.DivergenceError` and keeps the last finite
  weights; L-BFGS keeps its last accepted iterate, by value, after a divergence or an
  interruption.
* ``t_`` counts the samples seen: ``n_samples`` per epoch or L-BFGS iteration, across
  ``warm_start`` fits too.
* Switching ``cell_type`` between a trained network and an echo state network under
  ``warm_start`` / ``partial_fit`` is a clear ValueError, not an AttributeError.
"""

import inspect
import math
import sys
import warnings

import numpy as np
import pytest
import scipy.optimize
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score

from skrnn import DivergenceError, RNNClassifier, RNNRegressor, SeqToSeqRNN


def _weights(est):
    """Every trained weight of ``est`` as one vector, in a fixed order."""
    parts = [p[key].ravel() for p in est.recurrent_coefs_ for key in sorted(p)]
    parts += [est.output_coef_.ravel(), est.output_intercept_.ravel()]
    return np.concatenate(parts)


def _fit_quietly(est, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kwargs)


# --------------------------------------------------------------------------- early stopping
def _regression_data(n=60, seed=0):
    rng = np.random.RandomState(seed)
    X = [rng.normal(size=(rng.randint(3, 9), 2)) for _ in range(n)]
    y = np.array([x[:, 0].sum() + 0.5 * rng.normal() for x in X])
    return X, y


def _regressor_case():
    X, y = _regression_data()

    def score(est, index):
        return r2_score(y[index], est.predict([X[i] for i in index]))

    return RNNRegressor(learning_rate_init=0.05), X, y, score


def _classifier_case():
    X, y = _regression_data(seed=4)
    labels = np.digitize(y, np.quantile(y, [0.35, 0.7]))  # 3 unequal classes

    def score(est, index):
        return accuracy_score(labels[index], est.predict([X[i] for i in index]))

    return RNNClassifier(learning_rate_init=0.05), X, labels, score


def _seq2seq_case():
    rng = np.random.RandomState(2)
    X = [rng.normal(size=(rng.randint(3, 9), 2)) for _ in range(60)]
    y = [np.cumsum(x[:, 0])[-rng.randint(1, len(x) + 1) :] + 0.3 * rng.normal()
         for x in X]

    def score(est, index):
        pred = est.predict([X[i] for i in index])
        true = [y[i] for i in index]
        last = [np.ravel(p)[-len(t) :] for p, t in zip(pred, true, strict=True)]
        return r2_score(np.concatenate(true), np.concatenate(last))

    return SeqToSeqRNN(learning_rate_init=0.05), X, y, score


EARLY_STOPPING = {
    "cell_type": "gru", "hidden_layer_sizes": 8, "early_stopping": True,
    "validation_fraction": 0.25, "batch_size": 10, "max_iter": 15,
    "n_iter_no_change": 100, "random_state": 0,
}


def _held_out(est, X, y):
    """The samples early stopping holds out, found by behaviour alone.

    The held-out split depends on ``random_state`` and the labels, not on the values of
    ``X``; and a held-out sequence cannot change the weights after the first epoch,
    while a training one does. So each sequence is perturbed in turn and the one-epoch
    weights compared with the unperturbed ones.
    """
    one_epoch = clone(est).set_params(max_iter=1)
    reference = _weights(_fit_quietly(clone(one_epoch), X, y))
    held = []
    for i in range(len(X)):
        perturbed = list(X)
        perturbed[i] = X[i] + 0.5
        weights = _weights(_fit_quietly(clone(one_epoch), perturbed, y))
        if np.array_equal(weights, reference):
            held.append(i)
    return np.array(held)


@pytest.mark.parametrize("case", [_regressor_case, _classifier_case, _seq2seq_case],
                         ids=["regressor", "classifier", "seq2seq"])
def test_early_stopping_keeps_the_weights_that_scored_best(case):
    est, X, y, score = case()
    est.set_params(**EARLY_STOPPING)
    held = _held_out(est, X, y)
    # validation_fraction of the samples, rounded as train_test_split does
    assert len(held) == math.ceil(EARLY_STOPPING["validation_fraction"] * len(X))
    if isinstance(est, RNNClassifier):  # a stratified split keeps every class
        assert set(y[held]) == set(y)

    full = _fit_quietly(clone(est), X, y)
    scores = np.asarray(full.validation_scores_)
    best = int(np.argmax(scores))
    assert len(scores) == full.n_iter_ == EARLY_STOPPING["max_iter"]
    # the run must make the choice matter: its last epoch is not its best
    assert scores[-1] < scores[best]
    # recomputed from the final model's predictions on the held-out samples
    final = score(full, held)
    assert final == pytest.approx(full.best_validation_score_, rel=1e-12, abs=1e-12)
    assert final == pytest.approx(scores.max(), rel=1e-12, abs=1e-12)

    # every recorded score, recomputed: a run stopped after k epochs holds the best of
    # its first k, whose held-out score must be the running maximum of the k scores
    for k in (1, 2, best + 1, len(scores) - 1):
        prefix = _fit_quietly(clone(est).set_params(max_iter=k), X, y)
        np.testing.assert_array_equal(prefix.validation_scores_, scores[:k])
        assert score(prefix, held) == pytest.approx(scores[:k].max(), rel=1e-12,
                                                    abs=1e-12)
    if not isinstance(est, RNNClassifier):  # continuous scores: no ties
        prefix = _fit_quietly(clone(est).set_params(max_iter=best + 1), X, y)
        np.testing.assert_array_equal(_weights(full), _weights(prefix))


# --------------------------------------------------------------------------- divergence
def _snapshot_or_none(est):
    """The weights of ``est`` when it has any."""
    return _weights(est).copy() if hasattr(est, "output_coef_") else None


def _run_until_divergence(steps):
    """Call each of ``steps`` in turn until one raises DivergenceError; return the
    weights after every call that returned, and the error."""
    snapshots = []
    for step in steps:
        try:
            est = step()
        except DivergenceError as error:
            assert "clip_norm" in str(error) and "learning_rate_init" in str(error)
            return snapshots, error
        snapshots.append(_snapshot_or_none(est))
    pytest.fail(f"no DivergenceError in {len(steps)} steps")


def _last_finite(snapshots):
    finite = [s for s in snapshots if s is not None and np.isfinite(s).all()]
    assert finite, "no finite weights were ever reached: the scenario is broken"
    return finite[-1]


def _divergence_data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(20, 6, 2))
    return X, X[:, :, 0].sum(axis=1)


@pytest.mark.parametrize("kind", ["regressor", "classifier"])
@pytest.mark.parametrize("cell_type", ["elman", "gru"])
def test_partial_fit_divergence_keeps_the_last_finite_weights(kind, cell_type):
    """A huge learning rate blows the weights up step by step until the loss is not
    finite; every partial_fit call is one full-batch step."""
    X, y = _divergence_data()
    Est = RNNRegressor if kind == "regressor" else RNNClassifier
    target = y if kind == "regressor" else (y > 0).astype(int)
    extra = {} if kind == "regressor" else {"classes": [0, 1]}
    est = Est(cell_type=cell_type, hidden_layer_sizes=4, solver="sgd", momentum=0.0,
              learning_rate_init=1e30, batch_size=len(X), shuffle=False, clip_norm=None,
              random_state=0)
    snapshots, _ = _run_until_divergence(
        [lambda: est.partial_fit(X, target, **extra)] * 40
    )
    assert len(snapshots) >= 2  # it diverged gradually, not on the first step
    kept = _weights(est)
    assert np.isfinite(kept).all()
    np.testing.assert_array_equal(kept, _last_finite(snapshots))
    assert np.isfinite(est.predict(X)).all()
    assert est.n_iter_ == len(snapshots) == len(est.loss_curve_)


def test_a_step_that_overflows_the_weights_is_not_kept():
    """A step from weights whose loss is finite can itself overflow (a learning rate
    near the float64 limit): the estimator must not keep the infinite weights it
    produced, but the last finite ones, and say so with DivergenceError."""
    X, y = _divergence_data()
    y = 1e3 * y  # a gradient of about 1e3: times 1e306 it overflows float64
    est = RNNRegressor(cell_type="gru", hidden_layer_sizes=4, solver="sgd", momentum=0.0,
                       learning_rate_init=1e-3, batch_size=len(X), shuffle=False,
                       clip_norm=None, max_iter=1, random_state=0)

    def fresh_optimizer_with_a_huge_step():
        # warm_start: a new optimizer with the new learning rate, one step
        est.set_params(warm_start=True, learning_rate_init=1e306)
        return _fit_quietly(est, X, y)

    snapshots, _ = _run_until_divergence(
        [lambda: _fit_quietly(est, X, y), fresh_optimizer_with_a_huge_step]
        + [lambda: est.partial_fit(X, y)] * 3
    )
    kept = _weights(est)
    assert np.isfinite(kept).all(), "the estimator kept non-finite weights"
    np.testing.assert_array_equal(kept, _last_finite(snapshots))
    assert np.isfinite(est.predict(X)).all()


# --------------------------------------------------------------------------- L-BFGS faults
class _FaultyMinimize:
    """``scipy.optimize.minimize`` with a fault injected once ``after`` iterations were
    accepted: the next objective evaluation is a trial point far out (whose loss is not
    finite, so skrnn's objective raises DivergenceError), or a KeyboardInterrupt right
    after the next trial point was evaluated (so the weights last evaluated are not the
    accepted ones).

    Records a copy of every accepted iterate as scipy reports it to the callback.
    """

    def __init__(self, fault, after):
        self.fault, self.after = fault, after
        self.accepted, self.injected = [], False
        self.real = scipy.optimize.minimize

    def __call__(self, fun, x0, *args, callback=None, **kwargs):
        def faulty_fun(x, *fargs):
            if len(self.accepted) >= self.after and not self.injected:
                self.injected = True
                if self.fault == "interrupt":
                    fun(x, *fargs)  # Ctrl-C once the trial point has been evaluated
                    raise KeyboardInterrupt
                return fun(np.full_like(x, 1e200), *fargs)
            return fun(x, *fargs)

        wrapped = None
        if callback is not None:
            new_style = "intermediate_result" in inspect.signature(callback).parameters

            def wrapped(intermediate_result):
                self.accepted.append(np.array(intermediate_result.x, copy=True))
                if new_style:
                    return callback(intermediate_result)
                return callback(intermediate_result.x)

        return self.real(faulty_fun, x0, *args, callback=wrapped, **kwargs)


def _patch_minimize(monkeypatch, faulty):
    """Route skrnn's calls of scipy's minimize (however imported) through ``faulty``."""
    monkeypatch.setattr(scipy.optimize, "minimize", faulty)
    for name, module in list(sys.modules.items()):
        if name.startswith("skrnn") and getattr(module, "minimize", None) is faulty.real:
            monkeypatch.setattr(module, "minimize", faulty)


@pytest.mark.parametrize("fault", ["divergence", "interrupt"])
@pytest.mark.parametrize("after", [0, 3])
def test_lbfgs_keeps_its_last_accepted_iterate(monkeypatch, fault, after):
    X, y = _divergence_data()
    est = RNNRegressor(cell_type="gru", hidden_layer_sizes=4, solver="lbfgs", tol=0.0,
                       max_iter=50, random_state=0)
    faulty = _FaultyMinimize(fault, after)
    _patch_minimize(monkeypatch, faulty)
    if fault == "divergence":
        with pytest.raises(DivergenceError):
            est.fit(X, y)
    else:
        with pytest.warns(UserWarning, match="interrupted"):
            est.fit(X, y)
    monkeypatch.undo()
    assert faulty.injected, "skrnn's L-BFGS no longer goes through scipy's minimize"
    assert len(faulty.accepted) == after == est.n_iter_ == len(est.loss_curve_)
    kept = _weights(est)
    assert np.isfinite(kept).all()
    if after == 0:
        # nothing accepted yet: the starting point, i.e. the initial weights of this
        # random_state, read from an SGD step too small to move any nonzero weight
        # (zero biases move by at most ~1e-298)
        still = RNNRegressor(**{**est.get_params(), "solver": "sgd", "max_iter": 1,
                                "learning_rate_init": 1e-300, "clip_norm": None})
        initial = _weights(_fit_quietly(still, X, y))
        np.testing.assert_allclose(kept, initial, rtol=1e-15, atol=1e-290)
    else:
        # the same values as the iterate scipy accepted last (compared as sorted
        # values: the order of the flat vector L-BFGS works on is skrnn's business)
        np.testing.assert_array_equal(np.sort(kept), np.sort(faulty.accepted[-1]))
        if after > 1:  # and not the values of an earlier one
            assert not np.array_equal(np.sort(kept), np.sort(faulty.accepted[-2]))
    assert np.isfinite(est.predict(X)).all()
    if fault == "interrupt" and after:
        assert est.loss_ == est.loss_curve_[-1]


def test_lbfgs_interrupted_keeps_the_same_weights_as_a_shorter_run(monkeypatch):
    """The last accepted iterate by value: the weights of an uninterrupted run of that
    many iterations."""
    X, y = _divergence_data()
    params = {"cell_type": "lstm", "hidden_layer_sizes": 3, "solver": "lbfgs", "tol": 0.0,
              "random_state": 0}
    faulty = _FaultyMinimize("interrupt", 4)
    _patch_minimize(monkeypatch, faulty)
    est = RNNRegressor(max_iter=50, **params)
    with pytest.warns(UserWarning, match="interrupted"):
        est.fit(X, y)
    monkeypatch.undo()
    shorter = _fit_quietly(RNNRegressor(max_iter=4, **params), X, y)
    np.testing.assert_array_equal(_weights(est), _weights(shorter))
    np.testing.assert_array_equal(est.predict(X), shorter.predict(X))
    assert est.loss_ == shorter.loss_curve_[-1]


# --------------------------------------------------------------------------- t_
@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
def test_t_counts_samples_per_iteration_across_warm_starts(solver):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(100, 5, 2))
    y = X[:, :, 0].sum(axis=1) + np.sin(X[:, :, 1]).sum(axis=1)
    est = RNNRegressor(hidden_layer_sizes=6, solver=solver, max_iter=3, tol=0.0,
                       warm_start=True, random_state=0)
    _fit_quietly(est, X, y)
    assert est.n_iter_ == 3 and est.t_ == 300
    _fit_quietly(est, X, y)
    assert est.n_iter_ == 6  # 3 + 3 iterations
    assert est.t_ == 100 * est.n_iter_ == 600


# ------------------------------------------------------------------------ cell_type switch
def _switch_data():
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(rng.randint(3, 8), 2)) for _ in range(30)]
    y = np.array([int(x[:, 0].sum() > 0) for x in X])
    return X, y


@pytest.mark.parametrize("first, second", [("gru", "esn"), ("esn", "gru"),
                                           ("lstm", "esn"), ("esn", "elman")])
@pytest.mark.parametrize("method", ["warm_start", "partial_fit"])
def test_switching_between_trained_and_reservoir_networks_needs_a_fresh_fit(
    first, second, method
):
    X, y = _switch_data()
    clf = _fit_quietly(RNNClassifier(cell_type=first, hidden_layer_sizes=5, max_iter=2,
                                     random_state=0), X, y)
    before = clf.predict_proba(X)
    clf.set_params(cell_type=second)
    with pytest.raises(ValueError, match="cell_type"):
        if method == "warm_start":
            _fit_quietly(clf.set_params(warm_start=True), X, y)
        else:
            clf.partial_fit(X, y)
    # refused before anything changed: the fitted model still predicts as before
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    # and a fresh fit is what works
    refit = _fit_quietly(clf.set_params(warm_start=False), X, y)
    assert refit.predict_proba(X).shape == before.shape
