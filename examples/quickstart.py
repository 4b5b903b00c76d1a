"""Quickstart: an RNN as a scikit-learn classifier on sequences of different lengths
=================================================================================

The data comes from skrnn itself: in each sequence only the first three steps say which
class it belongs to, and 30 to 60 steps of noise follow. A model must remember the start
of the sequence until its end. A logistic regression on per-sequence statistics (a
typical "flatten the sequence" baseline) cannot; a GRU can.

Run: ``python examples/quickstart.py`` (a few seconds on 2 cores). ``--quick`` is
accepted, like every example's, and changes nothing: the full run is already short.
"""

import argparse

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skrnn import RNNClassifier
from skrnn.datasets import make_delayed_label


def summary_statistics(X):
    """Mean, standard deviation and last step of each sequence: what a flat model sees."""
    return np.array([np.concatenate([x.mean(0), x.std(0), x[-1]]) for x in X])


parser = argparse.ArgumentParser(description="Quickstart: an RNN classifier")
parser.add_argument("--quick", action="store_true", help="the same run (already short)")
parser.parse_args()

X, y = make_delayed_label(n_samples=1000, n_timesteps=60, variable_length=True,
                          random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
print(f"{len(X_train)} training sequences of "
      f"{min(map(len, X))} to {max(map(len, X))} steps")

rnn = RNNClassifier(cell_type="gru", hidden_layer_sizes=32, batch_size=32,
                    learning_rate_init=0.01, max_iter=15, verbose=True, random_state=0)
rnn.fit(X_train, y_train)

baseline = make_pipeline(FunctionTransformer(summary_statistics), LogisticRegression())
baseline.fit(X_train, y_train)

print(f"\nGRU test accuracy:                     {rnn.score(X_test, y_test):.3f}")
print(f"Logistic regression on summary stats:  {baseline.score(X_test, y_test):.3f}")
