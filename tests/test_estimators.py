"""Behaviour of RNNClassifier / RNNRegressor beyond sklearn's common checks."""

import pickle
import re

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skrnn import RNNClassifier, RNNRegressor
from skrnn.datasets import make_delayed_label

CELL_TYPES = ["elman", "lstm", "gru"]
SMALL = dict(hidden_layer_sizes=(6,), max_iter=5, random_state=0)


# training runs here are deliberately short
pytestmark = pytest.mark.usefixtures("quiet_convergence")


def _ragged(n=30, n_features=2, seed=0, low=2, high=9):
    rng = np.random.RandomState(seed)
    X = [rng.normal(size=(rng.randint(low, high), n_features)) for _ in range(n)]
    y = np.array([int(x[0, 0] > 0) for x in X])
    return X, y


# --------------------------------------------------------------------------- invariances
@pytest.mark.parametrize("cell_type", CELL_TYPES)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_sequence_alone_equals_sequence_in_ragged_batch(cell_type, bidirectional):
    X, y = _ragged()
    clf = RNNClassifier(cell_type=cell_type, bidirectional=bidirectional, **SMALL).fit(X, y)
    together = clf.predict_proba(X)
    alone = np.vstack([clf.predict_proba([x]) for x in X])
    np.testing.assert_allclose(alone, together, rtol=1e-10, atol=1e-12)


def test_padding_never_enters_the_network():
    """A sequence padded into a 3-D batch would differ; as a list it must not."""
    X, y = _ragged()
    reg = RNNRegressor(**SMALL).fit(X, y.astype(float))
    short = X[0]
    longer = np.vstack([short, np.zeros((5, 2))])
    assert reg.predict([short])[0] != pytest.approx(reg.predict([longer])[0])
    assert reg.predict([short, longer])[0] == pytest.approx(reg.predict([short])[0])


@pytest.mark.parametrize("Est", [RNNClassifier, RNNRegressor])
def test_batch_order_does_not_change_predictions(Est):
    X, y = _ragged()
    est = Est(**SMALL).fit(X, y)
    perm = np.random.RandomState(1).permutation(len(X))
    pred = est.predict(X) if Est is RNNRegressor else est.predict_proba(X)
    pred_perm = (
        est.predict([X[i] for i in perm]) if Est is RNNRegressor
        else est.predict_proba([X[i] for i in perm])
    )
    np.testing.assert_allclose(pred_perm, pred[perm], rtol=1e-10, atol=1e-12)


def test_2d_input_equals_3d_with_one_feature():
    rng = np.random.RandomState(0)
    X2 = rng.normal(size=(40, 7))
    y = (X2[:, 0] > 0).astype(int)
    a = RNNClassifier(**SMALL).fit(X2, y)
    b = RNNClassifier(**SMALL).fit(X2[:, :, None], y)
    np.testing.assert_array_equal(a.predict_proba(X2), b.predict_proba(X2[:, :, None]))
    assert a.n_features_in_ == 7 and b.n_features_in_ == 1
    # a list of univariate sequences is the same data again
    c = RNNClassifier(**SMALL).fit(list(X2), y)
    np.testing.assert_array_equal(a.predict_proba(X2), c.predict_proba(list(X2)))


@pytest.mark.parametrize("Est", [RNNClassifier, RNNRegressor])
def test_refit_with_same_random_state_is_identical(Est):
    X, y = _ragged()
    a = Est(dropout=0.3, **SMALL).fit(X, y)
    b = Est(dropout=0.3, **SMALL).fit(X, y)
    for pa, pb in zip(a.recurrent_coefs_, b.recurrent_coefs_, strict=True):
        for key in pa:
            np.testing.assert_array_equal(pa[key], pb[key])
    np.testing.assert_array_equal(a.output_coef_, b.output_coef_)
    assert a.loss_curve_ == b.loss_curve_


@pytest.mark.parametrize("Est", [RNNClassifier, RNNRegressor])
def test_pickle_round_trip_predicts_identically(Est):
    X, y = _ragged()
    est = Est(bidirectional=True, **SMALL).fit(X, y)
    clone = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(clone.predict(X), est.predict(X))
    # and it can keep training from the restored weights
    clone.set_params(warm_start=True, max_iter=1).fit(X, y)


def test_other_lengths_at_predict_time():
    X, y = _ragged(low=3, high=6)
    clf = RNNClassifier(**SMALL).fit(X, y)
    longer = [np.random.RandomState(2).normal(size=(40, 2))]
    assert clf.predict(longer).shape == (1,)
    # a 3-D array with another number of steps also works
    assert clf.predict(np.zeros((3, 11, 2))).shape == (3,)


def test_float32_input_is_computed_in_float32():
    X, y = _ragged()
    X32 = [x.astype(np.float32) for x in X]
    clf = RNNClassifier(**SMALL).fit(X32, y)
    assert clf.output_coef_.dtype == np.float32
    assert all(p["weight_hh"].dtype == np.float32 for p in clf.recurrent_coefs_)
    assert clf.predict_proba(X32).dtype == np.float32
    clf64 = RNNClassifier(**SMALL).fit(X, y)
    assert clf64.output_coef_.dtype == np.float64


# --------------------------------------------------------------------------- attributes
@pytest.mark.parametrize("cell_type,gates", [("elman", 1), ("lstm", 4), ("gru", 3)])
def test_recurrent_coefs_follow_pytorch_layout(cell_type, gates):
    X, y = _ragged(n_features=3)
    clf = RNNClassifier(
        cell_type=cell_type, hidden_layer_sizes=(5, 4), bidirectional=True, max_iter=1,
        random_state=0,
    ).fit(X, y)
    shapes = [
        {k: v.shape for k, v in p.items()} for p in clf.recurrent_coefs_
    ]
    layer0 = {"weight_ih": (gates * 5, 3), "weight_hh": (gates * 5, 5),
              "bias_ih": (gates * 5,), "bias_hh": (gates * 5,)}
    layer1 = {"weight_ih": (gates * 4, 10), "weight_hh": (gates * 4, 4),
              "bias_ih": (gates * 4,), "bias_hh": (gates * 4,)}
    assert shapes == [layer0, layer0, layer1, layer1]
    assert clf.output_coef_.shape == (8, 1)
    assert clf.output_intercept_.shape == (1,)


def test_history_attributes():
    X, y = _ragged()
    clf = RNNClassifier(**SMALL).fit(X, y)
    assert clf.n_iter_ == 5 == len(clf.loss_curve_) == len(clf.grad_norm_curve_)
    assert clf.t_ == 5 * len(X)
    assert clf.loss_ == clf.loss_curve_[-1]
    assert clf.best_loss_ == min(clf.loss_curve_)
    assert clf.validation_scores_ is None and clf.best_validation_score_ is None
    assert all(g > 0 for g in clf.grad_norm_curve_)


def test_verbose_prints_one_line_per_epoch(capsys):
    X, y = _ragged()
    RNNClassifier(verbose=1, early_stopping=True, **SMALL).fit(X, y)
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("Epoch")]
    assert len(lines) == 5
    assert re.match(
        r"Epoch 1, loss=[\d.]+, validation score=[\d.]+, grad norm=[\d.e+-]+, time=[\d.]+s",
        lines[0],
    )


def test_early_stopping_restores_best_weights():
    X, y = make_delayed_label(120, 12, random_state=0)
    clf = RNNClassifier(
        early_stopping=True, validation_fraction=0.25, n_iter_no_change=3, max_iter=40,
        hidden_layer_sizes=8, random_state=0,
    ).fit(X, y)
    assert len(clf.validation_scores_) == clf.n_iter_
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.best_loss_ is None


def test_no_improvement_stops_training():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 4))
    y = rng.normal(size=30)
    params = dict(hidden_layer_sizes=4, tol=10.0, n_iter_no_change=2, max_iter=50,
                  random_state=0)
    reg = RNNRegressor(learning_rate="constant", **params).fit(X, y)
    assert reg.n_iter_ == 3  # epoch 1 improves on inf, 2 and 3 do not
    # "adaptive": each plateau of 2 epochs divides 0.005 by 5 (0.001, 2e-4, 4e-5, 8e-6,
    # 1.6e-6); the sixth would go below learning_rate_min=1e-6 and stops training
    reg = RNNRegressor(**params).fit(X, y)
    assert reg.n_iter_ == 1 + 2 * 6


# --------------------------------------------------------------------------- training modes
def test_warm_start_continues_from_previous_weights():
    X, y = _ragged()
    a = RNNClassifier(warm_start=True, **SMALL).fit(X, y)
    first = a.output_coef_.copy()
    a.fit(X, y)
    b = RNNClassifier(**{**SMALL, "max_iter": 10}).fit(X, y)
    assert not np.array_equal(first, a.output_coef_)
    assert a.n_iter_ == 10
    # warm start re-creates the optimizer, so it is close to but not exactly 10 epochs
    assert np.allclose(a.predict_proba(X), b.predict_proba(X), atol=0.2)


def test_warm_start_refuses_another_network():
    X, y = _ragged()
    clf = RNNClassifier(warm_start=True, **SMALL).fit(X, y)
    clf.set_params(hidden_layer_sizes=(7,))
    with pytest.raises(ValueError, match="same network"):
        clf.fit(X, y)


def test_partial_fit_matches_epochs_of_fit():
    X, y = _ragged()
    params = dict(SMALL, shuffle=False, max_iter=3, tol=0.0)
    full = RNNClassifier(**params).fit(X, y)
    inc = RNNClassifier(**params)
    for _ in range(3):
        inc.partial_fit(X, y, classes=[0, 1])
    np.testing.assert_allclose(inc.predict_proba(X), full.predict_proba(X), rtol=1e-12)
    assert inc.n_iter_ == 3 and inc.t_ == 3 * len(X)


def test_partial_fit_needs_classes_first_and_rejects_new_labels():
    X, y = _ragged()
    with pytest.raises(ValueError, match="classes must be passed"):
        RNNClassifier(**SMALL).partial_fit(X, y)
    clf = RNNClassifier(**SMALL).partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match=r"labels \[2\] that are not in classes_"):
        clf.partial_fit(X[:2], [0, 2])


def test_partial_fit_not_available_for_lbfgs():
    assert not hasattr(RNNClassifier(solver="lbfgs"), "partial_fit")
    assert hasattr(RNNRegressor(solver="adam"), "partial_fit")


@pytest.mark.parametrize("solver,learning_rate", [
    ("adam", 0.02), ("sgd", 0.1), ("lbfgs", None),  # plain SGD wants larger steps
])
def test_every_solver_learns_a_simple_task(solver, learning_rate):
    X, y = _ragged(n=60)
    clf = RNNClassifier(solver=solver, hidden_layer_sizes=8, max_iter=60, batch_size=10,
                        learning_rate_init=learning_rate or 0.001,
                        random_state=0).fit(X, y)
    assert clf.score(X, y) >= 0.9


def test_multiclass_labels_of_any_type():
    X, _ = _ragged(n=45)
    y = np.array(["cat", "dog", "emu"] * 15, dtype=object)
    clf = RNNClassifier(**SMALL).fit(X, y)
    assert list(clf.classes_) == ["cat", "dog", "emu"]
    proba = clf.predict_proba(X)
    assert proba.shape == (45, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(clf.predict(X)) <= {"cat", "dog", "emu"}
    assert clf.out_activation_ == "softmax"


def test_multioutput_regression():
    X, _ = _ragged()
    Y = np.column_stack([[x.sum() for x in X], [len(x) for x in X]])
    reg = RNNRegressor(**SMALL).fit(X, Y)
    assert reg.predict(X).shape == (30, 2)
    assert reg.n_outputs_ == 2


def test_sample_weight_zero_equals_removing_samples():
    X, y = _ragged()
    sw = np.ones(len(X))
    sw[::3] = 0
    keep = sw > 0
    params = dict(SMALL, shuffle=False)
    a = RNNClassifier(**params).fit(X, y, sample_weight=sw)
    b = RNNClassifier(**params).fit([x for x, k in zip(X, keep, strict=True) if k], y[keep])
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-9)


def test_class_weight_balanced_shifts_the_decision():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 5))
    y = (X[:, 0] + 0.8 * rng.normal(size=200) > 1.2).astype(int)  # ~15% positives
    plain = RNNClassifier(hidden_layer_sizes=8, max_iter=40, random_state=0).fit(X, y)
    balanced = RNNClassifier(hidden_layer_sizes=8, max_iter=40, random_state=0,
                             class_weight="balanced").fit(X, y)
    assert balanced.predict(X).mean() > plain.predict(X).mean()
    # a dict with the same ratios gives the same model as "balanced"
    ratio = len(y) / (2 * np.bincount(y))
    as_dict = RNNClassifier(hidden_layer_sizes=8, max_iter=40, random_state=0,
                            class_weight={0: ratio[0], 1: ratio[1]}).fit(X, y)
    np.testing.assert_allclose(as_dict.predict_proba(X), balanced.predict_proba(X),
                               rtol=1e-6)


# --------------------------------------------------------------------------- clipping
def _all_params(est):
    arrays = [est.output_coef_, est.output_intercept_]
    arrays += [v for p in est.recurrent_coefs_ for v in p.values()]
    return np.concatenate([a.ravel() for a in arrays])


def _sgd_steps(clip_norm, n_steps=4):
    """Plain SGD (no momentum, no L2, one batch) applies ``-lr * g``: each step's length
    divided by the learning rate is the norm of the gradient that was applied."""
    X, y = _ragged()
    lr = 0.1
    clf = RNNClassifier(solver="sgd", momentum=0.0, alpha=0.0, learning_rate_init=lr,
                        batch_size=len(X), clip_norm=clip_norm, **SMALL)
    clf.partial_fit(X, y, classes=[0, 1])
    applied, recorded = [], []
    for _ in range(n_steps):
        before = _all_params(clf)
        clf.partial_fit(X, y)
        applied.append(np.linalg.norm(_all_params(clf) - before) / lr)
        recorded.append(clf.grad_norm_curve_[-1])
    return np.array(applied), np.array(recorded)


def test_clip_norm_bounds_every_applied_gradient():
    c = 0.05
    applied, recorded = _sgd_steps(clip_norm=c)
    assert (recorded > c).all()  # grad_norm_curve_ shows the norm before clipping
    np.testing.assert_allclose(applied, c, rtol=1e-9)


def test_without_clipping_the_applied_gradient_is_the_recorded_one():
    applied, recorded = _sgd_steps(clip_norm=None)
    np.testing.assert_allclose(applied, recorded, rtol=1e-9)
    # a clip_norm above every norm changes nothing
    applied_big, _ = _sgd_steps(clip_norm=10 * recorded.max())
    np.testing.assert_allclose(applied_big, applied, rtol=1e-12)


# --------------------------------------------------------------------------- divergence
def test_divergence_stops_with_advice_and_keeps_finite_weights():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 30)) * 1e3
    y = rng.normal(size=40) * 1e8
    reg = RNNRegressor(cell_type="elman", activation="relu", solver="sgd",
                       learning_rate_init=10.0, clip_norm=None, momentum=0.0,
                       hidden_layer_sizes=8, max_iter=50, random_state=0)
    with pytest.raises(ValueError, match="diverged.*clip_norm.*learning_rate_init"):
        reg.fit(X, y)
    assert all(np.isfinite(v).all() for p in reg.recurrent_coefs_ for v in p.values())
    assert np.isfinite(reg.output_coef_).all()


# --------------------------------------------------------------------------- validation
BAD_X = [
    ([np.array([[0.0], [np.nan]]), np.ones((2, 1))], ValueError, r"X\[0\] contains NaN"),
    ([np.ones((2, 1)), np.array([[np.inf]])], ValueError, r"X\[1\] contains NaN or inf"),
    ([], ValueError, "0 sample"),
    ([np.ones((3, 2)), np.ones((0, 2))], ValueError, r"X\[1\] is an empty sequence"),
    (
        [np.ones((3, 2)), np.ones((3, 3))], ValueError,
        r"X\[1\] has 3 features per time step",
    ),
    (np.ones((2, 3, 4, 5)), ValueError, "dim 4"),
    (sp.csr_matrix(np.ones((3, 3))), TypeError, "sparse"),
    ([np.array(["a", "b"]), np.ones(2)], ValueError, r"X\[0\] has dtype <U1, not numbers"),
    ([np.ones(2), np.array([1 + 2j, 0])], ValueError, r"Complex data.*X\[1\]"),
    ([np.ones((2, 2, 2)), np.ones((2, 2))], ValueError, r"X\[0\] has 3 dimensions"),
]


@pytest.mark.parametrize("X,error,match", BAD_X)
def test_bad_X_raises_a_clear_error(X, error, match):
    y = np.arange(len(X) if hasattr(X, "__len__") and not sp.issparse(X) else 3) % 2
    if isinstance(X, np.ndarray):
        y = np.arange(X.shape[0]) % 2
    with pytest.raises(error, match=match):
        RNNClassifier(**SMALL).fit(X, y)


def test_bad_y_raises_a_clear_error():
    X, y = _ragged()
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        RNNClassifier(**SMALL).fit(X, y[:-1])
    with pytest.raises(ValueError, match="Input y contains NaN"):
        RNNRegressor(**SMALL).fit(X, np.where(y, np.nan, 1.0))
    with pytest.raises(ValueError, match="requires y to be passed"):
        RNNRegressor(**SMALL).fit(X, None)
    with pytest.raises(ValueError, match="Unknown label type"):
        RNNClassifier(**SMALL).fit(X, np.linspace(0, 1, len(X)))


@pytest.mark.parametrize("params,match", [
    (dict(cell_type="transformer"), "cell_type"),
    (dict(hidden_layer_sizes=(4, 0)), "hidden_layer_sizes"),
    (dict(clip_norm=-1.0), "clip_norm"),
    (dict(dropout=1.0), "dropout"),
    (dict(solver="rmsprop"), "solver"),
    (dict(bidirectional=True, bptt_steps=5), "bptt_steps"),
])
def test_invalid_hyperparameters_are_named(params, match):
    X, y = _ragged()
    with pytest.raises(ValueError, match=match):
        RNNClassifier(**params).fit(X, y)


def test_predict_checks_fit_and_features_per_step():
    X, y = _ragged()
    with pytest.raises(NotFittedError):
        RNNClassifier().predict(X)
    clf = RNNClassifier(**SMALL).fit(X, y)
    with pytest.raises(ValueError, match="fitted with 2 features per time step"):
        clf.predict([np.ones((3, 5))])
    with pytest.raises(ValueError, match="fitted with 2 features per time step"):
        clf.predict(np.ones((4, 6)))  # 2-D means univariate
    clf2d = RNNClassifier(**SMALL).fit(np.ones((6, 5)), [0, 1] * 3)
    with pytest.raises(
        ValueError, match="X has 4 features, but RNNClassifier is expecting 5"
    ):
        clf2d.predict(np.ones((2, 4)))
    # univariate sequences of other lengths are fine as a list
    assert clf2d.predict([np.ones(9)]).shape == (1,)


# --------------------------------------------------------------------------- ecosystem
def _scale_each(X):
    return [(x - x.mean(axis=0)) / (x.std(axis=0) + 1.0) for x in X]


def test_pipeline_and_grid_search_on_variable_length_lists():
    X, y = make_delayed_label(90, 14, variable_length=True, random_state=0)
    pipe = make_pipeline(
        FunctionTransformer(_scale_each),
        RNNClassifier(hidden_layer_sizes=8, max_iter=15, random_state=0),
    )
    grid = GridSearchCV(
        pipe,
        {"rnnclassifier__cell_type": ["gru", "elman"],
         "rnnclassifier__clip_norm": [1.0, None]},
        cv=3, n_jobs=2,
    ).fit(X, y)
    assert set(grid.cv_results_["params"][0]) == {
        "rnnclassifier__cell_type", "rnnclassifier__clip_norm"}
    assert len(grid.cv_results_["mean_test_score"]) == 4
    assert grid.predict(X[:5]).shape == (5,)
    scores = cross_val_score(RNNClassifier(**SMALL), X, y, cv=3)
    assert scores.shape == (3,)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    assert isinstance(X_train, list) and len(X_test) == len(y_test)


def test_object_array_of_sequences_is_accepted():
    X, y = _ragged()
    obj = np.empty(len(X), dtype=object)
    obj[:] = X
    a = RNNClassifier(**SMALL).fit(obj, y)
    b = RNNClassifier(**SMALL).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(obj), b.predict_proba(X))


# --------------------------------------------------------------------------- learning
@pytest.mark.parametrize("cell_type", ["lstm", "gru"])
def test_gated_cells_remember_across_fifty_steps(cell_type):
    """The label sits in the first 3 of 60 noisy steps: memory over 57 steps."""
    X, y = make_delayed_label(600, 60, random_state=0)
    X_test, y_test = make_delayed_label(300, 60, random_state=1)
    clf = RNNClassifier(cell_type=cell_type, hidden_layer_sizes=16, batch_size=32,
                        learning_rate_init=0.01, max_iter=20, random_state=0)
    clf.fit(X, y)
    assert clf.score(X_test, y_test) >= 0.95
