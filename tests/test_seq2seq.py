"""SeqToSeqRNN and its core (``_seq2seq``): gradients, equivalences, generation, errors,
and scikit-learn's common checks (same rules as ``test_common.py``)."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

from skrnn import RNNClassifier, RNNRegressor, SeqToSeqRNN
from skrnn import _network as net
from skrnn import _seq2seq as s2s
from skrnn._input import check_sequence_list
from skrnn._training import ARCHITECTURES

from ._gradcheck import numerical_gradient, relative_error

CELL_TYPES = ["elman", "lstm", "gru"]
LENGTHS = [5, 2, 4, 1, 5]


# --------------------------------------------------------------------------- gradients
def _targets(rng, lengths, n_outputs, loss):
    n = sum(lengths)
    if loss == "squared_error":
        data = rng.normal(size=(n, n_outputs))
    elif loss == "binary_log_loss":
        data = rng.randint(0, 2, size=(n, 1)).astype(float)
    else:
        data = np.eye(n_outputs)[rng.randint(0, n_outputs, size=n)]
    return s2s.TargetSequences(data, lengths)


def _gradient_error(loss_grad, spec, seqs, targets, loss, sample_weight=None, alpha=0.0,
                    make_inputs=None, **kwargs):
    """Relative error between the analytic gradient and central differences."""
    arch = ARCHITECTURES[type(spec)]
    rng = np.random.RandomState(0)
    flat = arch.init_params(spec, rng, np.float64)
    flat += 0.1 * rng.normal(size=flat.shape)  # exercise every bias away from zero
    params = arch.unpack(flat, spec)
    reg_mask = arch.regularised_mask(spec, np.float64)
    batch = net.make_batch(seqs, np.arange(seqs.n_samples))
    tb = targets[batch.order]
    sw = None if sample_weight is None else sample_weight[batch.order]
    if make_inputs is not None:
        # inputs fixed once: the fed-back predictions are constants of the objective
        kwargs["dec_inputs"] = make_inputs(params, spec, batch, tb)

    def loss_value(store=None):
        g = np.empty_like(flat) if store is None else store
        return loss_grad(
            params, arch.unpack(g, spec), spec, batch, tb, sw, loss, alpha=alpha,
            reg_mask=reg_mask, flat=flat, grad_flat=g, **kwargs,
        )

    analytic = np.empty_like(flat)
    loss_value(analytic)
    return relative_error(analytic, numerical_gradient(loss_value, flat))


ALIGNED_CASES = [
    (cell, False, loss, n_out)
    for cell in CELL_TYPES
    for loss, n_out in [("squared_error", 2), ("binary_log_loss", 1), ("log_loss", 3)]
] + [(cell, True, "log_loss", 3) for cell in CELL_TYPES]


@pytest.mark.parametrize("cell_type,bidirectional,loss,n_outputs", ALIGNED_CASES)
def test_gradient_aligned(cell_type, bidirectional, loss, n_outputs):
    rng = np.random.RandomState(1)
    seqs = check_sequence_list([rng.normal(size=(n, 2)) for n in LENGTHS])
    # ragged targets, aligned with the last K_i <= L_i steps
    targets = _targets(rng, [3, 2, 4, 1, 5], n_outputs, loss)
    spec = net.NetSpec(cell_type, 2, (3, 2), bidirectional, n_outputs)
    error = _gradient_error(
        s2s.aligned_loss_grad, spec, seqs, targets, loss,
        sample_weight=rng.uniform(0.2, 2, size=5), alpha=0.3,
    )
    assert error <= 1e-6


ENCODER_DECODER_CASES = [
    (cell, False, loss, n_out)
    for cell in CELL_TYPES
    for loss, n_out in [("squared_error", 2), ("log_loss", 3)]
] + [("lstm", True, "log_loss", 3), ("gru", True, "squared_error", 2)]


@pytest.mark.parametrize("cell_type,bidirectional,loss,n_outputs", ENCODER_DECODER_CASES)
def test_gradient_encoder_decoder_with_teacher_forcing(cell_type, bidirectional, loss,
                                                       n_outputs):
    rng = np.random.RandomState(2)
    seqs = check_sequence_list([rng.normal(size=(n, 2)) for n in [4, 2, 3, 1]])
    # output lengths independent of the input lengths; two layers: every layer's
    # final state initialises the decoder
    targets = _targets(rng, [3, 1, 4, 2], n_outputs, loss)
    hidden = (2, 2) if bidirectional else (3, 2)
    spec = s2s.encoder_decoder_spec(net.NetSpec(cell_type, 2, hidden, bidirectional, 0),
                                    n_outputs)
    draws = np.random.RandomState(5)

    def half_teacher_forced(params, spec, batch, targets):
        inputs = s2s.scheduled_inputs(params, spec, batch, targets, loss, 0.5, draws)
        assert not np.array_equal(inputs, s2s.teacher_inputs(targets))
        return inputs

    error = _gradient_error(
        s2s.encoder_decoder_loss_grad, spec, seqs, targets, loss,
        sample_weight=rng.uniform(0.2, 2, size=4), alpha=0.3,
        make_inputs=half_teacher_forced,
    )
    assert error <= 1e-6


def test_gradient_embedding_inputs():
    rng = np.random.RandomState(3)
    ids = check_sequence_list([rng.randint(2, 7, size=n) for n in LENGTHS])
    ids = ids._replace(data=ids.data[:, 0].astype(np.intp))
    aligned = net.NetSpec("gru", 3, (4,), False, 2, n_tokens=7)
    error = _gradient_error(
        s2s.aligned_loss_grad, aligned, ids, _targets(rng, LENGTHS, 2, "squared_error"),
        "squared_error", alpha=0.1,
    )
    assert error <= 1e-6
    encdec = s2s.encoder_decoder_spec(aligned._replace(n_outputs=0), 3)
    error = _gradient_error(
        s2s.encoder_decoder_loss_grad, encdec, ids, _targets(rng, [2, 3, 1, 2, 2], 3,
                                                             "log_loss"),
        "log_loss", alpha=0.1,
    )
    assert error <= 1e-6


@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_truncated_bptt_one_window_is_full_bptt(cell_type):
    """With windows of T steps the truncated objective is the full one (compare the
    finite differences); with shorter windows the loss is unchanged (state carried)."""
    rng = np.random.RandomState(4)
    seqs = check_sequence_list([rng.normal(size=(n, 2)) for n in LENGTHS])
    targets = _targets(rng, [3, 2, 4, 1, 5], 2, "squared_error")
    spec = net.NetSpec(cell_type, 2, (3, 2), False, 2)
    assert _gradient_error(s2s.aligned_loss_grad, spec, seqs, targets, "squared_error",
                           bptt_steps=5) <= 1e-6
    flat = net.init_params(spec, rng, np.float64)
    params = net.unpack(flat, spec)
    batch = net.make_batch(seqs, np.arange(5))
    losses = []
    for steps in (None, 2):
        g = np.empty_like(flat)
        losses.append(s2s.aligned_loss_grad(
            params, net.unpack(g, spec), spec, batch, targets[batch.order], None,
            "squared_error", flat=flat, grad_flat=g, bptt_steps=steps,
        ))
    assert losses[0] == pytest.approx(losses[1], rel=1e-12)


# --------------------------------------------------------------------------- estimator
def _fit_quietly(est, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y, **kwargs)


@pytest.mark.parametrize("Est,make_y", [
    (RNNRegressor, lambda rng, n: rng.normal(size=n)),
    (RNNClassifier, lambda rng, n: rng.choice(["a", "b", "c"], size=n)),
    (RNNClassifier, lambda rng, n: rng.randint(0, 2, size=n)),
])
def test_aligned_one_target_per_sequence_equals_many_to_one(Est, make_y):
    """Same data, weights and seed: the objectives coincide, so do fit and predictions."""
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(n, 2)) for n in rng.randint(2, 9, size=30)]
    y = make_y(rng, 30)
    sw = rng.uniform(0.5, 2, size=30)
    params = dict(hidden_layer_sizes=(5, 4), max_iter=5, random_state=0, batch_size=8)
    reference = _fit_quietly(Est(**params), X, y, sample_weight=sw)
    model = _fit_quietly(SeqToSeqRNN(**params), X, y, sample_weight=sw)
    np.testing.assert_allclose(model.loss_curve_, reference.loss_curve_, rtol=1e-9)
    np.testing.assert_allclose(model.output_coef_, reference.output_coef_, rtol=1e-7,
                               atol=1e-10)
    if Est is RNNClassifier:
        np.testing.assert_allclose(model.predict_proba(X), reference.predict_proba(X),
                                   rtol=1e-7, atol=1e-10)
        np.testing.assert_array_equal(model.classes_, reference.classes_)
        np.testing.assert_array_equal(model.predict(X), reference.predict(X))
    else:
        np.testing.assert_allclose(model.predict(X), reference.predict(X), rtol=1e-7,
                                   atol=1e-10)
    assert model.score(X, y) == pytest.approx(reference.score(X, y), rel=1e-7)


def test_ragged_aligned_tagging_learns_and_keeps_shapes():
    rng = np.random.RandomState(1)
    X = [rng.normal(size=(n, 2)) for n in rng.randint(3, 12, size=120)]
    # tag each step by the sign of the running sum; targets on the last 2/3 of steps
    y = [np.where(np.cumsum(x[:, 0]) > 0, "up", "down")[len(x) // 3:] for x in X]
    est = _fit_quietly(SeqToSeqRNN(hidden_layer_sizes=16, max_iter=60, random_state=0,
                                   learning_rate_init=0.02), X, y)
    pred = est.predict(X)
    assert isinstance(pred, list)
    assert [len(p) for p in pred] == [len(x) for x in X]  # one output per input step
    assert est.score(X, y) > 0.9
    proba = est.predict_proba(X[:3])
    assert all(p.shape == (len(x), 2) for p, x in zip(proba, X[:3], strict=True))
    np.testing.assert_allclose(proba[0].sum(axis=1), 1.0)


def test_encoder_decoder_learns_variable_length_outputs():
    rng = np.random.RandomState(2)
    seqs = [rng.randint(0, 4, size=rng.randint(2, 7)) for _ in range(400)]
    X = [np.eye(4)[s] for s in seqs]
    # output: the distinct symbols in order of first appearance, as letters
    y = [np.array(list("abcd"))[list(dict.fromkeys(s))] for s in seqs]
    est = _fit_quietly(SeqToSeqRNN(mode="encoder_decoder", hidden_layer_sizes=32,
                                   max_iter=15, batch_size=32, learning_rate_init=0.01,
                                   random_state=0), X, y)
    pred = est.predict(X[:50])
    assert {len(p) for p in pred} != {len(pred[0])}  # lengths come from the model
    exact = np.mean([np.array_equal(p, t) for p, t in zip(pred, y[:50], strict=True)])
    assert exact > 0.8
    assert est.score(X[:50], y[:50]) > 0.9
    assert est.output_length_ == 4


def test_numeric_encoder_decoder_uses_training_length():
    rng = np.random.RandomState(3)
    X = [rng.normal(size=(n, 1)) for n in rng.randint(3, 8, size=60)]
    y = [np.array([x.sum(), x.max(), x.min()]) for x in X]
    est = _fit_quietly(SeqToSeqRNN(mode="encoder_decoder", hidden_layer_sizes=8,
                                   max_iter=5, random_state=0), X, y)
    assert est.target_type_ == "numeric"
    assert est.predict(X).shape == (60, 3)


def _next_step_data(rng, n, categorical):
    if categorical:
        s = [rng.randint(0, 3, size=rng.randint(6, 12)) for _ in range(n)]
        return [np.eye(3)[a[:-1]] for a in s], [a[1:] for a in s]
    t = np.linspace(0, 4 * np.pi, 25)
    waves = [np.sin(t * rng.uniform(0.8, 1.2) + rng.uniform(0, 6))[:, None]
             for _ in range(n)]
    return [w[:-1] for w in waves], [w[1:, 0] for w in waves]


@pytest.mark.parametrize("categorical", [False, True])
def test_greedy_generation_equals_repeated_one_step_prediction(categorical):
    rng = np.random.RandomState(4)
    X, y = _next_step_data(rng, 40, categorical)
    est = _fit_quietly(SeqToSeqRNN(hidden_layer_sizes=(6, 5), max_iter=3, random_state=0),
                       X, y)
    prefixes = [x[:5] for x in X[:4]] + [X[4][:3]]
    generated = est.generate(prefixes, 6, temperature=0.0, random_state=1)
    again = est.generate(prefixes, 6, temperature=0.0, random_state=2)
    np.testing.assert_array_equal(generated, again)
    for prefix, continuation in zip(prefixes, generated, strict=True):
        seq = prefix
        for value in continuation:
            last = est.predict([seq])[0][-1]
            if categorical:
                assert last == value
                step = np.eye(3)[[last]]
            else:
                assert last == pytest.approx(value, rel=1e-9, abs=1e-12)
                step = np.array([[last]])
            seq = np.vstack([seq, step])


def test_greedy_generation_feeds_back_token_ids():
    """With an embedding the sampled class is fed back as its token id."""
    rng = np.random.RandomState(6)
    ids = [rng.randint(2, 6, size=rng.randint(6, 10)) for _ in range(30)]
    est = _fit_quietly(SeqToSeqRNN(embedding_dim=3, hidden_layer_sizes=5, max_iter=3,
                                   random_state=0), [s[:-1] for s in ids],
                       [s[1:] for s in ids])
    prefixes = [s[:4] for s in ids[:3]]
    generated = est.generate(prefixes, 5, temperature=0)
    for prefix, continuation in zip(prefixes, generated, strict=True):
        seq = list(prefix)
        for token in continuation:
            assert est.predict([np.array(seq)])[0][-1] == token
            seq.append(token)


def test_sampling_with_temperature_is_seeded():
    rng = np.random.RandomState(5)
    X, y = _next_step_data(rng, 30, True)
    est = _fit_quietly(SeqToSeqRNN(hidden_layer_sizes=4, max_iter=2, random_state=0),
                       X, y)
    a = est.generate(X[:6], 20, temperature=1.5, random_state=7)
    b = est.generate(X[:6], 20, temperature=1.5, random_state=7)
    c = est.generate(X[:6], 20, temperature=1.5, random_state=8)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert set(np.unique(a)) <= set(est.classes_)


# --------------------------------------------------------------------------- errors
def test_error_when_targets_outnumber_steps():
    X = [np.zeros((4, 1)), np.zeros((2, 1))]
    y = [np.full(4, 0.5), np.full(3, 0.5)]
    with pytest.raises(ValueError, match=r"y\[1\] has 3 steps but X\[1\] only 2"):
        SeqToSeqRNN(max_iter=1).fit(X, y)


@pytest.mark.parametrize("y", [
    [np.array(["a", "b"]), np.array([0.5, 1.5])],
    [np.array(["a", 0.5], dtype=object), np.array(["b", "c"], dtype=object)],
])
def test_error_for_mixed_numeric_and_categorical_targets(y):
    X = [np.zeros((3, 1)), np.zeros((3, 1))]
    with pytest.raises(ValueError, match="mixes numeric and categorical"):
        SeqToSeqRNN(max_iter=1).fit(X, y)


def test_error_when_forcing_numeric_on_labels():
    with pytest.raises(ValueError, match="target_type='numeric' but y holds labels"):
        SeqToSeqRNN(target_type="numeric", max_iter=1).fit(
            np.zeros((4, 3)), np.array([["a"] * 3, ["b"] * 3] * 2)
        )


@pytest.mark.parametrize("params,X,y,match", [
    (dict(mode="encoder_decoder"), np.ones((6, 4, 1)), np.ones((6, 2)), "encoder_decoder"),
    ({}, np.ones((6, 4, 2)), np.full((6, 4), 0.5), "reads 2 feature"),
    (dict(bidirectional=True), np.ones((6, 4, 1)), np.full((6, 4), 0.5), "bidirectional"),
    ({}, np.ones((6, 4, 2)), np.tile([0, 1, 2, 1], (6, 1)), "3 classes"),
])
def test_error_when_generate_cannot_feed_outputs_back(params, X, y, match):
    est = _fit_quietly(SeqToSeqRNN(hidden_layer_sizes=2, max_iter=1, target_type="auto",
                                   **params), X, y)
    with pytest.raises(ValueError, match=match):
        est.generate(X[:2], 3)


def test_error_bptt_with_encoder_decoder():
    with pytest.raises(ValueError, match="only available with mode='aligned'"):
        SeqToSeqRNN(mode="encoder_decoder", bptt_steps=3).fit(np.ones((4, 5)), np.ones(4))


def test_predict_proba_only_for_categorical():
    est = _fit_quietly(SeqToSeqRNN(hidden_layer_sizes=2, max_iter=1),
                       np.random.RandomState(0).normal(size=(6, 4)), np.linspace(0, 1, 6))
    assert not hasattr(est, "predict_proba")


# --------------------------------------------------------------------------- partial_fit
@pytest.mark.usefixtures("quiet_convergence")
@pytest.mark.parametrize("mode", ["aligned", "encoder_decoder"])
def test_partial_fit_equals_epochs_of_fit(mode):
    rng = np.random.RandomState(5)
    X = [rng.normal(size=(n, 2)) for n in rng.randint(3, 8, size=24)]
    y = [np.cumsum(x[:, 0]) if mode == "aligned" else x[:3, 0] for x in X]
    params = {"mode": mode, "hidden_layer_sizes": 6, "shuffle": False, "max_iter": 3,
              "tol": 0.0, "random_state": 0}
    full = SeqToSeqRNN(**params).fit(X, y)
    streamed = SeqToSeqRNN(**params)
    for _ in range(3):
        streamed.partial_fit(X, y)
    np.testing.assert_allclose(np.concatenate(streamed.predict(X)),
                               np.concatenate(full.predict(X)), rtol=1e-12)
    assert streamed.n_iter_ == 3 and streamed.t_ == 3 * len(X)


def test_partial_fit_takes_classes_on_the_first_call():
    rng = np.random.RandomState(6)
    X = rng.normal(size=(20, 6))
    y = (X > 0).astype(int)
    y[:10] = 0  # the first chunk holds one class only
    est = SeqToSeqRNN(hidden_layer_sizes=4, random_state=0)
    with pytest.raises(ValueError, match="at least 2 classes"):
        est.partial_fit(X[:10], y[:10])
    est.partial_fit(X[:10], y[:10], classes=[0, 1]).partial_fit(X[10:], y[10:])
    assert est.target_type_ == "categorical"
    np.testing.assert_array_equal(est.classes_, [0, 1])
    assert est.predict_proba(X).shape == (20, 6, 2)
    with pytest.raises(ValueError, match=r"labels \[2\] that are not in classes_"):
        est.partial_fit(X[:2], np.full((2, 6), 2))
    with pytest.raises(ValueError, match="classes is only for categorical targets"):
        SeqToSeqRNN().partial_fit(X, X.cumsum(axis=1), classes=[0, 1])


@pytest.mark.usefixtures("quiet_convergence")
def test_output_length_grows_over_partial_fit_and_warm_start_only():
    rng = np.random.RandomState(7)
    X = [rng.normal(size=(6, 1)) for _ in range(10)]
    est = SeqToSeqRNN(mode="encoder_decoder", hidden_layer_sizes=4, random_state=0)
    est.partial_fit(X, [x[:2, 0] for x in X])
    assert est.output_length_ == 2
    est.partial_fit(X, [x[:4, 0] for x in X])
    assert est.output_length_ == 4 and est.predict(X).shape == (10, 4)
    est.score(X, [x[:5, 0] for x in X])  # scoring is not training
    est.partial_fit(X, [x[:1, 0] for x in X])
    assert est.output_length_ == 4
    est.set_params(warm_start=True, max_iter=1).fit(X, [x[:5, 0] for x in X])
    assert est.output_length_ == 5
    est.set_params(warm_start=False).fit(X, [x[:1, 0] for x in X])
    assert est.output_length_ == 1


@pytest.mark.usefixtures("quiet_convergence")
def test_partial_fit_refuses_targets_of_another_form():
    X = np.random.RandomState(8).normal(size=(8, 5))
    est = SeqToSeqRNN(hidden_layer_sizes=3, random_state=0).partial_fit(X, X[:, -1])
    with pytest.raises(ValueError, match="fitted on one target per sequence"):
        est.partial_fit(X, X)
    # a score may read any form: the last step of each sequence against 2-D targets
    assert np.isfinite(est.score(X, X[:, -1:]))


def test_partial_fit_needs_a_stochastic_solver_or_a_reservoir():
    assert not hasattr(SeqToSeqRNN(solver="lbfgs"), "partial_fit")
    assert hasattr(SeqToSeqRNN(solver="lbfgs", cell_type="esn"), "partial_fit")


def test_reservoir_partial_fit_over_chunks_equals_one_fit():
    X = np.random.RandomState(9).normal(size=(30, 8))
    y = np.cumsum(X, axis=1)
    params = {"cell_type": "esn", "hidden_layer_sizes": 40, "random_state": 0}
    streamed = SeqToSeqRNN(**params)
    for part in np.array_split(np.arange(30), 3):
        streamed.partial_fit(X[part], y[part])
    full = SeqToSeqRNN(**params).fit(X, y)
    np.testing.assert_allclose(streamed.predict(X), full.predict(X), rtol=1e-8, atol=1e-10)


# --------------------------------------------------------------------------- sklearn
FAST = {"hidden_layer_sizes": (16,), "random_state": 0}


def _instances():
    # alpha=1 keeps the full-batch encoder–decoder optimisations contracting, so that
    # rounding differences between weighted and repeated samples do not grow
    return [
        SeqToSeqRNN(cell_type="elman", **FAST),
        SeqToSeqRNN(cell_type="lstm", solver="sgd", learning_rate_init=0.02,
                    batch_size=10, **FAST),
        SeqToSeqRNN(mode="encoder_decoder", alpha=1.0, **FAST),
        SeqToSeqRNN(mode="encoder_decoder", hidden_layer_sizes=(4, 4), bidirectional=True,
                    alpha=1.0, random_state=0),
    ]


MINI_BATCH_REASON = (
    "mini-batch training: duplicated samples and doubled weights land in different "
    "batches, so the optimisation path differs"
)


def _expected_failed_checks(estimator):
    if estimator.solver != "lbfgs" and estimator.batch_size != "auto":
        return {"check_sample_weight_equivalence_on_dense_data": MINI_BATCH_REASON}
    return {}


@parametrize_with_checks(_instances(), expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_seq2seq(estimator, check):
    check(estimator)
