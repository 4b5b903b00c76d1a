"""Rotten Tomatoes: pooling and variational dropout on the first-try pipeline.

Run from the repository root::

    python benchmarks/bench_text_knobs.py

The same 5 stratified folds and the same first-try pipeline as ``bench_text.py``
(``TextSequencer(min_frequency=2) -> RNNClassifier(embedding_dim=64)``, a bidirectional
GRU of 64 units with ``pooling="last"``), each row changing one estimator parameter:
the pooling over the steps, dropout on the embedded inputs (``input_dropout``, one mask
per snippet over the 64 embedding columns) and on the recurrent state
(``recurrent_dropout``). These are the folds the results are reported on, so the table
is a measurement, not a choice: no default was changed from it.
"""

import argparse
import time

import numpy as np
from _common import cpu_model
from bench_text import first_try, run_fold
from joblib import Parallel, delayed
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline

from skrnn.datasets import load_rotten_tomatoes
from skrnn.preprocessing import TextSequencer

KNOBS = {
    "first try (pooling='last')": {},
    "pooling='mean'": {"pooling": "mean"},
    "pooling='max'": {"pooling": "max"},
    "input_dropout=0.25": {"input_dropout": 0.25},
    "recurrent_dropout=0.25": {"recurrent_dropout": 0.25},
}


def main():
    parser = argparse.ArgumentParser(description="Pooling and dropout on Rotten Tomatoes.")
    parser.add_argument("--n-jobs", type=int, default=2, help="fits at a time")
    args = parser.parse_args()
    X, y = load_rotten_tomatoes(return_X_y=True)
    y = np.asarray(y)
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
    start = time.perf_counter()
    results = Parallel(n_jobs=args.n_jobs)(
        delayed(run_fold)(
            name, make_pipeline(TextSequencer(min_frequency=2), first_try(**params)),
            X, y, train, test,
        )
        for name, params in KNOBS.items() for train, test in folds
    )
    scores = {}
    for name, score, _, _ in results:
        scores.setdefault(name, []).append(score)
    print(f"Rotten Tomatoes, 5 stratified folds; CPU: {cpu_model()}")
    print(f"{'pipeline':30s} accuracy     std   per fold")
    for name, values in scores.items():
        print(f"{name:30s} {np.mean(values):8.4f}  {np.std(values):.4f}   "
              + " ".join(f"{v:.3f}" for v in values))
    print(f"{time.perf_counter() - start:.0f} s wall clock, {args.n_jobs} fits at a time")


if __name__ == "__main__":
    main()
