"""Variational dropout, token dropout and input noise: gradients with fixed masks,
masks shared by the steps of a sequence (checked against a loop written from
PyTorch's equations), and nothing drawn or changed when the rates are 0 or at predict time.
"""

import numpy as np
import pytest

from skrnn import RNNClassifier, RNNRegressor, SeqToSeqRNN
from skrnn import _network as net
from skrnn import _recurrent as rec
from skrnn import _seq2seq as s2s
from skrnn._input import check_sequence_list, check_token_list
from skrnn._training import ARCHITECTURES

from ._gradcheck import numerical_gradient, relative_error

CELL_TYPES = ["elman", "lstm", "gru"]
NOISE = rec.TrainingNoise(
    input_dropout=0.3, recurrent_dropout=0.4, input_noise=0.2, token_dropout=0.3
)


def _setup(cell_type, hidden, bidirectional, lengths=(5, 2, 4, 1, 5), n_features=3,
           seed=1, **spec_kw):
    rng = np.random.RandomState(seed)
    seqs = check_sequence_list([rng.normal(size=(n, n_features)) for n in lengths])
    spec = net.NetSpec(cell_type, n_features, hidden, bidirectional, 2, **spec_kw)
    flat = net.init_params(spec, rng, np.float64)
    flat += 0.1 * rng.normal(size=flat.shape)  # biases away from zero
    Y = rng.normal(size=(len(lengths), 2))
    batch = net.make_batch(seqs, np.arange(len(lengths)))
    return spec, flat, batch, Y[batch.order]


def _loss(spec, flat, batch, Y, grad=None, noise=NOISE, seed=0, **kw):
    """The loss with the masks and noise of ``seed``: redrawn identically at every
    call, so it is a function of ``flat`` alone."""
    grad = np.empty_like(flat) if grad is None else grad
    return net.loss_grad(
        net.unpack(flat, spec), net.unpack(grad, spec), spec, batch, Y, None,
        "squared_error", flat=flat, grad_flat=grad, noise=noise,
        rng=np.random.RandomState(seed), **kw,
    )


# --------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("cell_type", CELL_TYPES)
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("hidden", [(3,), (3, 2)])
def test_gradient_with_fixed_masks(cell_type, bidirectional, hidden):
    spec, flat, batch, Y = _setup(cell_type, hidden, bidirectional)
    grad = np.empty_like(flat)
    _loss(spec, flat, batch, Y, grad, dropout=0.2)
    numeric = numerical_gradient(lambda: _loss(spec, flat, batch, Y, dropout=0.2), flat)
    assert relative_error(grad, numeric) <= 1e-6


@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_gradient_with_fixed_masks_chunked_mean_pooling(cell_type, monkeypatch):
    """BPTT walked in chunks of a few rows reads each chunk's rows of the masks."""
    monkeypatch.setattr(rec, "CHUNK_ROWS", 4)
    spec, flat, batch, Y = _setup(cell_type, (3, 2), False, pooling="mean")
    assert len(rec.chunks(batch.plan, 4)) > 2
    grad = np.empty_like(flat)
    _loss(spec, flat, batch, Y, grad)
    numeric = numerical_gradient(lambda: _loss(spec, flat, batch, Y), flat)
    assert relative_error(grad, numeric) <= 1e-6


@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_gradient_with_fixed_masks_embedding(cell_type):
    rng = np.random.RandomState(3)
    seqs = check_token_list([rng.randint(1, 6, size=n) for n in (4, 2, 5)], "X", "test")
    spec = net.NetSpec(cell_type, 3, (3,), False, 2, n_tokens=6)
    flat = net.init_params(spec, rng, np.float64)
    flat += 0.1 * rng.normal(size=flat.shape)
    batch = net.make_batch(seqs, np.arange(3))
    Y = rng.normal(size=(3, 2))[batch.order]
    grad = np.empty_like(flat)
    _loss(spec, flat, batch, Y, grad)
    numeric = numerical_gradient(lambda: _loss(spec, flat, batch, Y), flat)
    assert relative_error(grad, numeric) <= 1e-6


def _check_sequence_objective(rng, seqs, stack, objective, target_lengths, noise):
    """Finite-difference check of an aligned or encoder–decoder loss with ``noise``
    (its masks redrawn identically at every call) on the sequences ``seqs``."""
    if objective == "aligned":
        spec, loss_grad = stack, s2s.aligned_loss_grad
    else:
        spec = s2s.encoder_decoder_spec(stack._replace(n_outputs=0), 2)
        loss_grad = s2s.encoder_decoder_loss_grad
    arch = ARCHITECTURES[type(spec)]
    flat = arch.init_params(spec, rng, np.float64)
    flat += 0.1 * rng.normal(size=flat.shape)
    batch = net.make_batch(seqs, np.arange(seqs.n_samples))
    targets = s2s.TargetSequences(
        rng.normal(size=(sum(target_lengths), 2)), target_lengths
    )[batch.order]

    def loss(grad=None):
        grad = np.empty_like(flat) if grad is None else grad
        return loss_grad(
            arch.unpack(flat, spec), arch.unpack(grad, spec), spec, batch, targets, None,
            "squared_error", flat=flat, grad_flat=grad, noise=noise,
            rng=np.random.RandomState(0),
        )

    grad = np.empty_like(flat)
    loss(grad)
    assert relative_error(grad, numerical_gradient(loss, flat)) <= 1e-6


@pytest.mark.parametrize("cell_type", CELL_TYPES)
@pytest.mark.parametrize("objective", ["aligned", "encoder_decoder"])
def test_gradient_with_token_dropout_of_bags(cell_type, objective):
    """Bags of ids (subword pieces) with token dropout, in the aligned objective and
    in the encoder of an encoder–decoder: the dropped steps' rows get no gradient
    from them, the others the scaled one."""
    rng = np.random.RandomState(5)
    bags = [rng.randint(0, 7, size=(n, 3)) for n in (4, 2, 5)]
    for b in bags:
        b[:, 0] = rng.randint(1, 7, size=len(b))  # no empty bag
    seqs = check_token_list(bags, "X", "test")
    stack = net.NetSpec(cell_type, 3, (3,), False, 2, n_tokens=7)
    target_lengths = [4, 2, 5] if objective == "aligned" else [2, 3, 1]
    _check_sequence_objective(
        rng, seqs, stack, objective, target_lengths, rec.TrainingNoise(token_dropout=0.4)
    )


@pytest.mark.parametrize("objective", ["aligned", "encoder_decoder"])
@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_gradient_with_fixed_masks_seq2seq(objective, cell_type):
    """Aligned targets, and an encoder–decoder: input noise and masks on the encoder,
    recurrent masks on the decoder too."""
    rng = np.random.RandomState(4)
    seqs = check_sequence_list([rng.normal(size=(n, 2)) for n in (4, 2, 5)])
    stack = net.NetSpec(cell_type, 2, (3, 2), False, 2)
    target_lengths = [3, 2, 4] if objective == "aligned" else [2, 3, 1]
    _check_sequence_objective(rng, seqs, stack, objective, target_lengths, NOISE)


# --------------------------------------------------------------------------- the masks
def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _reference_step(cell_type, p, x, h, c, m):
    """One step from PyTorch's equations, the recurrent weights reading ``h * m``
    (Keras' ``recurrent_dropout``: the state update reads ``h`` unmasked)."""
    gi = p["weight_ih"] @ x + p["bias_ih"]
    gh = p["weight_hh"] @ (h * m) + p["bias_hh"]
    if cell_type == "elman":
        return np.tanh(gi + gh), c
    if cell_type == "lstm":
        i, f, g, o = np.split(gi + gh, 4)
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        return _sigmoid(o) * np.tanh(c), c
    (ri, zi, ni), (rh, zh, nh) = np.split(gi, 3), np.split(gh, 3)
    r, z = _sigmoid(ri + rh), _sigmoid(zi + zh)
    n = np.tanh(ni + r * nh)
    return (1 - z) * n + z * h, c


@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_forward_equals_a_loop_with_one_mask_per_sequence(cell_type):
    """Every step of sequence ``i`` reads its input times ``inputs[i]`` and its previous
    state times ``recurrent[l][d][i]``: the same masks at every step, ragged batch,
    two layers, both directions."""
    spec, flat, batch, _ = _setup(cell_type, (3, 2), True, lengths=(5, 2, 4, 1))
    layers = net.unpack(flat, spec).layers(spec)
    masks = rec.variational_masks(
        np.random.RandomState(0), layers, 4, 3, 0.5, 0.5, np.float64
    )
    assert (masks.inputs == 0).any() and all(
        (m == 0).any() for layer in masks.recurrent for m in layer
    )
    cache = rec.stack_forward(cell_type, layers, batch.X, batch.plan, variational=masks)
    out = rec.stack_output(cache, batch.plan)
    plan = batch.plan
    for i, n in enumerate(plan.lengths):
        rows = plan.offsets[np.arange(n)] + i  # packed rows of sequence i
        x = batch.X[rows] * masks.inputs[i]
        for li, directions in enumerate(layers):
            outs = []
            for d, p in enumerate(directions):
                H = p["weight_hh"].shape[1]
                h, c, seq = np.zeros(H), np.zeros(H), []
                for t in (range(n) if d == 0 else range(n - 1, -1, -1)):
                    h, c = _reference_step(cell_type, p, x[t], h, c,
                                           masks.recurrent[li][d][i])
                    seq.append(h)
                outs.append(np.array(seq if d == 0 else seq[::-1]))
            x = np.concatenate(outs, axis=1)
        np.testing.assert_allclose(out[rows], x, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_truncated_bptt_windows_share_the_masks(cell_type):
    """Drawn once per batch, the masks are the same in every window: the loss of
    truncated BPTT (a forward pass with the state carried) equals the untruncated one
    with the same draws."""
    spec, flat, batch, Y = _setup(cell_type, (3, 2), False, lengths=(7, 3, 6, 2))
    full = _loss(spec, flat, batch, Y)
    for bptt_steps in (1, 2, 3):
        assert _loss(spec, flat, batch, Y, bptt_steps=bptt_steps) == pytest.approx(
            full, rel=1e-12
        )
    # and the masks matter: other draws give another loss
    assert _loss(spec, flat, batch, Y, seed=1) != pytest.approx(full, rel=1e-6)


def test_zero_rates_draw_nothing_and_change_nothing():
    spec, flat, batch, Y = _setup("gru", (3, 2), False)
    results = []
    for noise in (None, rec.TrainingNoise()):
        rng = np.random.RandomState(0)
        grad = np.empty_like(flat)
        loss = net.loss_grad(
            net.unpack(flat, spec), net.unpack(grad, spec), spec, batch, Y, None,
            "squared_error", flat=flat, grad_flat=grad, noise=noise, rng=rng,
            dropout=0.3,
        )
        results.append((loss, grad, rng.random_sample()))
    assert results[0][0] == results[1][0]
    np.testing.assert_array_equal(results[0][1], results[1][1])
    assert results[0][2] == results[1][2]  # the random stream was not touched


@pytest.mark.parametrize(
    "name", ["input_dropout", "recurrent_dropout", "input_noise", "token_dropout"]
)
def test_each_knob_changes_training_alone(name):
    spec, flat, batch, Y = _setup("lstm", (3,), False)
    base = _loss(spec, flat, batch, Y, noise=rec.TrainingNoise())
    one = rec.TrainingNoise(**{name: 0.3})
    assert _loss(spec, flat, batch, Y, noise=one) != pytest.approx(base, rel=1e-6)


def test_input_noise_has_the_asked_spread():
    rng = np.random.RandomState(0)
    X = np.zeros((20_000, 3))
    noisy, masks = rec.perturb_inputs(rec.TrainingNoise(input_noise=0.5), rng, X, [], 1)
    assert masks is None and not np.shares_memory(noisy, X)
    assert noisy.std() == pytest.approx(0.5, rel=0.02)
    assert not X.any()  # the input itself is left alone


def test_token_dropout_zeroes_whole_rows_at_the_asked_rate():
    rng = np.random.RandomState(0)
    X = np.ones((20_000, 3), dtype=np.float32)
    out, masks = rec.perturb_inputs(rec.TrainingNoise(token_dropout=0.25), rng, X, [], 1)
    assert masks.inputs is None and masks.recurrent is None
    assert masks.steps.shape == (20_000, 1) and out.dtype == np.float32
    dropped = (out == 0).all(axis=1)
    assert ((out == 0).any(axis=1) == dropped).all()  # a row goes whole or not at all
    assert dropped.mean() == pytest.approx(0.25, abs=0.01)
    np.testing.assert_allclose(out[~dropped], 1 / 0.75, rtol=1e-6)
    assert (X == 1).all()  # the input itself is left alone
    # the gradient w.r.t. the input: zero on the dropped rows, scaled on the others
    d = rec.input_gradient(np.ones_like(X), masks)
    np.testing.assert_array_equal(d, out)


def test_mask_rates_and_scale():
    rng = np.random.RandomState(0)
    layers = [[{"weight_hh": np.zeros((12, 4))}]]
    masks = rec.variational_masks(rng, layers, 5000, 2, 0.25, 0.5, np.float32)
    assert masks.inputs.dtype == np.float32 and masks.inputs.shape == (5000, 2)
    assert set(np.unique(masks.inputs)) == {0.0, np.float32(1 / 0.75)}
    assert (masks.inputs == 0).mean() == pytest.approx(0.25, abs=0.02)
    assert (masks.recurrent[0][0] == 0).mean() == pytest.approx(0.5, abs=0.02)


# --------------------------------------------------------------------------- estimators
KNOBS = dict(input_dropout=0.2, recurrent_dropout=0.3, input_noise=0.1, token_dropout=0.2)


def _data(seed=0, n=30):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 6, 2))
    return X, (X[:, :, 0].sum(axis=1) > 0).astype(int)


@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_training_only_predict_is_deterministic(cell_type):
    X, y = _data()
    est = RNNClassifier(cell_type=cell_type, hidden_layer_sizes=4, max_iter=3,
                        random_state=0, **KNOBS)
    with pytest.warns(Warning):  # max_iter
        est.fit(X, y)
    proba = est.predict_proba(X)
    np.testing.assert_array_equal(est.predict_proba(X), proba)
    # predict reads no rate: the same weights without them predict the same
    est.set_params(input_dropout=0.0, recurrent_dropout=0.0, input_noise=0.0,
                   token_dropout=0.0)
    np.testing.assert_array_equal(est.predict_proba(X), proba)
    # and training did use them
    plain = RNNClassifier(cell_type=cell_type, hidden_layer_sizes=4, max_iter=3,
                          random_state=0)
    with pytest.warns(Warning):
        plain.fit(X, y)
    assert not np.allclose(plain.predict_proba(X), proba)


@pytest.mark.parametrize("Est,kw", [
    (RNNRegressor, dict(bptt_steps=2)),
    (SeqToSeqRNN, dict(mode="aligned")),
    (SeqToSeqRNN, dict(mode="encoder_decoder")),
])
def test_every_estimator_trains_with_the_knobs(Est, kw):
    X, y = _data(1)
    target = [x[-3:] for x in X] if Est is SeqToSeqRNN else y.astype(float)
    est = Est(hidden_layer_sizes=3, max_iter=2, random_state=0, **KNOBS, **kw)
    with pytest.warns(Warning):
        est.fit(X, target)
    again = Est(hidden_layer_sizes=3, max_iter=2, random_state=0, **KNOBS, **kw)
    with pytest.warns(Warning):
        again.fit(X, target)
    np.testing.assert_array_equal(
        np.concatenate([np.ravel(a) for a in est.predict(X)]),
        np.concatenate([np.ravel(a) for a in again.predict(X)]),
    )


@pytest.mark.parametrize("param,value", [
    ("input_dropout", 1.0), ("recurrent_dropout", -0.1), ("input_noise", -1.0),
    ("recurrent_dropout", "0.2"), ("token_dropout", 1.0), ("token_dropout", -0.5),
])
def test_bad_rates_are_refused(param, value):
    X, y = _data()
    with pytest.raises((ValueError, TypeError), match=param):
        RNNClassifier(**{param: value}).fit(X, y)


def test_the_reservoir_ignores_the_knobs():
    X, y = _data()
    a = RNNClassifier(cell_type="esn", hidden_layer_sizes=20, random_state=0).fit(X, y)
    b = RNNClassifier(cell_type="esn", hidden_layer_sizes=20, random_state=0,
                      **KNOBS).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
