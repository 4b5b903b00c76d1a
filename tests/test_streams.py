"""Stream training (``SeqToSeqRNN(stream=True)``) and stream prediction: the layout of
streams and windows, exact equality with window-by-window updates built from the core,
carried and reset states, gradients of one window against finite differences and
PyTorch, errors, sample weights, partial_fit, early stopping and pickled states."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skrnn import SeqToSeqRNN
from skrnn import _network as net
from skrnn import _seq2seq as s2s
from skrnn import _streams as streams
from skrnn._input import Sequences, stacked
from skrnn._optim import clip_by_global_norm, make_optimizer, optimizer_step
from skrnn._training import Events, FitConfig, stream_validation_split

from ._gradcheck import numerical_gradient, relative_error

LENGTHS = [23, 9, 14]


def _data(lengths=LENGTHS, n_features=2, seed=0):
    rng = np.random.RandomState(seed)
    X = [rng.normal(size=(n, n_features)) for n in lengths]
    y = [np.tanh(np.cumsum(x, axis=0)) for x in X]  # one target per step
    return X, y


def _quietly(est, *args, method="fit", **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return getattr(est, method)(*args, **kwargs)


# --------------------------------------------------------------------------- layout
@pytest.mark.parametrize("lengths,n_streams,window", [
    ([23, 9, 14], 3, 5), ([1, 1, 1, 1, 1], 2, 2), ([40], 4, 3), ([7, 3, 8], 5, 64),
])
def test_windows_cover_every_step_once_and_reset_at_sequence_starts(
    lengths, n_streams, window
):
    order = np.arange(len(lengths))[::-1]
    layout = streams.stream_layout(lengths, order, n_streams, window)
    stream_lengths = np.diff(layout.stream_starts)
    assert stream_lengths.max() - stream_lengths.min() <= 1
    assert stream_lengths.sum() == sum(lengths)
    seen = {i: np.zeros(lengths[i], dtype=int) for i in range(len(lengths))}
    for k in range(layout.n_windows):
        seg = streams.window_segments(layout, k)
        assert (np.diff(seg.lengths) <= 0).all()  # sorted for make_batch
        assert (seg.lengths <= window).all()
        for n, i, t, b, going_on in zip(seg.lengths, seg.source, seg.step, seg.stream,
                                        seg.continues, strict=True):
            seen[i][t : t + n] += 1
            position = layout.seq_starts[list(order).index(i)] + t  # in the stream
            assert layout.stream_starts[b] <= position < layout.stream_starts[b + 1]
            # carried exactly when the step before is in the same sequence and stream
            # and was read by the previous window
            into_stream = position - layout.stream_starts[b]
            assert going_on == (t > 0 and into_stream > 0 and into_stream % window == 0)
        assert seg.last.sum() == len(np.unique(seg.stream))
    assert all((s == 1).all() for s in seen.values())


# --------------------------------------------------------------------------- exactness
def _reference_weights(est, X, y, n_epochs, sample_weight=None):
    """Window-by-window updates of a stream fit, from the core functions alone: each
    stream's steps cut by hand, states carried by hand, one optimizer step a window."""
    spec = est._spec
    config = FitConfig.from_params(est.get_params())
    flat = net.init_params(spec, np.random.RandomState(est.random_state), np.float64)
    params, grad_flat = net.unpack(flat, spec), np.empty_like(flat)
    grads = net.unpack(grad_flat, spec)
    reg_mask = net.regularised_mask(spec, np.float64)
    optimizer = make_optimizer(config.solver, flat.size, flat.dtype, config, None)
    data, targets = np.concatenate(X), np.concatenate(y)
    owner = np.repeat(np.arange(len(X)), [len(x) for x in X])
    seq_start = np.repeat(stacked(np.array([len(x) for x in X])), [len(x) for x in X])
    N, B, W = len(data), config.batch_size, config.bptt_steps
    bounds = [0]
    for b in range(B):
        bounds.append(bounds[-1] + N // B + (b < N % B))
    for _ in range(n_epochs):
        carried = {}
        for k in range(-(-max(np.diff(bounds)) // W)):
            pieces = []  # (first, stop, stream) of each segment, stream by stream
            for b in range(B):
                first = min(bounds[b] + k * W, bounds[b + 1])
                stop = min(first + W, bounds[b + 1])
                cuts = [first] + [p for p in range(first + 1, stop) if p == seq_start[p]]
                pieces += [(u, v, b)
                           for u, v in zip(cuts, cuts[1:] + [stop], strict=True)
                           if u < v]
            lengths = np.array([v - u for u, v, _ in pieces])
            seqs = Sequences(data, lengths, np.array([u for u, _, _ in pieces]))
            batch = net.make_batch(seqs, np.arange(len(pieces)))
            h0 = []
            for li, H in enumerate(spec.hidden_sizes):
                layer = {}
                for name in ("H", "C") if spec.cell_type == "lstm" else ("H",):
                    value = np.zeros((len(pieces), H))
                    for j, (u, _, b) in enumerate(pieces):
                        if u > seq_start[u] and u == bounds[b] + k * W and k > 0:
                            value[j] = carried[b][li][name]
                    layer[name] = value[batch.order]
                h0.append([layer])
            tg = s2s.TargetSequences(targets[np.concatenate(
                [np.arange(u, v) for u, v, _ in pieces])], lengths)[batch.order]
            sw = None if sample_weight is None else sample_weight[owner[
                [pieces[j][0] for j in batch.order]]]
            final = []
            loss = s2s.aligned_loss_grad(
                params, grads, spec, batch, tg, sw, "squared_error", alpha=config.alpha,
                reg_mask=reg_mask, flat=flat, grad_flat=grad_flat, initial=h0,
                final=final,
            )
            assert np.isfinite(loss)
            for pos, j in enumerate(batch.order):
                u, v, b = pieces[j]
                if v == min(bounds[b] + (k + 1) * W, bounds[b + 1]):
                    carried[b] = [{n: a[pos] for n, a in layer[0].items()}
                                  for layer in final]
            clip_by_global_norm(grad_flat, config.clip_norm)
            optimizer_step(optimizer, flat, grad_flat)
    return flat


@pytest.mark.parametrize("cell_type", ["gru", "lstm", "elman"])
def test_stream_fit_equals_window_by_window_updates_from_the_core(cell_type):
    X, y = _data()
    est = SeqToSeqRNN(
        cell_type=cell_type, hidden_layer_sizes=(4, 3), stream=True, batch_size=3,
        bptt_steps=5, shuffle=False, max_iter=2, clip_norm=0.5, random_state=0,
        learning_rate_init=0.05,
    )
    _quietly(est, X, y)
    fitted = net.pack(est._params(), est._spec, np.float64)
    np.testing.assert_array_equal(fitted, _reference_weights(est, X, y, n_epochs=2))


def test_one_stream_one_window_is_an_ordinary_full_bptt_step():
    X, y = _data(lengths=[30])
    common = dict(hidden_layer_sizes=5, max_iter=3, shuffle=False, random_state=0)
    stream = _quietly(SeqToSeqRNN(stream=True, batch_size=1, bptt_steps=30, **common),
                      X, y)
    whole = _quietly(SeqToSeqRNN(**common), X, y)
    for a, b in zip(stream.recurrent_coefs_, whole.recurrent_coefs_, strict=True):
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])
    np.testing.assert_array_equal(stream.output_coef_, whole.output_coef_)


class _RecordingRNN(SeqToSeqRNN):
    """Records the loss of every window (the loop's ``on_batch_end`` event)."""

    def _fit_events(self):
        self.window_losses_ = []
        return Events(on_batch_end=(
            lambda history, info: self.window_losses_.append(info.loss),
        ))


@pytest.mark.parametrize("n_streams", [1, 2])
def test_state_carries_within_a_sequence_and_resets_where_one_starts(n_streams):
    # a learning rate of 1e-300 leaves the weights as they were drawn, so every
    # window's loss can be recomputed from predicting each sequence alone from zero
    X, y = _data()
    est = _RecordingRNN(
        cell_type="lstm", hidden_layer_sizes=4, stream=True, batch_size=n_streams,
        bptt_steps=5, shuffle=False, max_iter=1, alpha=0.0, learning_rate_init=1e-300,
        random_state=0,
    )
    _quietly(est, X, y)
    steps = np.concatenate([0.5 * np.mean((est.predict([x])[0] - t) ** 2, axis=1)
                            for x, t in zip(X, y, strict=True)])
    N = len(steps)
    bounds = np.cumsum([0] + [N // n_streams + (b < N % n_streams)
                              for b in range(n_streams)])
    expected = []
    for k in range(-(-max(np.diff(bounds)) // 5)):
        rows = np.concatenate([np.arange(bounds[b] + 5 * k, min(bounds[b] + 5 * k + 5,
                                                                 bounds[b + 1]))
                               for b in range(n_streams)])
        expected.append(steps[rows].mean())
    np.testing.assert_allclose(est.window_losses_, expected, rtol=1e-12)


def test_sample_weight_weighs_every_step_of_its_sequence():
    X, y = _data()
    weights = np.array([1.0, 0.0, 3.0])
    est = SeqToSeqRNN(hidden_layer_sizes=(4, 3), stream=True, batch_size=3, bptt_steps=5,
                      shuffle=False, max_iter=2, random_state=0, learning_rate_init=0.05)
    _quietly(est, X, y, sample_weight=weights)
    fitted = net.pack(est._params(), est._spec, np.float64)
    reference = _reference_weights(est, X, y, n_epochs=2, sample_weight=weights)
    np.testing.assert_array_equal(fitted, reference)


def test_window_without_weight_still_carries_the_state():
    X, y = _data()
    est = _RecordingRNN(hidden_layer_sizes=4, stream=True, batch_size=1, bptt_steps=5,
                        shuffle=False, max_iter=1, alpha=0.0, learning_rate_init=1e-300,
                        random_state=0)
    # the first sequence (23 steps) fills windows 0-3 alone: they make no update
    _quietly(est, X, y, sample_weight=np.array([0.0, 1.0, 1.0]))
    assert len(est.window_losses_) == 46 // 5 + 1 - 4
    steps = np.concatenate([0.5 * np.mean((est.predict([x])[0] - t) ** 2, axis=1)
                            for x, t in zip(X[1:], y[1:], strict=True)])
    # window 4 holds steps 20-22 of the first sequence (weight 0) and 0-1 of the second
    np.testing.assert_allclose(est.window_losses_[0], steps[:2].mean(), rtol=1e-12)


# --------------------------------------------------------------------------- gradients
def _window_problem(cell_type, seed=0):
    rng = np.random.RandomState(seed)
    spec = net.NetSpec(cell_type, 2, (3, 2), False, 2)
    flat = net.init_params(spec, rng, np.float64) + 0.1 * rng.normal(
        size=net.n_params(spec))
    lengths = np.array([5, 5, 3])  # two streams going on, one fresh segment
    seqs = Sequences(rng.normal(size=(13, 2)), lengths, stacked(lengths))
    targets = s2s.TargetSequences(rng.normal(size=(13, 2)), lengths)
    names = ("H", "C") if cell_type == "lstm" else ("H",)
    initial = [[{n: np.vstack([rng.normal(size=(2, H)), np.zeros((1, H))]) for n in names}]
               for H in spec.hidden_sizes]
    return spec, flat, seqs, targets, initial


@pytest.mark.parametrize("cell_type", ["gru", "lstm", "elman"])
def test_window_gradient_with_a_carried_state_matches_finite_differences(cell_type):
    spec, flat, seqs, targets, initial = _window_problem(cell_type)
    params = net.unpack(flat, spec)
    batch = net.make_batch(seqs, np.arange(3))
    assert (batch.order == np.arange(3)).all()

    def objective(store=None):
        g = np.empty_like(flat) if store is None else store
        return s2s.aligned_loss_grad(
            params, net.unpack(g, spec), spec, batch, targets, None, "squared_error",
            grad_flat=g, initial=initial,  # a constant of the window's objective
        )

    analytic = np.empty_like(flat)
    objective(analytic)
    assert relative_error(analytic, numerical_gradient(objective, flat)) < 1e-7


@pytest.mark.parametrize("cell_type", ["gru", "lstm", "elman"])
def test_two_windows_match_pytorch_truncated_bptt_with_detach(cell_type):
    torch = pytest.importorskip("torch")
    torch.set_default_dtype(torch.float64)
    rng = np.random.RandomState(1)
    spec = net.NetSpec(cell_type, 2, (4, 3), False, 2)
    flat = net.init_params(spec, rng, np.float64)
    params = net.unpack(flat, spec)
    B, W = 2, 4
    X = rng.normal(size=(B, 2 * W, 2))
    Y = rng.normal(size=(B, 2 * W, 2))
    module = {"gru": torch.nn.GRU, "lstm": torch.nn.LSTM, "elman": torch.nn.RNN}[cell_type]
    layers = [module(2 if li == 0 else 4, H, batch_first=True)
              for li, H in enumerate(spec.hidden_sizes)]
    head = torch.nn.Linear(3, 2)
    with torch.no_grad():
        for layer, p in zip(layers, params.recurrent, strict=True):
            for key in net.RECURRENT_KEYS:
                getattr(layer, key + "_l0").copy_(torch.from_numpy(p[key]))
        head.weight.copy_(torch.from_numpy(params.coef.T))
        head.bias.copy_(torch.from_numpy(params.intercept))
    states = [None] * len(layers)
    ours_state = None
    for k in range(2):
        window = slice(k * W, (k + 1) * W)
        for m in [*layers, head]:
            m.zero_grad()
        out = torch.from_numpy(X[:, window])
        for li, layer in enumerate(layers):
            out, states[li] = layer(out, states[li])
        loss = 0.5 * ((head(out) - torch.from_numpy(Y[:, window])) ** 2).mean()
        loss.backward()
        states = [tuple(s.detach() for s in st) if isinstance(st, tuple) else st.detach()
                  for st in states]  # truncation: no gradient into the last window
        seqs = Sequences(X[:, window].reshape(-1, 2), np.full(B, W), np.arange(B) * W)
        batch = net.make_batch(seqs, np.arange(B))
        targets = s2s.TargetSequences(Y[:, window].reshape(-1, 2), np.full(B, W))
        grad_flat = np.empty_like(flat)
        final = []
        ours = s2s.aligned_loss_grad(
            params, net.unpack(grad_flat, spec), spec, batch, targets, None,
            "squared_error", grad_flat=grad_flat, initial=ours_state, final=final,
        )
        ours_state = final
        assert ours == pytest.approx(loss.item(), rel=1e-12)
        grads = net.unpack(grad_flat, spec)
        for layer, g in zip(layers, grads.recurrent, strict=True):
            for key in net.RECURRENT_KEYS:
                torch_grad = getattr(layer, key + "_l0").grad.numpy()
                np.testing.assert_allclose(g[key], torch_grad, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(grads.coef, head.weight.grad.numpy().T, rtol=1e-9,
                                   atol=1e-12)


# --------------------------------------------------------------------------- prediction
@pytest.mark.parametrize("cell_type", ["gru", "lstm", "elman"])
def test_prediction_in_chunks_equals_prediction_at_once(cell_type):
    X, y = _data()
    est = _quietly(SeqToSeqRNN(cell_type=cell_type, hidden_layer_sizes=(5, 4),
                               max_iter=2, random_state=0), X, y)
    whole = est.predict(X)
    state, pieces = None, []
    for cut in [(0, 4), (4, 5), (5, 9)]:  # uneven chunks; sequence 1 ends with 9
        chunk, state = est.predict_stream([x[slice(*cut)] for x in X], state)
        pieces.append(chunk)
    rest, _ = est.predict_stream([x[9:] for x in (X[0], X[2])],
                                 [{k: v[[0, 2]] for k, v in layer.items()}
                                  for layer in state])
    for i, blocks in enumerate(zip(*pieces, strict=True)):
        tail = [] if i == 1 else [rest[i // 2]]
        np.testing.assert_allclose(np.concatenate([*blocks, *tail]), whole[i],
                                   rtol=1e-12, atol=1e-14)


def test_probabilities_in_chunks_and_generation_continue_a_stream():
    rng = np.random.RandomState(0)
    text = rng.randint(0, 3, size=80)
    onehot = np.eye(3)[text]
    est = _quietly(SeqToSeqRNN(hidden_layer_sizes=6, stream=True, batch_size=2,
                               bptt_steps=8, max_iter=3, random_state=0),
                   [onehot[:-1]], [text[1:]])
    whole = est.predict_proba([onehot[:60]])[0]
    first, state = est.predict_proba_stream([onehot[:25]])
    second, state = est.predict_proba_stream([onehot[25:60]], state)
    np.testing.assert_allclose(np.concatenate([first[0], second[0]]), whole, rtol=1e-12)
    # generating after the stream read so far = generating after the whole text
    prefix = onehot[60:64]
    carried = est.generate([prefix], 10, temperature=0, state=state)
    at_once = est.generate([onehot[:64]], 10, temperature=0)
    np.testing.assert_array_equal(carried, at_once)


def test_stream_state_pickles_and_continues_identically():
    X, y = _data()
    est = _quietly(SeqToSeqRNN(cell_type="lstm", hidden_layer_sizes=(4, 3), stream=True,
                               batch_size=2, bptt_steps=4, max_iter=2, random_state=0),
                   X, y)
    _, state = est.predict_stream([x[:6] for x in X])
    est2, state2 = pickle.loads(pickle.dumps((est, state)))
    a, state_a = est.predict_stream([x[6:] for x in X], state)
    b, state_b = est2.predict_stream([x[6:] for x in X], state2)
    for p, q in zip(a, b, strict=True):
        np.testing.assert_array_equal(p, q)
    for la, lb in zip(state_a, state_b, strict=True):
        assert set(la) == {"H", "C"}
        for key in la:
            np.testing.assert_array_equal(la[key], lb[key])


# --------------------------------------------------------------------------- the loop
def test_partial_fit_is_one_stream_epoch_continuing_the_optimizer():
    X, y = _data()
    common = dict(hidden_layer_sizes=4, stream=True, batch_size=2, bptt_steps=4,
                  shuffle=False, random_state=0)
    fitted = _quietly(SeqToSeqRNN(max_iter=2, **common), X, y)
    partial = SeqToSeqRNN(**common)
    partial.partial_fit(X, y)
    partial.partial_fit(X, y)
    assert partial.n_iter_ == 2 and partial.t_ == fitted.t_
    np.testing.assert_array_equal(partial.output_coef_, fitted.output_coef_)
    for a, b in zip(partial.recurrent_coefs_, fitted.recurrent_coefs_, strict=True):
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])


def test_early_stopping_holds_out_whole_sequences_or_the_end_of_the_only_one():
    X, y = _data()
    config = FitConfig(validation_fraction=0.25, stream=True)
    est = SeqToSeqRNN(stream=True, hidden_layer_sizes=3, max_iter=1, random_state=0)
    _quietly(est, X, y)
    from skrnn._training import Problem

    problem = Problem(est._validated_sequences(X), est._encode_targets(y, False)[0],
                      None, est._spec, "squared_error", None, "aligned")
    train, val = stream_validation_split(config, problem, np.random.RandomState(0))
    assert sorted([*train.seqs.lengths, *val.seqs.lengths]) == sorted(LENGTHS)
    one = problem.subset(np.array([0]))
    train, val = stream_validation_split(config, one, np.random.RandomState(0))
    assert (train.seqs.lengths.tolist(), val.seqs.lengths.tolist()) == ([17], [6])
    np.testing.assert_array_equal(val.seqs.data, X[0][17:])
    np.testing.assert_array_equal(val.Y.data, y[0][17:])
    est = SeqToSeqRNN(stream=True, hidden_layer_sizes=3, max_iter=3, early_stopping=True,
                      learning_rate="adaptive", n_iter_no_change=1, random_state=0)
    _quietly(est, X[:1], y[:1])
    assert len(est.validation_scores_) == est.n_iter_ >= 1


def test_verbose_reports_progress_within_an_epoch(capsys):
    X, y = _data()
    _quietly(SeqToSeqRNN(stream=True, hidden_layer_sizes=3, batch_size=2, bptt_steps=2,
                         max_iter=1, verbose=True, random_state=0), X, y)
    out = capsys.readouterr().out
    assert "Epoch 1, window 12/12" in out and "Epoch 1, loss=" in out


def test_auto_streams_and_window():
    X, y = _data(lengths=[200])
    est = _RecordingRNN(stream=True, hidden_layer_sizes=3, max_iter=1, random_state=0)
    _quietly(est, X, y)
    # 32 streams of 6 or 7 steps fit in one window of 64 steps: one update
    assert len(est.window_losses_) == 1
    with pytest.warns(UserWarning, match="larger than the 46 time steps"):
        _quietly(SeqToSeqRNN(stream=True, batch_size=100, hidden_layer_sizes=3,
                             max_iter=1), *_data())


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("params,match", [
    (dict(mode="encoder_decoder"), "mode='encoder_decoder'"),
    (dict(bidirectional=True), "bidirectional=True"),
    (dict(solver="lbfgs"), "solver='lbfgs'"),
    (dict(cell_type="esn"), "cell_type='esn'"),
])
def test_stream_refuses_settings_it_cannot_honour(params, match):
    X, y = _data()
    with pytest.raises(ValueError, match=f"stream=True cannot be combined with {match}"):
        SeqToSeqRNN(stream=True, **params).fit(X, y)


def test_stream_needs_a_target_for_every_step():
    X, y = _data()
    with pytest.raises(ValueError, match=r"y\[1\] has 8 step\(s\) and X\[1\] 9"):
        SeqToSeqRNN(stream=True).fit(X, [y[0], y[1][1:], y[2]])
    with pytest.raises(ValueError, match="target for every input step"):
        SeqToSeqRNN(stream=True).fit(X, np.array([0.5, 1.5, 2.5]))


@pytest.mark.parametrize("params,match", [
    (dict(bidirectional=True), "bidirectional model"),
    (dict(mode="encoder_decoder"), "encoder_decoder"),
    (dict(cell_type="esn"), "cell_type='esn'"),
])
def test_predict_stream_needs_a_unidirectional_aligned_trained_model(params, match):
    X, y = _data()
    est = _quietly(SeqToSeqRNN(hidden_layer_sizes=2, max_iter=1, **params), X, y)
    with pytest.raises(ValueError, match=match):
        est.predict_stream(X)


@pytest.mark.parametrize("state,match", [
    ("state", "a list of 2 dict"),
    ([{"H": np.zeros((3, 4))}], "of length 1"),
    ([{"H": np.zeros((3, 4))}, {"C": np.zeros((3, 3))}], r"state\[1\] must be a dict"),
    ([{"H": np.zeros((3, 4))}, {"H": np.zeros((2, 3))}], r"shape \(2, 3\), expected"),
    ([{"H": np.zeros((3, 4))}, {"H": np.full((3, 3), np.nan)}], "finite numbers"),
])
def test_error_for_a_state_of_another_model(state, match):
    X, y = _data()
    est = _quietly(SeqToSeqRNN(hidden_layer_sizes=(4, 3), max_iter=1), X, y)
    with pytest.raises(ValueError, match=match):
        est.predict_stream(X, state)


# --------------------------------------------------------------------------- vocabularies
def test_class_index_loss_equals_the_one_hot_loss():
    from skrnn._losses import class_log_loss, log_loss

    rng = np.random.RandomState(0)
    Z = rng.normal(size=(7, 5)) * 10
    k = rng.randint(0, 5, size=7)
    sw = rng.uniform(0.5, 2, size=7)
    value, grad = log_loss(np.eye(5)[k], Z.copy(), sw)
    index_value, index_grad = class_log_loss(k[:, None].astype(float), Z.copy(), sw)
    assert index_value == pytest.approx(value, rel=1e-14)
    np.testing.assert_allclose(index_grad, grad, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("id_type,dtype", [(np.int32, np.float32), (np.int64, np.float64)])
def test_int32_token_ids_train_in_float32_with_class_index_targets(id_type, dtype):
    rng = np.random.RandomState(0)
    text = rng.randint(2, 12, size=120).astype(id_type)
    est = _quietly(SeqToSeqRNN(embedding_dim=4, hidden_layer_sizes=5, stream=True,
                               bptt_steps=10, batch_size=3, max_iter=2, random_state=0),
                   [text[:-1]], [text[1:]])
    assert est._loss == "class_log_loss" and est.n_outputs_ == len(est.classes_) == 10
    assert est.embedding_.dtype == est.output_coef_.dtype == dtype
    proba, _ = est.predict_proba_stream([text[:30]])
    assert proba.dtype == dtype and proba.shape == (1, 30, 10)
    assert 0 <= est.score([text[:-1]], [text[1:]]) <= 1
