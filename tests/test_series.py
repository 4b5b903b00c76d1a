"""Sequence transformers: StepwiseTransformer, FrameStacker, FrameSummarizer, Resampler."""

import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import (
    OneHotEncoder,
    QuantileTransformer,
    SplineTransformer,
    StandardScaler,
)
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from skrnn import RNNClassifier
from skrnn.datasets import make_delayed_label
from skrnn.preprocessing import (
    FrameStacker,
    FrameSummarizer,
    Resampler,
    StepwiseTransformer,
)


def _ragged(lengths=(5, 1, 8, 3), n_features=3, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(t, n_features)) * [1, 10, 100][:n_features] for t in lengths]


# ------------------------------------------------------------------ StepwiseTransformer
INNER = [StandardScaler(), PCA(n_components=2), QuantileTransformer(n_quantiles=7)]


@pytest.mark.parametrize("inner", INNER, ids=lambda t: type(t).__name__)
@pytest.mark.parametrize("ragged", [True, False], ids=["list", "3d"])
def test_equals_the_inner_transformer_on_stacked_steps(inner, ragged):
    X = _ragged() if ragged else np.stack(_ragged((6,) * 4))
    steps = np.concatenate(list(X))
    reference = clone(inner).fit(steps)
    wrapped = StepwiseTransformer(inner).fit(X)
    out = wrapped.transform(X)
    assert_allclose(np.concatenate(list(out)), reference.transform(steps))
    assert [len(x) for x in out] == [len(x) for x in X]
    assert wrapped.n_features_in_ == 3
    assert wrapped.transformer_ is not inner and not hasattr(inner, "n_features_in_")


def test_output_forms_follow_the_input():
    scaler = StandardScaler()
    X2 = np.random.default_rng(1).normal(size=(4, 6))
    out = StepwiseTransformer(scaler).fit_transform(X2)  # 2-D: univariate columns
    assert out.shape == (4, 6)
    assert_allclose(out.ravel(), scaler.fit_transform(X2.reshape(-1, 1)).ravel())
    X3 = X2[:, :, None]
    assert StepwiseTransformer(scaler).fit_transform(X3).shape == (4, 6, 1)
    ragged_1d = [np.arange(3.0), np.arange(5.0)]
    out = StepwiseTransformer(scaler).fit_transform(ragged_1d)
    assert isinstance(out, list) and [x.shape for x in out] == [(3,), (5,)]
    out = StepwiseTransformer(scaler).fit_transform(tuple(_ragged()))
    assert isinstance(out, list)
    assert [x.shape for x in out] == [(5, 3), (1, 3), (8, 3), (3, 3)]
    # univariate 2-D input with several features out per step becomes 3-D
    splines = StepwiseTransformer(SplineTransformer(n_knots=3, degree=2)).fit(X2)
    assert splines.transform(X2).shape == (4, 6, 4)
    assert splines.get_feature_names_out().tolist() == [f"x0_sp_{i}" for i in range(4)]


def test_fit_transform_equals_fit_then_transform_and_other_lengths_transform():
    X = _ragged()
    a = StepwiseTransformer(PCA(2)).fit_transform(X)
    wrapped = StepwiseTransformer(PCA(2)).fit(X)
    assert all(np.allclose(x, z) for x, z in zip(a, wrapped.transform(X), strict=True))
    longer = wrapped.transform(np.zeros((2, 11, 3)))
    assert longer.shape == (2, 11, 2)


@pytest.mark.parametrize("inner", [StandardScaler(), PCA(n_components=3)],
                         ids=lambda t: type(t).__name__)
def test_inverse_transform_round_trips_every_form(inner):
    X = _ragged()
    for sequences in (X, np.stack(_ragged((6,) * 4)), [x[:, 0] for x in X]):
        n_components = 1 if np.ndim(sequences[0]) == 1 else 3
        wrapped = StepwiseTransformer(clone(inner).set_params(
            **({"n_components": n_components} if isinstance(inner, PCA) else {})
        )).fit(sequences)
        back = wrapped.inverse_transform(wrapped.transform(sequences))
        assert type(back) is type(sequences)
        for x, z in zip(sequences, back, strict=True):
            assert x.shape == z.shape
            assert_allclose(z, x, atol=1e-9)
    X2 = np.random.default_rng(2).normal(size=(3, 5))
    wrapped = StepwiseTransformer(StandardScaler()).fit(X2)
    assert_allclose(wrapped.inverse_transform(wrapped.transform(X2)), X2)


def test_methods_exist_only_when_the_inner_transformer_has_them():
    assert hasattr(StepwiseTransformer(StandardScaler()), "partial_fit")
    assert not hasattr(StepwiseTransformer(PCA()), "partial_fit")
    assert not hasattr(StepwiseTransformer(SplineTransformer()), "inverse_transform")
    assert hasattr(StepwiseTransformer(PCA()), "inverse_transform")


def test_partial_fit_over_chunks_equals_fit():
    X = _ragged(lengths=(5, 1, 8, 3, 4, 9, 2))
    whole = StepwiseTransformer(StandardScaler()).fit(X)
    chunked = StepwiseTransformer(StandardScaler())
    for chunk in (X[:2], X[2:3], X[3:]):
        chunked.partial_fit(chunk)
    assert_allclose(chunked.transformer_.mean_, whole.transformer_.mean_)
    assert_allclose(chunked.transformer_.var_, whole.transformer_.var_)
    assert chunked.transformer_.n_samples_seen_ == sum(len(x) for x in X)
    for x, z in zip(chunked.transform(X), whole.transform(X), strict=True):
        assert_allclose(x, z)
    with pytest.raises(ValueError, match="fitted with 3 features per time step"):
        chunked.partial_fit([np.ones((2, 4))])


def test_feature_names():
    X = _ragged()
    assert StepwiseTransformer(PCA(2)).fit(X).get_feature_names_out().tolist() == [
        "pca0", "pca1",
    ]
    names = StepwiseTransformer(StandardScaler()).fit(X).get_feature_names_out(
        ["a", "b", "c"]
    )
    assert names.tolist() == ["a", "b", "c"] and names.dtype == object
    frame = pd.DataFrame(np.ones((3, 4)), columns=["t0", "t1", "t2", "t3"])
    wrapped = StepwiseTransformer(StandardScaler()).fit(frame)
    assert wrapped.get_feature_names_out().tolist() == ["t0", "t1", "t2", "t3"]
    assert wrapped.transform(frame).shape == (3, 4)


def test_dense_output_from_sparse_inner_transformer():
    X = [np.array([[0.0], [1.0], [1.0]]), np.array([[2.0]])]
    out = StepwiseTransformer(OneHotEncoder()).fit_transform(X)
    assert_array_equal(out[0], [[1, 0, 0], [0, 1, 0], [0, 1, 0]])
    assert_array_equal(out[1], [[0, 0, 1]])


def test_float32_is_kept():
    X = np.ones((2, 3, 2), dtype=np.float32) * np.arange(3, dtype=np.float32)[:, None]
    assert StepwiseTransformer(StandardScaler()).fit_transform(X).dtype == np.float32


class _DropsRows(TransformerMixin, BaseEstimator):
    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return X[1:]


def test_errors_name_the_offending_sample_and_the_fix():
    wrapped = StepwiseTransformer(StandardScaler())
    with pytest.raises(NotFittedError):
        wrapped.transform(_ragged())
    with pytest.raises(ValueError, match=r"X\[1\] has 2 features per time step, but X"):
        wrapped.fit([np.ones((3, 3)), np.ones((3, 2))])
    with pytest.raises(ValueError, match=r"X\[1\] contains NaN"):
        wrapped.fit([np.ones((3, 3)), np.full((2, 3), np.nan)])
    with pytest.raises(ValueError, match=r"X\[0\] is an empty sequence"):
        wrapped.fit([np.ones((0, 3))])
    with pytest.raises(TypeError, match="sparse"):
        wrapped.fit(sp.csr_matrix(np.ones((3, 3))))
    with pytest.raises(ValueError, match="dim 4"):
        wrapped.fit(np.ones((2, 3, 4, 5)))
    wrapped.fit(_ragged())
    with pytest.raises(ValueError, match="fitted with 3 features per time step"):
        wrapped.transform([np.ones((4, 2))])
    with pytest.raises(ValueError, match="one row per time step"):
        StepwiseTransformer(_DropsRows()).fit_transform(_ragged())
    with pytest.raises(InvalidParameterError, match="transformer"):
        StepwiseTransformer("scaler").fit(_ragged())


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_in_a_pipeline_with_grid_search_and_pickle():
    X, y = make_delayed_label(n_samples=60, n_timesteps=12, variable_length=True,
                              random_state=0)
    X = [x * [1.0, 100.0] + [0.0, 50.0] for x in X]  # features of unequal scales
    pipe = make_pipeline(
        StepwiseTransformer(StandardScaler()),
        RNNClassifier(hidden_layer_sizes=8, max_iter=3, random_state=0),
    )
    grid = GridSearchCV(
        pipe,
        {"stepwisetransformer__transformer__with_mean": [True, False],
         "rnnclassifier__cell_type": ["gru", "elman"]},
        cv=StratifiedKFold(2, shuffle=True, random_state=0),
    ).fit(X, y)
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()
    best = grid.best_estimator_
    # the scaler inside the refit pipeline learnt the scale of the training steps
    assert_allclose(best[0].transformer_.scale_, np.concatenate(X).std(axis=0))
    restored = pickle.loads(pickle.dumps(best))
    assert_array_equal(restored.predict_proba(X), best.predict_proba(X))
    assert_array_equal(clone(best).fit(X, y).predict_proba(X), best.predict_proba(X))


def test_pickle_and_clone():
    X = _ragged()
    wrapped = StepwiseTransformer(PCA(2)).fit(X)
    restored = pickle.loads(pickle.dumps(wrapped))
    for a, b in zip(restored.transform(X), wrapped.transform(X), strict=True):
        assert_array_equal(a, b)
    copy = clone(wrapped)
    assert copy.get_params()["transformer__n_components"] == 2
    assert not hasattr(copy, "transformer_")


# ---------------------------------------------------------------- sklearn's API checks
API_INSTANCES = [
    StepwiseTransformer(StandardScaler()),
    StepwiseTransformer(PCA(n_components=1)),
    FrameStacker(),
    FrameStacker(2, stride=1, partial_frame="drop"),
    FrameSummarizer(3),
    Resampler(5),
]


@parametrize_with_checks(API_INSTANCES)
def test_sklearn_compatible_transformer(estimator, check):
    check(estimator)


@pytest.mark.parametrize("transformer", API_INSTANCES, ids=repr)
def test_tags_declare_3d_input(transformer):
    tags = transformer.__sklearn_tags__()
    assert tags.input_tags.three_d_array and tags.input_tags.two_d_array


# ------------------------------------------------------------------------ FrameStacker
def test_frame_stacker_hand_computed_values():
    X = np.array([[1.0, 2.0, 3.0, 4.0, 5.0]])
    assert_array_equal(FrameStacker(2).fit_transform(X), [[[1, 2], [3, 4], [5, 5]]])
    assert_array_equal(
        FrameStacker(2, partial_frame="drop").fit_transform(X), [[[1, 2], [3, 4]]]
    )
    assert_array_equal(FrameStacker(3, stride=2).fit_transform(X), [[[1, 2, 3], [3, 4, 5]]])
    assert_array_equal(FrameStacker(1).fit_transform(X), X[:, :, None])
    # a stride beyond the frame skips steps; no frame starts past the last step
    X7 = np.arange(7.0)[None]
    out = FrameStacker(2, stride=3).fit_transform(X7)
    assert_array_equal(out, [[[0, 1], [3, 4], [6, 6]]])
    assert_array_equal(
        FrameStacker(2, stride=3).fit_transform(X7[:, :6]), [[[0, 1], [3, 4]]]
    )


def test_frame_stacker_lays_multivariate_steps_side_by_side():
    X = np.array([[[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]]])
    out = FrameStacker(2).fit_transform(X)
    assert_array_equal(out, [[[1, 10, 2, 20], [3, 30, 3, 30]]])


def test_frame_stacker_ragged():
    X = [np.arange(5.0), np.array([10.0, 11.0]), np.array([[7.0]])]
    out = FrameStacker(2, stride=1).fit_transform(X)
    assert isinstance(out, list)
    assert_array_equal(out[0], [[0, 1], [1, 2], [2, 3], [3, 4]])
    assert_array_equal(out[1], [[10, 11]])
    assert_array_equal(out[2], [[7, 7]])  # shorter than a frame: one padded frame
    out = FrameStacker(3).fit_transform(_ragged((7, 3, 1), n_features=2))
    assert [x.shape for x in out] == [(3, 6), (1, 6), (1, 6)]


def test_frame_stacker_drop_refuses_sequences_shorter_than_a_frame():
    X = [np.arange(5.0), np.arange(3.0)]
    with pytest.raises(ValueError, match=r"X\[1\] has 3 time steps, fewer than "
                                         r"FrameStacker's frame_length=4.*'keep'"):
        FrameStacker(4, partial_frame="drop").fit_transform(X)
    with pytest.raises(InvalidParameterError, match="partial_frame"):
        FrameStacker(partial_frame="pad").fit(X)
    with pytest.raises(InvalidParameterError, match="frame_length"):
        FrameStacker(0).fit(X)


def _reference_frames(x, k, s, keep):
    """Frames by a plain loop: complete ones, then a padded one if it starts inside."""
    frames, start = [], 0
    while start + k <= len(x):
        frames.append(x[start:start + k])
        start += s
    if keep and start < len(x) and (not frames or start - s + k < len(x)):
        tail = x[start:]
        frames.append(np.concatenate([tail, np.repeat(tail[-1:], k - len(tail), axis=0)]))
    return frames


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(1, 13), min_size=1, max_size=5),
    st.integers(1, 5), st.integers(1, 6), st.booleans(),
)
def test_frames_match_a_loop(lengths, k, s, keep):
    X = _ragged(lengths, n_features=2)
    if not keep and min(lengths) < k:
        with pytest.raises(ValueError, match="fewer than"):
            FrameStacker(k, stride=s, partial_frame="drop").fit_transform(X)
        return
    stacker = FrameStacker(k, stride=s, partial_frame="keep" if keep else "drop")
    summarizer = FrameSummarizer(k, stride=s, stats=("mean", "min", "max", "last"),
                                 partial_frame=stacker.partial_frame)
    for x, out, summary in zip(X, stacker.fit_transform(X), summarizer.fit_transform(X),
                               strict=True):
        frames = _reference_frames(x, k, s, keep)
        assert_array_equal(out, np.stack([f.ravel() for f in frames]))
        real = [x[i * s:i * s + k] for i in range(len(frames))]  # without the padding
        expected = [np.concatenate([r.mean(0), r.min(0), r.max(0), r[-1]]) for r in real]
        assert_allclose(summary, expected)
        if keep and s <= k:  # every step is in some frame
            assert set(np.unique(out)) == set(np.unique(x))


# --------------------------------------------------------------------- FrameSummarizer
def test_frame_summarizer_hand_computed_values():
    X = np.array([[1.0, 3.0, 2.0, 6.0, 7.0]])
    stats = ("mean", "std", "min", "max", "first", "last")
    out = FrameSummarizer(2, stats=stats).fit_transform(X)
    assert_allclose(out, [[[2, 1, 1, 3, 1, 3], [4, 2, 2, 6, 2, 6], [7, 0, 7, 7, 7, 7]]])
    out = FrameSummarizer(2, stats=stats, partial_frame="drop").fit_transform(X)
    assert out.shape == (1, 2, 6)
    # the partial frame of an overlapping stride is summarised over its real steps
    out = FrameSummarizer(3, stride=2, stats=("mean", "std")).fit_transform(
        [np.array([0.0, 1.0, 2.0, 3.0, 4.0, 8.0])]
    )
    assert_allclose(out[0], [[1, np.sqrt(2 / 3)], [3, np.sqrt(2 / 3)], [6, 2]])


def test_frame_summarizer_multivariate_layout_and_ragged():
    X = [np.array([[1.0, 10.0], [3.0, 30.0], [5.0, 50.0]]), np.array([[2.0, 4.0]])]
    out = FrameSummarizer(2, stats=("mean", "max")).fit_transform(X)
    assert_allclose(out[0], [[2, 20, 3, 30], [5, 50, 5, 50]])
    assert_allclose(out[1], [[2, 4, 2, 4]])
    assert FrameSummarizer(5).fit_transform(np.ones((3, 12, 2))).shape == (3, 3, 8)


def test_frame_summarizer_rejects_unknown_statistics():
    with pytest.raises(ValueError, match="unknown statistic 'median'.*'mean'"):
        FrameSummarizer(stats=("mean", "median")).fit(np.ones((2, 5)))
    with pytest.raises(ValueError, match="at least one statistic"):
        FrameSummarizer(stats=()).fit(np.ones((2, 5)))


# ----------------------------------------------------------------------------- Resampler
def test_resampler_hand_computed_values():
    X = [np.array([0.0, 10.0]), np.array([0.0, 1.0, 4.0, 9.0, 16.0]), np.array([7.0])]
    out = Resampler(3).fit_transform(X)
    assert isinstance(out, np.ndarray) and out.shape == (3, 3, 1)
    assert_allclose(out[..., 0], [[0, 5, 10], [0, 4, 16], [7, 7, 7]])
    assert_allclose(Resampler(5).fit_transform(X[:1])[0, :, 0], [0, 2.5, 5, 7.5, 10])
    X2 = np.array([[0.0, 3.0, 6.0], [1.0, 1.0, 0.0]])
    out = Resampler(5).fit_transform(X2)
    assert_allclose(out, [[0, 1.5, 3, 4.5, 6], [1, 1, 1, 0.5, 0]])


def test_resampler_multivariate_identity_and_dtype():
    X = _ragged((4, 9), n_features=2)
    out = Resampler(4).fit_transform(X)
    assert_allclose(out[0], X[0])  # the same length: unchanged
    assert_allclose(out[1][[0, -1]], X[1][[0, -1]])  # the ends are kept
    assert_allclose(out[1][1], (X[1][2] + 2 * X[1][3]) / 3)  # position 8/3
    X32 = np.ones((2, 5, 3), dtype=np.float32)
    assert Resampler(7).fit_transform(X32).dtype == np.float32
    with pytest.raises(InvalidParameterError, match="n_timesteps"):
        Resampler(1).fit(X)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_long_series_remedies_in_a_pipeline():
    X, y = make_delayed_label(n_samples=40, n_timesteps=30, variable_length=True,
                              random_state=1)
    for shorten in (FrameStacker(5), FrameSummarizer(5), Resampler(10)):
        pipe = make_pipeline(
            shorten, StepwiseTransformer(StandardScaler()),
            RNNClassifier(hidden_layer_sizes=4, max_iter=2, random_state=0),
        ).fit(X, y)
        assert pipe.predict(X).shape == (40,)
        restored = pickle.loads(pickle.dumps(pipe))
        assert_array_equal(restored.predict_proba(X), pipe.predict_proba(X))


@pytest.mark.parametrize("Frames", [FrameStacker, FrameSummarizer])
def test_auto_frame_length_turns_the_longest_sequence_into_at_most_64_frames(Frames):
    rng = np.random.RandomState(0)
    for longest, expected in [(24, 1), (64, 1), (65, 2), (128, 2), (129, 3), (1460, 23)]:
        X = [rng.normal(size=(longest, 1)), rng.normal(size=(10, 1))]
        frames = Frames(frame_length="auto").fit(X)
        assert frames.frame_length_ == expected
        out = frames.transform(X)
        assert len(out[0]) == -(-longest // expected) <= 64
        # the same as asking for that length outright
        fixed = Frames(frame_length=expected).fit_transform(X)
        for a, b in zip(out, fixed, strict=True):
            np.testing.assert_array_equal(a, b)
    # the length is fitted: transform keeps it for other data
    frames = Frames(frame_length="auto").fit([rng.normal(size=(200, 1))])
    assert len(frames.transform([rng.normal(size=(400, 1))])[0]) == 100
