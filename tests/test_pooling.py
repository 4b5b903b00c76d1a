"""Many-to-one readouts (``pooling``): gradients, invariances and the estimators."""

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from skrnn import RNNClassifier, RNNRegressor, SeqToSeqRNN
from skrnn import _network as net
from skrnn import _recurrent as rec
from skrnn._input import check_sequence_list, check_token_list
from skrnn._losses import LOSSES
from skrnn._pooling import POOLINGS

from ._gradcheck import numerical_gradient, relative_error

CELL_TYPES = ["elman", "lstm", "gru"]
EVERY_STEP = ["mean", "max"]  # the readouts that read every step's output
RAGGED = [5, 2, 4, 1, 5, 3]

# the estimator tests train for a few epochs only, on purpose
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _sequences(rng, lengths, n_features):
    return check_sequence_list([rng.normal(size=(n, n_features)) for n in lengths])


def _model(spec, seed=0):
    rng = np.random.RandomState(seed)
    flat = net.init_params(spec, rng, np.float64)
    # random biases so that no gradient is exercised only at zero
    flat += 0.1 * rng.normal(size=flat.shape)
    return flat


def _loss_grad(spec, seqs, flat, Y, index=None, sample_weight=None, alpha=0.0,
               bptt_steps=None):
    """Loss, flat gradient and outputs (in the order of ``index``, default all)."""
    index = np.arange(seqs.n_samples) if index is None else np.asarray(index)
    batch = net.make_batch(seqs, index)
    grad = np.empty_like(flat)
    sw = None if sample_weight is None else sample_weight[batch.order]
    loss = net.loss_grad(
        net.unpack(flat, spec), net.unpack(grad, spec), spec, batch, Y[batch.order], sw,
        "log_loss", alpha=alpha, reg_mask=net.regularised_mask(spec, flat.dtype),
        flat=flat, grad_flat=grad, bptt_steps=bptt_steps,
    )
    out = np.empty((len(index), spec.n_outputs))
    # make_batch sorts the batch by length; undo it
    out[rec.sort_by_length(seqs.lengths[index])] = net.forward(
        net.unpack(flat, spec), spec, batch
    )
    return loss, grad, out


def _check_gradient(spec, seqs, Y, **kwargs):
    flat = _model(spec)

    def loss_value():
        return _loss_grad(spec, seqs, flat, Y, **kwargs)[0]

    _, analytic, _ = _loss_grad(spec, seqs, flat, Y, **kwargs)
    numeric = numerical_gradient(loss_value, flat)
    assert relative_error(analytic, numeric) <= 1e-6


def _labels(rng, n, n_classes=3):
    return np.eye(n_classes)[rng.randint(0, n_classes, size=n)]


# --------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("pooling", EVERY_STEP)
@pytest.mark.parametrize("cell_type", CELL_TYPES)
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("hidden", [(3,), (3, 2)])
def test_gradient_of_pooled_readouts(pooling, cell_type, bidirectional, hidden):
    rng = np.random.RandomState(1)
    seqs = _sequences(rng, RAGGED, 2)
    spec = net.NetSpec(cell_type, 2, hidden, bidirectional, 3, pooling=pooling)
    _check_gradient(spec, seqs, _labels(rng, len(RAGGED)))


@pytest.mark.parametrize("pooling", EVERY_STEP)
def test_gradient_of_pooled_readouts_with_weights_penalty_and_embedding(pooling):
    rng = np.random.RandomState(2)
    ids = [rng.randint(2, 9, size=n) for n in RAGGED]
    seqs = check_token_list(ids, "X", "test")
    spec = net.NetSpec("gru", 3, (4,), True, 3, n_tokens=9, pooling=pooling)
    _check_gradient(
        spec, seqs, _labels(rng, len(RAGGED)),
        sample_weight=rng.uniform(0.1, 3, size=len(RAGGED)), alpha=0.3,
    )


# --------------------------------------------------------------------------- forward
def _top_outputs_alone(spec, flat, seqs, i):
    """(L_i, F) top-layer outputs of sequence ``i`` run on its own."""
    params = net.unpack(flat, spec)
    batch = net.make_batch(seqs, [i])
    cache = rec.stack_forward(spec.cell_type, params.layers(spec), batch.X, batch.plan)
    return rec.stack_output(cache, batch.plan)


REDUCERS = {"mean": np.mean, "max": np.max}


@pytest.mark.parametrize("pooling", EVERY_STEP)
@pytest.mark.parametrize("cell_type", CELL_TYPES)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_pooled_features_reduce_each_sequence_alone(pooling, cell_type, bidirectional):
    """In a ragged batch, each sequence's output is the head applied to the mean (max)
    over its own real steps of the outputs it has when run alone: no padding, no
    companion and no order enters it."""
    rng = np.random.RandomState(3)
    lengths = [6, 2, 9, 4, 9, 1]
    seqs = _sequences(rng, lengths, 2)
    spec = net.NetSpec(cell_type, 2, (5, 3), bidirectional, 2, pooling=pooling)
    flat = _model(spec)
    params = net.unpack(flat, spec)
    perm = rng.permutation(len(lengths))
    batch = net.make_batch(seqs, perm)
    together = net.forward(params, spec, batch)
    for row, i in enumerate(batch.order):
        pooled = REDUCERS[pooling](_top_outputs_alone(spec, flat, seqs, i), axis=0)
        expected = pooled @ params.coef + params.intercept
        np.testing.assert_allclose(together[row], expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("pooling", EVERY_STEP)
@pytest.mark.parametrize("cell_type", CELL_TYPES)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_single_step_sequences_pool_to_their_last_state(pooling, cell_type, bidirectional):
    """One step: the mean and the max of one output are that output, which is the last
    state (and, backwards, the state after reading back to the first step)."""
    rng = np.random.RandomState(4)
    seqs = _sequences(rng, [1, 1, 1, 1], 3)
    Y = _labels(rng, 4, 2)
    last = net.NetSpec(cell_type, 3, (4, 3), bidirectional, 2)
    pooled = last._replace(pooling=pooling)
    flat = _model(last)
    loss_last, grad_last, out_last = _loss_grad(last, seqs, flat, Y)
    loss_pooled, grad_pooled, out_pooled = _loss_grad(pooled, seqs, flat, Y)
    np.testing.assert_allclose(out_pooled, out_last, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(loss_pooled, loss_last, rtol=1e-14)
    np.testing.assert_allclose(grad_pooled, grad_last, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("cell_type", CELL_TYPES)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_last_reads_the_final_states_exactly(cell_type, bidirectional):
    """The default readout is the final-state head it always was, bit for bit: the
    output layer on ``stack_final`` and BPTT entered through ``d_final``."""
    rng = np.random.RandomState(5)
    seqs = _sequences(rng, RAGGED, 2)
    Y = _labels(rng, len(RAGGED))
    spec = net.NetSpec(cell_type, 2, (4, 3), bidirectional, 3)
    assert spec.pooling == "last"
    flat = _model(spec)
    params = net.unpack(flat, spec)
    batch = net.make_batch(seqs, np.arange(len(RAGGED)))
    Yb = Y[batch.order]
    loss, grad, _ = _loss_grad(spec, seqs, flat, Y)

    cache = rec.stack_forward(cell_type, params.layers(spec), batch.X, batch.plan)
    features = rec.stack_final(cache, batch.plan)
    Z = features @ params.coef
    Z += params.intercept
    np.testing.assert_array_equal(net.forward(params, spec, batch), Z)
    expected_loss, dZ = LOSSES["log_loss"][0](Yb, Z, None)
    dZ /= len(Yb)
    expected = np.empty_like(flat)
    grads = net.unpack(expected, spec)
    np.matmul(features.T, dZ, out=grads.coef)
    np.sum(dZ, axis=0, out=grads.intercept)
    rec.stack_backward(
        cell_type, params.layers(spec), cache, batch.plan, grads.layers(spec),
        d_final=dZ @ params.coef.T,
    )
    assert loss == expected_loss / len(Yb)
    np.testing.assert_array_equal(grad, expected)


def test_max_pooling_gradient_reaches_only_the_argmax_step():
    """Each feature's gradient enters BPTT at the one step where it peaked."""
    rng = np.random.RandomState(6)
    seqs = _sequences(rng, [7, 3], 2)
    spec = net.NetSpec("elman", 2, (4,), False, 2, pooling="max")
    params = net.unpack(_model(spec), spec)
    batch = net.make_batch(seqs, [0, 1])
    cache = rec.stack_forward("elman", params.layers(spec), batch.X, batch.plan)
    outputs = rec.stack_output(cache, batch.plan)
    features, memo = POOLINGS["max"].forward(cache, batch.plan)
    d_features = rng.normal(size=features.shape)
    d_output = POOLINGS["max"].backward(d_features, memo, batch.plan)["d_output"]
    for s in range(2):
        rows = np.flatnonzero(batch.plan.seq_index == s)
        peak = rows[np.argmax(outputs[rows], axis=0)]
        expected = np.zeros((len(rows), 4))
        expected[np.searchsorted(rows, peak), np.arange(4)] = d_features[s]
        np.testing.assert_array_equal(d_output[rows], expected)
        np.testing.assert_array_equal(features[s], outputs[rows].max(axis=0))


# --------------------------------------------------------------------------- truncation
@pytest.mark.parametrize("pooling", EVERY_STEP)
@pytest.mark.parametrize("Est", [RNNClassifier, RNNRegressor])
def test_pooling_every_step_refuses_truncated_bptt(pooling, Est):
    rng = np.random.RandomState(7)
    X = [rng.normal(size=(n, 2)) for n in [6, 3, 8, 2]]
    y = [0, 1, 0, 1]
    est = Est(pooling=pooling, bptt_steps=5, hidden_layer_sizes=4, max_iter=2)
    with pytest.raises(ValueError, match=r"pooling=.*bptt_steps=5.*longest sequence \(8"):
        est.fit(X, y)
    assert not hasattr(est, "output_coef_")  # refused before any training
    # windows as long as the longest sequence truncate nothing
    est.set_params(bptt_steps=8).fit(X, y)
    # the last state is carried between windows: truncation is fine there
    est.set_params(pooling="last", bptt_steps=3).fit(X, y)


def test_the_core_refuses_truncating_a_pooled_readout():
    rng = np.random.RandomState(8)
    seqs = _sequences(rng, [6, 3], 2)
    spec = net.NetSpec("gru", 2, (3,), False, 2, pooling="mean")
    with pytest.raises(ValueError, match="bptt_steps=2"):
        _loss_grad(spec, seqs, _model(spec), _labels(rng, 2, 2), bptt_steps=2)


# --------------------------------------------------------------------------- estimators
def test_pooling_is_validated():
    with pytest.raises(InvalidParameterError, match="pooling"):
        RNNClassifier(pooling="median").fit([[1.0, 2.0], [3.0, 4.0]], [0, 1])


@pytest.mark.parametrize("pooling", EVERY_STEP)
def test_estimators_keep_the_fitted_readout(pooling):
    """Prediction uses the readout the network was trained with, kept in its spec;
    changing the parameter afterwards changes nothing until the next fit."""
    rng = np.random.RandomState(9)
    X = [rng.normal(size=(n, 2)) for n in rng.randint(1, 9, size=40)]
    y = np.array([x[:, 0].max() > 1 for x in X], dtype=int)
    clf = RNNClassifier(pooling=pooling, hidden_layer_sizes=6, max_iter=5, random_state=0)
    proba = clf.fit(X, y).predict_proba(X)
    assert clf._spec.pooling == pooling
    np.testing.assert_array_equal(clf.set_params(pooling="last").predict_proba(X), proba)
    with pytest.raises(ValueError, match="same network"):
        clf.set_params(warm_start=True).fit(X, y)


def test_readouts_differ_and_esn_and_seq2seq_ignore_pooling():
    rng = np.random.RandomState(10)
    X = rng.normal(size=(30, 7, 2))
    y = X[:, :, 0].sum(axis=1)
    fits = {
        p: RNNRegressor(pooling=p, hidden_layer_sizes=5, max_iter=3, random_state=0)
        .fit(X, y).predict(X)
        for p in ["last", "mean", "max"]
    }
    assert not np.allclose(fits["last"], fits["mean"])
    assert not np.allclose(fits["mean"], fits["max"])
    # the ESN's readout reads its own fixed features (last and mean state)
    esn = [RNNRegressor(cell_type="esn", pooling=p, hidden_layer_sizes=20, random_state=0)
           .fit(X, y).predict(X) for p in ["last", "max"]]
    np.testing.assert_array_equal(esn[0], esn[1])
    # an aligned output per step has nothing to pool
    tagged = [SeqToSeqRNN(pooling=p, hidden_layer_sizes=5, max_iter=3, random_state=0)
              .fit(X, np.cumsum(X[:, :, 0], axis=1)).predict(X) for p in ["last", "mean"]]
    np.testing.assert_array_equal(tagged[0], tagged[1])
