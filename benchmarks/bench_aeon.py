"""skrnn's aeon adapter inside tsml-eval's experiment function, on an unequal-length set.

Needs aeon and tsml-eval, which pin scikit-learn and numpy below what the main
environment has, so it runs in its own virtual environment (the one ``.ci/aeon``
builds)::

    python3 -m venv /tmp/tsml-venv
    /tmp/tsml-venv/bin/pip install -e . tsml-eval
    /tmp/tsml-venv/bin/python benchmarks/bench_aeon.py

What is measured. PLAID (UCR archive; 537 train and 537 test series of 100-1344 steps,
11 classes), read by aeon's ``load_plaid`` in aeon's own format, a list of ``(1,
n_timepoints_i)`` arrays. For each model, tsml-eval's
``run_classification_experiment`` fits it on the archive's train split, predicts the
test split and writes its results file; the accuracy printed is the one tsml-eval
reads back from that file (``load_classifier_results``). Models: skrnn's
:class:`~skrnn.aeon.AeonRNNClassifier` with its default pipeline (a GRU behind
``FrameStacker(frame_length="auto")`` and ``StepwiseTransformer(StandardScaler())``)
for each ``--seeds`` value, and two aeon classifiers that take unequal lengths, fitted
in the same run: ``DummyClassifier`` (the majority class) and ``Catch22Classifier``
(catch22 features and a random forest). The series are never padded or resampled.
Fit times are those of a machine shared with other jobs and are not printed.
"""

import argparse
import os
import platform
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import cpu_model  # noqa: E402

try:
    import aeon
    import tsml_eval
    from aeon.classification.dummy import DummyClassifier
    from aeon.classification.feature_based import Catch22Classifier
    from aeon.datasets import load_plaid
    from tsml_eval.evaluation.storage import load_classifier_results
    from tsml_eval.experiments import run_classification_experiment
except ImportError as error:
    raise SystemExit(
        f"{error}. This benchmark runs in a virtual environment with aeon and tsml-eval "
        "(see its docstring): pip install -e . tsml-eval"
    ) from None

import skrnn  # noqa: E402
from skrnn.aeon import AeonRNNClassifier  # noqa: E402


def models(seeds):
    """The models to run, by the name tsml-eval files their results under."""
    table = {f"skrnn-gru-seed{s}": AeonRNNClassifier(random_state=s) for s in seeds}
    table["aeon-Dummy"] = DummyClassifier()
    table["aeon-Catch22"] = Catch22Classifier(random_state=0)
    return table


def run(name, model, data, folder):
    """One tsml-eval experiment; the test accuracy read back from its results file."""
    X_train, y_train, X_test, y_test = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        run_classification_experiment(
            X_train, y_train, X_test, y_test, model, folder, classifier_name=name,
            dataset_name="PLAID", resample_id=0, benchmark_time=False,
        )
    path = Path(folder) / name / "Predictions" / "PLAID" / "testResample0.csv"
    return load_classifier_results(str(path)).accuracy


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--quick", action="store_true",
                        help="the first 60 training and test series, one seed")
    args = parser.parse_args(argv)
    X_train, y_train = load_plaid(split="train")
    X_test, y_test = load_plaid(split="test")
    seeds = args.seeds
    if args.quick:
        X_train, y_train = X_train[:60], y_train[:60]
        X_test, y_test = X_test[:60], y_test[:60]
        seeds = seeds[:1]
    lengths = [x.shape[-1] for x in X_train + X_test]
    load = os.getloadavg()[0]
    print(f"- python {platform.python_version()}, numpy {np.__version__}, scikit-learn "
          f"{sklearn.__version__}, aeon {aeon.__version__}, tsml-eval "
          f"{tsml_eval.__version__}, skrnn {skrnn.__version__}")
    print(f"- cpu: {cpu_model()}, {os.cpu_count()} logical cores, shared with other jobs "
          f"(1-minute load average {load:.2f} at start)")
    print(f"- PLAID: {len(X_train)} train / {len(X_test)} test series, "
          f"{min(lengths)}-{max(lengths)} steps, {len(np.unique(y_train))} classes, "
          f"given to every model as a list of (1, n_timepoints_i) arrays\n")
    print("| model (tsml-eval classifier_name) | test accuracy |")
    print("| --- | ---: |")
    scores = {}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        for name, model in models(seeds).items():
            scores[name] = run(name, model, (X_train, y_train, X_test, y_test), folder)
            print(f"| {name} | {scores[name]:.3f} |", flush=True)
    rnn = [v for k, v in scores.items() if k.startswith("skrnn")]
    print(f"| skrnn GRU, mean ± std over {len(rnn)} seed(s) | "
          f"{np.mean(rnn):.3f} ± {np.std(rnn):.3f} |")
    print(f"\ntotal {(time.perf_counter() - start) / 60:.1f} min (under load)")


if __name__ == "__main__":
    main()
