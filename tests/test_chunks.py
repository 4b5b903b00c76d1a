"""Data larger than memory: sequences streamed from disk chunk by chunk into partial_fit.

The three sources of ``iter_chunks`` (a memmap of a 3-D array, ``.npy`` files of ragged
sequences, the blocks of a dask array) give the same chunks as slices of the data in
memory; the echo state network's streamed readout equals one fit on all of it, and a
trained GRU's partial_fit calls equal the same calls on in-memory chunks, bit for bit.
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skrnn import RNNClassifier, RNNRegressor, SeqToSeqRNN
from skrnn.datasets import iter_chunks, make_delayed_label


def _memmap(tmp_path, X):
    np.save(tmp_path / "X.npy", X)
    return np.load(tmp_path / "X.npy", mmap_mode="r")


def _files(tmp_path, sequences):
    paths = []
    for i, x in enumerate(sequences):
        paths.append(tmp_path / f"seq{i:04d}.npy")
        np.save(paths[-1], x)
    return paths


def _ragged(n, random_state):
    X, y = make_delayed_label(n, 16, variable_length=True, random_state=random_state)
    return X, y


def _regression(n, random_state=0):
    rng = np.random.RandomState(random_state)
    X = rng.normal(size=(n, 12, 3))
    y = X[:, :4, 0].sum(axis=1) + 0.5 * X[:, -1, 2]
    return X, y


def _assert_same_model(streamed, in_memory, exact):
    compare = (
        np.testing.assert_array_equal if exact
        else lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10)
    )
    compare(streamed.output_coef_, in_memory.output_coef_)
    compare(streamed.output_intercept_, in_memory.output_intercept_)
    layers = [getattr(est, "recurrent_coefs_", []) for est in (streamed, in_memory)]
    for layer_a, layer_b in zip(*layers, strict=True):
        for name in layer_a:
            compare(layer_a[name], layer_b[name])


# --------------------------------------------------------------------------- the chunks
def test_memmap_chunks_are_the_rows_in_memory(tmp_path):
    X, y = _regression(23)
    mm = _memmap(tmp_path, X)
    chunks = list(iter_chunks(mm, y, chunk_size=5))
    assert [len(c[0]) for c in chunks] == [5, 5, 5, 5, 3]
    for k, (X_chunk, y_chunk) in enumerate(chunks):
        # a plain array in memory: no reference into the file is kept
        assert type(X_chunk) is np.ndarray and X_chunk.flags.owndata
        assert not np.shares_memory(X_chunk, mm)
        np.testing.assert_array_equal(X_chunk, X[5 * k : 5 * k + 5])
        np.testing.assert_array_equal(y_chunk, y[5 * k : 5 * k + 5])


def test_npy_file_chunks_are_the_sequences(tmp_path):
    X, y = _ragged(11, 0)
    paths = _files(tmp_path, X)
    weights = np.linspace(0.5, 1.5, 11)
    chunks = list(iter_chunks(paths, y, None, weights, chunk_size=4))
    assert [len(c[0]) for c in chunks] == [4, 4, 3]
    read = [x for c in chunks for x in c[0]]
    assert len(read) == len(X)
    for x_read, x in zip(read, X, strict=True):
        np.testing.assert_array_equal(x_read, x)
    for k, (_, y_chunk, none, w_chunk) in enumerate(chunks):
        assert none is None
        np.testing.assert_array_equal(y_chunk, y[4 * k : 4 * k + 4])
        np.testing.assert_array_equal(w_chunk, weights[4 * k : 4 * k + 4])
    # str paths and in-memory arrays among them read the same
    mixed = [str(p) for p in paths[:5]] + list(X[5:])
    for x_read, x in zip(
        [x for c in iter_chunks(mixed, chunk_size=3) for x in c], X, strict=True
    ):
        np.testing.assert_array_equal(x_read, x)


def test_dask_chunks_follow_its_blocks():
    da = pytest.importorskip("dask.array")
    X, y = _regression(20)
    dX = da.from_array(X, chunks=((6, 6, 8), 12, 3))
    chunks = list(iter_chunks(dX, da.from_array(y, chunks=6), chunk_size=None))
    assert [len(c[0]) for c in chunks] == [6, 6, 8]
    assert all(type(c[0]) is np.ndarray and type(c[1]) is np.ndarray for c in chunks)
    np.testing.assert_array_equal(np.concatenate([c[0] for c in chunks]), X)
    np.testing.assert_array_equal(np.concatenate([c[1] for c in chunks]), y)
    # a chunk_size cuts across the blocks
    assert [len(c) for c in iter_chunks(dX, chunk_size=7)] == [7, 7, 6]


# --------------------------------------------------------------------------- exact cases
def test_esn_streamed_from_a_memmap_equals_one_fit(tmp_path):
    X, y = _regression(70)
    mm = _memmap(tmp_path, X)
    params = dict(cell_type="esn", hidden_layer_sizes=40, alpha=1e-3, random_state=0)
    whole = RNNRegressor(**params).fit(X, y)
    streamed = RNNRegressor(**params)
    for X_chunk, y_chunk in iter_chunks(mm, y, chunk_size=16):
        streamed.partial_fit(X_chunk, y_chunk)
    _assert_same_model(streamed, whole, exact=False)
    np.testing.assert_allclose(streamed.predict(X), whole.predict(X), rtol=1e-9, atol=1e-10)
    # and the readout learned something: far better than predicting the mean
    assert whole.score(X, y) > 0.5


def test_esn_streamed_from_npy_files_with_weights_equals_one_fit(tmp_path):
    X, y = _ragged(60, 1)
    paths = _files(tmp_path, X)
    weights = np.random.RandomState(0).uniform(0.2, 2.0, size=len(y))
    params = dict(cell_type="esn", hidden_layer_sizes=30, alpha=1e-2, washout=2,
                  leak_rate=0.7, random_state=0)
    whole = RNNClassifier(**params).fit(X, y, sample_weight=weights)
    streamed = RNNClassifier(**params)
    for X_chunk, y_chunk, w_chunk in iter_chunks(paths, y, weights, chunk_size=13):
        streamed.partial_fit(X_chunk, y_chunk, w_chunk, classes=[0, 1])
    _assert_same_model(streamed, whole, exact=False)
    np.testing.assert_allclose(
        streamed.predict_proba(X), whole.predict_proba(X), rtol=1e-9, atol=1e-12
    )


def test_esn_streamed_from_dask_blocks_equals_one_fit():
    da = pytest.importorskip("dask.array")
    X, y = _regression(50)
    labels = (y > np.median(y)).astype(int)
    dX = da.from_array(X, chunks=((20, 5, 25), 12, 3))
    params = dict(cell_type="esn", hidden_layer_sizes=30, alpha=1e-2, random_state=3)
    whole = RNNClassifier(**params).fit(X, labels)
    streamed = RNNClassifier(**params)
    for X_chunk, y_chunk in iter_chunks(dX, labels):
        streamed.partial_fit(X_chunk, y_chunk, classes=[0, 1])
    assert streamed.n_iter_ == 3  # one solve per block
    _assert_same_model(streamed, whole, exact=False)


def test_esn_aligned_outputs_streamed_from_files_equal_one_fit(tmp_path):
    X, _ = _ragged(40, 4)
    y = [np.cumsum(x[:, 0])[-(len(x) // 2) :] for x in X]  # ragged per-step targets
    paths = _files(tmp_path, X)
    params = dict(cell_type="esn", hidden_layer_sizes=25, alpha=0.1, washout=2,
                  random_state=0)
    whole = SeqToSeqRNN(**params).fit(X, y)
    streamed = SeqToSeqRNN(**params)
    for X_chunk, y_chunk in iter_chunks(paths, y, chunk_size=9):
        assert isinstance(y_chunk, list) and len(y_chunk) == len(X_chunk)
        streamed.partial_fit(X_chunk, y_chunk)
    _assert_same_model(streamed, whole, exact=False)
    for a, b in zip(streamed.predict(X[:5]), whole.predict(X[:5]), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10)


def _stream_epochs(est, chunks_of_one_pass, n_epochs, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(n_epochs):
            for X_chunk, y_chunk in chunks_of_one_pass():
                est.partial_fit(X_chunk, y_chunk, **kwargs)
    return est


def test_gru_streamed_from_a_memmap_equals_the_same_calls_in_memory(tmp_path):
    X, y = _regression(40)
    X = X.astype(np.float32)
    mm = _memmap(tmp_path, X)
    params = dict(hidden_layer_sizes=8, batch_size=8, random_state=0)
    streamed = _stream_epochs(
        RNNRegressor(**params), lambda: iter_chunks(mm, y, chunk_size=16), 2
    )
    in_memory = _stream_epochs(
        RNNRegressor(**params),
        lambda: ((X[s : s + 16], y[s : s + 16]) for s in range(0, 40, 16)), 2,
    )
    assert streamed.n_iter_ == in_memory.n_iter_ == 6
    assert streamed.output_coef_.dtype == np.float32  # the file's dtype is kept
    _assert_same_model(streamed, in_memory, exact=True)
    np.testing.assert_array_equal(streamed.loss_curve_, in_memory.loss_curve_)


def test_gru_streamed_from_npy_files_equals_the_same_calls_in_memory(tmp_path):
    X, y = _ragged(30, 2)
    paths = _files(tmp_path, X)
    params = dict(hidden_layer_sizes=6, batch_size=5, random_state=1)
    streamed = _stream_epochs(
        RNNClassifier(**params), lambda: iter_chunks(paths, y, chunk_size=12), 2,
        classes=[0, 1],
    )
    in_memory = _stream_epochs(
        RNNClassifier(**params),
        lambda: ((X[s : s + 12], y[s : s + 12]) for s in range(0, 30, 12)), 2,
        classes=[0, 1],
    )
    _assert_same_model(streamed, in_memory, exact=True)
    np.testing.assert_array_equal(streamed.loss_curve_, in_memory.loss_curve_)


# --------------------------------------------------------------------------- errors
def test_files_with_another_number_of_features_are_named(tmp_path):
    X, _ = _ragged(6, 0)
    X[4] = np.hstack([X[4], X[4][:, :1]])  # 3 features instead of 2
    paths = _files(tmp_path, X)
    chunks = iter_chunks(paths, chunk_size=2)
    next(chunks)
    next(chunks)
    with pytest.raises(ValueError, match=r"X\[4\] \('.*seq0004\.npy'\) has 3 features "
                       r"per time step, but X\[0\] \('.*seq0000\.npy'\) has 2"):
        next(chunks)


@pytest.mark.parametrize(
    "content, match",
    [
        (np.zeros((2, 3, 4)), r"X\[1\] \('.*bad\.npy'\) has shape \(2, 3, 4\); each "
         r"sequence must be a \(T_i,\) or \(T_i, n_features\) array"),
        (np.array([np.zeros(2), np.zeros(3)], dtype=object),
         r"X\[1\] \('.*bad\.npy'\) is not a readable \.npy array"),
    ],
)
def test_unreadable_files_are_named(tmp_path, content, match):
    np.save(tmp_path / "good.npy", np.zeros((5, 4)))
    np.save(tmp_path / "bad.npy", content, allow_pickle=True)
    with pytest.raises(ValueError, match=match):
        list(iter_chunks([tmp_path / "good.npy", tmp_path / "bad.npy"], chunk_size=2))


def test_missing_and_npz_files_are_named(tmp_path):
    with pytest.raises(ValueError, match=r"X\[0\] \('.*nowhere\.npy'\) is not a readable"):
        list(iter_chunks([tmp_path / "nowhere.npy"], chunk_size=1))
    np.savez(tmp_path / "both.npz", a=np.zeros(3))
    with pytest.raises(ValueError, match=r"X\[0\] \('.*both\.npz'\) is an \.npz archive"):
        list(iter_chunks([tmp_path / "both.npz"], chunk_size=1))


def test_bad_arguments_fail_when_called():
    X, y = _regression(10)
    with pytest.raises(ValueError, match="X has 10, argument 1 .after X. has 9"):
        iter_chunks(X, y[:9], chunk_size=3)
    with pytest.raises(ValueError, match="X has 10, argument 2 .after X. has 4"):
        iter_chunks(X, y, [1, 2, 3, 4], chunk_size=3)
    with pytest.raises(ValueError, match="chunk_size is required: only a dask array"):
        iter_chunks(X, y)
    with pytest.raises(ValueError, match="chunk_size must be >= 1 sequence, got 0"):
        iter_chunks(X, chunk_size=0)
    for bad in (2.5, True, "10"):
        with pytest.raises(TypeError, match="chunk_size must be an int"):
            iter_chunks(X, chunk_size=bad)
    with pytest.raises(TypeError, match="X is a generator; iter_chunks reads arrays"):
        iter_chunks((x for x in X), chunk_size=3)
    with pytest.raises(TypeError, match="argument 1 is a set"):
        iter_chunks(X, set(y), chunk_size=3)
    with pytest.raises(ValueError, match="X holds no sequences"):
        iter_chunks([], chunk_size=3)
    with pytest.raises(ValueError, match="X is a scalar"):
        iter_chunks(np.float64(3.0), chunk_size=3)


def test_dask_unknown_chunk_sizes_are_refused():
    da = pytest.importorskip("dask.array")
    X, _ = _regression(10)
    dX = da.from_array(X, chunks=(5, 12, 3))
    unknown = dX[dX[:, 0, 0] > -np.inf]  # boolean indexing: chunk sizes unknown
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        iter_chunks(unknown)
    assert sum(len(c) for c in iter_chunks(unknown.compute_chunk_sizes())) == 10


def test_a_chunk_of_another_width_is_refused_by_partial_fit(tmp_path):
    X, y = _regression(20)
    est = RNNRegressor(cell_type="esn", hidden_layer_sizes=10, random_state=0)
    est.partial_fit(X[:10], y[:10])
    mm = _memmap(tmp_path, X[10:, :, :2])
    (X_chunk, y_chunk), = iter_chunks(mm, y[10:], chunk_size=10)
    with pytest.raises(ValueError, match="fitted with 3 features per time step; got X "
                       "with 2 features per step"):
        est.partial_fit(X_chunk, y_chunk)
