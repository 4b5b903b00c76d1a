"""What scikit-learn's callbacks cost a fit: CPU time with none, a ProgressBar, a
ScoringMonitor.

One GRU classifier (16 units) on 400 sequences of 20 steps of
:func:`skrnn.datasets.make_delayed_label`, ``batch_size=10`` (40 optimizer steps an
epoch, each a batch task the callbacks hear of), 10 epochs. The CPU time of the process
(``time.process_time``, which counts the progress bar's drawing thread) is measured
rather than the wall clock, which other jobs on a shared machine disturb; best of
``--repeats`` fits. Needs scikit-learn >= 1.9 and rich.

Usage::

    python benchmarks/bench_callbacks.py [--repeats 5]
"""

import argparse
import contextlib
import io
import time
import warnings

from _common import cpu_model
from sklearn.callback import ProgressBar, ScoringMonitor
from sklearn.exceptions import ConvergenceWarning

from skrnn import RNNClassifier
from skrnn.datasets import make_delayed_label

SETTINGS = {
    "no callback": lambda: [],
    "ProgressBar": lambda: [ProgressBar()],
    "ScoringMonitor(accuracy)": lambda: [ScoringMonitor(scoring="accuracy")],
}


def cpu_time_of_fit(make_callbacks, X, y):
    est = RNNClassifier(hidden_layer_sizes=16, max_iter=10, batch_size=10, random_state=0)
    callbacks = make_callbacks()
    if callbacks:
        est.set_callbacks(*callbacks)
    start = time.process_time()
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    return time.process_time() - start


def main(repeats):
    X, y = make_delayed_label(n_samples=400, n_timesteps=20, random_state=0)
    times = {name: [] for name in SETTINGS}
    for _ in range(repeats):  # interleaved, so that a busy spell hits every setting
        for name, make_callbacks in SETTINGS.items():
            times[name].append(cpu_time_of_fit(make_callbacks, X, y))
    print(f"CPU: {cpu_model()}")
    print(f"{'callbacks':<26}{f'CPU time of fit, best of {repeats} (s)':>32}")
    for name, values in times.items():
        print(f"{name:<26}{min(values):>32.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    main(parser.parse_args().repeats)
