"""The aeon adapter (skrnn.aeon): aeon's estimator checks, the axis order, ragged
collections, predict_proba's column order, pickling, and tsml-eval's experiments.

Needs aeon (``pip install 'skrnn[aeon]'``), which pins numpy below what the main
environment may have: CI runs this file in its own virtual environments (``.ci/aeon``);
elsewhere it skips.
"""

import pickle

import numpy as np
import pytest

pytest.importorskip("aeon")

from aeon.testing.estimator_checking import parametrize_with_checks  # noqa: E402
from sklearn.base import BaseEstimator, ClassifierMixin, clone  # noqa: E402
from sklearn.metrics import accuracy_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skrnn import RNNClassifier, RNNRegressor  # noqa: E402
from skrnn.aeon import AeonRNNClassifier, AeonRNNRegressor, to_skrnn  # noqa: E402
from skrnn.preprocessing import FrameStacker, StepwiseTransformer  # noqa: E402

SMALL = {"hidden_layer_sizes": (5,), "max_iter": 4}

pytestmark = pytest.mark.usefixtures("quiet_convergence")


@parametrize_with_checks([AeonRNNClassifier, AeonRNNRegressor])
def test_aeon_estimator_checks(check):
    check()


# ------------------------------------------------------------------------------- data
def _ragged(n=24, channels=2, seed=0):
    """An aeon collection of unequal lengths: ``(channels, T_i)`` arrays, and labels."""
    rng = np.random.default_rng(seed)
    X = [rng.normal(size=(channels, t)) for t in rng.integers(8, 30, size=n)]
    y = np.array(["up" if x[0].mean() > 0 else "down" for x in X])
    return X, y


def _equal(n=24, channels=3, length=17, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, channels, length))
    return X, X[:, 0].mean(axis=1) - X[:, -1, -3:].sum(axis=1)


def _pipeline(model):
    return make_pipeline(
        FrameStacker(frame_length=3), StepwiseTransformer(StandardScaler()), model
    )


# ------------------------------------------------------------------------ axis order
def test_to_skrnn_swaps_channels_and_time():
    X, _ = _equal()
    out = to_skrnn(X)
    assert out.shape == (24, 17, 3)
    np.testing.assert_array_equal(out[4, :, 2], X[4, 2])
    ragged, _ = _ragged()
    for a, b in zip(to_skrnn(ragged), ragged, strict=True):
        np.testing.assert_array_equal(a, b.T)


def test_to_skrnn_rejects_other_arrays():
    with pytest.raises(ValueError, match=r"3-D array .* got a 2-D array of shape \(4, 5\)"):
        to_skrnn(np.zeros((4, 5)))


@pytest.mark.parametrize("ragged", [False, True], ids=["numpy3D", "np-list"])
def test_classifier_equals_skrnn_on_transposed_data(ragged):
    X, y = _ragged() if ragged else _equal()
    if not ragged:
        y = np.where(y > 0, "up", "down")
    skrnn_X = [x.T for x in X] if ragged else X.transpose(0, 2, 1)
    direct = _pipeline(RNNClassifier(**SMALL, random_state=3)).fit(skrnn_X, y)
    adapter = AeonRNNClassifier(_pipeline(RNNClassifier(**SMALL)), random_state=3)
    adapter.fit(X, y)
    np.testing.assert_array_equal(adapter.predict(X), direct.predict(skrnn_X))
    np.testing.assert_allclose(adapter.predict_proba(X), direct.predict_proba(skrnn_X))
    np.testing.assert_array_equal(adapter.classes_, direct.classes_)


@pytest.mark.parametrize("ragged", [False, True], ids=["numpy3D", "np-list"])
def test_regressor_equals_skrnn_on_transposed_data(ragged):
    X, y = _equal()
    if ragged:  # cut each series to its own length
        X = [x[:, : 9 + i % 8] for i, x in enumerate(X)]
    skrnn_X = [x.T for x in X] if ragged else X.transpose(0, 2, 1)
    direct = RNNRegressor(**SMALL, random_state=1).fit(skrnn_X, y)
    adapter = AeonRNNRegressor(RNNRegressor(**SMALL), random_state=1).fit(X, y)
    np.testing.assert_allclose(adapter.predict(X), direct.predict(skrnn_X))


def test_univariate_2d_input_is_one_channel():
    X, y = _equal(channels=1)
    adapter = AeonRNNRegressor(RNNRegressor(**SMALL), random_state=0)
    from_2d = adapter.fit(X[:, 0], y).predict(X[:, 0])
    direct = RNNRegressor(**SMALL, random_state=0).fit(X[:, 0, :, None], y)
    np.testing.assert_allclose(from_2d, direct.predict(X[:, 0, :, None]))


def test_random_state_none_keeps_the_estimators_own_seed():
    X, y = _equal()
    seeded = AeonRNNRegressor(RNNRegressor(**SMALL, random_state=7)).fit(X, y)
    direct = RNNRegressor(**SMALL, random_state=7).fit(X.transpose(0, 2, 1), y)
    np.testing.assert_allclose(seeded.predict(X), direct.predict(X.transpose(0, 2, 1)))
    assert seeded.estimator.random_state == 7  # the parameter itself is left alone


@pytest.mark.parametrize("adapter, model", [(AeonRNNClassifier, RNNClassifier),
                                            (AeonRNNRegressor, RNNRegressor)])
def test_default_estimator_is_the_benchmarked_pipeline(adapter, model):
    X, labels = _ragged(n=16)
    y = labels if model is RNNClassifier else np.linspace(0.0, 1.0, len(X))
    fitted = adapter(random_state=0).fit(X, y)
    steps = [type(step) for _, step in fitted.estimator_.steps]
    assert steps == [FrameStacker, StepwiseTransformer, model]
    assert fitted.estimator_[0].frame_length == "auto"
    assert fitted.estimator_[1].transformer_.__class__ is StandardScaler
    assert fitted.estimator_[-1].get_params() == model(random_state=0).get_params()
    assert fitted.estimator is None


# -------------------------------------------------------------------- unequal lengths
def test_unequal_length_multivariate_collection():
    X, y = _ragged(n=40, channels=3)
    lengths = {x.shape[1] for x in X}
    assert len(lengths) > 5
    clf = AeonRNNClassifier(RNNClassifier(hidden_layer_sizes=(8,), max_iter=60),
                            random_state=0).fit(X, y)
    assert clf.metadata_["unequal_length"] and clf.metadata_["multivariate"]
    proba = clf.predict_proba(X)
    assert proba.shape == (40, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # a fitted network reads each series whole: cutting one changes its output
    cut = [x[:, : max(2, x.shape[1] // 2)] for x in X]
    assert not np.allclose(clf.predict_proba(cut), proba)
    # the learnt rule (sign of channel 0's mean) beats the majority class on new data
    X_new, y_new = _ragged(n=60, channels=3, seed=1)
    majority = max(np.mean(y_new == label) for label in np.unique(y))
    assert accuracy_score(y_new, clf.predict(X_new)) > majority + 0.1


def test_channel_count_must_match_fit():
    X, y = _ragged(channels=2)
    clf = AeonRNNClassifier(RNNClassifier(**SMALL), random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="channels"):
        clf.predict([x[:1] for x in X])


# ------------------------------------------------------------- predict_proba columns
class _ReversedClasses(ClassifierMixin, BaseEstimator):
    """A classifier that keeps its classes (and probability columns) in reverse order."""

    def __init__(self, model=None):
        self.model = model

    def fit(self, X, y):
        self.model_ = clone(self.model).fit(X, y)
        self.classes_ = self.model_.classes_[::-1]
        return self

    def predict(self, X):
        return self.model_.predict(X)

    def predict_proba(self, X):
        return self.model_.predict_proba(X)[:, ::-1]


def test_predict_proba_columns_follow_classes():
    X, _ = _ragged(n=30)
    rng = np.random.default_rng(2)
    y = rng.choice(["zeta", "alpha", "mu"], size=len(X))
    reversed_ = AeonRNNClassifier(_ReversedClasses(RNNClassifier(**SMALL)), random_state=0)
    plain = AeonRNNClassifier(RNNClassifier(**SMALL), random_state=0)
    reversed_.fit(X, y)
    plain.fit(X, y)
    np.testing.assert_array_equal(reversed_.classes_, ["alpha", "mu", "zeta"])
    assert list(reversed_.estimator_.classes_) == ["zeta", "mu", "alpha"]
    proba = reversed_.predict_proba(X)
    np.testing.assert_allclose(proba, plain.predict_proba(X))
    np.testing.assert_array_equal(reversed_.classes_[proba.argmax(axis=1)],
                                  reversed_.predict(X))


# --------------------------------------------------------------------------- pickling
@pytest.mark.parametrize(
    "adapter, model, method",
    [(AeonRNNClassifier, RNNClassifier, "predict_proba"),
     (AeonRNNRegressor, RNNRegressor, "predict")],
)
def test_pickle_round_trip(adapter, model, method):
    X, labels = _ragged()
    y = labels if adapter is AeonRNNClassifier else np.linspace(0.0, 1.0, len(X))
    fitted = adapter(_pipeline(model(**SMALL)), random_state=0).fit(X, y)
    loaded = pickle.loads(pickle.dumps(fitted))
    assert loaded.is_fitted and loaded.metadata_ == fitted.metadata_
    for data in (X, _equal(channels=2)[0]):  # ragged and 3-D input after loading
        np.testing.assert_array_equal(getattr(loaded, method)(data),
                                      getattr(fitted, method)(data))


# ------------------------------------------------------------------- tsml-eval's runs
def test_tsml_eval_classification_experiment_on_plaid(tmp_path):
    experiments = pytest.importorskip("tsml_eval.experiments")
    from aeon.datasets import load_plaid
    from tsml_eval.evaluation.storage import load_classifier_results

    X_train, y_train = load_plaid(split="train")
    X_test, y_test = load_plaid(split="test")
    # every 12th series: all 11 classes, lengths from 100 to over 1000 steps
    X_train, y_train = X_train[::12], y_train[::12]
    X_test, y_test = X_test[::12], y_test[::12]
    assert len({x.shape[1] for x in X_train}) > 10
    model = AeonRNNClassifier(
        _pipeline(RNNClassifier(hidden_layer_sizes=(6,), max_iter=3)), random_state=0
    )
    experiments.run_classification_experiment(
        X_train, y_train, X_test, y_test, model, str(tmp_path),
        classifier_name="skrnn", dataset_name="PLAID", resample_id=0,
        benchmark_time=False,
    )
    results = load_classifier_results(
        str(tmp_path / "skrnn" / "Predictions" / "PLAID" / "testResample0.csv")
    )
    refit = clone(model).fit(X_train, y_train)
    np.testing.assert_allclose(results.probabilities, refit.predict_proba(X_test),
                               atol=1e-4)  # the results file keeps 4 decimals
    assert results.accuracy == pytest.approx(accuracy_score(y_test, refit.predict(X_test)))


def test_tsml_eval_regression_experiment_on_ragged_data(tmp_path):
    experiments = pytest.importorskip("tsml_eval.experiments")
    from tsml_eval.evaluation.storage import load_regressor_results

    X, _ = _ragged(n=40)
    y = np.array([x[0].mean() for x in X])
    model = AeonRNNRegressor(RNNRegressor(**SMALL), random_state=0)
    experiments.run_regression_experiment(
        X[:30], y[:30], X[30:], y[30:], model, str(tmp_path),
        regressor_name="skrnn", dataset_name="ragged", resample_id=0,
        benchmark_time=False,
    )
    results = load_regressor_results(
        str(tmp_path / "skrnn" / "Predictions" / "ragged" / "testResample0.csv")
    )
    refit = clone(model).fit(X[:30], y[:30])
    np.testing.assert_allclose(results.predictions, refit.predict(X[30:]), atol=1e-4)
