"""Determinism and concurrency.

Same ``random_state`` gives bit-identical models whatever the number of BLAS threads and
``n_jobs``; a fitted estimator is read-only at predict time, so threads sharing it get
exactly the serial results.
"""

import pickle
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from threadpoolctl import threadpool_info, threadpool_limits

from skrnn import RNNClassifier, RNNRegressor, SeqToSeqRNN

CELL_TYPES = ["elman", "lstm", "gru"]


# training runs here are deliberately short
pytestmark = pytest.mark.usefixtures("quiet_convergence")


def _data(n=200, T=12, D=8, seed=0):
    rng = np.random.RandomState(seed)
    X = [rng.normal(size=(rng.randint(T // 2, T + 1), D)) for _ in range(n)]
    y = np.array([int(x[:, 0].sum() > 0) for x in X])
    return X, y


def _state(est):
    arrays = [est.output_coef_, est.output_intercept_]
    arrays += [p[k] for p in est.recurrent_coefs_ for k in sorted(p)]
    return np.concatenate([a.ravel() for a in arrays])


def _blas_threads():
    return max((m["num_threads"] for m in threadpool_info() if m["user_api"] == "blas"),
               default=1)


@pytest.mark.parametrize("cell_type", CELL_TYPES)
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_same_random_state_is_bit_identical_whatever_the_blas_threads(cell_type, solver):
    # wide enough that a threaded BLAS splits the products (batch 200, 3*48 gates)
    X, y = _data()
    params = dict(cell_type=cell_type, solver=solver, hidden_layer_sizes=48, max_iter=4,
                  batch_size=100, dropout=0.2 if solver == "adam" else 0.0, random_state=7)
    models = []
    for threads in (1, max(2, _blas_threads())):
        with threadpool_limits(limits=threads, user_api="blas"):
            clf = RNNClassifier(**params).fit(X, y)
            models.append((_state(clf), clf.predict_proba(X), clf.loss_curve_))
    (a, pa, la), (b, pb, lb) = models
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(pa, pb)
    assert la == lb


@pytest.mark.skipif(
    "esn" not in RNNClassifier._parameter_constraints["cell_type"][0].options,
    reason="no echo state network",
)
@pytest.mark.parametrize("Est", [RNNClassifier, RNNRegressor])
def test_echo_state_network_is_bit_identical_whatever_the_blas_threads(Est):
    X, y = _data()
    models = []
    for threads in (1, max(2, _blas_threads())):
        with threadpool_limits(limits=threads, user_api="blas"):
            est = Est(cell_type="esn", hidden_layer_sizes=150, random_state=3).fit(X, y)
            models.append((est.output_coef_.copy(), est.predict(X)))
    np.testing.assert_array_equal(models[0][0], models[1][0])
    np.testing.assert_array_equal(models[0][1], models[1][1])


def _scale_each(X):
    return [(x - x.mean(axis=0)) / (x.std(axis=0) + 1.0) for x in X]


def test_grid_search_is_identical_whatever_n_jobs():
    X, y = _data(n=60, T=8, D=2)
    pipe = make_pipeline(FunctionTransformer(_scale_each),
                         RNNClassifier(hidden_layer_sizes=4, max_iter=3, random_state=0))
    grid = {"rnnclassifier__cell_type": ["gru", "elman"],
            "rnnclassifier__learning_rate_init": [0.01, 0.05]}
    results = [GridSearchCV(pipe, grid, cv=3, n_jobs=n_jobs).fit(X, y) for n_jobs in (1, 2)]
    serial, parallel = results
    for key in ("mean_test_score", "std_test_score", "rank_test_score"):
        np.testing.assert_array_equal(serial.cv_results_[key], parallel.cv_results_[key])
    for key in ("split0_test_score", "split1_test_score", "split2_test_score"):
        np.testing.assert_array_equal(serial.cv_results_[key], parallel.cv_results_[key])
    assert serial.best_params_ == parallel.best_params_
    np.testing.assert_array_equal(_state(serial.best_estimator_[-1]),
                                  _state(parallel.best_estimator_[-1]))
    a = cross_val_score(RNNRegressor(hidden_layer_sizes=3, max_iter=2, random_state=0),
                        X, y.astype(float), cv=3, n_jobs=1)
    b = cross_val_score(RNNRegressor(hidden_layer_sizes=3, max_iter=2, random_state=0),
                        X, y.astype(float), cv=3, n_jobs=2)
    np.testing.assert_array_equal(a, b)


def _fitted_models():
    X, y = _data(n=80, T=10, D=3)
    small = dict(hidden_layer_sizes=6, max_iter=3, random_state=0)
    seq = np.random.RandomState(1).normal(size=(80, 10, 1))
    return {
        "classifier": (RNNClassifier(bidirectional=True, **small).fit(X, y), X,
                       "predict_proba"),
        "regressor": (RNNRegressor(cell_type="lstm", **small).fit(X, y * 1.0), X,
                      "predict"),
        "seq2seq": (SeqToSeqRNN(**small).fit(seq[:, :-1], seq[:, 1:, 0]), list(seq),
                    "predict"),
    }


@pytest.mark.parametrize("name", ["classifier", "regressor", "seq2seq"])
def test_eight_threads_predicting_on_one_estimator_get_the_serial_results(name):
    est, X, method = _fitted_models()[name]
    # batches of different sizes and orders, so the threads do not run in lock step
    chunks = [X[i::3] for i in range(3)] + [X, X[::-1], X[:1], X[5:40], X[40:]]
    serial = [getattr(est, method)(c) for c in chunks]
    before = pickle.dumps(est)

    def work(k):
        out = []
        for rep in range(6):
            i = (k + rep) % len(chunks)
            out.append((i, getattr(est, method)(chunks[i])))
        return out

    with ThreadPoolExecutor(max_workers=8) as pool:
        for results in pool.map(work, range(8)):
            for i, got in results:
                np.testing.assert_array_equal(np.asarray(got), np.asarray(serial[i]))
    # prediction wrote nothing on the estimator
    assert pickle.dumps(est) == before


def test_concurrent_generate_with_seeds_matches_serial():
    rng = np.random.RandomState(0)
    ids = [rng.randint(0, 3, size=8) for _ in range(40)]
    X = [np.eye(3)[i[:-1]] for i in ids]
    est = SeqToSeqRNN(hidden_layer_sizes=6, max_iter=3, random_state=0).fit(
        X, [i[1:] for i in ids])
    serial = [est.generate(X[:10], 5, random_state=seed) for seed in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda s: est.generate(X[:10], 5, random_state=s), range(8)))
    for a, b in zip(got, serial, strict=True):
        np.testing.assert_array_equal(a, b)
