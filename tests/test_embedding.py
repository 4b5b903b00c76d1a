"""Learned embeddings: gradients, row-sparse optimisation, token-id input and estimators."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from skrnn import RNNClassifier, RNNRegressor
from skrnn import _embedding as emb
from skrnn import _network as net
from skrnn._input import check_token_list
from skrnn._optim import clip_by_global_norm, make_optimizer, optimizer_step

from ._gradcheck import numerical_gradient, relative_error

CELL_TYPES = ["elman", "lstm", "gru"]
N_TOKENS, DIM = 9, 3


def _token_problem(rng, lengths, n_outputs=2):
    # ids 0 (padding, inside a sequence) and repeated ids on purpose; 8 never occurs
    seqs = check_token_list(
        [rng.randint(1, N_TOKENS - 1, size=n) for n in lengths], "X", "test"
    )
    seqs.data[3] = emb.PADDING_ID
    Y = np.eye(n_outputs)[rng.randint(0, n_outputs, size=len(lengths))]
    return seqs, Y


def _gradients(spec, seqs, Y, *, alpha=0.0, bptt_steps=None, sparse=False, seed=0):
    """Analytic and finite-difference gradients of one batch's loss w.r.t. all params."""
    rng = np.random.RandomState(seed)
    flat = net.init_params(spec, rng, np.float64)
    n_table = emb.table_size(spec)
    flat[n_table:] += 0.1 * rng.normal(size=flat.size - n_table)
    params = net.unpack(flat, spec)
    reg_mask = net.regularised_mask(spec, np.float64)
    batch = net.make_batch(seqs, np.arange(seqs.n_samples))
    Yb = Y[batch.order]

    def loss_value(store=None):
        g = np.empty_like(flat) if store is None else store
        row_grad = emb.RowGradient((spec.n_tokens, spec.input_size), np.float64)
        value = net.loss_grad(
            params, net.unpack(g, spec), spec, batch, Yb, None, "log_loss",
            alpha=alpha, reg_mask=reg_mask, flat=flat, grad_flat=g,
            bptt_steps=bptt_steps, embedding_grad=row_grad if sparse else None,
        )
        if sparse and store is not None:
            g[:n_table] = 0.0
            g[:n_table].reshape(spec.n_tokens, spec.input_size)[row_grad.rows] = (
                row_grad.values
            )
        return value

    analytic = np.full_like(flat, np.nan)
    loss_value(analytic)
    numeric = numerical_gradient(loss_value, flat)
    # the padding row is frozen (never trained): compare the trainable parameters
    assert not analytic[:DIM].any()
    numeric[:DIM] = 0.0
    return analytic, numeric, n_table


@pytest.mark.parametrize("cell_type", CELL_TYPES)
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("sparse", [False, True])
def test_embedding_gradient(cell_type, bidirectional, sparse):
    rng = np.random.RandomState(0)
    seqs, Y = _token_problem(rng, [5, 2, 4, 1, 5])
    spec = net.NetSpec(cell_type, DIM, (3, 2), bidirectional, 2, n_tokens=N_TOKENS)
    analytic, numeric, n_table = _gradients(spec, seqs, Y, alpha=0.3, sparse=sparse)
    assert relative_error(analytic, numeric) <= 1e-6
    table = analytic[:n_table].reshape(N_TOKENS, DIM)
    # padding has no gradient, the never-read id only its dense L2 term; every read
    # id has one
    assert not table[emb.PADDING_ID].any()
    assert table[N_TOKENS - 1].any() != sparse
    read = np.setdiff1d(seqs.data, [emb.PADDING_ID])
    assert np.all(np.abs(table[read]).sum(axis=1) > 0)


@pytest.mark.parametrize("cell_type", CELL_TYPES)
def test_embedding_gradient_truncated_bptt_windows(cell_type):
    """With several windows, the embedding gradient is the sum over windows; a
    window as long as the batch must give the exact full gradient."""
    rng = np.random.RandomState(1)
    seqs, Y = _token_problem(rng, [6, 3, 5])
    spec = net.NetSpec(cell_type, DIM, (3,), False, 2, n_tokens=N_TOKENS)
    analytic, numeric, _ = _gradients(spec, seqs, Y, bptt_steps=6, sparse=True)
    assert relative_error(analytic, numeric) <= 1e-6
    # shorter windows: finite (no uninitialised scratch leaks in) and row-sparse
    truncated, _, n_table = _gradients(spec, seqs, Y, bptt_steps=2, sparse=True)
    assert np.isfinite(truncated).all()
    assert not truncated[:n_table].reshape(N_TOKENS, DIM)[N_TOKENS - 1].any()


def test_row_gradient_matches_dense_scatter():
    rng = np.random.RandomState(2)
    ids = rng.randint(0, 50, size=200)
    d = rng.normal(size=(200, 4))
    rows, values = emb.row_gradient(ids, d)
    dense = np.zeros((50, 4))
    np.add.at(dense, ids, d)
    dense[emb.PADDING_ID] = 0.0
    assert np.array_equal(rows, np.setdiff1d(np.unique(ids), [0]))
    assert np.allclose(values, dense[rows])
    scattered = np.full((50, 4), np.nan)
    emb.scatter_rows(scattered, rows, values)
    assert np.allclose(scattered, dense)


def test_known_ids_maps_unseen_and_out_of_range_ids_to_unknown():
    seen = emb.mark_seen(np.zeros(6, dtype=bool), np.array([2, 4, 4]))
    assert seen.tolist() == [True, True, True, False, True, False]
    ids = np.array([0, 1, 2, 3, 4, 5, 6, 100])
    assert emb.known_ids(ids, seen).tolist() == [0, 1, 2, 1, 4, 1, 1, 1]
    assert emb.vocabulary_size(np.array([3, 1])) == 4
    assert emb.vocabulary_size(np.array([1])) == emb.N_RESERVED


# --------------------------------------------------------------------------- optimizers
class _Est:
    learning_rate_init, momentum, nesterovs_momentum = 0.05, 0.9, True
    beta_1, beta_2, epsilon = 0.9, 0.999, 1e-8


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_row_sparse_step_touches_only_the_rows_read(solver):
    rng = np.random.RandomState(3)
    shape, n_rest = (20, 3), 7
    n = shape[0] * shape[1] + n_rest
    flat = rng.normal(size=n)
    opt = make_optimizer(solver, n, np.float64, _Est, embedding_shape=shape)
    assert opt["learning_rate"] == 0.05 and opt["table_shape"] == shape
    row_grad = emb.RowGradient(shape, np.float64)
    for rows in ([1, 4, 5], [2, 4], [7]):  # momentum from earlier steps must not leak
        row_grad.rows = np.array(rows)
        row_grad.values = rng.normal(size=(len(rows), shape[1]))
        grad = rng.normal(size=n)
        grad[: row_grad.size] = np.nan  # the dense table block must never be read
        before = flat.copy()
        optimizer_step(opt, flat, grad, row_grad)
        table, old = flat[: row_grad.size].reshape(shape), before[: row_grad.size]
        untouched = np.setdiff1d(np.arange(shape[0]), rows)
        assert np.array_equal(table[untouched], old.reshape(shape)[untouched])
        assert not np.isclose(table[rows], old.reshape(shape)[rows]).any()
        assert np.isfinite(flat).all()


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_row_sparse_step_equals_dense_step_when_every_row_is_read(solver):
    rng = np.random.RandomState(4)
    shape, n_rest = (5, 2), 4
    n = shape[0] * shape[1] + n_rest
    start = rng.normal(size=n)
    dense_flat, sparse_flat = start.copy(), start.copy()
    dense = make_optimizer(solver, n, np.float64, _Est)
    sparse = make_optimizer(solver, n, np.float64, _Est, embedding_shape=shape)
    row_grad = emb.RowGradient(shape, np.float64)
    for _ in range(4):
        grad = rng.normal(size=n)
        optimizer_step(dense, dense_flat, grad.copy())
        row_grad.rows = np.arange(shape[0])
        row_grad.values = grad[:10].reshape(shape).copy()
        optimizer_step(sparse, sparse_flat, grad.copy(), row_grad)
    assert np.allclose(dense_flat, sparse_flat, rtol=1e-12, atol=1e-12)


def test_clip_by_global_norm_counts_the_sparse_rows():
    rng = np.random.RandomState(5)
    shape = (6, 2)
    row_grad = emb.RowGradient(shape, np.float64)
    row_grad.rows, row_grad.values = np.array([1, 3]), rng.normal(size=(2, 2)) * 10
    grad = rng.normal(size=12 + 5)
    dense = np.zeros(12)
    dense.reshape(shape)[row_grad.rows] = row_grad.values
    full = np.concatenate([dense, grad[12:]])
    expected = clip_by_global_norm(full.copy(), 1.0)
    grad[:12] = np.nan
    norm = clip_by_global_norm(grad, 1.0, row_grad)
    assert np.isclose(norm, expected)
    clipped_norm = np.sqrt(grad[12:] @ grad[12:] + row_grad.squared_norm())
    assert np.isclose(clipped_norm, 1.0)


# --------------------------------------------------------------------------- estimators
def _token_data(n=60, seed=0):
    rng = np.random.RandomState(seed)
    X = [rng.randint(2, 12, size=rng.randint(2, 7)) for _ in range(n)]
    y = np.array([int(7 in x) for x in X])
    return X, y


def _padded(X):
    out = np.zeros((len(X), max(len(x) for x in X) + 2), dtype=np.int64)
    for i, x in enumerate(X):
        out[i, : len(x)] = x
    return out


FAST = dict(embedding_dim=4, hidden_layer_sizes=5, max_iter=15, random_state=0)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("Est", [RNNClassifier, RNNRegressor])
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_estimator_reads_padded_arrays_and_lists_alike(Est, solver):
    X, y = _token_data()
    est = Est(solver=solver, **FAST).fit(X, y)
    assert est.embedding_.shape == (12, 4)
    assert est.n_features_in_ == 1
    assert not est.embedding_[emb.PADDING_ID].any()  # padding row never trained
    assert np.allclose(est.predict(_padded(X)), est.predict(X))
    listed = [list(row) for row in _padded(X)]  # trailing zeros in a list are padding
    assert np.allclose(est.predict(listed), est.predict(X))
    refit = clone(est).fit(_padded(X), y)
    assert np.allclose(refit.embedding_, est.embedding_)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_unseen_and_out_of_range_ids_read_as_unknown():
    X, y = _token_data()
    X[0] = np.array([1, 3])  # the unknown id itself occurs in training
    X = [x[x != 9] if (x != 9).any() else np.array([3]) for x in X]  # id 9 never seen
    clf = RNNClassifier(**FAST).fit(X, y)
    probe = [np.array([5, 9, 2]), np.array([40, 3]), np.array([11, 1000])]
    as_unknown = [np.array([5, 1, 2]), np.array([1, 3]), np.array([11, 1])]
    assert np.allclose(clf.predict_proba(probe), clf.predict_proba(as_unknown))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_embedding_rows_not_in_the_data_are_never_updated():
    X, y = _token_data()
    X = [x[x != 9] if (x != 9).any() else np.array([3]) for x in X]
    X[1] = np.append(X[1], 11)  # table has rows up to 11; 9 is never read
    clf = RNNClassifier(**FAST)
    clf.fit(X, y)
    again = clone(clf).set_params(max_iter=1).fit(X, y)
    # same seed, same init: a row that no batch reads keeps its initial value
    assert np.array_equal(clf.embedding_[9], again.embedding_[9])
    assert not np.allclose(clf.embedding_[7], again.embedding_[7])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_partial_fit_and_warm_start_keep_the_table():
    X, y = _token_data()
    clf = RNNClassifier(**FAST)
    clf.partial_fit(X, y, classes=[0, 1])
    table = clf.embedding_.shape
    clf.partial_fit([np.array([50, 3]), np.array([2, 7])], [0, 1])  # 50 -> unknown
    assert clf.embedding_.shape == table and clf.n_iter_ == 2
    warm = RNNClassifier(warm_start=True, **FAST).fit(X, y)
    first = warm.embedding_.copy()
    warm.fit(X, y)
    assert warm.embedding_.shape == first.shape and not np.allclose(warm.embedding_, first)
    with pytest.raises(ValueError, match="same network"):
        warm.set_params(embedding_dim=6).fit(X, y)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_refit_without_embedding_drops_the_table():
    X, y = _token_data()
    clf = RNNClassifier(**FAST).fit(X, y)
    assert hasattr(clf, "embedding_")
    clf.set_params(embedding_dim=None).fit(_padded(X).astype(float), y)
    assert not hasattr(clf, "embedding_")
    assert clf.n_features_in_ == _padded(X).shape[1]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_pickle_and_clone():
    X, y = _token_data()
    clf = RNNClassifier(**FAST).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    assert np.array_equal(restored.predict_proba(X), clf.predict_proba(X))
    assert clone(clf).get_params()["embedding_dim"] == 4
    with pytest.raises(NotFittedError):
        RNNClassifier(embedding_dim=4).predict(X)
    with pytest.raises(InvalidParameterError, match="embedding_dim"):
        RNNClassifier(embedding_dim=0).fit(X, y)


BAD_IDS = [
    (np.array([[1.0, 2.0], [3.0, 0.0]]), TypeError, r"X holds floats.*integer token ids"),
    ([np.array([2, 3]), np.array([1.5, 2.0])], TypeError, r"X\[1\] holds floats"),
    (np.array([[2, 3], [1, -3]]), ValueError, r"X\[1\] holds the negative token id -3"),
    ([np.array([2, 3]), np.array([4, -1])], ValueError, r"X\[1\] holds the negative"),
    (np.array([[2, 3], [0, 0], [1, 0]]), ValueError, r"X\[1\] holds only padding"),
    ([np.array([2, 3]), np.array([0, 0])], ValueError, r"X\[1\] holds only padding"),
    ([np.array([2, 3]), np.array([], dtype=int)], ValueError, r"X\[1\] holds only"),
    (np.array([[True, False]]), TypeError, r"holds booleans"),
    (np.ones((2, 3, 1, 1), dtype=int), ValueError, r"got an array with 4 dimension"),
    ([np.ones((2, 2, 1), dtype=int)], ValueError, r"X\[0\] has shape \(2, 2, 1\).*1-D"),
    ([np.ones(2, dtype=int), np.ones((2, 2), dtype=int)], ValueError,
     r"X\[1\] has shape \(2, 2\).*X\[0\] is 1-D"),
    (np.array([2, 3]), ValueError, r"1 dimension"),
    (["good film", "bad film"], TypeError, r"raw text.*TextSequencer"),
    ([np.array(["good", "film"])], TypeError, r"X\[0\] holds strings.*TextSequencer"),
]


@pytest.mark.parametrize("X, error, match", BAD_IDS)
def test_clear_errors_for_bad_token_ids(X, error, match):
    with pytest.raises(error, match=match):
        RNNClassifier(**FAST).fit(X, [0, 1, 0][: len(X)])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_bad_ids_at_predict_time():
    X, y = _token_data()
    clf = RNNClassifier(**FAST).fit(X, y)
    with pytest.raises(TypeError, match="holds floats"):
        clf.predict(_padded(X).astype(float))
    with pytest.raises(ValueError, match="negative"):
        clf.predict([np.array([3, -2])])


@pytest.mark.parametrize("Est", [RNNClassifier, RNNRegressor])
def test_strings_without_a_sequencer(Est):
    with pytest.raises(TypeError, match=r"raw text.*TextSequencer\(\), " + Est.__name__):
        Est().fit(["a good film", "a bad film"], [0, 1])
    with pytest.raises(TypeError, match="raw text"):
        Est().fit(np.array(["a good film", "a bad film"]), [0, 1])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("Est", [RNNClassifier, RNNRegressor])
def test_sklearn_behaviour_on_token_ids(Est):
    """What the common checks verify with float X, verified with token ids."""
    X, y = _token_data()
    est = Est(**FAST)
    assert est.fit(X, y) is est
    first = est.predict(X)
    assert np.array_equal(clone(est).fit(X, y).predict(X), first)  # idempotent fit
    assert np.array_equal(est.fit(X, y).predict(X), first)
    order = np.random.RandomState(0).permutation(len(X))
    assert np.allclose(est.predict([X[i] for i in order]), first[order])  # sample order
    assert np.allclose(est.predict(X[:7]), first[:7])  # subsets
    assert est.score(X, y) <= 1.0
    params = est.get_params()
    assert clone(est).set_params(**params).get_params() == params


@pytest.mark.parametrize("bptt_steps", [None, 2])
def test_sparse_loss_grad_never_touches_the_dense_table_block(bptt_steps):
    """No vocabulary-sized work: the table's block of the flat gradient is neither
    written nor read when the gradient is row-sparse."""
    rng = np.random.RandomState(6)
    seqs, Y = _token_problem(rng, [4, 3, 2])
    spec = net.NetSpec("gru", DIM, (3,), False, 2, n_tokens=N_TOKENS)
    flat = net.init_params(spec, rng, np.float64)
    grad_flat = np.full_like(flat, np.nan)
    row_grad = emb.RowGradient((N_TOKENS, DIM), np.float64)
    batch = net.make_batch(seqs, np.arange(seqs.n_samples))
    net.loss_grad(
        net.unpack(flat, spec), net.unpack(grad_flat, spec), spec, batch,
        Y[batch.order], None, "log_loss", alpha=0.1,
        reg_mask=net.regularised_mask(spec, np.float64), flat=flat,
        grad_flat=grad_flat, bptt_steps=bptt_steps, embedding_grad=row_grad,
    )
    n_table = emb.table_size(spec)
    assert np.isnan(grad_flat[:n_table]).all()
    assert np.isfinite(grad_flat[n_table:]).all()
    assert len(row_grad.rows) <= seqs.data.size
