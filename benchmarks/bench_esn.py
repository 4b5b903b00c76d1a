"""Echo state network benchmark: accuracy and fit time against the BPTT cells, and speed.

Two parts, printed as plain tables:

1. Classification on real UCR/UEA multivariate data shipped inside ``sktime`` (read from
   the package's files, nothing is downloaded): BasicMotions (6 channels, 100 steps,
   equal length) and JapaneseVowels (12 channels, 7-29 steps, unequal length). The ESN's
   hyperparameters are chosen by 3-fold cross-validation on the training set only (the
   grid's time is reported too); each BPTT cell (Elman, LSTM, GRU) is fitted once with
   one reasonable configuration. Test accuracy and the time of one fit are compared.
2. Throughput: a 1,000-unit reservoir over 50,000 time steps, as 500 sequences of 100
   steps through ``RNNRegressor(cell_type="esn")`` and as one 50,000-step sequence with a
   target at every step (the reservoirpy benchmark's setting) through the core
   functions, and through reservoirpy itself when it is installed.

Usage::

    python benchmarks/bench_esn.py               # everything
    python benchmarks/bench_esn.py --part speed  # throughput only (no sktime needed)
    python benchmarks/bench_esn.py --blas-threads 1

Part 1 needs ``pip install sktime``; without it that part is skipped with a message.
"""

import argparse
import platform
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold

import skrnn
from skrnn import RNNClassifier, RNNRegressor
from skrnn import _reservoir as esn
from skrnn._recurrent import make_plan

BPTT_CELLS = ("elman", "lstm", "gru")
BPTT_PARAMS = dict(hidden_layer_sizes=64, max_iter=200, random_state=0)
ESN_PARAMS = dict(cell_type="esn", hidden_layer_sizes=500, random_state=0)
ESN_GRID = {
    "alpha": np.logspace(-4, 2, 7),
    "spectral_radius": [0.5, 0.9, 1.2],
    "leak_rate": [0.1, 0.3, 1.0],
}


# --------------------------------------------------------------------------- data
def _basic_motions(split):
    from sktime.datasets import load_basic_motions

    X, y = load_basic_motions(split=split, return_X_y=True, return_type="numpy3D")
    return list(np.transpose(X, (0, 2, 1)).astype(np.float64)), np.asarray(y)


def _japanese_vowels(split):
    from sktime.datasets import load_japanese_vowels

    X, y = load_japanese_vowels(split=split, return_X_y=True, return_type="df-list")
    return [np.asarray(x, dtype=np.float64) for x in X], np.asarray(y)


DATASETS = {"BasicMotions": _basic_motions, "JapaneseVowels": _japanese_vowels}


def _standardise(train, test):
    """Per-channel scaling with the training set's mean and deviation."""
    stacked = np.concatenate(train)
    mean, scale = stacked.mean(axis=0), stacked.std(axis=0) + 1e-12
    return [(x - mean) / scale for x in train], [(x - mean) / scale for x in test]


# --------------------------------------------------------------------------- part 1
def _timed_fit(estimator, X, y):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit(X, y)
    return time.perf_counter() - start


def accuracy_part():
    try:
        import sktime
    except ImportError:
        print("SKIPPED accuracy part: sktime is not installed (pip install sktime); it "
              "ships the UCR/UEA data sets this part reads.")
        return
    print(f"sktime {sktime.__version__}")
    for name, load in DATASETS.items():
        X_train, y_train = load("train")
        X_test, y_test = load("test")
        X_train, X_test = _standardise(X_train, X_test)
        lengths = [len(x) for x in X_train + X_test]
        print(f"\n{name}: {len(X_train)} train / {len(X_test)} test sequences, "
              f"{X_train[0].shape[1]} channels, {min(lengths)}-{max(lengths)} steps")
        print(f"{'model':<34}{'test acc':>9}{'fit s':>9}")
        rows = []
        for cell in BPTT_CELLS:
            clf = RNNClassifier(cell_type=cell, **BPTT_PARAMS)
            seconds = _timed_fit(clf, X_train, y_train)
            rows.append((f"{cell} (BPTT, 64 units)", clf.score(X_test, y_test), seconds))
            print(f"{rows[-1][0]:<34}{rows[-1][1]:>9.3f}{rows[-1][2]:>9.2f}", flush=True)
        grid = GridSearchCV(
            RNNClassifier(**ESN_PARAMS), ESN_GRID,
            cv=StratifiedKFold(3, shuffle=True, random_state=0), n_jobs=1,
        )
        grid_seconds = _timed_fit(grid, X_train, y_train)
        best = RNNClassifier(**ESN_PARAMS, **grid.best_params_)
        seconds = _timed_fit(best, X_train, y_train)
        esn_acc = best.score(X_test, y_test)
        chosen = ", ".join(f"{k}={v:.3g}" for k, v in grid.best_params_.items())
        print(f"{'esn (500 units, one fit)':<34}{esn_acc:>9.3f}{seconds:>9.2f}")
        print(f"  ESN grid: {len(grid.cv_results_['params'])} settings x 3 folds in "
              f"{grid_seconds:.1f} s; chosen {chosen}")
        best_bptt = max(rows, key=lambda r: r[1])
        print(f"  ESN - best BPTT ({best_bptt[0]}): {100 * (esn_acc - best_bptt[1]):+.1f} "
              f"accuracy points; fit {best_bptt[2] / seconds:.0f}x faster "
              f"(grid included: {best_bptt[2] / grid_seconds:.1f}x)")


# --------------------------------------------------------------------------- part 2
def _best_of(repeats, fn):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def speed_part(repeats):
    rng = np.random.RandomState(0)
    units, steps = 1000, 50_000
    print(f"\nReservoir of {units} units over {steps} time steps "
          f"(best of {repeats}; fit = build reservoir + run + solve readout)")
    print(f"{'setting':<64}{'fit s':>8}")
    X = rng.normal(size=(500, 100, 3))
    y = X[:, :, 0].mean(axis=1) + X[:, -1, 1]
    for density in ("auto", 0.1):  # "auto" is 10 / 1000 = 0.01
        reg = RNNRegressor(cell_type="esn", hidden_layer_sizes=units,
                           reservoir_density=density, leak_rate=0.3, alpha=1e-2,
                           random_state=0)
        seconds = _best_of(repeats, lambda reg=reg: reg.fit(X, y))
        print(f"{f'RNNRegressor, 500 x 100 steps, density {density}':<64}{seconds:>8.2f}")

    # one long sequence with a target at every step: predict the next value of a
    # noisy sine mixture from the current one
    t = np.arange(steps + 1)
    signal = np.sin(0.05 * t) + 0.5 * np.sin(0.0123 * t) + 0.05 * rng.normal(size=steps + 1)
    u, target = signal[:-1, None], signal[1:, None]
    for density in (0.1, 0.01):
        def fit_aligned(density=density):
            res = esn.make_reservoir(1, units, spectral_radius_target=0.9, density=density,
                                     input_scaling=1.0, rng=np.random.RandomState(0))
            run = esn.run_reservoir(res, u, make_plan([steps]), leak_rate=0.3,
                                    keep_states=True)
            moments = esn.update_moments(esn.empty_moments(units, 1), run.states, target)
            return esn.solve_ridge(moments, 1e-6)

        seconds = _best_of(repeats, fit_aligned)
        label = f"skrnn core, 1 x 50,000 steps, every-step readout, density {density}"
        print(f"{label:<64}{seconds:>8.2f}")
    try:
        import reservoirpy
        from reservoirpy.nodes import Reservoir, Ridge
    except ImportError:
        print("reservoirpy is not installed: its side of the comparison is skipped.")
        return
    for density in (0.1, 0.01):
        def fit_reservoirpy(density=density):
            model = Reservoir(units, lr=0.3, sr=0.9, rc_connectivity=density, seed=0) >> \
                Ridge(ridge=1e-6)
            model.fit(u, target)

        seconds = _best_of(repeats, fit_reservoirpy)
        label = f"reservoirpy {reservoirpy.__version__}, same task, density {density}"
        print(f"{label:<64}{seconds:>8.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["all", "accuracy", "speed"], default="all")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--blas-threads", type=int, default=None,
                        help="limit BLAS threads (threadpoolctl) for the whole run")
    args = parser.parse_args()
    import scipy
    import sklearn

    print(f"skrnn {skrnn.__version__}, numpy {np.__version__}, scipy {scipy.__version__}, "
          f"scikit-learn {sklearn.__version__}, Python {platform.python_version()}")
    limits = None
    if args.blas_threads is not None:
        from threadpoolctl import threadpool_limits

        limits = threadpool_limits(args.blas_threads)
        print(f"BLAS threads limited to {args.blas_threads}")
    try:
        if args.part in ("all", "accuracy"):
            accuracy_part()
        if args.part in ("all", "speed"):
            speed_part(args.repeats)
    finally:
        if limits is not None:
            limits.restore_original_limits()


if __name__ == "__main__":
    main()
