"""The recurrent core against PyTorch, truncated BPTT, memory and batch invariances."""

import tracemalloc

import numpy as np
import pytest

from skrnn import _network as net
from skrnn import _recurrent as rec
from skrnn._input import check_sequence_list, check_token_list

from ._gradcheck import numerical_gradient, relative_error

CELL_TYPES = ["elman", "lstm", "gru"]


def _model(cell_type, hidden, bidirectional, lengths, n_features=3, n_outputs=2, seed=0,
           dtype=np.float64):
    rng = np.random.RandomState(seed)
    seqs = check_sequence_list(
        [rng.normal(size=(n, n_features)).astype(dtype) for n in lengths]
    )
    spec = net.NetSpec(cell_type, n_features, hidden, bidirectional, n_outputs)
    flat = net.init_params(spec, rng, dtype)
    # biases and weights away from their initial structure, so every term matters
    flat += dtype(0.2) * rng.normal(size=flat.shape).astype(dtype)
    Y = rng.normal(size=(len(lengths), n_outputs)).astype(dtype)
    return spec, seqs, flat, Y


def _loss_grad(spec, seqs, flat, Y, index=None, bptt_steps=None):
    """Loss, flat gradient and activated outputs (in sample order) of ``index``."""
    index = np.arange(seqs.n_samples) if index is None else np.asarray(index)
    grad = np.empty_like(flat)
    params, grads = net.unpack(flat, spec), net.unpack(grad, spec)
    batch = net.make_batch(seqs, index)
    loss = net.loss_grad(
        params, grads, spec, batch, Y[batch.order], None, "squared_error", flat=flat,
        grad_flat=grad, bptt_steps=bptt_steps,
    )
    out = np.empty((seqs.n_samples, spec.n_outputs), dtype=flat.dtype)
    out[batch.order] = net.forward(params, spec, batch)
    return loss, grad, out[index]


# --------------------------------------------------------------------------- torch oracle
def _torch_loss_grad(spec, seqs, flat, Y, bptt_steps=None):
    """The same model and loss written with torch.nn, gradients by autograd.

    With ``bptt_steps`` the state is carried between windows and detached, the
    definition of truncated BPTT; the many-to-one loss of a sequence is read in the
    window holding its last step.
    """
    torch = pytest.importorskip("torch")
    params = net.unpack(flat, spec)
    module = {"elman": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[
        spec.cell_type
    ](
        spec.input_size, spec.hidden_sizes[0], num_layers=len(spec.hidden_sizes),
        bidirectional=spec.bidirectional, dtype=torch.float64,
    )
    k = spec.n_directions
    with torch.no_grad():
        for i, p in enumerate(params.recurrent):
            layer, direction = divmod(i, k)
            suffix = f"_l{layer}" + ("_reverse" if direction else "")
            for key, value in p.items():
                getattr(module, key + suffix).copy_(torch.from_numpy(value.copy()))
    coef = torch.tensor(params.coef, requires_grad=True)
    intercept = torch.tensor(params.intercept, requires_grad=True)

    lengths = seqs.lengths
    T, n = int(lengths.max()), len(lengths)
    padded = np.zeros((T, n, spec.input_size))
    for i in range(n):
        padded[: lengths[i], i] = seqs.data[seqs.offsets[i] : seqs.offsets[i] + lengths[i]]
    windows = [(0, T)] if bptt_steps is None else [
        (t0, min(T, t0 + bptt_steps)) for t0 in range(0, T, bptt_steps)
    ]
    state, loss = None, 0.0
    for t0, t1 in windows:
        running = np.flatnonzero(lengths > t0)
        x = torch.from_numpy(padded[t0:t1, running])
        steps = torch.from_numpy(np.minimum(lengths[running], t1) - t0)
        packed = torch.nn.utils.rnn.pack_padded_sequence(x, steps, enforce_sorted=False)
        h0 = None
        if state is not None:
            h0 = tuple(s[:, running] for s in state) if isinstance(state, tuple) else (
                state[:, running]
            )
        _, final = module(packed, h0)
        h_n = final[0] if isinstance(final, tuple) else final
        ending = (lengths[running] <= t1)
        if ending.any():
            top = torch.cat(list(h_n[-k:]), dim=1)[torch.from_numpy(ending)]
            Z = top @ coef + intercept
            diff = Z - torch.from_numpy(Y[running[ending]])
            loss = loss + 0.5 * (diff**2).mean(dim=1).sum()
        # the carried state, detached: gradients stop at the window boundary
        full = [torch.zeros(len(spec.hidden_sizes) * k, n, spec.hidden_sizes[0],
                            dtype=torch.float64) for _ in (final if isinstance(final, tuple)
                                                           else (final,))]
        parts = final if isinstance(final, tuple) else (final,)
        for f, part in zip(full, parts, strict=True):
            f[:, running] = part.detach()
        state = tuple(full) if isinstance(final, tuple) else full[0]
    loss = loss / n
    loss.backward()
    grads = []
    for i in range(len(params.recurrent)):
        layer, direction = divmod(i, k)
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
        for key in net.RECURRENT_KEYS:
            grads.append(getattr(module, key + suffix).grad.numpy().ravel())
    grads += [coef.grad.numpy().ravel(), intercept.grad.numpy().ravel()]
    return float(loss.detach()), np.concatenate(grads)


@pytest.mark.parametrize("cell_type", CELL_TYPES)
@pytest.mark.parametrize("hidden,bidirectional", [((4,), False), ((4, 4), True)])
def test_loss_and_gradient_match_torch(cell_type, hidden, bidirectional):
    spec, seqs, flat, Y = _model(cell_type, hidden, bidirectional, [7, 3, 5, 1, 7, 4])
    loss, grad, _ = _loss_grad(spec, seqs, flat, Y)
    torch_loss, torch_grad = _torch_loss_grad(spec, seqs, flat, Y)
    np.testing.assert_allclose(loss, torch_loss, rtol=1e-12)
    np.testing.assert_allclose(grad, torch_grad, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_truncated_bptt_matches_torch_with_detached_windows(cell_type):
    spec, seqs, flat, Y = _model(cell_type, (3, 3), False, [9, 4, 7, 2, 9])
    loss, grad, _ = _loss_grad(spec, seqs, flat, Y, bptt_steps=3)
    torch_loss, torch_grad = _torch_loss_grad(spec, seqs, flat, Y, bptt_steps=3)
    np.testing.assert_allclose(loss, torch_loss, rtol=1e-12)
    np.testing.assert_allclose(grad, torch_grad, rtol=1e-9, atol=1e-12)


# --------------------------------------------------------------------------- truncated BPTT
@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_truncated_bptt_with_long_windows_equals_full_bptt_exactly(cell_type):
    spec, seqs, flat, Y = _model(cell_type, (4, 3), False, [8, 5, 8, 2])
    loss, grad, _ = _loss_grad(spec, seqs, flat, Y)
    for bptt_steps in (8, 9, 100):
        loss_t, grad_t, _ = _loss_grad(spec, seqs, flat, Y, bptt_steps=bptt_steps)
        assert loss_t == loss
        np.testing.assert_array_equal(grad_t, grad)


@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_truncated_bptt_keeps_the_forward_pass(cell_type):
    """Windows change the gradient, never the loss: the state is carried exactly."""
    spec, seqs, flat, Y = _model(cell_type, (4,), False, [12, 7, 3])
    loss, grad, _ = _loss_grad(spec, seqs, flat, Y)
    for bptt_steps in (1, 2, 5):
        loss_t, grad_t, _ = _loss_grad(spec, seqs, flat, Y, bptt_steps=bptt_steps)
        np.testing.assert_allclose(loss_t, loss, rtol=1e-13)
        assert not np.allclose(grad_t, grad)


def _peak_training_memory(T, bptt_steps, hidden=8):
    spec, seqs, flat, Y = _model("lstm", (hidden,), False, [T], n_features=2)
    batch = net.make_batch(seqs, [0])
    grad = np.empty_like(flat)
    params, grads = net.unpack(flat, spec), net.unpack(grad, spec)
    tracemalloc.start()
    try:
        net.loss_grad(
            params, grads, spec, batch, Y, None, "squared_error", flat=flat,
            grad_flat=grad, bptt_steps=bptt_steps,
        )
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_truncated_bptt_trains_a_long_sequence_in_bounded_memory():
    """The peak memory of a training step does not grow with the sequence length."""
    short = _peak_training_memory(10_000, bptt_steps=250)
    long = _peak_training_memory(100_000, bptt_steps=250)
    assert long < 1.2 * short
    # full BPTT on the short sequence already needs far more: the bound is real
    assert _peak_training_memory(10_000, bptt_steps=None) > 5 * short


# --------------------------------------------------------------------------- invariances
@pytest.mark.parametrize("cell_type", CELL_TYPES)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_outputs_do_not_depend_on_batch_companions_or_order(cell_type, bidirectional):
    """Packing never lets a sequence see another's steps or padding: each output is the
    one the sequence gets alone, whatever the batch around it and its order."""
    lengths = [6, 2, 9, 4, 9, 1]
    spec, seqs, flat, Y = _model(cell_type, (5, 3), bidirectional, lengths)
    _, _, together = _loss_grad(spec, seqs, flat, Y)
    for i in range(len(lengths)):
        _, _, alone = _loss_grad(spec, seqs, flat, Y, index=[i])
        np.testing.assert_allclose(together[i], alone[0], rtol=1e-12, atol=1e-14)
    perm = np.random.RandomState(0).permutation(len(lengths))
    loss, grad, _ = _loss_grad(spec, seqs, flat, Y)
    loss_p, grad_p, shuffled = _loss_grad(spec, seqs, flat, Y, index=perm)
    np.testing.assert_allclose(shuffled, together[perm], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(loss_p, loss, rtol=1e-12)
    np.testing.assert_allclose(grad_p, grad, rtol=1e-10, atol=1e-14)


def test_packed_batch_holds_only_real_steps():
    """A ragged batch costs its real steps: the plan has no padded row."""
    lengths = np.array([50, 3, 17, 50, 1, 26])
    plan = rec.make_plan(np.sort(lengths)[::-1])
    assert plan.n_rows == lengths.sum()
    np.testing.assert_array_equal(np.diff(plan.offsets), plan.batch_sizes)
    assert plan.batch_sizes[0] == len(lengths) and plan.batch_sizes[-1] == 2


@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_float32_follows_float64(cell_type):
    """The float32 path (scaled gates, in-place buffers) computes the same model."""
    spec, seqs, flat, Y = _model(cell_type, (6,), False, [10, 4, 7])
    loss, grad, out = _loss_grad(spec, seqs, flat, Y)
    seqs32 = seqs._replace(data=seqs.data.astype(np.float32))
    loss32, grad32, out32 = _loss_grad(
        spec, seqs32, flat.astype(np.float32), Y.astype(np.float32)
    )
    assert grad32.dtype == np.float32 and out32.dtype == np.float32
    np.testing.assert_allclose(out32, out, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(grad32, grad, rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_workspace_reuse_changes_no_result(cell_type):
    """Buffers lent by a workspace across batches of other sizes give the same numbers."""
    spec, seqs, flat, Y = _model(cell_type, (5, 4), False, [9, 3, 6, 2, 9, 5, 1])
    workspace = rec.Workspace()
    params = net.unpack(flat, spec)
    for index, bptt_steps in [([0, 1, 2, 3, 4, 5, 6], None), ([1, 3], None),
                              ([2, 4, 5], 2), ([0, 1, 2, 3, 4, 5, 6], 4)]:
        loss, grad, _ = _loss_grad(spec, seqs, flat, Y, index=index, bptt_steps=bptt_steps)
        grad_ws = np.empty_like(flat)
        batch = net.make_batch(seqs, index)
        loss_ws = net.loss_grad(
            params, net.unpack(grad_ws, spec), spec, batch, Y[batch.order], None,
            "squared_error", flat=flat, grad_flat=grad_ws, bptt_steps=bptt_steps,
            workspace=workspace,
        )
        assert loss_ws == loss
        np.testing.assert_array_equal(grad_ws, grad)
    assert workspace.nbytes > 0


# --------------------------------------------------------------------------- chunked BPTT
@pytest.mark.parametrize("cell_type", CELL_TYPES)
@pytest.mark.parametrize("max_rows", [1, 3, 7, 10])
def test_bptt_in_chunks_equals_one_pass(cell_type, max_rows):
    """Walking the steps backward in chunks (state gradients carried between chunks,
    weight gradients summed per chunk) gives the gradients of one pass over all steps,
    with output and final-state gradients on a ragged batch."""
    rng = np.random.RandomState(0)
    lengths = np.array([9, 9, 7, 4, 4, 2, 1])
    plan = rec.make_plan(lengths)
    spec, _, flat, _ = _model(cell_type, (5,), False, [3])
    p = net.unpack(flat, spec).recurrent[0]
    X = rng.normal(size=(plan.n_rows, 3))
    dH = rng.normal(size=(plan.n_rows, 5))
    d_final = {name: rng.normal(size=(len(lengths), 5)) for name in ("H", "C")}
    if cell_type != "lstm":
        del d_final["C"]
    h0 = {name: rng.normal(size=(len(lengths), 5)) for name in d_final}
    results = []
    for rows in (None, max_rows):
        B = rec.direction_forward(cell_type, p, X, plan, h0=h0)
        grads = {key: np.empty_like(value) for key, value in p.items()}
        dX, d0 = rec.direction_backward(
            cell_type, p, X, B, plan, grads, dH=dH, d_final=d_final, max_rows=rows,
        )
        results.append((grads, dX, d0))
    (g1, dX1, d01), (g2, dX2, d02) = results
    assert len(rec.chunks(plan, max_rows)) > 1
    for key in g1:
        np.testing.assert_allclose(g2[key], g1[key], rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(dX2, dX1, rtol=1e-12, atol=1e-13)
    for name in d01:
        np.testing.assert_allclose(d02[name], d01[name], rtol=1e-12, atol=1e-13)


def test_chunks_cover_every_step_once():
    plan = rec.make_plan(np.array([6, 6, 5, 3, 1]))
    for max_rows in (1, 2, 5, 8, 100):
        bounds = rec.chunks(plan, max_rows)
        steps = [t for t0, t1 in bounds for t in range(t0, t1)]
        assert steps == list(range(6))
        for t0, t1 in bounds:
            rows = plan.offsets[t1] - plan.offsets[t0]
            assert rows <= max_rows or t1 == t0 + 1


@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_bptt_gradient_buffers_are_one_chunk(cell_type):
    """The state gradients BPTT keeps span one chunk, not the whole batch: a batch of
    20,000 rows leaves gradient buffers of CHUNK_ROWS rows (plus the initial block)."""
    spec, seqs, flat, Y = _model(cell_type, (8,), False, [500] * 40, dtype=np.float32)
    workspace = rec.Workspace()
    params, grad = net.unpack(flat, spec), np.empty_like(flat)
    batch = net.make_batch(seqs, np.arange(40))
    net.loss_grad(params, net.unpack(grad, spec), spec, batch, Y, None, "squared_error",
                  flat=flat, grad_flat=grad, workspace=workspace)
    grad_buffers = {k: v for k, v in workspace._buffers.items() if k[0] == "grad"}
    assert grad_buffers
    for buf in grad_buffers.values():
        assert buf.size <= (rec.CHUNK_ROWS + 40) * 8


@pytest.mark.parametrize("cell_type", CELL_TYPES)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_stacked_bptt_chunk_by_chunk_equals_one_pass(cell_type, bidirectional, monkeypatch):
    """A stack walked chunk by chunk through all its layers (the gradient between
    layers lives for one chunk) gives the gradients of one pass, and both are the
    finite-difference gradient, with an embedding reading the input gradient, output
    gradients on every step (mean pooling) and dropout between layers."""
    rng = np.random.RandomState(1)
    lengths = [5, 2, 5, 4, 1]
    seqs = check_token_list([rng.randint(1, 5, size=n) for n in lengths], "X", "test")
    spec = net.NetSpec(cell_type, 2, (3, 2), bidirectional, 2, n_tokens=5,
                       pooling="mean")
    flat = net.init_params(spec, rng, np.float64)
    flat += 0.2 * rng.normal(size=flat.shape)
    Y = rng.normal(size=(len(lengths), 2))
    batch = net.make_batch(seqs, np.arange(len(lengths)))

    def loss_grad(grad=None):
        # the same dropout masks at every call: the loss is a function of ``flat``
        return net.loss_grad(
            net.unpack(flat, spec), net.unpack(np.empty_like(flat) if grad is None
                                                else grad, spec),
            spec, batch, Y[batch.order], None, "squared_error", flat=flat,
            grad_flat=grad, dropout=0.3, rng=np.random.RandomState(0),
        )

    grads = []
    for chunk_rows in (100_000, 4):
        monkeypatch.setattr(rec, "CHUNK_ROWS", chunk_rows)
        grads.append(np.empty_like(flat))
        loss_grad(grads[-1])
    assert len(rec.chunks(batch.plan, 4)) > 2
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-11, atol=1e-13)
    numeric = numerical_gradient(loss_grad, flat)
    assert relative_error(grads[1], numeric) < 1e-6
