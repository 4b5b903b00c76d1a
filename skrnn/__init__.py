"""skrnn: recurrent neural networks as scikit-learn estimators, in numpy and scipy."""

from ._classes import RNNClassifier, RNNRegressor
from ._seq2seq_estimator import SeqToSeqRNN
from .exceptions import DivergenceError, InconsistentVersionWarning

__version__ = "0.1.0"

__all__ = [
    "DivergenceError",
    "InconsistentVersionWarning",
    "RNNClassifier",
    "RNNRegressor",
    "SeqToSeqRNN",
    "__version__",
]
