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
