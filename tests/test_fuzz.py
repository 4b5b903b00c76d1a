"""Fuzzed input handling: every public entry point, fed whatever hypothesis generates.

The only outcomes allowed are a correct result (right shape, finite, valid labels) or a
``ValueError`` / ``TypeError`` whose message says what is wrong. Any other exception, a
message in numpy's own words ("setting an array element with a sequence", "operands
could not be broadcast", ...: the input reached numpy unchecked), a NaN in an output or a
numpy ``RuntimeWarning`` (overflow, invalid value, complex cast) fails the test. When a
list holds one wrong sequence ``X[i]``, the message must name ``X[i]``.

CI runs a bounded number of examples per test; ``--hypothesis-profile=long`` (registered
in ``conftest.py``) runs the long campaign. ``FUZZ_CASES`` counts the cases tried per
entry point; ``conftest.py`` prints the counts at the end of the run.
"""

import re
import warnings
from collections import Counter
from functools import cache

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.exceptions import ConvergenceWarning

from skrnn import DivergenceError, RNNClassifier, RNNRegressor, SeqToSeqRNN

FUZZ_CASES = Counter()

LONG = settings.get_current_profile_name() == "long"


def fuzz(ci_examples):
    """Settings of one fuzz test: ``ci_examples`` in CI, the profile's in a long run."""
    kwargs = dict(
        deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                               HealthCheck.data_too_large],
    )
    if not LONG:
        kwargs["max_examples"] = ci_examples
    return settings(**kwargs)


# --------------------------------------------------------------------------- the oracle
# a message names the problem when it talks about the input, its parts or their values
NAMES_THE_PROBLEM = re.compile(
    r"\bX\b|\by\b|X\[|y\[|sample|sequence|feature|dtype|NaN|infinit|shape|dimension|"
    r"label|class|token|string|text|complex|numeric|number|empty|target|float|array|"
    r"prefix|n_steps|temperature|document|overflow|diverged|weight|integer|padding|"
    r"decode|codec|parameter",
    re.IGNORECASE,
)
# ... or names the hyperparameter at fault
HYPERPARAMETERS = re.compile(
    "|".join(sorted({*RNNClassifier().get_params(), *SeqToSeqRNN().get_params()}))
)
# messages of Python or numpy internals that leaked instead of a check
INTERNALS = re.compile(
    r"'NoneType' object|has no len|unhashable|out of range|out of bounds|cannot unpack|"
    r"not subscriptable|unsupported operand|not iterable|object is not callable|"
    r"only integer scalar|index \d+|takes \d+ positional",
)
# numpy's own words: a numpy operation failed on the input instead of a check naming it
NUMPY_INTERNALS = re.compile(
    r"operands could not be broadcast|cannot reshape|zero-size array|"
    r"setting an array element|inhomogeneous|float\(\) argument must be|"
    r"int\(\) argument must be|could not convert|invalid literal for|"
    r"truth value of an? \w+ (with more than one element )?is ambiguous|"
    r"Cannot cast array data|ufunc '\w+' not supported|object too deep|"
    r"maximum supported dimension",
    re.IGNORECASE,
)


def outcome(target, call, *args, sample=None, **kwargs):
    """``(True, result)`` or ``(False, error)`` for an allowed error; anything else fails.

    numpy's RuntimeWarnings become errors, so a leaking overflow or invalid-value
    warning is an exception of another type and fails the test. An error in numpy's own
    words (``NUMPY_INTERNALS``) fails too: the input reached numpy unchecked. ``sample``
    (such as ``"X[3]"``) is the one wrong sample of a list input, which an error must
    name (unless training diverged: that is not a verdict on the input).
    """
    FUZZ_CASES[target] += 1
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            return True, call(*args, **kwargs)
        except (ValueError, TypeError) as exc:
            message = str(exc)
            assert len(message) >= 15, f"{type(exc).__name__} without explanation: {exc!r}"
            assert NAMES_THE_PROBLEM.search(message) or HYPERPARAMETERS.search(message), (
                f"message names no problem: {message}")
            assert not INTERNALS.search(message), f"internal error leaked: {message}"
            assert not NUMPY_INTERNALS.search(message), f"numpy error leaked: {message}"
            if sample is not None and not isinstance(exc, DivergenceError):
                assert sample in message, f"message does not name {sample}: {message}"
            return False, exc


def assert_finite_params(est):
    arrays = [est.output_coef_, est.output_intercept_]
    arrays += [v for p in getattr(est, "recurrent_coefs_", []) for v in p.values()]
    arrays += [v for p in getattr(est, "decoder_coefs_", []) for v in p.values()]
    if hasattr(est, "embedding_"):
        arrays.append(est.embedding_)
    for a in arrays:
        assert np.isfinite(a).all()


def as_blocks(pred):
    return list(pred) if isinstance(pred, list) else [np.asarray(pred)]


def check_prediction(est, method, result, n_samples, undefined_r2=False):
    """What a successful call must return."""
    if method == "score":
        # scikit-learn's convention: R² of fewer than two values is NaN, with a warning
        assert isinstance(result, float) and (np.isfinite(result) or undefined_r2)
        return
    if method == "generate":
        assert len(result) == n_samples
        if getattr(est, "target_type_", "numeric") == "categorical":
            assert np.isin(np.asarray(result).ravel(), est.classes_).all()
        else:
            assert np.isfinite(result).all()
        return
    assert len(result) == n_samples
    labels = hasattr(est, "classes_") and method == "predict"
    for block in as_blocks(result):
        block = np.asarray(block)
        if labels:
            assert np.isin(block.ravel(), est.classes_).all()
        elif method == "predict_log_proba":
            assert not np.isnan(block).any() and (block <= 0).all()
        else:
            assert np.isfinite(block).all()
    if method == "predict_proba" and not isinstance(result, list):
        proba = np.asarray(result)
        assert ((proba >= 0) & (proba <= 1)).all()
        if not isinstance(est, SeqToSeqRNN) or est.mode == "aligned":
            np.testing.assert_allclose(proba.sum(axis=-1), 1.0, rtol=1e-4)


def n_samples_of(X):
    try:
        return len(X)
    except TypeError:
        return None


# --------------------------------------------------------------------------- strategies
DTYPES = ["bool", "int8", "int64", "uint8", "float16", "float32", "float64", "complex128"]
SPECIALS = [np.nan, np.inf, -np.inf, 1e30, -1e30, 1e300, -1e300, 3e38, -3e38, 6e4,
            1e-310, 0.0, -0.0]


def _elements(dtype, mode):
    """Array elements: small and clean, sprinkled with special values, or anything."""
    if dtype.kind == "f":
        width = dtype.itemsize * 8
        clean = st.floats(-5, 5, width=width)
        if mode == "clean":
            return clean
        info = np.finfo(dtype)
        # each value as the dtype holds it: numpy 1.x compares 3e38 with the float32 it
        # becomes in float64, finds them different, and hypothesis refuses the element
        special = st.sampled_from([
            float(dtype.type(v)) for v in SPECIALS
            if not np.isfinite(v) or abs(v) <= float(info.max)
        ])
        if mode == "sprinkled":
            return st.one_of(clean, clean, clean, special)
    return hnp.from_dtype(dtype)


@st.composite
def numeric_arrays(draw, shape=None, dtypes=DTYPES, modes=("clean", "sprinkled", "any")):
    dtype = np.dtype(draw(st.sampled_from(dtypes)))
    if shape is None:
        shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5))
    mode = draw(st.sampled_from(modes))
    return draw(hnp.arrays(dtype, shape, elements=_elements(dtype, mode)))


SCALARS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-(2**70), 2**70),
    st.booleans(), st.none(), st.text(max_size=3), st.complex_numbers(max_magnitude=10),
)
NESTED = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4), max_leaves=24)


@st.composite
def good_sequences(draw, n_features=None, min_samples=1, max_samples=6, dtypes=None):
    """Valid sequences, as a list, a 3-D array or (univariate) a 2-D array."""
    if n_features is None:
        n_features = draw(st.integers(1, 3))
    dtype = np.dtype(draw(st.sampled_from(dtypes or ["float64", "float32", "int64"])))
    n = draw(st.integers(min_samples, max_samples))
    elements = st.floats(-5, 5, width=32) if dtype.kind == "f" else st.integers(-5, 5)
    forms = ["list", "3d", "2d"] if n_features == 1 else ["list", "3d"]
    form = draw(st.sampled_from(forms))
    if form == "list":
        lengths = draw(st.lists(st.integers(1, 6), min_size=n, max_size=n))
        return [draw(hnp.arrays(dtype, (t, n_features), elements=elements))
                for t in lengths]
    t = draw(st.integers(1, 6))
    arr = draw(hnp.arrays(dtype, (n, t, n_features), elements=elements))
    return arr if form == "3d" else arr[:, :, 0]


@st.composite
def bad_item(draw):
    """One sequence of a ragged list that may be wrong in any way."""
    kind = draw(st.sampled_from(["array", "array", "nested", "scalar", "empty",
                                 "container"]))
    if kind == "array":
        return draw(numeric_arrays(
            shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)
        ))
    if kind == "nested":
        return draw(NESTED)
    if kind == "scalar":
        return draw(SCALARS)
    if kind == "container":  # what numpy cannot read as one sequence
        return draw(st.one_of(
            st.builds(lambda v: (x for x in v), st.lists(st.floats(-5, 5), max_size=3)),
            st.dictionaries(st.integers(0, 3), st.floats(-5, 5), max_size=3),
        ))
    return np.empty((0, draw(st.integers(0, 2))))


@st.composite
def ragged_lists(draw):
    """Lists, tuples and object arrays of sequences, some of them wrong."""
    items = draw(st.lists(st.one_of(bad_item(), good_sequences(max_samples=1).map(
        lambda X: X[0])), max_size=5))
    container = draw(st.sampled_from(["list", "tuple", "object"]))
    if container == "tuple":
        return tuple(items)
    if container == "object":
        arr = np.empty(len(items), dtype=object)
        for i, item in enumerate(items):
            arr[i] = item
        return arr
    return items


@st.composite
def object_arrays(draw):
    """Object arrays of any shape holding numbers, None and strings."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    values = draw(st.lists(st.one_of(st.floats(-5, 5), st.none(), st.text(max_size=2),
                                     st.booleans()),
                           min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
    arr = np.empty(int(np.prod(shape)), dtype=object)
    arr[:] = values
    return arr.reshape(shape)


def nested_frame(X):
    """sktime's nested DataFrame of ``X``: one column per channel, each cell a Series."""
    import pandas as pd

    X = [np.asarray(x).reshape(len(x), -1) for x in X]
    return pd.DataFrame({f"dim_{j}": [pd.Series(x[:, j]) for x in X]
                         for j in range(X[0].shape[1])})


def series_of(X):
    """A pandas Series whose cells are the sequences of ``X``."""
    import pandas as pd

    return pd.Series(list(X), dtype=object)


# collections numpy reads as one opaque object: generators, iterators, dicts, sets, and
# sktime's nested DataFrames and pandas Series of sequences
CONTAINERS = st.one_of(
    st.builds(series_of, good_sequences()),
    st.builds(lambda X: (x for x in X), good_sequences()),
    st.builds(lambda X: iter(list(X)), good_sequences()),
    st.builds(lambda X: dict(enumerate(X)), good_sequences()),
    st.builds(lambda X: {i: x for i, x in enumerate(X)}.values(), good_sequences()),
    st.frozensets(st.integers(-3, 3), max_size=3),
    st.builds(nested_frame, good_sequences(dtypes=["float64"])),
    st.builds(lambda X: [(v for v in x) for x in X], good_sequences()),
)

ODD_X = st.one_of(
    st.none(), st.text(max_size=5), st.binary(max_size=3), SCALARS,
    st.builds(lambda n: sp.random(n, 3, density=0.5, format="csr", random_state=0),
              st.integers(1, 4)),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    CONTAINERS,
)

ANY_X = st.one_of(
    good_sequences(), good_sequences(), numeric_arrays(), ragged_lists(), NESTED,
    object_arrays(), ODD_X,
)


Y_KINDS = ("int", "int", "float", "str", "object", "bool", "complex", "2d", "nan", "none",
           "list", "3d", "iterator")
# score reads every kind of y that fit reads, ragged ("list") and mixed None / str labels
# ("object") included
SCORE_Y_KINDS = Y_KINDS


@st.composite
def labels_for(draw, n, n_classes=None, kinds=Y_KINDS):
    """Targets for ``n`` sequences: mostly the right length, of any type and shape."""
    if n is None:
        n = draw(st.integers(0, 5))
    m = max(0, n + draw(st.sampled_from([0, 0, 0, 0, -1, 1, 3])))
    kind = draw(st.sampled_from(kinds))
    k = n_classes or draw(st.integers(1, 3))
    if kind == "int":
        return draw(hnp.arrays(np.int64, m, elements=st.integers(0, k - 1)))
    if kind == "float":
        return draw(hnp.arrays(np.float64, m, elements=st.floats(-5, 5)))
    if kind == "str":
        return np.array(draw(st.lists(st.sampled_from(["a", "b", "c"][:k]), min_size=m,
                                      max_size=m)))
    if kind == "object":
        out = np.empty(m, dtype=object)
        out[:] = draw(st.lists(st.one_of(st.none(), st.integers(0, 2), st.text(max_size=1)),
                               min_size=m, max_size=m))
        return out
    if kind == "bool":
        return draw(hnp.arrays(np.bool_, m))
    if kind == "complex":
        return draw(hnp.arrays(np.complex128, m,
                               elements=st.complex_numbers(max_magnitude=3)))
    if kind == "2d":
        return draw(hnp.arrays(np.float64, (m, draw(st.integers(0, 3))),
                               elements=st.floats(-5, 5)))
    if kind == "3d":
        return draw(hnp.arrays(np.float64, (m, 2, 2), elements=st.floats(-5, 5)))
    if kind == "nan":
        return draw(hnp.arrays(np.float64, m, elements=hnp.from_dtype(np.dtype(float))))
    if kind == "list":
        return draw(st.lists(NESTED, min_size=m, max_size=m))
    if kind == "iterator":
        return iter(draw(st.lists(st.integers(0, k - 1), min_size=m, max_size=m)))
    return None


@st.composite
def sequence_targets(draw, X, aligned=False):
    """Per-step targets for SeqToSeqRNN: aligned with X's tails, or anything."""
    n = n_samples_of(X)
    if n is None or (not aligned and draw(st.booleans())):
        return draw(labels_for(n))
    lengths = []
    for i in range(n):
        try:
            lengths.append(max(1, len(X[i])))
        except (TypeError, KeyError, IndexError):
            lengths.append(1)
    categorical = draw(st.booleans())
    blocks = []
    for t in lengths:
        k = draw(st.integers(1, t))
        if categorical:
            blocks.append(draw(hnp.arrays(np.int64, k, elements=st.integers(0, 2))))
        else:
            blocks.append(draw(hnp.arrays(np.float64, k, elements=st.floats(-5, 5))))
    return blocks


def n_target_values(y):
    try:
        return sum(int(np.size(block)) for block in y)
    except TypeError:
        return 0


@st.composite
def valid_case(draw, task):
    """Well-formed training data of ``task``, so that the success path is fuzzed too."""
    X = draw(good_sequences(min_samples=2, max_samples=8))
    n = len(X)
    if task == "classifier":
        labels = draw(st.sampled_from([[0, 1], [0, 1, 2], ["a", "b"], [-1.5, 2.0]]))
        y = np.array(labels)[np.arange(n) % len(labels)]
        return X, np.array(draw(st.permutations(list(y))))
    if task == "regressor":
        shape = draw(st.sampled_from([(n,), (n, 1), (n, 2)]))
        return X, draw(hnp.arrays(np.float64, shape, elements=st.floats(-1e3, 1e3)))
    return X, draw(sequence_targets(X, aligned=True))


def _sample_weight(n):
    m = 0 if n is None else n
    return st.one_of(
        st.none(), st.none(), st.none(),
        hnp.arrays(np.float64, m, elements=st.floats(0, 3)),
        hnp.arrays(np.float64, m + 1, elements=st.floats(0, 3)),
        hnp.arrays(np.float64, m, elements=hnp.from_dtype(np.dtype(float))),
    )


# every cell_type the estimators accept: the trained cells and the echo state network
CELL_TYPES = sorted(RNNRegressor._parameter_constraints["cell_type"][0].options)

ESTIMATOR_PARAMS = st.fixed_dictionaries({
    "cell_type": st.sampled_from(CELL_TYPES),
    "hidden_layer_sizes": st.sampled_from([2, (3,), (2, 2)]),
    "bidirectional": st.booleans(),
    "solver": st.sampled_from(["adam", "sgd", "lbfgs"]),
    "max_iter": st.integers(1, 2),
    "batch_size": st.sampled_from(["auto", 1, 3]),
    "dropout": st.sampled_from([0.0, 0.3]),
    "early_stopping": st.sampled_from([False, False, True]),
    "activation": st.sampled_from(["tanh", "relu"]),
})


def make(Est, params, **extra):
    return Est(random_state=0, **{**params, **extra})


# --------------------------------------------------------------------------- fit
@fuzz(120)
@given(params=ESTIMATOR_PARAMS, X=ANY_X, data=st.data())
def test_fuzz_fit_classifier(params, X, data):
    y = data.draw(labels_for(n_samples_of(X)))
    if data.draw(st.booleans()):
        X, y = data.draw(valid_case("classifier"))
    sw = data.draw(_sample_weight(n_samples_of(X)))
    clf = make(RNNClassifier, params)
    ok, result = outcome("RNNClassifier.fit", clf.fit, X, y, sample_weight=sw)
    if ok:
        assert result is clf
        assert_finite_params(clf)
        ok, proba = outcome("RNNClassifier.predict_proba", clf.predict_proba, X)
        if ok:
            check_prediction(clf, "predict_proba", proba, len(X))


@fuzz(120)
@given(params=ESTIMATOR_PARAMS, X=ANY_X, data=st.data())
def test_fuzz_fit_regressor(params, X, data):
    y = data.draw(labels_for(n_samples_of(X)))
    if data.draw(st.booleans()):
        X, y = data.draw(valid_case("regressor"))
    sw = data.draw(_sample_weight(n_samples_of(X)))
    reg = make(RNNRegressor, params)
    ok, result = outcome("RNNRegressor.fit", reg.fit, X, y, sample_weight=sw)
    if ok:
        assert_finite_params(reg)
        ok, pred = outcome("RNNRegressor.predict", reg.predict, X)
        if ok:
            check_prediction(reg, "predict", pred, len(X))


@fuzz(120)
@given(params=ESTIMATOR_PARAMS, X=ANY_X, data=st.data(),
       mode=st.sampled_from(["aligned", "encoder_decoder"]))
def test_fuzz_fit_seq2seq(params, X, data, mode):
    y = data.draw(sequence_targets(X))
    if data.draw(st.booleans()):
        X, y = data.draw(valid_case("seq2seq"))
    est = make(SeqToSeqRNN, params, mode=mode)
    ok, _ = outcome("SeqToSeqRNN.fit", est.fit, X, y)
    if ok:
        assert_finite_params(est)
        for method in ("predict", "predict_proba", "score"):
            if not hasattr(est, method):
                continue
            args = (X, y) if method == "score" else (X,)
            ok, result = outcome(f"SeqToSeqRNN.{method}", getattr(est, method), *args)
            if ok:
                check_prediction(est, method, result, len(X), n_target_values(y) < 2)


@fuzz(80)
@given(params=ESTIMATOR_PARAMS.map(lambda p: {**p, "solver": "adam"}), X=ANY_X,
       data=st.data(), regressor=st.booleans())
def test_fuzz_partial_fit(params, X, data, regressor):
    y = data.draw(labels_for(n_samples_of(X)))
    if data.draw(st.booleans()):
        X, y = data.draw(valid_case("regressor" if regressor else "classifier"))
    if regressor:
        est, name, kwargs = make(RNNRegressor, params), "RNNRegressor", {}
    else:
        try:
            seen = st.just(np.unique(y))
        except (TypeError, ValueError):  # y itself is unreadable
            seen = st.none()
        classes = data.draw(st.one_of(st.none(), seen, seen, st.just([0, 1, 2]),
                                      st.just(["a", "b"]), st.just([np.nan, 1.0])))
        est, name = make(RNNClassifier, params), "RNNClassifier"
        kwargs = {"classes": classes}
    ok, _ = outcome(f"{name}.partial_fit", est.partial_fit, X, y, **kwargs)
    if ok:
        assert_finite_params(est)
        # a second call on other data continues or refuses clearly
        X2 = data.draw(ANY_X)
        y2 = data.draw(labels_for(n_samples_of(X2)))
        ok, _ = outcome(f"{name}.partial_fit", est.partial_fit, X2, y2)
        if ok:
            assert_finite_params(est)


@fuzz(60)
@given(params=ESTIMATOR_PARAMS.map(lambda p: {**p, "solver": "adam"}), X=ANY_X,
       data=st.data(), mode=st.sampled_from(["aligned", "encoder_decoder"]))
def test_fuzz_partial_fit_seq2seq(params, X, data, mode):
    y = data.draw(sequence_targets(X))
    if data.draw(st.booleans()):
        X, y = data.draw(valid_case("seq2seq"))
    classes = data.draw(st.one_of(st.none(), st.none(), st.just([0, 1, 2]),
                                  st.just(["a", "b"]), st.just([np.nan, 1.0])))
    est = make(SeqToSeqRNN, params, mode=mode)
    ok, _ = outcome("SeqToSeqRNN.partial_fit", est.partial_fit, X, y, classes=classes)
    if ok:
        assert_finite_params(est)
        X2 = data.draw(st.one_of(ANY_X, st.just(X)))
        y2 = data.draw(st.one_of(sequence_targets(X2), st.just(y)))
        ok, _ = outcome("SeqToSeqRNN.partial_fit", est.partial_fit, X2, y2)
        if ok:
            assert_finite_params(est)


# --------------------------------------------------------------------------- predict
def _ragged_train(n_features, n=24, seed=0):
    rng = np.random.RandomState(seed)
    return [rng.normal(size=(rng.randint(2, 7), n_features)) for _ in range(n)]


@cache
def fitted(name):
    """Small fitted models, one per kind of fitted state the predict paths read."""
    small = dict(hidden_layer_sizes=3, max_iter=3, random_state=0)
    rng = np.random.RandomState(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if name == "classifier-2d":
            X = rng.normal(size=(24, 5))
            return RNNClassifier(**small).fit(X, X[:, 0] > 0)
        if name == "classifier-3-classes-float32":
            X = [x.astype(np.float32) for x in _ragged_train(2)]
            return RNNClassifier(cell_type="lstm", **small).fit(X, np.arange(24) % 3)
        if name == "regressor-multioutput":
            X = _ragged_train(2)
            Y = np.array([[x.sum(), len(x)] for x in X])
            return RNNRegressor(cell_type="elman", bidirectional=True, **small).fit(X, Y)
        if name == "regressor-relu":
            X = _ragged_train(1)
            return RNNRegressor(cell_type="elman", activation="relu", **small).fit(
                X, [x.sum() for x in X])
        if name == "seq2seq-next-step":
            X = _ragged_train(1)
            return SeqToSeqRNN(**small).fit([x[:-1] for x in X], [x[1:, 0] for x in X])
        if name == "seq2seq-categorical":
            ids = [rng.randint(0, 3, size=rng.randint(2, 7)) for _ in range(24)]
            X = [np.eye(3)[i[:-1]] for i in ids]
            return SeqToSeqRNN(**small).fit(X, [i[1:] for i in ids])
        if name == "seq2seq-encoder-decoder":
            X = _ragged_train(2)
            y = [np.array(["a", "b", "c"])[rng.randint(0, 3, size=rng.randint(1, 4))]
                 for _ in X]
            return SeqToSeqRNN(mode="encoder_decoder", **small).fit(X, y)
        if name == "esn-regressor":
            X = _ragged_train(2)
            return RNNRegressor(cell_type="esn", hidden_layer_sizes=8, random_state=0).fit(
                X, [x.sum() for x in X])
        if name == "esn-seq2seq":
            X = _ragged_train(1)
            return SeqToSeqRNN(cell_type="esn", hidden_layer_sizes=8, random_state=0).fit(
                [x[:-1] for x in X], [x[1:, 0] for x in X])
        if name == "token-classifier":
            ids = [rng.randint(1, 9, size=rng.randint(1, 6)) for _ in range(24)]
            return RNNClassifier(embedding_dim=3, **small).fit(ids, np.arange(24) % 2)
    raise KeyError(name)


PREDICTORS = {
    "classifier-2d": ("predict", "predict_proba", "predict_log_proba", "score"),
    "classifier-3-classes-float32": ("predict", "predict_proba", "predict_log_proba",
                                     "score"),
    "regressor-multioutput": ("predict", "score"),
    "regressor-relu": ("predict", "score"),
    "seq2seq-next-step": ("predict", "score", "generate"),
    "seq2seq-categorical": ("predict", "predict_proba", "score", "generate"),
    "seq2seq-encoder-decoder": ("predict", "predict_proba", "score"),
    "token-classifier": ("predict", "predict_proba", "score"),
}
if "esn" in CELL_TYPES:
    PREDICTORS["esn-regressor"] = ("predict", "score")
    PREDICTORS["esn-seq2seq"] = ("predict", "score", "generate")
CASES = [(name, method) for name, methods in PREDICTORS.items() for method in methods]


def _matching_X(name):
    """Inputs shaped as the model reads them, with any values, so that the success
    path with huge magnitudes and odd dtypes is exercised, not just the checks."""
    if name == "token-classifier":
        return st.one_of(
            st.lists(numeric_arrays(shape=hnp.array_shapes(max_dims=1, max_side=5),
                                    dtypes=["int64", "uint8", "int8"]), max_size=4),
            numeric_arrays(shape=hnp.array_shapes(min_dims=2, max_dims=2, max_side=4),
                           dtypes=["int64", "uint8", "float64"]),
        )
    n_features = {"classifier-3-classes-float32": 2, "regressor-multioutput": 2,
                  "esn-regressor": 2,
                  "seq2seq-categorical": 3, "seq2seq-encoder-decoder": 2}.get(name, 1)
    if name == "classifier-2d":
        shape = st.tuples(st.integers(0, 4), st.sampled_from([5, 5, 4]))
    else:
        shape = st.tuples(st.integers(0, 4), st.integers(0, 30),
                          st.sampled_from([n_features, n_features, n_features + 1]))
    return st.one_of(
        numeric_arrays(shape=shape),
        st.lists(numeric_arrays(shape=st.tuples(st.integers(0, 40),
                                                st.just(n_features))), max_size=4),
    )


@fuzz(40)
@pytest.mark.parametrize("name,method", CASES)
@given(data=st.data())
def test_fuzz_predict(name, method, data):
    est = fitted(name)
    X = data.draw(st.one_of(ANY_X, _matching_X(name), _matching_X(name)))
    args, kwargs = (X,), {}
    if method == "score":
        if isinstance(est, SeqToSeqRNN):
            args = (X, data.draw(sequence_targets(X)))
        else:
            args = (X, data.draw(labels_for(n_samples_of(X), n_classes=2,
                                            kinds=SCORE_Y_KINDS)))
        kwargs["sample_weight"] = data.draw(_sample_weight(n_samples_of(X)))
        if isinstance(est, SeqToSeqRNN) and kwargs["sample_weight"] is None:
            kwargs = {}
    elif method == "generate":
        kwargs = dict(
            n_steps=data.draw(st.one_of(st.integers(-2, 6), st.floats(0, 3),
                                        st.none(), st.text(max_size=2))),
            temperature=data.draw(st.one_of(st.floats(allow_nan=True), st.just(0),
                                            st.integers(-1, 3), st.none())),
            random_state=data.draw(st.one_of(st.none(), st.integers(0, 5))),
        )
    target = f"{type(est).__name__}.{method}"
    ok, result = outcome(target, getattr(est, method), *args, **kwargs)
    if ok:
        undefined = method == "score" and n_target_values(args[1]) < 2
        check_prediction(est, method, result, len(X), undefined)


# --------------------------------------------------------------------------- one bad sample
@st.composite
def one_bad_sequence(draw, n_features, dtypes=None, bad=None):
    """A list of good sequences with one of them, ``X[i]``, replaced: ``(X, i)``."""
    X = draw(good_sequences(n_features=n_features, min_samples=2, dtypes=dtypes).map(list))
    i = draw(st.integers(0, len(X) - 1))
    X[i] = draw(bad or bad_item())
    return X, i


FIT_TARGETS = {
    "RNNClassifier": (RNNClassifier, lambda n: np.arange(n) % 2),
    "RNNRegressor": (RNNRegressor, lambda n: np.linspace(-1, 1, n)),
    "SeqToSeqRNN": (SeqToSeqRNN, lambda n: np.linspace(-1, 1, n)),
    "SeqToSeqRNN(encoder_decoder)": (
        lambda **p: SeqToSeqRNN(mode="encoder_decoder", **p),
        lambda n: [np.arange(1 + i % 3) % 2 for i in range(n)],
    ),
}


@fuzz(120)
@given(data=st.data(), target=st.sampled_from(sorted(FIT_TARGETS)),
       cell_type=st.sampled_from(CELL_TYPES))
def test_fuzz_fit_names_the_bad_sample(data, target, cell_type):
    """A list whose only wrong sequence is ``X[i]``: any error names ``X[i]``."""
    Est, targets = FIT_TARGETS[target]
    if cell_type == "esn" and "encoder_decoder" in target:
        cell_type = "gru"
    X, i = data.draw(one_bad_sequence(n_features=data.draw(st.integers(1, 2))))
    est = Est(cell_type=cell_type, hidden_layer_sizes=2, max_iter=1, random_state=0)
    outcome(f"{target}.fit(one bad sample)", est.fit, X, targets(len(X)),
            sample=f"X[{i}]")


NUMERIC_PREDICTORS = {
    "classifier-3-classes-float32": 2, "regressor-multioutput": 2, "regressor-relu": 1,
    "seq2seq-next-step": 1, "seq2seq-categorical": 3, "seq2seq-encoder-decoder": 2,
    **({"esn-regressor": 2} if "esn" in CELL_TYPES else {}),
}


@fuzz(60)
@given(data=st.data(),
       name=st.sampled_from(sorted(NUMERIC_PREDICTORS) + ["token-classifier"]))
def test_fuzz_predict_names_the_bad_sample(data, name):
    """The same at predict time, token ids included."""
    est = fitted(name)
    if name == "token-classifier":
        ids = hnp.arrays(np.int64, st.integers(1, 5), elements=st.integers(1, 12))
        X = [data.draw(ids) for _ in range(data.draw(st.integers(2, 5)))]
        i = data.draw(st.integers(0, len(X) - 1))
        X[i] = data.draw(bad_item())
    else:
        X, i = data.draw(one_bad_sequence(NUMERIC_PREDICTORS[name]))
    outcome(f"{type(est).__name__}.predict(one bad sample)", est.predict, X,
            sample=f"X[{i}]")


@fuzz(60)
@given(data=st.data(), mode=st.sampled_from(["aligned", "encoder_decoder"]))
def test_fuzz_seq2seq_names_the_bad_target_sequence(data, mode):
    """Ragged target sequences whose only wrong one is ``y[i]``: any error names it."""
    X = [np.linspace(0, 1, 6).reshape(3, 2)] * data.draw(st.integers(2, 5))
    y = [np.linspace(0.5, 1.5, 1 + k % 3) for k in range(len(X))]  # numeric targets
    i = data.draw(st.integers(0, len(y) - 1))
    y[i] = data.draw(bad_item())
    est = SeqToSeqRNN(mode=mode, hidden_layer_sizes=2, max_iter=1, random_state=0)
    outcome("SeqToSeqRNN.fit(one bad target sequence)", est.fit, X, y, sample=f"y[{i}]")


def test_other_outputs_per_step_in_one_target_sequence_named():
    X = [np.ones((3, 2))] * 3
    y = [np.ones(2), np.ones((2, 2)), np.ones(3)]
    with pytest.raises(ValueError, match=r"y\[1\]"):
        SeqToSeqRNN(hidden_layer_sizes=2, max_iter=1).fit(X, y)


def test_non_finite_target_sequence_named():
    X = [np.ones((3, 2))] * 3
    y = [np.full(2, 0.5), np.array([0.5, np.nan]), np.full(3, 0.5)]
    with pytest.raises(ValueError, match=r"y\[1\]"):
        SeqToSeqRNN(hidden_layer_sizes=2, max_iter=1).fit(X, y)


# --------------------------------------------------------------------------- token ids
@fuzz(80)
@given(X=st.one_of(
    ANY_X,
    st.lists(numeric_arrays(shape=hnp.array_shapes(max_dims=2, max_side=5),
                            dtypes=["int64", "int8", "uint8", "float64", "bool"]),
             max_size=5),
), data=st.data(), Est=st.sampled_from([RNNClassifier, RNNRegressor]))
def test_fuzz_fit_token_ids(X, data, Est):
    y = data.draw(labels_for(n_samples_of(X)))
    est = Est(embedding_dim=2, hidden_layer_sizes=2, max_iter=1, random_state=0)
    ok, _ = outcome(f"{Est.__name__}(embedding_dim).fit", est.fit, X, y)
    if ok:
        assert_finite_params(est)
        ok, pred = outcome(f"{Est.__name__}(embedding_dim).predict", est.predict, X)
        if ok:
            check_prediction(est, "predict", pred, len(X))


# --------------------------------------------------------------------------- text
# collections of documents (what TextSequencer reads), of any text, bytes included, and
# what is not: a bare string, None, numbers, nested lists, object arrays
DOCUMENTS = st.one_of(
    st.lists(st.text(max_size=12), max_size=5),
    st.lists(st.one_of(st.text(max_size=6), st.binary(max_size=4), st.none(),
                       st.integers(), st.floats(), st.lists(st.text(max_size=2))),
             max_size=4),
    st.tuples(st.text(max_size=6)),
    st.text(max_size=5), st.none(), st.integers(),
    hnp.arrays(hnp.unicode_string_dtypes(max_len=4), st.integers(0, 4)),
    object_arrays(),
)


@fuzz(120)
@given(docs=DOCUMENTS, other=DOCUMENTS,
       ids=st.one_of(ANY_X, st.lists(hnp.arrays(np.int64, st.integers(0, 5),
                                                elements=st.integers(-2, 20)), max_size=3)))
def test_fuzz_text_sequencer(docs, other, ids):
    from skrnn.preprocessing import TextSequencer

    seq = TextSequencer()
    ok, _ = outcome("TextSequencer.fit", seq.fit, docs)
    if not ok:
        return
    for X in (docs, other):
        ok, out = outcome("TextSequencer.transform", seq.transform, X)
        if ok:
            assert len(out) == len(X)
            assert all(o.ndim == 1 and len(o) >= 1 and o.dtype.kind == "i" for o in out)
            ok, back = outcome("TextSequencer.inverse_transform", seq.inverse_transform,
                               out)
            if ok:
                assert len(back) == len(X)
    ok, tokens = outcome("TextSequencer.inverse_transform", seq.inverse_transform, ids)
    if ok:
        assert len(tokens) == len(ids)


# --------------------------------------------------------------------------- parameters
@fuzz(60)
@given(params=st.dictionaries(
    st.sampled_from(["hidden_layer_sizes", "max_iter", "batch_size", "clip_norm", "alpha",
                     "dropout", "bptt_steps", "learning_rate_init", "embedding_dim",
                     "validation_fraction", "tol", "cell_type"]),
    st.one_of(st.integers(-3, 3), st.floats(allow_nan=True), st.none(), st.text(max_size=3),
              st.lists(st.integers(-1, 3), max_size=3), st.booleans()),
    max_size=3,
))
def test_fuzz_hyperparameters(params):
    X = [np.ones((3, 1)), np.zeros((2, 1)), np.ones((4, 1)), np.zeros((1, 1))]
    est = RNNRegressor(random_state=0, hidden_layer_sizes=2, max_iter=1)
    est.set_params(**params)
    ok, _ = outcome("RNNRegressor.fit(hyperparameters)", est.fit, X, [1.0, 0.0, 1.0, 0.0])
    if ok:
        assert_finite_params(est)


def test_the_oracle_fails_what_it_should():
    """The fuzz tests can fail: each forbidden outcome is caught by ``outcome``."""

    def raises(exc):
        def call():
            raise exc
        return call

    def leaks_a_warning():
        return np.float32(1e30) * np.float32(1e30)

    with pytest.raises(IndexError):
        outcome("oracle", raises(IndexError("list index out of range")))
    with pytest.raises(AssertionError, match="names no problem"):
        outcome("oracle", raises(ValueError("something went wrong here")))
    with pytest.raises(AssertionError, match="internal error"):
        outcome("oracle", raises(TypeError("'NoneType' object is not subscriptable in X")))
    with pytest.raises(RuntimeWarning):
        outcome("oracle", leaks_a_warning)
    for numpy_words in [
        "operands could not be broadcast together with shapes (3,2) (3,) in X",
        "cannot reshape array of size 6 into shape (4,) for X",
        "zero-size array to reduction operation maximum which has no identity in X",
        "setting an array element with a sequence.",
        "float() argument must be a string or a real number, not 'generator'",
        "could not convert string to float: 'a'",
    ]:
        with pytest.raises(AssertionError, match="numpy error leaked"):
            outcome("oracle", raises(ValueError(numpy_words)))
    with pytest.raises(AssertionError, match=r"does not name X\[3\]"):
        outcome("oracle", raises(ValueError("X holds a sequence of strings")),
                sample="X[3]")
    assert not outcome("oracle", raises(ValueError("X[3] is an empty sequence")),
                   sample="X[3]")[0]
    est = fitted("regressor-relu")
    with pytest.raises(AssertionError):
        check_prediction(est, "predict", np.array([np.nan]), 1)
    assert outcome("oracle", raises(ValueError("X[2] contains NaN.")))[0] is False
    del FUZZ_CASES["oracle"]  # not fuzzed cases


# --------------------------------------------------------------------------- former gaps
@pytest.mark.parametrize(
    "y", [np.array([9.3e18, 0.0]), np.array([None, None], dtype=object)]
)
def test_score_reads_unusual_labels_clearly(y):
    clf = fitted("classifier-2d")
    ok, score = outcome("RNNClassifier.score(unusual labels)", clf.score, np.zeros((2, 5)),
                        y)
    assert not ok or np.isfinite(score)


@pytest.mark.parametrize("docs", [[None], ["fine", 3.5], None, 7])
def test_text_sequencer_refuses_non_text_clearly(docs):
    from skrnn.preprocessing import TextSequencer

    ok, _ = outcome("TextSequencer.fit(non-text)", TextSequencer().fit, docs)
    assert not ok
    seq = TextSequencer().fit(["some text"])
    ok, _ = outcome("TextSequencer.transform(non-text)", seq.transform, docs)
    assert not ok
