"""The input contract, property-based: every accepted form means the same sequences."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.base import BaseEstimator

from skrnn import RNNRegressor
from skrnn._input import check_sequence_list, is_sequence_list, validate_sequences

FINITE = st.floats(-1e3, 1e3, allow_nan=False, width=64)


@st.composite
def ragged(draw, min_samples=1, max_samples=6, max_len=7, max_features=3):
    n_features = draw(st.integers(1, max_features))
    lengths = draw(st.lists(st.integers(1, max_len), min_size=min_samples,
                            max_size=max_samples))
    return [
        draw(hnp.arrays(np.float64, (n, n_features), elements=FINITE)) for n in lengths
    ]


class _Probe(BaseEstimator):
    """A bare estimator to receive ``n_features_in_`` from validate_sequences."""


@given(ragged())
def test_list_form_round_trips(X):
    seqs = check_sequence_list(X)
    assert seqs.n_samples == len(X)
    for i, x in enumerate(X):
        start = seqs.offsets[i]
        np.testing.assert_array_equal(seqs.data[start : start + seqs.lengths[i]], x)


@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=3, max_dims=3, max_side=5),
                  elements=FINITE))
def test_3d_array_equals_its_list_of_rows(X):
    a = validate_sequences(_Probe(), X, reset=True)
    b = validate_sequences(_Probe(), list(X), reset=True)
    np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_array_equal(a.lengths, b.lengths)


@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=6),
                  elements=FINITE))
def test_2d_array_is_univariate(X):
    seqs = validate_sequences(_Probe(), X, reset=True)
    assert seqs.n_features == 1
    np.testing.assert_array_equal(seqs.data.ravel(), X.ravel())


def test_list_of_equal_length_lists_is_an_ordinary_2d_array_like():
    assert not is_sequence_list([[1.0, 2.0], [3.0, 4.0]])
    assert is_sequence_list([[1.0, 2.0], [3.0]])
    assert is_sequence_list([np.ones(2), np.ones(2)])


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(rng.randint(1, 8), 3)) for _ in range(20)]
    y = np.array([x.sum() for x in X])
    return RNNRegressor(hidden_layer_sizes=4, max_iter=3, random_state=0).fit(X, y)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(X=ragged(max_features=1, max_samples=8, max_len=12), data=st.data())
def test_prediction_depends_only_on_each_sequence(fitted, X, data):
    """Whatever the batch composition and order, each sequence's prediction is its own."""
    X = [np.repeat(x, 3, axis=1) for x in X]
    together = fitted.predict(X)
    assert together.shape == (len(X),) and np.isfinite(together).all()
    order = data.draw(st.permutations(range(len(X))))
    shuffled = fitted.predict([X[i] for i in order])
    np.testing.assert_allclose(shuffled, together[list(order)], rtol=1e-10, atol=1e-12)
    alone = np.array([fitted.predict([x])[0] for x in X])
    np.testing.assert_allclose(alone, together, rtol=1e-10, atol=1e-12)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(X=ragged(max_features=3), bad=st.sampled_from([np.nan, np.inf, -np.inf]),
       data=st.data())
def test_non_finite_values_are_reported_with_their_sample(fitted, X, bad, data):
    i = data.draw(st.integers(0, len(X) - 1))
    X[i].flat[data.draw(st.integers(0, X[i].size - 1))] = bad
    with pytest.raises(ValueError, match=rf"X\[{i}\] contains NaN or infinity"):
        fitted.predict(X)


# --------------------------------------------------------------------------- containers
# what a new user tries: collections that numpy reads as one opaque object, and sktime's
# nested DataFrame; each must be refused in skrnn's words, saying what to pass instead
def _nested_frame(X):
    pd = pytest.importorskip("pandas")
    return pd.DataFrame({f"dim_{j}": [pd.Series(x[:, j]) for x in X]
                         for j in range(X[0].shape[1])})


CONTAINERS = {
    "generator": (lambda X: (x for x in X), r"X is a generator.*list\(X\)"),
    "iterator": (lambda X: iter(X), r"X is a list_iterator.*list\(X\)"),
    "map": (lambda X: map(np.asarray, X), r"X is a map.*list\(X\)"),
    "dict": (lambda X: dict(enumerate(X)), r"X is a dict.*list\(X\.values\(\)\)"),
    "dict values": (
        lambda X: dict(enumerate(X)).values(), r"X is a dict_values.*list\(X\)",
    ),
    "nested DataFrame": (
        _nested_frame,
        r"nested DataFrame.*np\.column_stack\(\[cell\.to_numpy\(\) for cell in row\]\) "
        r"for row in df\.itertuples\(index=False\)\]",
    ),
    "Series of sequences": (
        lambda X: pytest.importorskip("pandas").Series(X, dtype=object),
        r"X is a pandas Series of sequences.*X\.tolist\(\)",
    ),
    "list holding a generator": (
        lambda X: X[:2] + [(v for v in X[2])], r"X\[2\] is a generator.*list\(X\[2\]\)",
    ),
}


def _ragged_problem():
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(rng.randint(2, 6), 2)) for _ in range(8)]
    return X, np.arange(8) % 2


def _estimators():
    from skrnn import RNNClassifier, SeqToSeqRNN

    small = dict(hidden_layer_sizes=2, max_iter=1, random_state=0)
    return [RNNClassifier(**small), RNNRegressor(**small), SeqToSeqRNN(**small)]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("container", sorted(CONTAINERS))
def test_collections_numpy_cannot_read_are_refused_clearly(container):
    make, message = CONTAINERS[container]
    X, y = _ragged_problem()
    for est in _estimators():
        with pytest.raises(TypeError, match=message):
            est.fit(make(X), y)
        est.fit(X, y)
        for method in ("predict", "score"):
            args = (make(X), y) if method == "score" else (make(X),)
            with pytest.raises(TypeError, match=message):
                getattr(est, method)(*args)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("container", sorted(CONTAINERS))
def test_token_ids_in_collections_numpy_cannot_read_are_refused_clearly(container):
    from skrnn import RNNClassifier

    make, message = CONTAINERS[container]
    rng = np.random.RandomState(0)
    ids = [rng.randint(1, 9, size=(rng.randint(2, 6), 1)) for _ in range(8)]
    y = np.arange(8) % 2
    clf = RNNClassifier(embedding_dim=2, hidden_layer_sizes=2, max_iter=1, random_state=0)
    with pytest.raises(TypeError, match=message):
        clf.fit(make(ids), y)
    clf.fit([i.ravel() for i in ids], y)
    with pytest.raises(TypeError, match=message):
        clf.predict(make(ids))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("make", [lambda y: (v for v in y), lambda y: iter(list(y)),
                                  lambda y: dict(enumerate(y))])
def test_targets_and_weights_numpy_cannot_read_are_refused_clearly(make):
    X, y = _ragged_problem()
    for est in _estimators():
        with pytest.raises(TypeError, match=r"y is a .*list\(y"):
            est.fit(X, make(y))
        with pytest.raises(TypeError, match=r"sample_weight is a \w+.*list\(sample_weight"):
            est.fit(X, y, sample_weight=make(np.ones(len(y))))
        est.fit(X, y)
        with pytest.raises(TypeError, match=r"sample_weight is a \w+.*list\(sample_weight"):
            est.score(X, y, sample_weight=make(np.ones(len(y))))
    for est in _estimators():
        est.fit(X, y)
        with pytest.raises(TypeError, match=r"y is a .*list\(y"):
            est.score(X, make(y))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_nested_dataframe_as_labels_is_refused_clearly():
    from skrnn import RNNClassifier

    X, y = _ragged_problem()
    nested_y = _nested_frame([np.full((2, 1), label) for label in y])
    with pytest.raises(ValueError, match="y holds arrays or pandas Series"):
        RNNClassifier(hidden_layer_sizes=2, max_iter=1).fit(X, nested_y)


@pytest.mark.parametrize("X, error, message", [
    ([["a", 1.0], [2.0, 3.0]], ValueError,
     r"X\[0\] holds the string 'a' at step 0.*TextSequencer"),
    ([[1.0, 2.0], [3.0, 1j]], TypeError, r"X\[1\] holds the complex number 1j.*at step 1"),
    ([[[1.0], [2.0]], [[3.0], [None]]], ValueError,
     r"X\[1\] holds None at step 1, feature 0"),
    ([[1.0, 2.0], [3.0, {}]], TypeError, r"X\[1\] holds a dict at step 1"),
    (np.array([[1.0, 2.0], ["x", 3.0]], dtype=object), ValueError,
     r"X\[1\] holds the string 'x'"),
    (1j, TypeError, r"X is the complex number 1j.*not a collection of sequences"),
])
def test_non_numbers_in_arrays_are_named_with_their_sample(X, error, message):
    """Equal-length nested lists are arrays: numpy's "could not convert string to float"
    and "float() argument must be..." become a message naming the sample."""
    with pytest.raises(error, match=message):
        RNNRegressor(hidden_layer_sizes=2, max_iter=1).fit(X, [0.0, 1.0])


def test_strings_among_sequences_name_the_first_sample():
    with pytest.raises(TypeError, match=r"raw text \(X\[0\] is a string\)"):
        RNNRegressor().fit(["abc", np.ones(3)], [0.0, 1.0])
