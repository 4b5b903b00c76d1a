"""Numerical robustness: huge magnitudes, long sequences, divergence, interruption.

numpy's RuntimeWarnings are errors in this suite (pyproject.toml), so every test here
also checks that no overflow or invalid-value warning leaks out.
"""


import numpy as np
import pytest

import skrnn._training as training
from skrnn import RNNClassifier, RNNRegressor, SeqToSeqRNN
from skrnn._losses import LOSSES, OUTPUT_ACTIVATIONS

CELL_TYPES = ["elman", "lstm", "gru"]
SMALL = dict(hidden_layer_sizes=4, max_iter=3, random_state=0)


# training runs here are deliberately short
pytestmark = pytest.mark.usefixtures("quiet_convergence")


def _all_params(est):
    arrays = [est.output_coef_, est.output_intercept_]
    arrays += [v for p in est.recurrent_coefs_ for v in p.values()]
    return np.concatenate([a.ravel() for a in arrays])


# --------------------------------------------------------------------------- magnitudes
@pytest.mark.parametrize("dtype,magnitude", [(np.float32, 1e4), (np.float32, 1e30),
                                             (np.float64, 1e30), (np.float64, 1e300)])
def test_output_activations_and_losses_stay_finite_on_huge_logits(dtype, magnitude):
    Z = np.array([[magnitude, -magnitude, 0.0], [-magnitude, magnitude, 1.0]], dtype=dtype)
    for name in ("logistic", "softmax"):
        out = OUTPUT_ACTIVATIONS[name](Z)
        assert np.isfinite(out).all() and (out >= 0).all() and (out <= 1).all()
    np.testing.assert_allclose(OUTPUT_ACTIVATIONS["softmax"](Z).sum(axis=1), 1, rtol=1e-6)
    one_hot = np.eye(3, dtype=dtype)[[1, 0]]  # the confidently wrong class
    value, delta = LOSSES["log_loss"][0](one_hot, Z)
    assert np.isfinite(value) and value > 0 and np.isfinite(delta).all()
    value, delta = LOSSES["binary_log_loss"][0](one_hot[:, :1], Z[:, :1])
    assert np.isfinite(value) and value > 0 and np.isfinite(delta).all()


@pytest.mark.parametrize("cell_type", CELL_TYPES)
@pytest.mark.parametrize("dtype,magnitude", [(np.float32, 1e30), (np.float32, 3e38),
                                             (np.float64, 1e30), (np.float64, 1e300)])
def test_huge_inputs_fit_and_predict_finite(cell_type, dtype, magnitude):
    rng = np.random.RandomState(0)
    X = (np.sign(rng.normal(size=(24, 6, 2))) * rng.uniform(0.1, 1, size=(24, 6, 2))
         * magnitude).astype(dtype)
    y = np.arange(24) % 2
    clf = RNNClassifier(cell_type=cell_type, **SMALL).fit(X, y)
    assert np.isfinite(_all_params(clf)).all()
    proba = clf.predict_proba(X)
    assert proba.dtype == dtype and np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
    reg = RNNRegressor(cell_type=cell_type, **SMALL).fit(X, y.astype(float))
    assert np.isfinite(reg.predict(X)).all()


@pytest.mark.skipif(
    "esn" not in RNNRegressor._parameter_constraints["cell_type"][0].options,
    reason="no echo state network",
)
@pytest.mark.parametrize("dtype,magnitude", [(np.float32, 3e38), (np.float64, 1e300)])
def test_echo_state_network_on_huge_and_long_inputs(dtype, magnitude):
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(rng.randint(2, 8), 2)).astype(dtype) for _ in range(20)]
    reg = RNNRegressor(cell_type="esn", hidden_layer_sizes=20, random_state=0).fit(
        X, np.arange(20.0))
    huge = [np.array([[magnitude, -magnitude]], dtype=dtype), rng.normal(size=(3000, 2))]
    assert np.isfinite(reg.predict(huge)).all()
    clf = RNNClassifier(cell_type="esn", hidden_layer_sizes=20, random_state=0).fit(
        X, np.arange(20) % 2)
    assert np.isfinite(clf.predict_proba(huge)).all()


@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_float32_overflow_at_predict_time_is_computed_in_float64(cell_type):
    """Opposite float32 infinities in one projection (inf - inf) would be NaN; the
    output is recomputed in float64, where the saturated gates give the true limit."""
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(5, 2)).astype(np.float32) for _ in range(20)]
    clf = RNNClassifier(cell_type=cell_type, **SMALL).fit(X, np.arange(20) % 2)
    big = np.finfo(np.float32).max
    huge = [np.array([[big, -big], [-big, big]], dtype=np.float32), X[0]]
    proba = clf.predict_proba(huge)
    assert proba.dtype == np.float32 and np.isfinite(proba).all()
    # the same weights in float64 give the same answer
    clf64 = RNNClassifier(cell_type=cell_type, **SMALL).fit(
        [x.astype(np.float64) for x in X], np.arange(20) % 2)
    for p32, p64 in zip(clf.recurrent_coefs_, clf64.recurrent_coefs_):
        for key in p32:
            p64[key][...] = p32[key]
    clf64.output_coef_[...] = clf.output_coef_
    clf64.output_intercept_[...] = clf.output_intercept_
    expected = clf64.predict_proba([h.astype(np.float64) for h in huge])
    np.testing.assert_allclose(proba, expected, rtol=1e-6)


def test_unrepresentable_output_is_a_clear_error():
    """A relu network on 1e300 inputs has no finite float64 output: ValueError, no NaN."""
    rng = np.random.RandomState(0)
    X = [np.abs(rng.normal(size=(4, 1))) for _ in range(20)]
    reg = RNNRegressor(cell_type="elman", activation="relu", **SMALL).fit(
        X, np.arange(20.0))
    reg.recurrent_coefs_[0]["weight_ih"][...] = 1.0
    reg.recurrent_coefs_[0]["weight_hh"][...] = 1.0
    reg.output_coef_[...] = 1.0
    with pytest.raises(ValueError, match=r"X\[1\] overflows float64.*1e\+300.*Scale"):
        reg.predict([X[0], np.full((40, 1), 1e300)])
    # float32 input whose true output exceeds float32: the error says to pass float64
    X32 = [X[0].astype(np.float32), np.full((3, 1), 3e38, dtype=np.float32)]
    reg32 = RNNRegressor(cell_type="elman", activation="relu", **SMALL).fit(
        [x.astype(np.float32) for x in X], np.arange(20.0))
    reg32.recurrent_coefs_[0]["weight_ih"][...] = 1.0
    reg32.recurrent_coefs_[0]["weight_hh"][...] = 1.0
    reg32.output_coef_[...] = 1.0
    with pytest.raises(ValueError, match=r"X\[1\] overflows float32.*float64"):
        reg32.predict(X32)


# weights whose float64 sum overflows (inf - inf in scikit-learn's first-pass finiteness
# check, found by the fuzz tests) or cancels to 0: a ValueError naming sample_weight, not
# a RuntimeWarning, a NaN score or a silent 0 accuracy
BAD_WEIGHTS = [[np.inf, -np.inf], [np.nan, 1.0], [1e308, 1e308], [1e308, -1e308]]


def _two_sequence_problems():
    X = np.zeros((2, 5, 1))
    return [
        (RNNRegressor(**SMALL), X, np.array([1.0, 2.0])),
        (RNNClassifier(**SMALL), X, np.array([0, 1])),
        (SeqToSeqRNN(**SMALL), X, np.linspace(0, 1, 10).reshape(2, 5)),
    ]


@pytest.mark.parametrize("weights", BAD_WEIGHTS)
def test_non_finite_or_overflowing_sample_weight_is_refused_by_fit(weights):
    for est, X, y in _two_sequence_problems():
        with pytest.raises(ValueError, match="sample_weight"):
            est.fit(X, y, sample_weight=weights)


@pytest.mark.parametrize("weights", BAD_WEIGHTS + [[1.0, -1.0]])
def test_non_finite_or_cancelling_sample_weight_is_refused_by_score(weights):
    for est, X, y in _two_sequence_problems():
        est.fit(X, y)
        with pytest.raises(ValueError, match="sample_weight"):
            est.score(X, y, sample_weight=weights)
        assert np.isfinite(est.score(X, y, sample_weight=[1e200, 1e200]))


@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_long_sequences_stay_finite(cell_type):
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(3000, 1)) * 10 for _ in range(3)] + [rng.normal(size=(5, 1))]
    y = np.array([0.0, 1.0, 2.0, 3.0])
    reg = RNNRegressor(cell_type=cell_type, hidden_layer_sizes=3, max_iter=2,
                       random_state=0).fit(X, y)
    assert np.isfinite(reg.predict(X)).all()
    assert np.isfinite(reg.loss_curve_).all() and np.isfinite(reg.grad_norm_curve_).all()
    # truncated BPTT over the same sequences, and a classifier on them
    truncated = RNNRegressor(cell_type=cell_type, hidden_layer_sizes=3, max_iter=2,
                             bptt_steps=100, random_state=0).fit(X, y)
    assert np.isfinite(truncated.predict(X)).all()
    proba = RNNClassifier(cell_type=cell_type, hidden_layer_sizes=3, max_iter=2,
                          random_state=0).fit(X, [0, 1, 0, 1]).predict_proba(X)
    assert np.isfinite(proba).all()


# --------------------------------------------------------------------------- divergence
def _diverging(est):
    """Settings under which the next fit of ``est`` diverges within a few epochs."""
    return est.set_params(solver="sgd", learning_rate_init=1e6, clip_norm=None,
                          momentum=0.0, max_iter=50)


@pytest.mark.parametrize("incremental", [False, True])
def test_divergence_keeps_last_finite_weights_under_warm_start(incremental):
    """fit with warm_start, or partial_fit calls, until the run diverges."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 8, 2))
    y = X[:, :, 0].sum(axis=1)

    def start():
        # relu Elman: unbounded, so it can be made to diverge
        est = RNNRegressor(cell_type="elman", activation="relu", warm_start=True,
                           batch_size=40, **SMALL)
        if incremental:  # partial_fit keeps the optimizer of its first call
            return _diverging(est)
        return _diverging(est.fit(X, y))

    reg = start()
    first = 0 if incremental else SMALL["max_iter"]
    with pytest.raises(ValueError, match="diverged"):
        if incremental:
            for _ in range(50):
                reg.partial_fit(X, y * 1e10)
        else:
            reg.fit(X, y * 1e10)
    assert np.isfinite(_all_params(reg)).all()
    assert np.isfinite(reg.predict(X)).all()
    assert len(reg.loss_curve_) == len(reg.grad_norm_curve_)
    assert np.isfinite(reg.loss_curve_).all()
    # the weights kept are the ones after the last finite step: replaying that many
    # epochs from the same start ends on exactly the same weights
    epochs = reg.n_iter_ - first
    assert epochs >= 1
    replay = start().set_params(max_iter=epochs)
    if incremental:
        for _ in range(epochs):
            replay.partial_fit(X, y * 1e10)
    else:
        replay.fit(X, y * 1e10)
    np.testing.assert_array_equal(_all_params(replay), _all_params(reg))


def test_lbfgs_divergence_keeps_finite_weights():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 6, 1)) * 1e3
    y = rng.normal(size=30) * 1e160  # a squared error beyond float64
    reg = RNNRegressor(cell_type="elman", activation="relu", solver="lbfgs", alpha=0.0,
                       hidden_layer_sizes=4, max_iter=50, random_state=0)
    with pytest.raises(ValueError, match="diverged"):
        reg.fit(X, y)
    assert np.isfinite(_all_params(reg)).all()


# --------------------------------------------------------------------------- interruption
def _interrupt_at_call(monkeypatch, n):
    """Make the ``n``-th batch loss evaluation raise KeyboardInterrupt (Ctrl-C)."""
    real = training.batch_loss_grad
    calls = {"n": 0}

    def interrupted(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == n:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(training, "batch_loss_grad", interrupted)


@pytest.mark.parametrize("solver", ["adam", "sgd"])
@pytest.mark.parametrize("Est", [RNNClassifier, RNNRegressor])
def test_keyboard_interrupt_keeps_a_consistent_estimator(monkeypatch, Est, solver):
    """One batch per epoch: Ctrl-C in epoch 4 leaves exactly the model of 3 epochs."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 5, 2))
    y = (X[:, 0, 0] > 0).astype(int)
    # no shuffling: the interrupted epoch drew its permutation, the reference did not
    params = dict(solver=solver, batch_size=30, tol=0.0, hidden_layer_sizes=4,
                  shuffle=False, random_state=0)
    reference = Est(max_iter=3, **params).fit(X, y)
    _interrupt_at_call(monkeypatch, 4)
    est = Est(max_iter=10, **params)
    with pytest.warns(UserWarning, match="interrupted"):
        est.fit(X, y)
    monkeypatch.undo()
    assert est.n_iter_ == 3 == len(est.loss_curve_) == len(est.grad_norm_curve_)
    assert est.t_ == 3 * len(X)
    assert est.loss_ == est.loss_curve_[-1]
    np.testing.assert_array_equal(_all_params(est), _all_params(reference))
    np.testing.assert_array_equal(est.predict(X), reference.predict(X))
    # the optimizer state is intact: one more partial_fit step matches too
    est.partial_fit(X, y)
    reference.partial_fit(X, y)
    np.testing.assert_array_equal(_all_params(est), _all_params(reference))


def test_keyboard_interrupt_during_lbfgs_keeps_the_last_accepted_iterate(monkeypatch):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 5, 2))
    y = X[:, :, 0].sum(axis=1)
    params = dict(solver="lbfgs", hidden_layer_sizes=4, random_state=0, tol=0.0)
    accepted = {"n_iter": 0}
    real = training.batch_loss_grad

    class Watched(RNNRegressor):
        # the loss function sees no estimator: the loop's epoch event counts iterates
        def _fit_events(self):
            return training.Events(on_epoch_end=(
                lambda history, info: accepted.update(n_iter=history.n_iter),
            ))

    def interrupted(*args, **kwargs):
        if accepted["n_iter"] == 3:  # in the line search of the 4th iteration
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(training, "batch_loss_grad", interrupted)
    est = Watched(max_iter=20, **params)
    with pytest.warns(UserWarning, match="interrupted"):
        est.fit(X, y)
    monkeypatch.undo()
    reference = RNNRegressor(max_iter=3, **params).fit(X, y)
    assert est.n_iter_ == 3 == len(est.loss_curve_)
    np.testing.assert_array_equal(_all_params(est), _all_params(reference))
    assert est.loss_ == reference.loss_curve_[-1]


def test_keyboard_interrupt_with_early_stopping_restores_the_best_weights(monkeypatch):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 5, 2))
    y = (X[:, 0, 0] > 0).astype(int)
    _interrupt_at_call(monkeypatch, 7)
    clf = RNNClassifier(early_stopping=True, validation_fraction=0.2,
                        **{**SMALL, "max_iter": 50})
    with pytest.warns(UserWarning, match="interrupted"):
        clf.fit(X, y)
    monkeypatch.undo()
    assert len(clf.validation_scores_) == clf.n_iter_
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert np.isfinite(clf.predict_proba(X)).all()


def test_keyboard_interrupt_in_seq2seq_and_partial_fit(monkeypatch):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(20, 6, 1))
    est = SeqToSeqRNN(hidden_layer_sizes=3, max_iter=10, batch_size=5, random_state=0)
    _interrupt_at_call(monkeypatch, 6)
    with pytest.warns(UserWarning, match="interrupted"):
        est.fit(X, np.cumsum(X[:, :, 0], axis=1))
    assert est.n_iter_ == 1
    assert np.isfinite(est.predict(X)).all()
    reg = RNNRegressor(**SMALL)
    _interrupt_at_call(monkeypatch, 1)
    with pytest.warns(UserWarning, match="interrupted"):
        reg.partial_fit(X, X.sum(axis=(1, 2)))
    monkeypatch.undo()
    assert reg.n_iter_ == 0 and np.isfinite(reg.predict(X)).all()
    reg.partial_fit(X, X.sum(axis=(1, 2)))
    assert reg.n_iter_ == 1
