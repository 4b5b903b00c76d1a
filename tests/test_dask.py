"""Grid search over skrnn pipelines on a real Dask cluster (two worker processes).

Skipped when dask.distributed is not installed (``pip install "skrnn[dask]"``).
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skrnn import RNNClassifier
from skrnn.datasets import make_delayed_label

distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")


def _scale_each(X):
    return [(x - x.mean(axis=0)) / (x.std(axis=0) + 1.0) for x in X]


def _blas_threads():
    from threadpoolctl import threadpool_info

    return [m["num_threads"] for m in threadpool_info() if m["user_api"] == "blas"]


def _search():
    pipe = make_pipeline(
        FunctionTransformer(_scale_each),
        RNNClassifier(hidden_layer_sizes=6, max_iter=4, random_state=0),
    )
    grid = {"rnnclassifier__cell_type": ["gru", "elman"],
            "rnnclassifier__learning_rate_init": [0.01, 0.03]}
    return GridSearchCV(pipe, grid, cv=3, n_jobs=-1)


def test_grid_search_on_a_dask_cluster_equals_the_local_result():
    X, y = make_delayed_label(90, 12, variable_length=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        local = _search().set_params(n_jobs=1).fit(X, y)
        with distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
            silence_logs=40,
        ) as cluster, distributed.Client(cluster) as client:
            workers = client.run(_blas_threads)
            assert len(workers) == 2
            # each worker process starts with one BLAS thread: 2 workers x 1 thread
            # on 2 cores, never oversubscribed
            assert all(threads and max(threads) == 1 for threads in workers.values())
            with joblib.parallel_backend("dask"):
                remote = _search().fit(X, y)
            # the fits really ran on the workers
            executed = client.run(lambda dask_worker: dask_worker.state.executed_count)
            assert sum(executed.values()) > 0
    for key in ("mean_test_score", "std_test_score", "rank_test_score",
                "split0_test_score", "split1_test_score", "split2_test_score"):
        np.testing.assert_array_equal(remote.cv_results_[key], local.cv_results_[key])
    assert remote.best_params_ == local.best_params_
    np.testing.assert_array_equal(remote.predict_proba(X), local.predict_proba(X))
