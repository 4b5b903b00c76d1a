"""The training loop as functions of a FitConfig that fill a History, its event points,
optimizer state as plain data, and the backend table."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skrnn import RNNClassifier, RNNRegressor, SeqToSeqRNN
from skrnn import _network as net
from skrnn._backends import BACKENDS, CELL_TYPES
from skrnn._training import (
    SOLVERS,
    EpochEnd,
    Events,
    FitConfig,
    History,
    Problem,
    make_trainer,
)
from skrnn.datasets import make_delayed_label
from skrnn.exceptions import DivergenceError

pytestmark = pytest.mark.usefixtures("quiet_convergence")


def _data(n=40, T=8, seed=0):
    X, y = make_delayed_label(n_samples=n, n_timesteps=T, random_state=seed)
    return X, y


def _problem(X, y, hidden=(5,), rng=None):
    """A binary problem set up as RNNClassifier sets it up (one logistic output)."""
    from skrnn._input import check_sequence_list

    seqs = check_sequence_list(list(X))
    spec = net.NetSpec("gru", 2, hidden, False, 1)
    rng = np.random.RandomState(0) if rng is None else rng
    flat = net.init_params(spec, rng, np.float64)
    Y = y[:, None].astype(np.float64)
    return make_trainer(flat, spec), Problem(seqs, Y, None, spec, "binary_log_loss", y)


def test_fit_config_reads_every_training_parameter_of_the_estimators():
    for est in (RNNClassifier(), RNNRegressor(), SeqToSeqRNN()):
        params = est.get_params()
        config = FitConfig.from_params(params)
        for name in FitConfig._fields:
            if name in params:
                assert getattr(config, name) == params[name], name
    assert FitConfig.from_params(SeqToSeqRNN(teacher_forcing_ratio=0.3).get_params()) \
        .teacher_forcing_ratio == 0.3


def test_loop_fills_a_history_and_never_touches_an_estimator():
    X, y = _data()
    trainer, problem = _problem(X, y)
    config = FitConfig(max_iter=3)
    history = SOLVERS["adam"](config, trainer, problem, np.random.RandomState(0), History())
    assert history.n_iter == 3 and len(history.loss_curve) == 3
    assert history.t == 3 * len(X)
    assert history.optimizer["solver"] == "adam" and history.optimizer["t"] == 3
    assert history.stop_reason == "max_iter"


def test_estimator_attributes_are_the_loops_history():
    X, y = _data()
    clf = RNNClassifier(hidden_layer_sizes=5, max_iter=4, random_state=0).fit(X, y)
    rng = np.random.RandomState(0)  # the estimator draws its weights, then trains
    trainer, problem = _problem(X, y, rng=rng)
    config = FitConfig.from_params(clf.get_params())
    history = SOLVERS["adam"](config, trainer, problem, rng, History())
    # same seed, same data order: the same run
    assert clf.loss_curve_ == history.loss_curve
    assert clf.grad_norm_curve_ == history.grad_norm_curve
    assert (clf.n_iter_, clf.t_) == (history.n_iter, history.t)


def test_epoch_end_event_sees_each_epoch_and_can_stop_training_cleanly():
    X, y = _data()
    seen = []

    def stop_after_two(history, info):
        assert isinstance(info, EpochEnd)
        seen.append((info.epoch, info.loss, info.params.copy()))
        return info.epoch == 2

    class Stopping(RNNClassifier):
        def _fit_events(self):
            return Events(on_epoch_end=(stop_after_two,))

    clf = Stopping(hidden_layer_sizes=5, max_iter=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # a stop is not "max_iter"
        clf.fit(X, y)
    assert clf.n_iter_ == 2 and [e for e, _, _ in seen] == [1, 2]
    assert clf.loss_curve_ == [loss for _, loss, _ in seen]
    flat = net.pack(clf._params(), clf._spec, np.float64)
    np.testing.assert_array_equal(flat, seen[-1][2])  # the weights of the last epoch
    clf.predict(X)  # fitted and consistent


def test_batch_end_event_sees_every_optimizer_step():
    X, y = _data(n=50)
    steps = []

    class Counting(RNNClassifier):
        def _fit_events(self):
            return Events(on_batch_end=(lambda history, info: steps.append(info),))

    clf = Counting(hidden_layer_sizes=4, max_iter=3, batch_size=20, random_state=0)
    clf.fit(X, y)
    assert len(steps) == 3 * 3  # ceil(50 / 20) batches per epoch
    assert [s.n_samples for s in steps[:3]] == [20, 20, 10]
    assert clf._optimizer["t"] == len(steps)


def test_lbfgs_iterations_are_epoch_events_and_a_stop_keeps_that_iterate():
    X, y = _data()

    class Stopping(RNNClassifier):
        def _fit_events(self):
            return Events(on_epoch_end=(lambda h, info: info.epoch == 3,))

    clf = Stopping(hidden_layer_sizes=4, solver="lbfgs", max_iter=50, random_state=0)
    clf.fit(X, y)
    assert clf.n_iter_ == 3 and len(clf.loss_curve_) == 3
    ref = RNNClassifier(hidden_layer_sizes=4, solver="lbfgs", max_iter=3, random_state=0)
    ref.fit(X, y)
    np.testing.assert_allclose(clf.output_coef_, ref.output_coef_, rtol=1e-12)


def test_optimizer_state_pickles_as_plain_data():
    X, y = _data()
    allowed = (str, int, float, bool, tuple, np.ndarray, dict)

    def plain(value):
        if isinstance(value, dict):
            return all(plain(v) for v in value.values())
        return isinstance(value, allowed)

    for solver in ("adam", "sgd"):
        clf = RNNClassifier(
            hidden_layer_sizes=4, max_iter=2, solver=solver, random_state=0
        ).fit(X, y)
        state = clf._optimizer
        assert type(state) is dict and plain(state), state
        assert b"skrnn" not in pickle.dumps(state)


def test_sgd_step_that_overflows_the_weights_raises_and_keeps_the_last_finite_ones():
    X, y = _data()
    reg = RNNRegressor(
        hidden_layer_sizes=3, solver="sgd", momentum=0.0, clip_norm=None,
        learning_rate_init=1e300, batch_size=len(X), shuffle=False, random_state=0,
    )
    with pytest.raises(DivergenceError):
        reg.fit(X, y * 1e3)
    assert all(np.isfinite(p).all() for p in reg.recurrent_coefs_[0].values())
    assert np.isfinite(reg.output_coef_).all()


def test_training_split_without_weight_is_a_clear_error(monkeypatch):
    # every non-zero weight in the validation split: the epoch mean used to divide by
    # the number of weighted batches, 0 here
    X, y = _data(n=20)
    trainer, problem = _problem(X, y)
    weights = np.zeros(20)
    weights[[3, 7]] = 1.0
    problem = problem._replace(sample_weight=weights)
    monkeypatch.setattr(
        "skrnn._training.train_test_split",
        lambda index, **kw: (np.setdiff1d(index, [3, 7]), np.array([3, 7])),
    )
    config = FitConfig(max_iter=2, early_stopping=True)
    with pytest.raises(ValueError, match="training split"):
        SOLVERS["adam"](config, trainer, problem, np.random.RandomState(0), History())


def test_no_estimator_module_branches_on_the_echo_state_network():
    import inspect
    import io
    import tokenize

    from skrnn import _base, _classes, _seq2seq_estimator

    for module in (_base, _classes, _seq2seq_estimator):
        tokens = tokenize.generate_tokens(io.StringIO(inspect.getsource(module)).readline)
        literals = {t.string for t in tokens if t.type == tokenize.STRING}
        assert not literals & {'"esn"', "'esn'"}, module.__name__
    assert set(CELL_TYPES.values()) == set(BACKENDS)


@pytest.mark.parametrize("incremental", [False, True])
@pytest.mark.parametrize("first,second", [("gru", "esn"), ("esn", "gru")])
def test_warm_start_or_partial_fit_across_backends_is_a_clear_error(
    first, second, incremental
):
    X, y = _data()
    clf = RNNClassifier(cell_type=first, hidden_layer_sizes=5, max_iter=2, random_state=0)
    clf.fit(X, y)
    before = clf.predict_proba(X)
    clf.set_params(cell_type=second, warm_start=True)
    with pytest.raises(ValueError, match="cell_type='?" + second):
        if incremental:
            clf.partial_fit(X, y)
        else:
            clf.fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), before)  # untouched
    clf.set_params(warm_start=False).fit(X, y)  # a fresh fit works
    assert ("reservoir_" in vars(clf)) == (second == "esn")
    assert ("recurrent_coefs_" in vars(clf)) == (second != "esn")


def test_lbfgs_warm_start_counts_each_samples_pass_once():
    X, y = _data(n=100)
    clf = RNNClassifier(
        hidden_layer_sizes=3, solver="lbfgs", max_iter=3, warm_start=True, random_state=0
    )
    clf.fit(X, y)
    first = clf.n_iter_
    assert clf.t_ == 100 * first
    clf.fit(X, y)
    assert clf.t_ == 100 * clf.n_iter_ and clf.n_iter_ > first


# --------------------------------------------------------------------------- schedules
def _replay_adaptive(losses, scores, lr, tol, patience, lr_min):
    """The rate each epoch trains with under the "adaptive" rule, and the epoch after
    which it stops."""
    best, count, rates = (-np.inf if scores else np.inf), 0, []
    for epoch, value in enumerate(scores or losses):
        rates.append(lr)
        improved = value >= best + tol if scores else value <= best - tol
        best = max(best, value) if scores else min(best, value)
        count = 0 if improved else count + 1
        if count >= patience:
            if lr / 5 < lr_min:
                return rates, epoch + 1
            lr, count = lr / 5, 0
    return rates, None


@pytest.mark.parametrize("early_stopping", [False, True])
def test_adaptive_rate_changes_exactly_when_the_plateau_rule_says(early_stopping):
    X, y = _data(n=60)
    rates = []

    class Recording(RNNClassifier):
        def _fit_events(self):
            return Events(on_epoch_end=(
                lambda history, info: rates.append(history.optimizer["learning_rate"]),
            ))

    clf = Recording(
        hidden_layer_sizes=4, learning_rate="adaptive", learning_rate_init=0.01,
        learning_rate_min=1e-4, n_iter_no_change=2, tol=0.02, max_iter=60,
        early_stopping=early_stopping, random_state=0,
    ).fit(X, y)
    expected, stop = _replay_adaptive(
        clf.loss_curve_, clf.validation_scores_, 0.01, 0.02, 2, 1e-4
    )
    assert rates == pytest.approx(expected, rel=1e-15)
    assert len(set(rates)) > 2  # the rate did change, more than once
    assert stop == clf.n_iter_  # stopped where the rate would pass its minimum
    assert clf._optimizer["learning_rate"] >= 1e-4


def test_constant_rate_never_changes_and_stops_on_the_first_plateau():
    X, y = _data()
    clf = RNNClassifier(
        hidden_layer_sizes=4, learning_rate="constant", learning_rate_init=0.01,
        n_iter_no_change=2, tol=10.0, max_iter=60, random_state=0,
    ).fit(X, y)
    assert clf.n_iter_ == 3  # epoch 1 improves on inf, 2 and 3 do not
    assert clf._optimizer["learning_rate"] == 0.01


@pytest.mark.parametrize("n,n_classes", [(30, 4), (20, 10)])
def test_early_stopping_split_too_small_for_the_classes_is_explained(n, n_classes):
    # a 10 % validation split of 30 samples holds 3, fewer than 4 classes (BasicMotions'
    # situation); 20 samples of 10 classes leave classes of a single sample
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n, 5, 2))
    y = np.arange(n) % n_classes
    clf = RNNClassifier(hidden_layer_sizes=3, early_stopping=True, max_iter=2)
    with pytest.raises(ValueError, match="early_stopping holds out validation_fraction"):
        clf.fit(X, y)
    if n == 30:  # a larger fraction holds every class on both sides
        clf.set_params(validation_fraction=0.5).fit(X, y)
