"""scikit-learn's callbacks (sklearn >= 1.9): the task tree fit -> epoch -> batch,
ScoringMonitor per epoch, stopping on request, meta-estimators across processes,
pickling, and the estimators without ``sklearn.callback``."""

import pickle
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from skrnn import RNNClassifier, RNNRegressor, SeqToSeqRNN
from skrnn import _network as net
from skrnn.datasets import make_delayed_label

callback = pytest.importorskip("sklearn.callback")  # scikit-learn >= 1.9

ROOT = Path(__file__).resolve().parents[1]
SMALL = dict(hidden_layer_sizes=4, random_state=0)


class Recorder:
    """Records every hook call: (hook, task name, task-id path, max_subtasks or
    whether a fitted estimator came with the end), and what that estimator was.
    """

    def __init__(self, stop_at=None):
        self.calls, self.fitted = [], []
        self.stop_at = stop_at  # (task name, task-id path) whose end asks to stop

    def setup(self, estimator, context):
        self.calls.append(("setup",))

    def teardown(self, estimator, context):
        self.calls.append(("teardown",))

    def on_fit_task_begin(self, estimator, context, *, fitted_estimator=None):
        self.calls.append(("begin", context.task_name, _path(context),
                           context.max_subtasks))

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        key = (context.task_name, _path(context))
        self.calls.append(("end", *key, fitted_estimator is not None))
        if fitted_estimator is not None:
            self.fitted.append((key, fitted_estimator))
        return key == self.stop_at


def _path(context):
    path = []
    while context is not None:
        path.insert(0, context.task_id)
        context = context.parent
    return tuple(path)


def _tree(max_epochs, batches, max_batches=None):
    """The calls of one fit whose epochs ran ``batches[e]`` batches each."""
    max_batches = batches if max_batches is None else max_batches
    calls = [("setup",), ("begin", "fit", (0,), max_epochs)]
    for e, (n, most) in enumerate(zip(batches, max_batches, strict=True)):
        calls.append(("begin", "epoch", (0, e), most))
        for b in range(n):
            calls += [("begin", "batch", (0, e, b), 0), ("end", "batch", (0, e, b), False)]
        calls.append(("end", "epoch", (0, e), True))
    return calls + [("end", "fit", (0,), True), ("teardown",)]


def _fit(est, *args, method="fit", **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return getattr(est, method)(*args, **kwargs)


def _data(n=50, T=6, seed=0):
    return make_delayed_label(n_samples=n, n_timesteps=T, random_state=seed)


def _weights(est):
    return net.pack(est._params(), est._spec, np.float64)


# ---------------------------------------------------------------------- the task tree
@pytest.mark.parametrize("solver, batch_size, n_batches", [
    ("adam", 20, 3), ("sgd", 25, 2), ("adam", "auto", 1),
])
def test_stochastic_fit_is_fit_epochs_batches(solver, batch_size, n_batches):
    X, y = _data()
    rec = Recorder()
    clf = RNNClassifier(solver=solver, batch_size=batch_size, max_iter=3, **SMALL)
    _fit(clf.set_callbacks(rec), X, y)
    assert rec.calls == _tree(3, [n_batches] * 3)


def test_lbfgs_iterations_are_epochs_without_batches():
    X, y = _data()
    rec = Recorder()
    reg = RNNRegressor(solver="lbfgs", max_iter=4, **SMALL)
    _fit(reg.set_callbacks(rec), X, y.astype(float))
    assert reg.n_iter_ == 4
    assert rec.calls == _tree(4, [0] * 4)


def test_echo_state_network_is_one_epoch_whose_batches_are_its_chunks():
    X, y = _data(n=300)  # two chunks of at most 256 sequences
    rec = Recorder()
    clf = RNNClassifier(cell_type="esn", hidden_layer_sizes=10, random_state=0)
    clf.set_callbacks(rec).fit(X, y)
    assert rec.calls == _tree(1, [2])
    # aligned outputs: the same chunks
    rec = Recorder()
    est = SeqToSeqRNN(cell_type="esn", hidden_layer_sizes=10, random_state=0)
    est.set_callbacks(rec).fit(X, X[:, :, 0])
    assert rec.calls == _tree(1, [2])


def test_stream_training_batches_are_its_windows():
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(40, 1))]
    y = [np.tanh(np.cumsum(X[0], axis=0))]
    rec = Recorder()
    # two streams of 20 steps, windows of 5 steps: 4 windows per epoch
    est = SeqToSeqRNN(stream=True, batch_size=2, bptt_steps=5, max_iter=2, **SMALL)
    _fit(est.set_callbacks(rec), X, y)
    assert rec.calls == _tree(2, [4, 4])


@pytest.mark.parametrize("params, n_batches", [
    (dict(batch_size=20), 3), (dict(cell_type="esn"), 1),
])
def test_each_partial_fit_call_is_a_fit_of_one_epoch(params, n_batches):
    X, y = _data()
    rec = Recorder()
    clf = RNNClassifier(**SMALL, **params).set_callbacks(rec)
    clf.partial_fit(X, y, classes=[0, 1])
    clf.partial_fit(X, y)
    assert rec.calls == _tree(1, [n_batches]) * 2
    assert clf.n_iter_ == 2
    assert [f.n_iter_ for _, f in rec.fitted] == [1, 1, 2, 2]  # epoch, fit, epoch, fit


def test_callbacks_change_nothing_in_the_fit():
    X, y = _data()
    for params in (dict(max_iter=3), dict(solver="lbfgs", max_iter=3),
                   dict(cell_type="esn")):
        plain = _fit(RNNClassifier(**SMALL, **params), X, y)
        watched = RNNClassifier(**SMALL, **params)
        _fit(watched.set_callbacks(Recorder(), callback.ScoringMonitor(scoring="accuracy")),
             X, y)
        np.testing.assert_array_equal(plain.predict_proba(X), watched.predict_proba(X))
        assert plain.n_iter_ == watched.n_iter_


def test_epoch_fitted_estimator_is_the_model_of_that_epoch_and_stays_so():
    X, y = _data()
    rec = Recorder()
    clf = _fit(RNNClassifier(max_iter=3, **SMALL).set_callbacks(rec), X, y)
    epochs = [f for (name, _), f in rec.fitted if name == "epoch"]
    assert [f.n_iter_ for f in epochs] == [1, 2, 3]
    for k, fitted in enumerate(epochs, start=1):
        ref = _fit(RNNClassifier(max_iter=k, **SMALL), X, y)
        np.testing.assert_array_equal(_weights(fitted), _weights(ref))
        assert fitted.loss_curve_ == ref.loss_curve_
    # the last epoch's copy is the model, but its own arrays
    np.testing.assert_array_equal(_weights(epochs[-1]), _weights(clf))
    assert not np.shares_memory(epochs[-1].output_coef_, clf.output_coef_)


@pytest.mark.parametrize("make, target", [
    (lambda **kw: SeqToSeqRNN(**kw), lambda X: X[:, :, 0]),
    (lambda **kw: SeqToSeqRNN(mode="encoder_decoder", **kw), lambda X: X[:, :3, 0]),
    (lambda **kw: RNNRegressor(solver="lbfgs", **kw), lambda X: X[:, :3, 0].sum(axis=1)),
])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_epoch_copies_of_every_network_predict_as_refits(make, target, dtype):
    X, _ = _data(n=30)
    X = X.astype(dtype)
    y = target(X)
    rec = Recorder()
    _fit(make(max_iter=3, **SMALL).set_callbacks(rec), X, y)
    epochs = [f for (name, _), f in rec.fitted if name == "epoch"]
    assert len(epochs) == 3
    for k, fitted in enumerate(epochs, start=1):
        ref = _fit(make(max_iter=k, **SMALL), X, y)
        np.testing.assert_array_equal(fitted.predict(X), ref.predict(X))
        assert fitted.output_coef_.dtype == ref.output_coef_.dtype == dtype


# ---------------------------------------------------------------------- ScoringMonitor
def _epoch_scores(monitor, name):
    data = monitor.get_logs().data
    return [row[name] for row in data if row["task_name"] == "epoch"]


@pytest.mark.parametrize("params, scoring", [
    (dict(max_iter=4), "r2"),
    (dict(solver="lbfgs", max_iter=4), "neg_mean_squared_error"),
])
def test_scoring_monitor_scores_each_epoch_on_its_weights(params, scoring):
    X, y = _data()
    y = X[:, :3, 0].sum(axis=1)
    monitor = callback.ScoringMonitor(scoring=scoring)
    _fit(RNNRegressor(**SMALL, **params).set_callbacks(monitor), X, y)
    scores = _epoch_scores(monitor, scoring)
    assert len(scores) == 4
    from sklearn.metrics import get_scorer
    for k, score in enumerate(scores, start=1):
        ref = _fit(RNNRegressor(**SMALL, **{**params, "max_iter": k}), X, y)
        assert score == pytest.approx(get_scorer(scoring)(ref, X, y), rel=1e-12)
    assert len(set(scores)) == 4  # the weights moved: four different models


def test_scoring_monitor_passes_sample_weight_and_scores_the_fit():
    X, y = _data()
    w = np.random.RandomState(1).uniform(0.1, 2.0, size=len(y))
    monitor = callback.ScoringMonitor(scoring="accuracy")
    clf = _fit(RNNClassifier(max_iter=2, **SMALL).set_callbacks(monitor), X, y,
               sample_weight=w)
    data = monitor.get_logs().data
    fit_row = next(row for row in data if row["task_name"] == "fit")
    assert fit_row["accuracy"] == pytest.approx(clf.score(X, y, sample_weight=w))
    assert _epoch_scores(monitor, "accuracy")[-1] == pytest.approx(fit_row["accuracy"])


# ---------------------------------------------------------------------- stopping
@pytest.mark.parametrize("params", [
    dict(), dict(solver="sgd", learning_rate_init=0.05), dict(solver="lbfgs"),
    dict(early_stopping=True, n_iter_no_change=50),
])
def test_a_stop_request_at_an_epoch_end_stops_there_fitted_and_consistent(params):
    X, y = _data()
    rec = Recorder(stop_at=("epoch", (0, 2)))  # the third epoch
    clf = RNNClassifier(max_iter=50, **SMALL, **params).set_callbacks(rec)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # not a max_iter end
        clf.fit(X, y)
    assert clf.n_iter_ == 3 and len(clf.loss_curve_) == 3
    assert rec.calls[-3:] == [("end", "epoch", (0, 2), True), ("end", "fit", (0,), True),
                              ("teardown",)]
    ref = _fit(RNNClassifier(max_iter=3, **SMALL, **params), X, y)
    np.testing.assert_array_equal(_weights(clf), _weights(ref))
    np.testing.assert_array_equal(clf.predict_proba(X), ref.predict_proba(X))
    # the fitted model continues like any other
    _fit(clf.set_params(warm_start=True, max_iter=2), X, y)
    assert clf.n_iter_ == 5


def test_a_stop_request_at_a_batch_end_stops_after_its_epoch():
    X, y = _data()
    rec = Recorder(stop_at=("batch", (0, 1, 0)))  # first batch of the second epoch
    clf = _fit(RNNClassifier(batch_size=20, max_iter=50, **SMALL).set_callbacks(rec),
               X, y)
    assert clf.n_iter_ == 2
    ref = _fit(RNNClassifier(batch_size=20, max_iter=2, **SMALL), X, y)
    np.testing.assert_array_equal(_weights(clf), _weights(ref))


def test_a_stop_request_in_stream_training_and_partial_fit():
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(40, 1))]
    y = [np.tanh(np.cumsum(X[0], axis=0))]
    rec = Recorder(stop_at=("epoch", (0, 1)))
    est = SeqToSeqRNN(stream=True, batch_size=2, bptt_steps=5, max_iter=20, **SMALL)
    _fit(est.set_callbacks(rec), X, y)
    assert est.n_iter_ == 2
    est.predict(X)
    rec = Recorder(stop_at=("epoch", (0, 0)))  # partial_fit runs one epoch anyway
    est = SeqToSeqRNN(**SMALL).set_callbacks(rec)
    est.partial_fit(X, y)
    assert est.n_iter_ == 1


def test_a_stop_request_leaves_the_echo_state_network_its_one_solved_pass():
    X, y = _data()
    rec = Recorder(stop_at=("batch", (0, 0, 0)))
    clf = RNNClassifier(cell_type="esn", hidden_layer_sizes=10, random_state=0)
    clf.set_callbacks(rec).fit(X, y)
    ref = RNNClassifier(cell_type="esn", hidden_layer_sizes=10, random_state=0).fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), ref.predict_proba(X))
    assert clf.n_iter_ == 1


def test_a_fit_that_raises_ends_no_task_but_tears_the_callbacks_down():
    X, y = _data()

    class Failing(Recorder):
        def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
            super().on_fit_task_end(estimator, context, fitted_estimator=fitted_estimator)
            if context.task_name == "batch":
                raise RuntimeError("a failing callback")

    rec = Failing()
    with pytest.raises(RuntimeError, match="a failing callback"):
        _fit(RNNRegressor(max_iter=5, **SMALL).set_callbacks(rec), X, y)
    assert rec.calls == [
        ("setup",), ("begin", "fit", (0,), 5), ("begin", "epoch", (0, 0), 1),
        ("begin", "batch", (0, 0, 0), 0), ("end", "batch", (0, 0, 0), False),
        ("teardown",),
    ]


def test_verbose_keeps_printing_with_callbacks(capsys):
    X, y = _data()
    _fit(RNNClassifier(max_iter=2, verbose=True, **SMALL).set_callbacks(Recorder()),
         X, y)
    out = capsys.readouterr().out
    assert "Epoch 1, loss=" in out and "Epoch 2, loss=" in out


# ---------------------------------------------------------------------- meta-estimators
@pytest.mark.filterwarnings("ignore:The estimator FunctionTransformer does not support")
def test_pipeline_and_grid_search_across_processes_with_a_progress_bar():
    pytest.importorskip("rich")
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    X, y = _data(n=40)
    pipe = make_pipeline(FunctionTransformer(), RNNClassifier(max_iter=3, **SMALL))
    monitor = callback.ScoringMonitor(scoring="accuracy")
    pipe[-1].set_callbacks(monitor)  # scores the epochs of every fit, in any process
    search = GridSearchCV(pipe, {"rnnclassifier__hidden_layer_sizes": [3, 5]}, cv=2,
                          n_jobs=2)
    search.set_callbacks(callback.ProgressBar(max_propagation_depth=None))
    _fit(search, X, y)
    epochs = [row for row in monitor.get_logs().data if row["task_name"] == "epoch"]
    assert len(epochs) == (2 * 2 + 1) * 3  # candidates x splits, then the refit
    best = search.best_estimator_[-1]
    assert best.n_iter_ == 3 and not hasattr(best, "_callback_fit_ctx")
    assert search.predict(X).shape == (40,)


# ---------------------------------------------------------------------- pickling
def test_an_estimator_with_callbacks_pickles_and_clones():
    X, y = _data()
    monitor = callback.ScoringMonitor(scoring="accuracy")
    callbacks = [monitor, Recorder()]
    try:
        callbacks.append(callback.ProgressBar())
    except ImportError:  # rich is optional
        pass
    clf = RNNClassifier(max_iter=2, **SMALL).set_callbacks(*callbacks)
    for est in (clf, _fit(clone(clf), X, y)):
        loaded = pickle.loads(pickle.dumps(est))
        assert [type(c) for c in loaded._skl_callbacks] == [type(c) for c in callbacks]
        assert not hasattr(loaded, "_callback_fit_ctx")
        _fit(loaded, X, y)
        loaded_monitor = loaded._skl_callbacks[0]
        assert len(_epoch_scores(loaded_monitor, "accuracy")) == 2
    assert clone(clf)._skl_callbacks == clf._skl_callbacks  # by reference, as sklearn


# ---------------------------------------------------------------------- sklearn < 1.9
WITHOUT_CALLBACK_API = textwrap.dedent("""
    import sys, pickle
    import skrnn  # imports every part of scikit-learn skrnn needs, which need the API
    for name in [m for m in sys.modules if m == "skrnn" or m.startswith("skrnn.")]:
        del sys.modules[name]
    saved = sys.modules["sklearn.callback"]
    sys.modules["sklearn.callback"] = None  # "import sklearn.callback" raises ImportError
    import skrnn  # afresh, as with scikit-learn < 1.9
    sys.modules["sklearn.callback"] = saved
    assert skrnn.__file__.startswith(ROOT), skrnn.__file__
    from skrnn import RNNClassifier, RNNRegressor, SeqToSeqRNN
    from skrnn._callbacks import MIXINS
    assert MIXINS == ()
    assert not any(hasattr(E(), "set_callbacks") for E in
                   (RNNClassifier, RNNRegressor, SeqToSeqRNN))
    X, y = pickle.loads(sys.stdin.buffer.read())
    out = {}
    for name, params in PARAMS.items():
        clf = RNNClassifier(hidden_layer_sizes=4, random_state=0, **params).fit(X, y)
        out[name] = (clf.n_iter_, clf.predict_proba(X))
    sys.stdout.buffer.write(pickle.dumps(out))
""")
PARAMS = {"adam": dict(max_iter=3), "lbfgs": dict(solver="lbfgs", max_iter=3),
          "esn": dict(cell_type="esn")}


def test_without_sklearn_callback_the_estimators_fit_as_before():
    X, y = _data()
    code = f"PARAMS = {PARAMS!r}\nROOT = {str(ROOT)!r}\n" + WITHOUT_CALLBACK_API
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = subprocess.run(
            [sys.executable, "-W", "ignore", "-c", code], input=pickle.dumps((X, y)),
            capture_output=True, cwd=ROOT, check=False,
        )
    assert result.returncode == 0, result.stderr.decode()
    out = pickle.loads(result.stdout)
    for name, params in PARAMS.items():
        clf = _fit(RNNClassifier(hidden_layer_sizes=4, random_state=0, **params), X, y)
        assert out[name][0] == clf.n_iter_
        np.testing.assert_array_equal(out[name][1], clf.predict_proba(X))
