"""A progress bar over a grid search: GridSearchCV -> Pipeline -> RNNClassifier
============================================================================

scikit-learn >= 1.9 ships callbacks (``sklearn.callback``, experimental) and skrnn's
estimators take them: set :class:`sklearn.callback.ProgressBar` (it needs ``rich``:
``pip install skrnn[progress]``) on the search and it shows every candidate's fit, its
epochs and their mini-batches, also from the worker processes of ``n_jobs=2``. A
:class:`sklearn.callback.ScoringMonitor` set on the classifier scores every epoch of
every fit on its training data.

The task is :func:`skrnn.datasets.make_delayed_label`: the label is written in the first
steps of a noisy sequence, so the network must remember it to the end.

Run: ``python examples/progress_bar_grid_search.py`` (a minute on 2 cores under load).
"""

import argparse
import warnings

from sklearn.callback import ProgressBar, ScoringMonitor
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skrnn import RNNClassifier
from skrnn.datasets import make_delayed_label
from skrnn.preprocessing import StepwiseTransformer


def main(quick=False):
    X, y = make_delayed_label(
        n_samples=200 if quick else 600, n_timesteps=20, random_state=0
    )
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    monitor = ScoringMonitor(scoring="accuracy")
    pipe = make_pipeline(
        StepwiseTransformer(StandardScaler()),
        RNNClassifier(hidden_layer_sizes=16, max_iter=3 if quick else 4,
                      batch_size=50, random_state=0).set_callbacks(monitor),
    )
    search = GridSearchCV(
        pipe, {"rnnclassifier__cell_type": ["gru", "lstm"]}, cv=2, n_jobs=2
    )
    search.set_callbacks(ProgressBar(max_propagation_depth=None))
    with warnings.catch_warnings():
        # the scaler in front takes no callbacks; short fits do not converge
        warnings.filterwarnings("ignore", message=".*does not support callbacks")
        warnings.filterwarnings("ignore", message=".*maximum iterations")
        search.fit(X_train, y_train)
    print(f"best: {search.best_params_}, held-out accuracy "
          f"{search.score(X_test, y_test):.3f}")
    refit = [row for row in monitor.get_logs().data if row["task_name"] == "epoch"]
    print("accuracy on the training data after each epoch of the refit:",
          [round(row["accuracy"], 3) for row in refit[-pipe[-1].max_iter:]])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description="A progress bar over a grid search of RNN pipelines."
    )
    parser.add_argument("--quick", action="store_true", help="a smaller, faster run")
    main(quick=parser.parse_args().quick)
