"""Echo state networks: the reservoir core (``_reservoir``) and ``cell_type="esn"``."""

import pickle

import numpy as np
import pytest
from sklearn.linear_model import Ridge

from skrnn import RNNClassifier, RNNRegressor
from skrnn import _network as net
from skrnn import _reservoir as esn
from skrnn._input import check_sequence_list
from skrnn._recurrent import make_plan


def _ragged(rng, n=40, n_features=3, low=3, high=25):
    return [rng.normal(size=(T, n_features)) for T in rng.randint(low, high, size=n)]


def _reservoir(n_inputs=3, n_units=30, seed=0, **kwargs):
    params = {"spectral_radius_target": 0.9, "density": 0.2, "input_scaling": 0.7}
    params.update(kwargs)
    return esn.make_reservoir(n_inputs, n_units, rng=np.random.RandomState(seed), **params)


def _features(reservoir, config, X):
    """Many-to-one features of the list ``X`` in sample order (one packed batch)."""
    seqs = check_sequence_list(X)
    batch = net.make_batch(seqs, np.arange(len(X)))
    F = np.empty((len(X), 2 * reservoir.n_units))
    F[batch.order] = esn.batch_features(reservoir, config, batch)
    return F


# --------------------------------------------------------------------------- the reservoir
@pytest.mark.parametrize(
    "n_units, density, radius, seed",
    [(5, 0.6, 0.9, 0), (30, 0.2, 1.3, 1), (200, 0.05, 0.95, 3), (500, 0.05, 0.9, 2)],
)
def test_spectral_radius_equals_parameter(n_units, density, radius, seed):
    res = _reservoir(n_units=n_units, density=density, spectral_radius_target=radius,
                     seed=seed)
    eigenvalues = np.linalg.eigvals(res.weights.toarray())
    assert np.abs(eigenvalues).max() == pytest.approx(radius, rel=1e-6)
    assert res.weights.nnz == max(1, round(density * n_units**2))


def test_reservoir_is_reproducible_from_random_state():
    a, b = _reservoir(seed=7), _reservoir(seed=7)
    c = _reservoir(seed=8)
    assert np.array_equal(a.input_weights, b.input_weights)
    assert (a.weights != b.weights).nnz == 0
    assert not np.array_equal(a.input_weights, c.input_weights)


def _naive_states(res, x, leak_rate, activation=np.tanh):
    W = res.weights.toarray()
    h = np.zeros(res.n_units)
    out = []
    for x_t in x:
        h = (1 - leak_rate) * h + leak_rate * activation(
            res.input_weights @ x_t + W @ h + res.bias
        )
        out.append(h)
    return np.array(out)


@pytest.mark.parametrize("leak_rate", [1.0, 0.3])
def test_packed_run_matches_the_update_equation(leak_rate):
    rng = np.random.RandomState(0)
    X = _ragged(rng, n=7)
    res = _reservoir()
    seqs = check_sequence_list(X)
    batch = net.make_batch(seqs, np.arange(len(X)))
    run = esn.run_reservoir(res, batch.X, batch.plan, leak_rate=leak_rate, keep_states=True)
    for pos, i in enumerate(batch.order):
        expected = _naive_states(res, X[i], leak_rate)
        rows = batch.plan.offsets[: len(X[i])] + pos
        np.testing.assert_allclose(run.states[rows], expected, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(run.last[pos], expected[-1], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(run.mean[pos], expected.mean(axis=0), atol=1e-12)


def test_leak_rate_one_is_the_plain_echo_state_update():
    rng = np.random.RandomState(1)
    res = _reservoir()
    x = rng.normal(size=(12, 3))
    run = esn.run_reservoir(res, x, make_plan([12]), leak_rate=1.0, keep_states=True)
    h = np.zeros(res.n_units)
    for t in range(12):  # h_t = tanh(W_in x_t + W h_{t-1} + b), nothing kept of h_{t-1}
        h = np.tanh(res.input_weights @ x[t] + res.weights @ h + res.bias)
        np.testing.assert_allclose(run.states[t], h, rtol=1e-12, atol=1e-12)


def test_washout_leaves_the_first_steps_out_of_the_mean():
    rng = np.random.RandomState(2)
    res = _reservoir()
    X = [rng.normal(size=(T, 3)) for T in (10, 4, 2)]
    F = _features(res, esn.ReservoirConfig(0.5, "tanh", 3), X)
    for i, x in enumerate(X):
        states = _naive_states(res, x, 0.5)
        expected = states[3:].mean(axis=0) if len(x) > 3 else states[-1]
        np.testing.assert_allclose(F[i, res.n_units :], expected, atol=1e-12)
        np.testing.assert_allclose(F[i, : res.n_units], states[-1], atol=1e-12)


def test_features_do_not_depend_on_the_other_sequences_of_a_batch():
    rng = np.random.RandomState(3)
    X = _ragged(rng, n=9)
    res, config = _reservoir(), esn.ReservoirConfig(0.4, "tanh", 2)
    together = _features(res, config, X)
    alone = np.vstack([_features(res, config, [x]) for x in X])
    np.testing.assert_allclose(together, alone, rtol=1e-12, atol=1e-13)


# --------------------------------------------------------------------------- the readout
def test_chunked_moments_equal_one_pass():
    rng = np.random.RandomState(4)
    F, Y, w = rng.normal(size=(90, 6)) + 5, rng.normal(size=(90, 2)), rng.rand(90)
    whole = esn.update_moments(esn.empty_moments(6, 2), F, Y, w)
    chunked = esn.empty_moments(6, 2)
    for start in range(0, 90, 13):
        chunked = esn.update_moments(
            chunked, F[start : start + 13], Y[start : start + 13], w[start : start + 13]
        )
    for a, b in zip(whole, chunked, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("alpha", [1e-3, 2.0])
def test_ridge_readout_equals_sklearn_ridge_on_the_same_states(alpha):
    rng = np.random.RandomState(5)
    X = _ragged(rng, n=60)
    y = np.column_stack([[x[:, 0].sum() for x in X], [x[-1, 1] for x in X]])
    w = rng.uniform(0.2, 3.0, size=60)
    reg = RNNRegressor(cell_type="esn", hidden_layer_sizes=25, alpha=alpha, leak_rate=0.6,
                       random_state=0).fit(X, y, sample_weight=w)
    F = _features(reg.reservoir_, reg._esn_config, X)
    ridge = Ridge(alpha=alpha).fit(F, y, sample_weight=w)
    np.testing.assert_allclose(reg.output_coef_, ridge.coef_.T, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(reg.output_intercept_, ridge.intercept_, rtol=1e-6,
                               atol=1e-8)
    np.testing.assert_allclose(reg.predict(X), ridge.predict(F), rtol=1e-8, atol=1e-8)


def test_alpha_zero_falls_back_to_least_squares():
    rng = np.random.RandomState(6)
    F = rng.normal(size=(30, 4))
    F[:, 3] = F[:, 2]  # collinear: the normal equations are singular
    y = F[:, :1] @ [[2.0]] + 1.0
    moments = esn.update_moments(esn.empty_moments(4, 1), F, y)
    coef, intercept = esn.solve_ridge(moments, 0.0)
    np.testing.assert_allclose(F @ coef + intercept, y, atol=1e-9)


def test_zero_total_weight_is_an_error():
    moments = esn.update_moments(esn.empty_moments(2, 1), np.ones((3, 2)), np.ones((3, 1)),
                                 np.zeros(3))
    with pytest.raises(ValueError, match="sum to 0"):
        esn.solve_ridge(moments, 1.0)


# --------------------------------------------------------------------------- estimators
def _labels(X):
    return np.array(["up" if x[:, 0].mean() > 0 else "down" for x in X])


def test_partial_fit_over_chunks_equals_one_fit():
    rng = np.random.RandomState(7)
    X = _ragged(rng, n=120)
    y = np.array([x[:, 1].mean() for x in X])
    w = rng.uniform(0.5, 2.0, size=120)
    params = {"cell_type": "esn", "hidden_layer_sizes": 40, "leak_rate": 0.5,
              "washout": 1, "alpha": 1e-2, "random_state": 0}
    whole = RNNRegressor(**params).fit(X, y, sample_weight=w)
    streamed = RNNRegressor(**params)
    for start in range(0, 120, 25):
        part = slice(start, start + 25)
        streamed.partial_fit(X[part], y[part], sample_weight=w[part])
    np.testing.assert_allclose(streamed.predict(X), whole.predict(X), rtol=1e-8, atol=1e-9)
    assert streamed.t_ == 120 and streamed.n_iter_ == 5

    labels = _labels(X)
    clf_whole = RNNClassifier(**params).fit(X, labels)
    # partial_fit streams whatever the solver: the ESN ignores it
    clf = RNNClassifier(**params, solver="lbfgs")
    for start in range(0, 120, 30):
        part = slice(start, start + 30)
        clf.partial_fit(X[part], labels[part], classes=["down", "up"])
    np.testing.assert_allclose(
        clf.predict_proba(X), clf_whole.predict_proba(X), rtol=1e-7, atol=1e-9
    )


def _sequence_features(reservoir, X, leak_rate, washout):
    """Many-to-one features computed here: each sequence's last state and its mean state
    over the steps after ``washout`` (the last state when there are none), side by
    side, from the fitted reservoir's public weights."""
    F = []
    for x in X:
        states = _naive_states(reservoir, x, leak_rate)
        mean = states[washout:].mean(axis=0) if len(x) > washout else states[-1]
        F.append(np.concatenate([states[-1], mean]))
    return np.array(F)


def _ridge_classifier_reference(F_train, y, F_test, alpha, sample_weight):
    """Class probabilities from ``sklearn.linear_model.Ridge`` on the class indicators:
    ``softmax(scores / s2)`` with ``s2`` the residual variance of the fit per sample and
    class (two classes: one indicator column, the first class scoring ``1 - s``).
    Returns the probabilities and the ridge scores of every class on ``F_test``."""
    classes = np.unique(y)
    indicators = (y[:, None] == classes).astype(float)
    columns = indicators[:, 1:] if len(classes) == 2 else indicators
    ridge = Ridge(alpha=alpha).fit(F_train, columns, sample_weight=sample_weight)

    def all_scores(F):
        s = ridge.predict(F).reshape(len(F), -1)
        return np.hstack([1 - s, s]) if len(classes) == 2 else s

    residuals = indicators - all_scores(F_train)
    w = np.ones(len(y)) if sample_weight is None else sample_weight
    s2 = (w @ (residuals**2).sum(axis=1)) / (w.sum() * len(classes))
    scores = all_scores(F_test)
    logits = scores / s2
    proba = np.exp(logits - logits.max(axis=1, keepdims=True))
    return proba / proba.sum(axis=1, keepdims=True), scores, s2


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize(
    "leak_rate, washout, weighted",
    [(1.0, 0, False), (0.5, 3, False), (0.7, 1, True)],
)
def test_classifier_probabilities_equal_a_ridge_reference(n_classes, leak_rate, washout,
                                                          weighted):
    """predict_proba against Ridge on the same reservoir states, fitted here."""
    rng = np.random.RandomState(20 + n_classes)
    X = _ragged(rng, n=160, low=2, high=20)
    y = np.array([int(np.digitize(x[:, 0].mean() + 0.3 * rng.normal(),
                                  [-0.2, 0.2][: n_classes - 1])) for x in X])
    labels = np.array(["cat", "dog", "eel"])[y]  # labels of any type
    train, test = slice(0, 120), slice(120, None)
    alpha = 2.0
    params = {"cell_type": "esn", "hidden_layer_sizes": 30, "alpha": alpha,
              "leak_rate": leak_rate, "washout": washout, "random_state": 0}
    sample_weight = None
    if weighted:  # sample and class weights multiply into the ridge weights
        params["class_weight"] = "balanced"
        sample_weight = rng.uniform(0.2, 3.0, size=120)
    clf = RNNClassifier(**params).fit(X[train], labels[train], sample_weight=sample_weight)

    F_train = _sequence_features(clf.reservoir_, X[train], leak_rate, washout)
    F_test = _sequence_features(clf.reservoir_, X[test], leak_rate, washout)
    weights = sample_weight
    if weighted:
        classes, counts = np.unique(labels[train], return_counts=True)
        balanced = dict(
            zip(classes, len(labels[train]) / (len(classes) * counts), strict=True)
        )
        weights = sample_weight * np.array([balanced[c] for c in labels[train]])
    expected, scores, s2 = _ridge_classifier_reference(F_train, labels[train], F_test,
                                                       alpha, weights)
    # the reference is not degenerate: unsure and sure sequences alike
    assert 0.01 < s2 < 1 and ((expected > 0.05) & (expected < 0.95)).any()

    proba = clf.predict_proba(X[test])
    assert clf.classes_.tolist() == sorted(set(labels[train]))
    np.testing.assert_allclose(proba, expected, rtol=1e-6, atol=1e-9)
    # decision values: log-probability differences are the ridge score differences / s2
    log_proba = clf.predict_log_proba(X[test])
    np.testing.assert_allclose(log_proba - log_proba[:, :1], (scores - scores[:, :1]) / s2,
                               rtol=1e-6, atol=1e-7)
    # the most probable class is the highest ridge score, as in RidgeClassifier
    np.testing.assert_array_equal(clf.predict(X[test]), clf.classes_[scores.argmax(axis=1)])


def test_partial_fit_refuses_a_changed_reservoir():
    rng = np.random.RandomState(8)
    X, y = _ragged(rng, n=20), rng.normal(size=20)
    reg = RNNRegressor(cell_type="esn", hidden_layer_sizes=10, random_state=0)
    reg.partial_fit(X, y)
    with pytest.raises(ValueError, match="same reservoir"):
        reg.set_params(leak_rate=0.5).partial_fit(X, y)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_classifier_probabilities_are_distributions(n_classes):
    rng = np.random.RandomState(9)
    X = _ragged(rng, n=150)
    y = np.array([int(np.digitize(x[:, 0].mean(), [-0.1, 0.1][: n_classes - 1]))
                  for x in X])
    clf = RNNClassifier(cell_type="esn", hidden_layer_sizes=60, alpha=1.0,
                        random_state=0).fit(X[:100], y[:100])
    proba = clf.predict_proba(X[100:])
    assert proba.shape == (50, n_classes)
    assert np.all((proba >= 0) & (proba <= 1))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert np.array_equal(clf.predict(X[100:]), clf.classes_[proba.argmax(axis=1)])
    # not clipped scores: probabilities strictly inside (0, 1) for unsure sequences
    assert ((proba > 1e-3) & (proba < 1 - 1e-3)).any()
    assert clf.score(X[100:], y[100:]) > 1.0 / n_classes + 0.15


def test_predictions_are_padding_invariant():
    rng = np.random.RandomState(10)
    X = _ragged(rng, n=50)
    y = np.array([x[:, 0].sum() for x in X])
    reg = RNNRegressor(cell_type="esn", hidden_layer_sizes=30, washout=2,
                       random_state=0).fit(X, y)
    together = reg.predict(X)
    alone = np.array([reg.predict([x])[0] for x in X[:10]])
    np.testing.assert_allclose(together[:10], alone, rtol=1e-10, atol=1e-12)
    equal = rng.normal(size=(6, 8, 3))
    np.testing.assert_allclose(reg.predict(equal), reg.predict(list(equal)), rtol=1e-12)


def test_pickle_round_trip_and_reproducible_fit():
    rng = np.random.RandomState(11)
    X = _ragged(rng, n=40)
    labels = _labels(X)
    params = {"cell_type": "esn", "hidden_layer_sizes": 20, "random_state": 3}
    clf = RNNClassifier(**params).fit(X, labels)
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    refit = RNNClassifier(**params).fit(X, labels)
    np.testing.assert_array_equal(refit.predict_proba(X), clf.predict_proba(X))
    # partial_fit continues from the unpickled normal equations
    loaded.partial_fit(X, labels)
    assert loaded.t_ == 80


@pytest.mark.parametrize(
    "params, match",
    [
        ({"hidden_layer_sizes": (10, 5)}, "one reservoir"),
        ({"bidirectional": True}, "bidirectional"),
    ],
)
def test_unsupported_settings_are_refused(params, match):
    X, y = [np.ones((3, 2)), np.zeros((4, 2))], [0.0, 1.0]
    with pytest.raises(ValueError, match=match):
        RNNRegressor(cell_type="esn", **params).fit(X, y)


def test_refit_as_another_cell_drops_the_reservoir():
    rng = np.random.RandomState(12)
    X, y = _ragged(rng, n=20), rng.normal(size=20)
    reg = RNNRegressor(cell_type="esn", hidden_layer_sizes=8, random_state=0).fit(X, y)
    assert hasattr(reg, "reservoir_") and not hasattr(reg, "recurrent_coefs_")
    reg.set_params(cell_type="elman", max_iter=2).fit(X, y)
    assert not hasattr(reg, "reservoir_") and hasattr(reg, "recurrent_coefs_")


# ------------------------------------------------------------------------ aligned outputs
def test_aligned_readout_equals_ridge_on_the_target_steps():
    from skrnn._seq2seq_estimator import SeqToSeqRNN

    rng = np.random.RandomState(13)
    X = _ragged(rng, n=30, n_features=2, low=4, high=15)
    y = [np.cumsum(x[:, 0])[-(len(x) // 2 + 1) :] for x in X]
    w = rng.uniform(0.5, 2.0, size=30)
    model = SeqToSeqRNN(cell_type="esn", hidden_layer_sizes=20, alpha=0.1, washout=2,
                        leak_rate=0.7, random_state=0).fit(X, y, sample_weight=w)
    states, targets, weights = [], [], []
    for x, target, weight in zip(X, y, w, strict=True):
        run = _naive_states(model.reservoir_, x, 0.7)
        steps = np.arange(len(x) - len(target), len(x))
        kept = steps >= 2
        states.append(run[steps[kept]])
        targets.append(target[kept])
        weights.append(np.full(kept.sum(), weight))
    ridge = Ridge(alpha=0.1).fit(np.vstack(states), np.concatenate(targets),
                                 sample_weight=np.concatenate(weights))
    np.testing.assert_allclose(model.output_coef_[:, 0], ridge.coef_, rtol=1e-6, atol=1e-8)
    predicted = model.predict(X[:3])
    for x, p in zip(X[:3], predicted, strict=True):
        expected = ridge.predict(_naive_states(model.reservoir_, x, 0.7))
        np.testing.assert_allclose(np.ravel(p), expected, rtol=1e-7, atol=1e-9)


def test_encoder_decoder_refuses_the_esn():
    from skrnn._seq2seq_estimator import SeqToSeqRNN

    X, y = [np.ones((3, 2)), np.zeros((4, 2))], [np.ones(2), np.zeros(3)]
    with pytest.raises(ValueError, match="no closed-form readout"):
        SeqToSeqRNN(cell_type="esn", mode="encoder_decoder").fit(X, y)


def test_overflowing_targets_are_a_clear_error():
    X = [np.ones((3, 2)), np.zeros((4, 2)), -np.ones((2, 2))]
    with pytest.raises(ValueError, match="overflows float64"):
        RNNRegressor(cell_type="esn", hidden_layer_sizes=5, random_state=0).fit(
            X, [1e308, -1e308, 1e307]
        )


def test_failed_refit_leaves_the_previous_model_whole():
    """A refit whose readout overflows raises, and the fitted model is untouched."""
    rng = np.random.RandomState(3)
    X = _ragged(rng)
    y = np.array([x.sum() for x in X])
    reg = RNNRegressor(cell_type="esn", hidden_layer_sizes=30, random_state=0).fit(X, y)
    before = reg.predict(X)
    reservoir, n_iter = reg.reservoir_, reg.n_iter_
    with pytest.raises(ValueError, match="overflows"):
        # targets of alternating sign near 1e155: their squares overflow the moments
        reg.set_params(random_state=1).fit(X, 1e155 * (-1.0) ** np.arange(len(X)))
    assert reg.reservoir_ is reservoir and reg.n_iter_ == n_iter
    np.testing.assert_array_equal(reg.predict(X), before)
